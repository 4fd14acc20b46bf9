/**
 * {@linkcode rules}: every built-in rule.
 *
 * @module
 */

import type { RuleModule } from "../create_rule.ts";
import { adapterDeprovision } from "./adapter_deprovision.ts";
import { cliDrop } from "./cli_drop.ts";
import { mongodbDrop } from "./mongodb_drop.ts";
import { natsDelete } from "./nats_delete.ts";
import { ormDrop } from "./orm_drop.ts";
import { rabbitmqDelete } from "./rabbitmq_delete.ts";
import { redisAclDeluser } from "./redis_acl_deluser.ts";
import { redisFlush } from "./redis_flush.ts";
import { sanctionedReference } from "./sanctioned_reference.ts";
import { sqlDrop } from "./sql_drop.ts";

/**
 * Every built-in rule, in report order: when two rules report the same
 * operation (the same node, or one inside the other), the earlier one keeps
 * it. The rules for a way of running a drop (a child process, an ORM) come
 * before the rules for the statement it runs.
 *
 * @example Listing the rule ids
 * ```ts
 * import { rules } from "guarded-drop/guard";
 *
 * console.log(rules.map((rule) => rule.name).join(", "));
 * ```
 */
export const rules: readonly RuleModule[] = Object.freeze([
  cliDrop,
  ormDrop,
  sqlDrop,
  redisAclDeluser,
  redisFlush,
  mongodbDrop,
  rabbitmqDelete,
  natsDelete,
  adapterDeprovision,
  sanctionedReference,
] as RuleModule[]);
