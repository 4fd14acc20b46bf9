/**
 * {@linkcode redisDedicated}: deprovision of a tenant on its own Redis
 * server.
 *
 * @module
 */

import type { Deprovisioner } from "../../lib/mod.ts";
import { RedisDedicatedDeprovisioner } from "./_redis_deprovisioner.ts";
import type { RedisDedicatedOptions } from "./redis_options.ts";

/**
 * Makes the deprovisioner of tenants on dedicated Redis servers: the tenant
 * `<t>` is the ACL user `ded_<t>` and every key of the server the URL names.
 *
 * `deprovision(t)` checks the token and the user name, then, on one admin
 * connection:
 *
 * 1. `ACL USERS` and `ACL WHOAMI`: when the server holds any user other
 *    than `default`, the connection's own user, `ded_<t>` and the
 *    `allowedUsers`, it throws {@linkcode RefusedError} and changes nothing;
 * 2. `ACL DELUSER ded_<t>` (which disconnects the tenant's clients);
 * 3. `FLUSHALL ASYNC`.
 *
 * NOTE: FLUSHALL is only as safe as the URL. A shared server given by
 * mistake would lose every tenant, so step 1 refuses a server that holds
 * other users: a shared server holds `usr_<t>` for each of its tenants. It
 * cannot tell a shared server that holds no ACL user at all, nor a user
 * created between step 1 and step 3; keys are not inspected, since on a
 * dedicated server every key is the tenant's, whatever its name. Clients the
 * tenant authenticated as `default` stay connected, with an empty server.
 *
 * It is idempotent. `exists(t)` is `ACL GETUSER ded_<t>`, then whether
 * `INFO keyspace` lists any key.
 *
 * Errors are classified as in {@linkcode redisShared}.
 *
 * @param options The admin URL of the tenant's server, the platform's own
 * users, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "redis", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed.
 *
 * @example Dropping a dedicated tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { redisDedicated } from "guarded-drop/adapters/redis";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = redisDedicated({ url: "redis://tenant-acme42.internal:6379", allowedUsers: ["metrics"] });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-4", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function redisDedicated(options: RedisDedicatedOptions): Deprovisioner {
  return new RedisDedicatedDeprovisioner(options);
}
