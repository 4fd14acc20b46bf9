/**
 * Every backend of the harness, in the order its suites run. A new backend
 * is one file beside these and one line here.
 *
 * @module
 */

import { MONGODB_BACKEND } from "./mongodb.ts";
import { MYSQL_BACKEND } from "./mysql.ts";
import { NATS_BACKEND } from "./nats.ts";
import { POSTGRES_BACKEND } from "./postgres.ts";
import { RABBITMQ_BACKEND } from "./rabbitmq.ts";
import { REDIS_BACKEND } from "./redis.ts";

export { MONGODB_BACKEND, MYSQL_BACKEND, NATS_BACKEND, POSTGRES_BACKEND, RABBITMQ_BACKEND, REDIS_BACKEND };

/**
 * The registered backends.
 *
 * @example
 * ```ts
 * import { HARNESS_BACKENDS } from "guarded-drop/harness";
 *
 * console.log(HARNESS_BACKENDS.map((b) => b.backend)); // ["postgres", "redis", "rabbitmq", "mongodb", "mysql", "nats"]
 * ```
 */
export const HARNESS_BACKENDS: readonly [
  typeof POSTGRES_BACKEND,
  typeof REDIS_BACKEND,
  typeof RABBITMQ_BACKEND,
  typeof MONGODB_BACKEND,
  typeof MYSQL_BACKEND,
  typeof NATS_BACKEND,
] = Object.freeze(
  [POSTGRES_BACKEND, REDIS_BACKEND, RABBITMQ_BACKEND, MONGODB_BACKEND, MYSQL_BACKEND, NATS_BACKEND] as const,
);
