/**
 * {@linkcode natsDedicated}: deprovision of a tenant on its own NATS server.
 *
 * @module
 */

import { NatsDedicatedDeprovisioner } from "./_nats_deprovisioner.ts";
import type { NatsAdapter } from "./nats_quarantine.ts";
import type { NatsDedicatedOptions } from "./nats_options.ts";

/**
 * Makes the deprovisioner of tenants on dedicated NATS servers (or
 * accounts): everything JetStream holds there is the tenant's.
 *
 * **The proof.** When it provisions the server, the platform creates the
 * marker stream `gd_owner` described `guarded-drop dedicated <t>`:
 *
 * ```ts ignore
 * await jsm.streams.add({ name: "gd_owner", subjects: ["gd.owner"], description: "guarded-drop dedicated acme42" });
 * ```
 *
 * `deprovision(t)` lists every stream, then:
 *
 * - with the marker: it refuses, with nothing changed, when any stream is
 *   marked for another tenant (a shared server); otherwise it deletes every
 *   consumer, then every stream, KV bucket and object store, the marker
 *   among them, and lists again to confirm the server is empty;
 * - without the marker: an empty server is already gone (`ok`, nothing is
 *   sent); a server with streams is refused, with nothing changed, as for
 *   dedicated Redis without its `ded_<t>` user.
 *
 * A crash between the steps leaves the marker or an emptier server: a
 * re-run proves it again and finishes, or finds it empty. Concurrent drops
 * of one tenant all end `ok`.
 *
 * NOTE: the proof is read, then the deletes run: it guards against a wrong
 * URL, not a concurrent admin. The server's users and accounts are its
 * configuration and are left to the platform.
 *
 * **With `retention`**, `deprovision` quarantines as {@linkcode natsShared}
 * does: the marker and every stream are described as quarantined and
 * capture quarantine subjects (their own descriptions and subjects are kept
 * in the record, in the server's `gd_quarantine` bucket), so `exists(t)` is
 * false while the data stays. The same limits apply.
 *
 * @param options The admin URL of the tenant's server, timeouts, name rules and retention.
 * @returns The deprovisioner (`resourceType` "nats", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed.
 *
 * @example Dropping a dedicated tenant
 * ```ts
 * import { natsDedicated } from "guarded-drop/adapters/nats";
 *
 * const adapter = natsDedicated({ url: "nats://tenant-acme42.internal:4222" });
 * try {
 *   // await guardedDrop(request, () => adapter.deprovision("acme42"));
 *   console.log(adapter.backend); // "dedicated"
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function natsDedicated(options: NatsDedicatedOptions): NatsAdapter {
  return new NatsDedicatedDeprovisioner(options);
}
