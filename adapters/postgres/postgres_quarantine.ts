/**
 * The types of the PostgreSQL adapters' quarantine: {@linkcode PostgresAdapter}
 * (a `Deprovisioner` with `quarantined`, `restore` and `purgeExpired`),
 * {@linkcode RetentionOptions}, {@linkcode QuarantinedCopy},
 * {@linkcode PurgeOptions} and {@linkcode PurgeResult}.
 *
 * @module
 */

import type {
  GuardedDrop,
  PurgeOptions,
  PurgeResult as SharedPurgeResult,
  QuarantinedCopyInfo,
  RecoverableDeprovisioner,
} from "../../lib/mod.ts";

// The shared contract's types, under the names this module always exported.
export type { PurgeOptions, RetentionOptions } from "../../lib/mod.ts";

/**
 * What {@linkcode PostgresAdapter.purgeExpired} did, with PostgreSQL's copies.
 *
 * @example
 * ```ts
 * import type { PurgeResult } from "guarded-drop/adapters/postgres";
 *
 * const nothing: PurgeResult = { purged: [], failed: [], kept: 2 };
 * ```
 */
export type PurgeResult = SharedPurgeResult<QuarantinedCopy>;

/**
 * One quarantined copy of a tenant, as read from the server: its database
 * and role under their quarantine name, and the `COMMENT ON` each carries.
 *
 * @example
 * ```ts
 * import type { QuarantinedCopy } from "guarded-drop/adapters/postgres";
 *
 * const copy: QuarantinedCopy = {
 *   token: "acme42",
 *   name: "q_20261201223000_3f2a9c1e07bd",
 *   database: "q_20261201223000_3f2a9c1e07bd",
 *   role: "q_20261201223000_3f2a9c1e07bd",
 *   originalDatabase: "db_acme42",
 *   originalRole: "usr_acme42",
 *   quarantinedAt: new Date("2026-12-01T22:30:00Z"),
 *   expiresAt: new Date("2026-12-31T22:30:00Z"),
 *   sizeBytes: 7_654_321,
 * };
 * ```
 */
export interface QuarantinedCopy extends QuarantinedCopyInfo {
  /** The tenant's token. */
  readonly token: string;
  /** The quarantine name, shared by the copy's database and role: `q_<yyyymmddhhmmss>_<12 hex>`. */
  readonly name: string;
  /** The copy's database (its quarantine name), or `null` when the tenant had none. */
  readonly database: string | null;
  /** The copy's role (its quarantine name), or `null` when the tenant had none. */
  readonly role: string | null;
  /** The database's name before the quarantine, which `restore` gives back. */
  readonly originalDatabase: string;
  /** The role's name before the quarantine, which `restore` gives back. */
  readonly originalRole: string;
  /** When the quarantine was recorded. */
  readonly quarantinedAt: Date;
  /** When `purgeExpired` may drop it; `null` when the adapter has no `retention`. */
  readonly expiresAt: Date | null;
  /** The disk the copy's database still uses (`pg_database_size`), or `null` when it cannot be read. */
  readonly sizeBytes: number | null;
}

/**
 * A PostgreSQL deprovisioner, with the quarantine of recoverable drops.
 * Without `retention`, `deprovision` drops; with it, `deprovision`
 * quarantines, and `purgeExpired` drops the copies later.
 *
 * @example
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { postgresShared } from "guarded-drop/adapters/postgres";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = postgresShared({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres", retention: { days: 30 } });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-1", intent: "customer_request" },
 *     () => adapter.deprovision("acme42"), // quarantines
 *   );
 *   console.log((await adapter.quarantined("acme42")).length); // 1
 *   await adapter.restore("acme42"); // the customer changed their mind
 *   await adapter.purgeExpired(guardedDrop); // from a daily job
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export interface PostgresAdapter extends RecoverableDeprovisioner<QuarantinedCopy> {
  /**
   * The tenant's quarantined copies, newest first. Reads the catalog only.
   *
   * @param token The tenant's token, checked as `deprovision` checks it.
   * @returns Its copies; empty when it has none.
   * @throws {RefusedError} For a hostile token.
   * @throws {BackendError} When the server cannot be read.
   */
  quarantined(token: string): Promise<QuarantinedCopy[]>;
  /**
   * Brings the tenant's newest quarantined copy back under its original
   * names, with its login, its CONNECT grants and its comments.
   *
   * @param token The tenant's token.
   * @returns The copy that was restored.
   * @throws {RefusedError} When the original database or role name is taken
   * (a new tenant of that token exists), or the tenant has no copy: nothing
   * is changed.
   * @throws {BackendError} When the server fails.
   */
  restore(token: string): Promise<QuarantinedCopy>;
  /**
   * Drops every copy of this adapter's form whose retention has passed,
   * each through `guardedDrop` with intent `quarantine_expired`, so each is
   * audited, counted and subject to the policy, budget and breaker like any
   * other drop. A failed copy does not stop the others.
   *
   * @param guardedDrop The chokepoint that audits each drop.
   * @param options The request id prefix, caller and clock.
   * @returns What was dropped, what failed, and how many were kept.
   * @throws {TypeError} When the adapter has no `retention`.
   * @throws {BackendError} When the copies cannot be listed.
   */
  purgeExpired(guardedDrop: GuardedDrop, options?: PurgeOptions): Promise<PurgeResult>;
}
