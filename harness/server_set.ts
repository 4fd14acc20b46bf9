/**
 * The servers one harness run checks against, whichever provider gave them.
 *
 * @module
 */

import type { ServerControl } from "./server_control.ts";

/**
 * The servers of the harness, by role. `rabbitmqDedicated` may be the same
 * broker as `rabbitmq`: the dedicated names (`dedicated_vh_…`) keep them
 * apart: a dedicated tenant needs its own vhost, not its own broker.
 *
 * @example
 * ```ts
 * import type { ServerRole } from "guarded-drop/harness";
 *
 * const role: ServerRole = "postgresDedicated";
 * ```
 */
export type ServerRole =
  | "postgres"
  | "postgresDedicated"
  | "redis"
  | "redisDedicated"
  | "rabbitmq"
  | "rabbitmqDedicated"
  | "mongodb"
  | "mysql"
  | "mysqlDedicated";

/**
 * Every {@linkcode ServerRole}.
 *
 * @example
 * ```ts
 * import { SERVER_ROLES } from "guarded-drop/harness";
 *
 * console.log(SERVER_ROLES.length); // 9
 * ```
 */
export const SERVER_ROLES: readonly ServerRole[] = Object.freeze([
  "postgres",
  "postgresDedicated",
  "redis",
  "redisDedicated",
  "rabbitmq",
  "rabbitmqDedicated",
  "mongodb",
  "mysql",
  "mysqlDedicated",
]);

/**
 * What a provider gave: a control per available server, and for every
 * missing one the reason, which tells how to get it.
 *
 * @example
 * ```ts
 * import type { ServerSet } from "guarded-drop/harness";
 *
 * function report(set: ServerSet): void {
 *   for (const [role, reason] of Object.entries(set.missing)) console.log(`${role}: skipped, ${reason}`);
 * }
 * ```
 */
export interface ServerSet {
  /** `containers` or `external`. */
  readonly provider: "containers" | "external";
  readonly servers: Readonly<Partial<Record<ServerRole, ServerControl>>>;
  /** Why a role has no server, and how to get one. */
  readonly missing: Readonly<Partial<Record<ServerRole, string>>>;
  /** Stops what the provider started (containers, proxies). Safe to call twice. */
  stop(): Promise<void>;
}
