/**
 * {@linkcode AuditConnectionOptions}, the options the audit store and its
 * readers share.
 *
 * @module
 */

import type { ClientConfig } from "pg";

/**
 * Where the audit table is and how long to wait for it.
 *
 * @example
 * ```ts
 * import type { AuditConnectionOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: AuditConnectionOptions = {
 *   connectionString: "postgres://audit_writer@db.internal:5432/provisioner",
 *   table: "audit.drops",
 *   statementTimeoutMs: 2_000,
 * };
 * ```
 */
export interface AuditConnectionOptions {
  /** The database holding the audit table. It is never written into an error. */
  connectionString: string;
  /**
   * The table: `name` or `schema.name`, lower-case letters, digits and `_`,
   * at most 48 characters each.
   *
   * @default {"guarded_drop_audit"}
   */
  table?: string;
  /**
   * How long to wait for a connection, in ms.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take, in ms, waiting for the chain's lock
   * included. The server enforces it (`statement_timeout`), and the client
   * gives up a little later should the server be silent.
   *
   * @default {5000}
   */
  statementTimeoutMs?: number;
  /**
   * TLS options, passed to pg as they are.
   *
   * @default {undefined: what the connection string says}
   */
  ssl?: ClientConfig["ssl"];
}
