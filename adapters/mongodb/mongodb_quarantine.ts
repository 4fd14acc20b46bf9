/**
 * The types of the MongoDB adapters' quarantine: {@linkcode MongodbAdapter}
 * and {@linkcode MongodbQuarantinedCopy}. The shared types are the core's.
 *
 * @module
 */

import type {
  GuardedDrop,
  PurgeOptions,
  PurgeResult,
  QuarantinedCopyInfo,
  RecoverableDeprovisioner,
} from "../../lib/mod.ts";

export type { PurgeOptions, PurgeResult, RetentionOptions } from "../../lib/mod.ts";

/**
 * One quarantined MongoDB tenant: its database, kept under its own name
 * (MongoDB cannot rename a database), and its user, kept without roles.
 *
 * @example
 * ```ts
 * import type { MongodbQuarantinedCopy } from "guarded-drop/adapters/mongodb";
 *
 * const copy: MongodbQuarantinedCopy = {
 *   token: "acme42",
 *   name: "db_acme42",
 *   database: "db_acme42",
 *   user: "usr_acme42",
 *   quarantinedAt: new Date("2026-12-01T22:30:00Z"),
 *   expiresAt: new Date("2026-12-31T22:30:00Z"),
 * };
 * ```
 */
export interface MongodbQuarantinedCopy extends QuarantinedCopyInfo {
  /** The database the copy keeps, renamed out of the tenant's way. */
  readonly database: string;
  /** The tenant's user, whose roles were revoked (restore grants them back). */
  readonly user: string;
}

/**
 * A MongoDB deprovisioner with the quarantine of recoverable drops. With
 * `retention`, `deprovision` records the user's roles in a mark (a document
 * in the platform's `guarded_drop.quarantine` collection, which no tenant
 * can write), revokes them and ends the user's sessions; the database stays.
 * `restore` grants the recorded roles back.
 *
 * NOTE: TTL indexes in the tenant's database keep deleting documents while
 * it is quarantined; capped collections keep their caps. A copy holds its
 * token's database name: provisioning that token again adopts it (check
 * `quarantined(token)` first).
 *
 * @example
 * ```ts
 * import { mongodbShared } from "guarded-drop/adapters/mongodb";
 *
 * const adapter = mongodbShared({ url: "mongodb://127.0.0.1:27017", retention: { days: 30 } });
 * console.log(typeof adapter.restore); // "function"
 * await adapter.close();
 * ```
 */
export interface MongodbAdapter extends RecoverableDeprovisioner<MongodbQuarantinedCopy> {
  /** Drops every expired copy through `guardedDrop`, intent `quarantine_expired`. */
  purgeExpired(guardedDrop: GuardedDrop, options?: PurgeOptions): Promise<PurgeResult<MongodbQuarantinedCopy>>;
}
