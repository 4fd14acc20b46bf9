/**
 * `guarded-drop/adapters/nats`: deprovision of NATS JetStream tenants, on a
 * shared server ({@linkcode natsShared}: the streams, KV buckets and object
 * stores named `t<n>_<t>_…` and marked `guarded-drop tenant <t>`) or on
 * their own server ({@linkcode natsDedicated}: everything, after the
 * `gd_owner` marker proves it is the tenant's).
 *
 * ```ts
 * import { natsShared } from "guarded-drop/adapters/nats";
 *
 * const adapter = natsShared({ url: "nats://127.0.0.1:4222" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * await adapter.close();
 * ```
 *
 * `@nats-io/transport-node`, `@nats-io/jetstream` and `@nats-io/kv` are
 * peer dependencies: your own copies are used.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./nats_dedicated.ts";
export * from "./nats_options.ts";
export * from "./nats_quarantine.ts";
export * from "./nats_shared.ts";
