/**
 * {@linkcode redisDedicated}: deprovision of a tenant on its own Redis
 * server.
 *
 * @module
 */

import { RedisDedicatedQuarantineDeprovisioner } from "./_redis_quarantine_deprovisioner.ts";
import type { RedisDedicatedOptions } from "./redis_options.ts";
import type { RedisAdapter } from "./redis_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on dedicated Redis servers: the tenant
 * `<t>` is the ACL user `ded_<t>` and every key of the server the URL names.
 *
 * `deprovision(t)` checks the token and the user name, then, on one admin
 * connection:
 *
 * 1. `ACL GETUSER ded_<t>`. The user is the proof that the server is the
 *    tenant's own, and FLUSHALL never runs without it. Without it, `INFO
 *    keyspace`: a server without keys is already gone (`ok`, nothing is
 *    sent); a server with keys throws {@linkcode RefusedError} and nothing
 *    is touched. The absence of other users is no proof: many shared
 *    servers run with `default` alone.
 * 2. `ACL USERS` and `ACL WHOAMI`: when the server also holds a user other
 *    than `default`, `ded_<t>` and the `allowedUsers` (a shared server holds
 *    `usr_<t>` for each of its tenants), it throws {@linkcode RefusedError}
 *    and changes nothing. The connection's own user is exempt only when it
 *    is not tenant-shaped: a URL with another tenant's credentials
 *    (`redis://ded_zz:…@`) points at that tenant's server. Tenant-shaped is
 *    a name with a default user prefix (`usr_`, `ded_`, `dedicated_usr_`, in
 *    any case) or one the configured name rules accept as a tenant user.
 *    Connecting as `ded_<t>` itself (the tenant's own credentials) is fine:
 *    that user is the proof.
 * 3. `MULTI`, `FLUSHALL ASYNC`, `ACL DELUSER ded_<t>` (which disconnects the
 *    tenant's clients), `EXEC`: one transaction, so no client writes between
 *    the flush and the user's deletion, and no crash can leave one without
 *    the other.
 *
 * So a crash at any point leaves either the user (a re-run proves the
 * server again and finishes) or an empty server without the user (a re-run
 * is `ok` and sends nothing). Any number of concurrent deprovisions of one
 * tenant all end `ok`: whichever runs its transaction first empties the
 * server, and the others either run theirs on the emptied server (their
 * proof was read before) or find it already gone.
 *
 * NOTE: the proof is read, then the transaction runs: a user created on the
 * server between the two round trips is not seen. It guards against a wrong
 * URL, not a concurrent admin. The platform must create `ded_<t>` when it
 * provisions the server; a server without it can only be dropped after an
 * operator creates it. Clients the tenant authenticated as `default` stay
 * connected, with an empty server.
 *
 * It is idempotent. `exists(t)` is `ACL GETUSER ded_<t>`, then whether
 * `INFO keyspace` lists any key.
 *
 * With `retention: { days }`, `deprovision(t)` quarantines instead (and
 * resolves `{ action: "quarantine" }`): one transaction makes the mark, an
 * ACL user `gd-quarantine~<name>~ded_<t>~<on|off>` that only an admin can
 * make, sets `ded_<t>` off and kills its clients; every key stays.
 * `exists(t)` is then false. `restore(t)` enables the user again;
 * `purgeExpired(guardedDrop)` flushes the server of an expired copy, with
 * the proof above, through that guardedDrop. See docs/recovery.md.
 *
 * Errors are classified as in {@linkcode redisShared}.
 *
 * @param options The admin URL of the tenant's server, the platform's own
 * users, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "redis", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed (a URL whose
 * percent-escapes do not decode to UTF-8 text included).
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
export function redisDedicated(options: RedisDedicatedOptions): RedisAdapter {
  return new RedisDedicatedQuarantineDeprovisioner(options);
}
