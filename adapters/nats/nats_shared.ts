/**
 * {@linkcode natsShared}: deprovision of a tenant's JetStream state on a
 * shared NATS server.
 *
 * @module
 */

import { NatsSharedDeprovisioner } from "./_nats_deprovisioner.ts";
import type { NatsAdapter } from "./nats_quarantine.ts";
import type { NatsSharedOptions } from "./nats_options.ts";

/**
 * Makes the deprovisioner of tenants on a shared NATS JetStream server.
 *
 * **The tenant model.** Tenant `t` owns the streams, KV buckets and object
 * stores whose name is `t<length of t>_<t>_<name>` (`acme` owns the stream
 * `t4_acme_orders`, the KV bucket `t4_acme_config`, stored as the stream
 * `KV_t4_acme_config`, and the object store `t4_acme_files`, as
 * `OBJ_t4_acme_files`) **and** whose description is the ownership mark
 * `guarded-drop tenant <t>`, which the platform sets when it creates them.
 * The length prefix makes the rule unambiguous without a delimiter that
 * NATS names cannot hold: `acme2` owns `t5_acme2_…`, `acme_x` owns
 * `t6_acme_x_…` and `acme-x` owns `t6_acme-x_…`, none of which starts with
 * `t4_acme_`. A stream named like the tenant's but without its mark (a
 * look-alike) is never touched. A token with a `.`, which no NATS name can
 * hold, is refused.
 *
 * `deprovision(t)` checks the token, then, on one connection:
 *
 * 1. connects and asks `$JS.API.INFO`: a server that is down, frozen or
 *    without JetStream is `unavailable` before anything is read or changed;
 * 2. lists every stream with its configuration (`$JS.API.STREAM.LIST`) and
 *    keeps the tenant's, by name and mark: the ownership proof;
 * 3. deletes the consumers of each of them (null entries, which nats-server
 *    2.9 returns while streams are deleted concurrently, are skipped);
 * 4. deletes the plain streams, then the KV buckets, then the object stores;
 * 5. lists the streams again: when nothing of the tenant is left, the drop
 *    is `ok`, even if a step found its target already deleted by someone
 *    else; when something is left, it fails and says which steps raced.
 *
 * Any number of concurrent drops of one tenant all end `ok`: a "not found"
 * is a race, not an error, and the re-list decides.
 *
 * NOTE: the server's authentication is its configuration file (users,
 * accounts) or an operator's JWTs, which no client request can change: the
 * adapter deletes the tenant's JetStream state, and the platform must
 * remove the tenant's user or account itself. Core NATS subjects hold no
 * state: nothing else is left.
 *
 * **With `retention`**, `deprovision` quarantines instead: the streams stay
 * (every message, sequence, timestamp and consumer), their description
 * becomes `guarded-drop quarantined <t> <copy>`, so that `exists(t)` is
 * false, and their subjects become `gdq.<copy>.<stream>`, so that a publish
 * to the tenant's subjects is stored nowhere. The platform's record of the
 * copy (its streams with their descriptions and subjects) is written to the
 * KV bucket `gd_quarantine`, which tenants must not be allowed to write.
 * `restore(t)` gives the marks and subjects back; `purgeExpired` deletes
 * the expired copies through guardedDrop.
 *
 * NOTE: what a quarantine cannot do on NATS: it cannot cut the tenant's
 * access (see above: the platform must disable the tenant's user), so a
 * tenant that still has credentials can still read its streams (consumers,
 * direct gets) while quarantined; stream limits (`max_age`, `max_msgs`)
 * keep running on the kept streams, so a copy is exact only within them;
 * the stream names stay taken until the copy is restored or purged; a
 * restore fails on a stream whose subjects another stream took meanwhile;
 * and a tenant has at most one quarantined copy at a time.
 *
 * @param options The admin URL, timeouts, name rules and retention.
 * @returns The deprovisioner (`resourceType` "nats", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed.
 *
 * @example Dropping a shared tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { natsShared } from "guarded-drop/adapters/nats";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = natsShared({ url: "nats://127.0.0.1:4222" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-7", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function natsShared(options: NatsSharedOptions): NatsAdapter {
  return new NatsSharedDeprovisioner(options);
}
