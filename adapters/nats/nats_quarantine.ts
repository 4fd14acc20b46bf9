/**
 * The types of the NATS adapters' quarantine: {@linkcode NatsAdapter} (a
 * `Deprovisioner` with `quarantined`, `restore` and `purgeExpired`) and
 * {@linkcode NatsQuarantinedCopy}. The options and the purge's options are
 * PostgreSQL's own {@linkcode RetentionOptions} and {@linkcode PurgeOptions}.
 *
 * @module
 */

import type { Deprovisioner, DropError, GuardedDrop } from "../../lib/mod.ts";
import type { PurgeOptions, RetentionOptions } from "../postgres/postgres_quarantine.ts";

export type { PurgeOptions, RetentionOptions };

/**
 * One quarantined copy of a NATS tenant: its streams, kept in place under
 * their own names with the quarantine mark as their description, and the
 * platform's record of them.
 *
 * @example
 * ```ts
 * import type { NatsQuarantinedCopy } from "guarded-drop/adapters/nats";
 *
 * const copy: NatsQuarantinedCopy = {
 *   token: "acme42",
 *   name: "q_20261201223000_3f2a9c1e",
 *   streams: ["t6_acme42_orders", "KV_t6_acme42_config"],
 *   quarantinedAt: new Date("2026-12-01T22:30:00Z"),
 *   expiresAt: new Date("2026-12-31T22:30:00Z"),
 * };
 * ```
 */
export interface NatsQuarantinedCopy {
  /** The tenant's token. */
  readonly token: string;
  /** The copy's name: `q_<yyyymmddhhmmss>_<8 hex>`, in each stream's quarantine mark. */
  readonly name: string;
  /** The streams of the copy (KV buckets as `KV_<bucket>`, object stores as `OBJ_<bucket>`). */
  readonly streams: readonly string[];
  /** When the quarantine was recorded. */
  readonly quarantinedAt: Date;
  /** When `purgeExpired` may delete it; `null` when the adapter has no `retention`. */
  readonly expiresAt: Date | null;
}

/**
 * What {@linkcode NatsAdapter.purgeExpired} did.
 *
 * @example
 * ```ts
 * import type { NatsPurgeResult } from "guarded-drop/adapters/nats";
 *
 * const nothing: NatsPurgeResult = { purged: [], failed: [], kept: 2 };
 * ```
 */
export interface NatsPurgeResult {
  /** The copies dropped, each past its retention. */
  readonly purged: readonly NatsQuarantinedCopy[];
  /** The copies whose drop failed, each with its error: the next purge retries them. */
  readonly failed: readonly { readonly copy: NatsQuarantinedCopy; readonly error: DropError }[];
  /** How many copies are still within their retention, left as they are. */
  readonly kept: number;
}

/**
 * A NATS deprovisioner with the quarantine of recoverable drops. Without
 * `retention`, `deprovision` deletes; with it, `deprovision` quarantines,
 * and `purgeExpired` deletes the copies later.
 *
 * @example
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { natsShared } from "guarded-drop/adapters/nats";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = natsShared({ url: "nats://127.0.0.1:4222", retention: { days: 30 } });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-1", intent: "customer_request" },
 *     () => adapter.deprovision("acme42"), // quarantines
 *   );
 *   console.log((await adapter.quarantined("acme42")).length); // 1
 *   await adapter.restore("acme42");
 *   await adapter.purgeExpired(guardedDrop); // from a daily job
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export interface NatsAdapter extends Deprovisioner {
  /**
   * The tenant's quarantined copy (at most one), as a list like PostgreSQL's.
   *
   * @param token The tenant's token, checked as `deprovision` checks it.
   * @returns Its copies; empty when it has none.
   * @throws {RefusedError} For a hostile token.
   * @throws {BackendError} When the server cannot be read.
   */
  quarantined(token: string): Promise<NatsQuarantinedCopy[]>;
  /**
   * Gives the tenant's quarantined streams their ownership mark back.
   *
   * @param token The tenant's token.
   * @returns The copy that was restored.
   * @throws {RefusedError} When the tenant has live assets again (a new
   * tenant of that token) or no copy: nothing is changed.
   * @throws {BackendError} When the server fails.
   */
  restore(token: string): Promise<NatsQuarantinedCopy>;
  /**
   * Deletes every copy of this adapter's form whose retention has passed,
   * each through `guardedDrop` with intent `quarantine_expired`. A failed
   * copy does not stop the others.
   *
   * @param guardedDrop The chokepoint that audits each drop.
   * @param options The request id prefix, caller and clock.
   * @returns What was deleted, what failed, and how many were kept.
   * @throws {TypeError} When the adapter has no `retention`.
   * @throws {BackendError} When the copies cannot be listed.
   */
  purgeExpired(guardedDrop: GuardedDrop, options?: PurgeOptions): Promise<NatsPurgeResult>;
}
