/**
 * {@linkcode redisShared}: deprovision of a tenant on a shared Redis.
 *
 * @module
 */

import { RedisSharedQuarantineDeprovisioner } from "./_redis_quarantine_deprovisioner.ts";
import type { RedisSharedOptions } from "./redis_options.ts";
import type { RedisAdapter } from "./redis_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on a shared Redis: the tenant `<t>` is
 * the ACL user `usr_<t>` and the keys `<t>:*` of the URL's logical database.
 *
 * `deprovision(t)` checks the token and the user name, then, on one admin
 * connection:
 *
 * 1. `ACL DELUSER usr_<t>`, which also disconnects every client
 *    authenticated as it (Redis 7; no `CLIENT KILL USER` follows: it would
 *    answer "No such user");
 * 2. `SCAN <cursor> MATCH <t>:* COUNT <scanCount>` until the cursor is 0,
 *    each batch removed by one `UNLINK <key>…` pipelined with the next SCAN.
 *    The token is glob-escaped and the pattern anchored on `:`, so `abc`
 *    never matches `abcx:…`. Never `KEYS`, never `DEL`.
 *
 * It is idempotent. `exists(t)` is `ACL GETUSER usr_<t>`, then a SCAN that
 * stops at the first matching key.
 *
 * Errors: a hostile token throws {@linkcode RefusedError} before any
 * connection. A network error, a connect or command timeout, a lost
 * connection or a LOADING, BUSY, MASTERDOWN, TRYAGAIN or CLUSTERDOWN reply
 * throws `BackendError` of kind `unavailable`; any other reply (NOPERM,
 * WRONGPASS…), kind `failed`, with the reply's first word as `serverCode`.
 *
 * With `retention: { days }`, `deprovision(t)` quarantines instead (and
 * resolves `{ action: "quarantine" }`): the mark, a field of `#gdq:marks`
 * holding the user's full `ACL LIST` rules; `ACL DELUSER`; the keys renamed
 * with `RENAMENX` into `#gdq:d:<name>:`, in pipelined SCAN batches.
 * `restore(t)` renames them back and makes the user again with exactly its
 * rules; `purgeExpired(guardedDrop)` unlinks expired copies through that
 * guardedDrop with intent `quarantine_expired`. A tenant whose ACL reaches
 * `#gdq:*` (or may run ACL SETUSER) is refused. See docs/recovery.md.
 *
 * NOTE: one logical database, one node. The keys of other logical
 * databases are not looked at, and Redis Cluster (keys spread over nodes)
 * is not supported: SCAN sees one node's keys only.
 *
 * @param options The admin URL, timeouts, SCAN COUNT and name rules.
 * @returns The deprovisioner (`resourceType` "redis", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed (a URL whose
 * percent-escapes do not decode to UTF-8 text included).
 *
 * @example Dropping a tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { redisShared } from "guarded-drop/adapters/redis";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = redisShared({ url: "redis://127.0.0.1:6379" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-3", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 *   console.log(await adapter.exists("acme42")); // false
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function redisShared(options: RedisSharedOptions): RedisAdapter {
  return new RedisSharedQuarantineDeprovisioner(options);
}
