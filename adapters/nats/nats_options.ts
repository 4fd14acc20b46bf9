/**
 * The options of the NATS factories: {@linkcode NatsSharedOptions} and
 * {@linkcode NatsDedicatedOptions}.
 *
 * @module
 */

import type { AdapterOptions } from "../_shared/adapter_options.ts";
import type { RetentionOptions } from "../postgres/postgres_quarantine.ts";

/**
 * Options of {@linkcode natsShared}.
 *
 * @example
 * ```ts
 * import type { NatsSharedOptions } from "guarded-drop/adapters/nats";
 *
 * const options: NatsSharedOptions = { url: "nats://provisioner:secret@nats.internal:4222", retention: { days: 30 } };
 * ```
 */
export interface NatsSharedOptions extends AdapterOptions {
  /**
   * The admin connection (`nats://[user:password@]host:port`, or `tls://`):
   * a user of the account that holds the tenants' streams, allowed the
   * JetStream API (`$JS.API.>`). It is never written into an error.
   */
  url: string;
  /**
   * Keep a dropped tenant for this long instead of deleting it: see
   * {@linkcode natsShared} for what a NATS quarantine keeps.
   *
   * @default {undefined}
   */
  retention?: RetentionOptions;
}

/**
 * Options of {@linkcode natsDedicated}.
 *
 * @example
 * ```ts
 * import type { NatsDedicatedOptions } from "guarded-drop/adapters/nats";
 *
 * const options: NatsDedicatedOptions = { url: "nats://tenant-acme42.internal:4222" };
 * ```
 */
export interface NatsDedicatedOptions extends AdapterOptions {
  /**
   * The admin connection to the tenant's own server (or account). It is
   * never written into an error.
   */
  url: string;
  /**
   * Keep a dropped tenant for this long instead of deleting it: see
   * {@linkcode natsDedicated}.
   *
   * @default {undefined}
   */
  retention?: RetentionOptions;
}
