/**
 * {@linkcode rules}: every built-in rule.
 *
 * @module
 */

import type { RuleModule } from "../create_rule.ts";
import { adapterDeprovision } from "./adapter_deprovision.ts";
import { mongodbDrop } from "./mongodb_drop.ts";
import { ormDrop } from "./orm_drop.ts";
import { rabbitmqDelete } from "./rabbitmq_delete.ts";
import { redisAclDeluser } from "./redis_acl_deluser.ts";
import { redisFlush } from "./redis_flush.ts";
import { sanctionedReference } from "./sanctioned_reference.ts";
import { sqlDrop } from "./sql_drop.ts";

/**
 * Every built-in rule, in report order: when two rules report the same node,
 * the earlier one keeps it.
 *
 * @example Listing the rule ids
 * ```ts
 * import { rules } from "guarded-drop/guard";
 *
 * console.log(rules.map((rule) => rule.name).join(", "));
 * ```
 */
export const rules: readonly RuleModule[] = Object.freeze([
  ormDrop,
  sqlDrop,
  redisAclDeluser,
  redisFlush,
  mongodbDrop,
  rabbitmqDelete,
  adapterDeprovision,
  sanctionedReference,
] as RuleModule[]);
