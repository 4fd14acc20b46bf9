/**
 * {@linkcode MysqlAdapter}: the MySQL/MariaDB deprovisioner with the
 * quarantine of recoverable drops (`quarantined`, `restore`,
 * `purgeExpired`), with PostgreSQL's types: {@linkcode RetentionOptions},
 * {@linkcode QuarantinedCopy}, {@linkcode PurgeOptions} and
 * {@linkcode PurgeResult}.
 *
 * @module
 */

import type { GuardedDrop, RecoverableDeprovisioner } from "../../lib/mod.ts";
import type { PurgeOptions, PurgeResult, QuarantinedCopy, RetentionOptions } from "../postgres/postgres_quarantine.ts";

export type { PurgeOptions, PurgeResult, QuarantinedCopy, RetentionOptions };

/**
 * A MySQL/MariaDB deprovisioner, with the quarantine of recoverable drops.
 * Without `retention`, `deprovision` drops; with it, `deprovision`
 * quarantines (see {@linkcode mysqlShared}), and `purgeExpired` drops the
 * copies later. A copy's `database` and `role` are its quarantine schema
 * and the quarantine name of its user.
 *
 * @example
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { mysqlShared } from "guarded-drop/adapters/mysql";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = mysqlShared({ url: "mysql://root@127.0.0.1:3306/", retention: { days: 30 } });
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
export interface MysqlAdapter extends RecoverableDeprovisioner<QuarantinedCopy> {
  /**
   * The tenant's quarantined copies, newest first, interrupted ones
   * included. Reads the marks and the catalog only.
   *
   * @param token The tenant's token, checked as `deprovision` checks it.
   * @returns Its copies; empty when it has none.
   * @throws {RefusedError} For a hostile token.
   * @throws {BackendError} When the server cannot be read.
   */
  quarantined(token: string): Promise<QuarantinedCopy[]>;
  /**
   * Brings the tenant's newest copy back under its original names: its
   * database with its charset, collation and comment, its tables, views,
   * routines, triggers and events from their original definitions, its user
   * at every host with its password and grants, unlocked where it was.
   *
   * @param token The tenant's token.
   * @returns The copy that was restored.
   * @throws {RefusedError} When the database or the user exists under the
   * original names (a new tenant of that token), or there is no copy:
   * nothing is changed.
   * @throws {BackendError} When the server fails.
   */
  restore(token: string): Promise<QuarantinedCopy>;
  /**
   * Drops every copy of this adapter's form whose retention has passed, each
   * through `guardedDrop` with intent `quarantine_expired`. A failed copy
   * does not stop the others.
   *
   * @param guardedDrop The chokepoint that audits each drop.
   * @param options The request id prefix, caller and clock.
   * @returns What was dropped, what failed, and how many were kept.
   * @throws {TypeError} When the adapter has no `retention`.
   * @throws {BackendError} When the copies cannot be listed.
   */
  purgeExpired(guardedDrop: GuardedDrop, options?: PurgeOptions): Promise<PurgeResult>;
}
