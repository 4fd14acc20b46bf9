/**
 * The servers one harness run checks against, whichever provider gave them.
 *
 * @module
 */

import { HARNESS_BACKENDS } from "./backends/mod.ts";
import type { HarnessRole } from "./harness_backend.ts";
import type { ServerControl } from "./server_control.ts";

/**
 * The servers of the harness, by role: every role a backend registered in
 * `harness/backends/`. `rabbitmqDedicated` may be the same broker as
 * `rabbitmq`: the dedicated names (`dedicated_vh_…`) keep them apart: a
 * dedicated tenant needs its own vhost, not its own broker.
 *
 * @example
 * ```ts
 * import type { ServerRole } from "guarded-drop/harness";
 *
 * const role: ServerRole = "natsDedicated";
 * ```
 */
export type ServerRole = (typeof HARNESS_BACKENDS)[number]["roles"][number]["role"];

/**
 * Every {@linkcode ServerRole}, in the backends' order.
 *
 * @example
 * ```ts
 * import { SERVER_ROLES } from "guarded-drop/harness";
 *
 * console.log(SERVER_ROLES.length); // 11
 * ```
 */
export const SERVER_ROLES: readonly ServerRole[] = Object.freeze(
  HARNESS_BACKENDS.flatMap((backend) => backend.roles.map((role) => role.role)),
);

/**
 * Each role's registration, by role.
 *
 * @example
 * ```ts
 * import { ROLE_REGISTRATIONS } from "guarded-drop/harness";
 *
 * console.log(ROLE_REGISTRATIONS.natsDedicated.name); // "nats-dedicated"
 * ```
 */
export const ROLE_REGISTRATIONS: Readonly<Record<ServerRole, HarnessRole & { readonly backend: string }>> = Object
  .freeze(
    Object.fromEntries(
      HARNESS_BACKENDS.flatMap((backend) =>
        backend.roles.map((
          role,
        ): [string, HarnessRole & { readonly backend: string }] => [role.role, { ...role, backend: backend.backend }])
      ),
    ) as Record<ServerRole, HarnessRole & { readonly backend: string }>,
  );

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
  /** The servers, by role: a role without a server is missing. */
  readonly servers: Readonly<Partial<Record<ServerRole, ServerControl>>>;
  /** Why a role has no server, and how to get one. */
  readonly missing: Readonly<Partial<Record<ServerRole, string>>>;
  /** Stops what the provider started (containers, proxies). Safe to call twice. */
  stop(): Promise<void>;
}
