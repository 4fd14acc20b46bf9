/**
 * {@linkcode PostgresAdapterOptions}, the options of both PostgreSQL
 * factories.
 *
 * @module
 */

import type { ClientConfig } from "pg";
import type { AdapterOptions } from "../_shared/adapter_options.ts";
import type { RetentionOptions } from "./postgres_quarantine.ts";

/**
 * Options of {@linkcode postgresShared} and {@linkcode postgresDedicated}.
 *
 * @example
 * ```ts
 * import type { PostgresAdapterOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: PostgresAdapterOptions = {
 *   connectionString: "postgres://provisioner@db.internal:5432/postgres",
 *   connectTimeoutMs: 3_000,
 *   dropDatabaseAttempts: 8,
 * };
 * ```
 */
export interface PostgresAdapterOptions extends AdapterOptions {
  /**
   * The admin connection: a role that may drop the tenant's database and
   * role (a superuser, or the databases' owner with `CREATEROLE` and
   * `pg_signal_backend`). Its database must be a maintenance database such
   * as `postgres`, never a tenant's. It is never written into an error.
   */
  connectionString: string;
  /**
   * How many times `DROP DATABASE … WITH (FORCE)` is tried while the server
   * answers SQLSTATE 55006 ("being accessed by other users"), with a backoff
   * of 100 ms doubling up to 2 s between tries.
   *
   * @default {5}
   */
  dropDatabaseAttempts?: number;
  /**
   * How long a call waits for the tenant's advisory lock while another call
   * of the same tenant holds it, in ms. It is separate from
   * `operationTimeoutMs`, which bounds each statement: the lock is tried
   * with `pg_try_advisory_lock` every 20 to 150 ms, so the wait is never a
   * statement the timeout cuts, and a deprovision whose tenant the holder
   * removed meanwhile ends `ok` without waiting further. Past it, the call
   * fails `failed`, SQLSTATE 55P03, retryable.
   *
   * @default {the larger of 30 000 and 4 × operationTimeoutMs}
   */
  lockWaitMs?: number;
  /**
   * What a token with upper-case letters means. The case policy is the name
   * rules' (`createNameRules({ mixedCaseTokens })`), shared by guardedDrop
   * and every adapter of a tenant, so that a tenant is refused by all of its
   * backends or dropped by all of them; this option follows it.
   *
   * - `"refuse"`, the only value the default rules allow: such a token is
   *   refused ({@linkcode RefusedError}, code `GD_REFUSED`) by `deprovision`
   *   and `exists` alike, before any connection. PostgreSQL folds unquoted
   *   names, so a platform that ran `CREATE DATABASE db_relAbc` made
   *   `db_relabc`, and a drop of the exact name `db_relAbc` would find
   *   nothing and answer "gone" while the tenant's data is still there.
   * - With rules made with `mixedCaseTokens: "exact"`: `"exact"` (the
   *   default then) uses the names as given, quoted (`relAbc` drops
   *   `"db_relAbc"` only), for platforms that create names quoted; `"fold"`
   *   lower-cases the token, as the server does with unquoted names
   *   (`relAbc` drops `db_relabc`), for platforms that create PostgreSQL
   *   names unquoted.
   *
   * Unless it is `"exact"`, a name that differs from the tenant's only in
   * case makes `exists` answer true and the drop fail with nothing changed.
   *
   * @default {the name rules' policy: "refuse", or "exact" with rules that accept mixed case}
   * @throws {TypeError} From the factory, when it disagrees with the name
   * rules' policy ("fold" or "exact" with rules that refuse, "refuse" with
   * rules that accept).
   */
  mixedCaseTokens?: "refuse" | "fold" | "exact";
  /**
   * Quarantine instead of dropping: `deprovision` revokes CONNECT, ends the
   * tenant's sessions, makes the role NOLOGIN and renames the database and
   * the role to a quarantine name, with a `COMMENT ON` each that records the
   * token and the time. `restore` brings the newest copy back, and
   * `purgeExpired` drops the copies older than `days`.
   *
   * @default {undefined: deprovision drops}
   */
  retention?: RetentionOptions;
  /**
   * TLS options, passed to pg as they are.
   *
   * @default {undefined: what the connection string says}
   */
  ssl?: ClientConfig["ssl"];
}
