/**
 * The contract of recoverable drops (DESIGN §11, §14), shared by every
 * adapter made with `retention`: {@linkcode RecoverableDeprovisioner}, with
 * {@linkcode RetentionOptions}, {@linkcode QuarantinedCopyInfo},
 * {@linkcode PurgeOptions} and {@linkcode PurgeResult}. Types only: the
 * core stays free of any driver.
 *
 * @module
 */

import type { Deprovisioner } from "./deprovisioner.ts";
import type { DropError } from "./drop_error.ts";
import type { GuardedDrop } from "./guarded_drop.ts";

/**
 * How long a quarantined tenant is kept before `purgeExpired` may drop it.
 *
 * @example
 * ```ts
 * import type { RetentionOptions } from "guarded-drop";
 *
 * const retention: RetentionOptions = { days: 30 };
 * ```
 */
export interface RetentionOptions {
  /** Days a copy is kept, counted from its quarantine. A positive finite number. */
  readonly days: number;
  /**
   * The clock, in ms since the epoch: it stamps each quarantine and decides
   * which copies have expired. Tests inject one instead of waiting.
   *
   * @default {Date.now}
   */
  readonly now?: () => number;
}

/**
 * What every backend says about one quarantined copy. Each adapter's own
 * copy type adds where the copy lives (PostgreSQL: its database and role).
 *
 * @example
 * ```ts
 * import type { QuarantinedCopyInfo } from "guarded-drop";
 *
 * const copy: QuarantinedCopyInfo = {
 *   token: "acme42",
 *   name: "q_20261201223000_3f2a9c1e07bd",
 *   quarantinedAt: new Date("2026-12-01T22:30:00Z"),
 *   expiresAt: new Date("2026-12-31T22:30:00Z"),
 * };
 * ```
 */
export interface QuarantinedCopyInfo {
  /** The tenant's token. */
  readonly token: string;
  /** The copy's name, unique on its server: the purge's `providerResourceId`. */
  readonly name: string;
  /** When the quarantine was recorded. */
  readonly quarantinedAt: Date;
  /** When `purgeExpired` may drop it; `null` when the adapter has no `retention`. */
  readonly expiresAt: Date | null;
}

/**
 * Options of {@linkcode RecoverableDeprovisioner.purgeExpired}.
 *
 * @example
 * ```ts
 * import type { PurgeOptions } from "guarded-drop";
 *
 * const options: PurgeOptions = { requestId: "purge-2026-12-01", caller: "cron.quarantine-purge" };
 * ```
 */
export interface PurgeOptions {
  /**
   * The prefix of each drop's request id: each copy is dropped with
   * `<requestId>/<copy name>`.
   *
   * @default {"purge-<a random UUID>"}
   */
  readonly requestId?: string;
  /**
   * The `caller` of each drop's request.
   *
   * @default {"guarded-drop/quarantine-purge"}
   */
  readonly caller?: string;
  /**
   * The time to compare expiry with, in ms since the epoch.
   *
   * @default {retention.now()}
   */
  readonly now?: number;
}

/**
 * What `purgeExpired` did: the copies it dropped, those whose drop failed
 * (each with guardedDrop's error), and how many it kept because they have
 * not expired.
 *
 * @example
 * ```ts
 * import type { PurgeResult } from "guarded-drop";
 *
 * const nothing: PurgeResult = { purged: [], failed: [], kept: 2 };
 * ```
 */
export interface PurgeResult<Copy extends QuarantinedCopyInfo = QuarantinedCopyInfo> {
  /** The copies dropped, each past its retention. */
  readonly purged: readonly Copy[];
  /** The copies whose drop failed, each with its error: the next purge retries them. */
  readonly failed: readonly { readonly copy: Copy; readonly error: DropError }[];
  /** How many copies are still within their retention, left as they are. */
  readonly kept: number;
}

/**
 * A deprovisioner made with `retention`: `deprovision` quarantines (and
 * resolves with `{ action: "quarantine" }`), `quarantined` lists the copies,
 * `restore` brings the newest back with the tenant's own credentials
 * working, and `purgeExpired` drops expired copies through guardedDrop.
 *
 * @example Restore through guardedDrop, so that it is audited and counted
 * ```ts
 * import type { GuardedDrop, RecoverableDeprovisioner } from "guarded-drop";
 *
 * declare const adapter: RecoverableDeprovisioner;
 * declare const guardedDrop: GuardedDrop;
 * await guardedDrop(
 *   { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "inc-1234", action: "restore", intent: "quarantine_restore" },
 *   () => adapter.restore("acme42"),
 * );
 * ```
 */
export interface RecoverableDeprovisioner<Copy extends QuarantinedCopyInfo = QuarantinedCopyInfo>
  extends Deprovisioner {
  /**
   * The tenant's quarantined copies, newest first.
   *
   * @throws {RefusedError} For a hostile token.
   */
  quarantined(token: string): Promise<Copy[]>;
  /**
   * Brings the newest copy back under the original names, with its logins
   * and grants. Resolves with the copy, which carries `action: "restore"`
   * for guardedDrop when the adapter adds it.
   *
   * @throws {RefusedError} When the original names are taken, or there is no copy: nothing is changed.
   */
  restore(token: string): Promise<Copy>;
  /**
   * Drops every expired copy through `guardedDrop`, intent
   * `quarantine_expired`. A copy whose drop fails does not stop the others.
   *
   * @throws {TypeError} When the adapter has no `retention`.
   */
  purgeExpired(guardedDrop: GuardedDrop, options?: PurgeOptions): Promise<PurgeResult<Copy>>;
}
