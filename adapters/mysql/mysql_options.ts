/**
 * {@linkcode MysqlAdapterOptions}, the options of both MySQL/MariaDB
 * factories.
 *
 * @module
 */

import type { AdapterOptions } from "../_shared/adapter_options.ts";
import type { RetentionOptions } from "../../lib/mod.ts";

/**
 * How the MySQL adapters treat a token with upper-case letters. The case
 * policy is the name rules' (`createNameRules({ mixedCaseTokens })`), shared
 * by guardedDrop and every adapter of a tenant; this rule follows it.
 *
 * - `"refuse"` (the only value the default rules allow): such a token is
 *   refused before any connection. A platform that created `db_relabc` from
 *   the token `relAbc` on a server that folds names (`lower_case_table_names`
 *   1 or 2), or that folded the token itself, can never be told "gone" for
 *   `db_relAbc` while `db_relabc` is still there. A database, user or role
 *   whose name differs from the tenant's only in case (`db_r3Case` beside
 *   the token `r3case`, where `lower_case_table_names` is 0; `usr_r3Case`
 *   anywhere) makes `exists` answer true and the drop fail `failed` with
 *   nothing changed, the variant named.
 * - `"exact"` (the default with rules made with `mixedCaseTokens: "exact"`):
 *   mixed-case tokens are accepted. Database names are compared as the
 *   server stores them: exactly when `lower_case_table_names` is 0, in lower
 *   case otherwise. User names are always compared exactly, as MySQL and
 *   MariaDB do; names that differ only in case are other tenants.
 *
 * @example
 * ```ts
 * import type { MysqlCaseRule } from "guarded-drop/adapters/mysql";
 *
 * const rule: MysqlCaseRule = "refuse";
 * ```
 */
export type MysqlCaseRule = "refuse" | "exact";

/**
 * Options of {@linkcode mysqlShared} and {@linkcode mysqlDedicated}.
 *
 * @example
 * ```ts
 * import type { MysqlAdapterOptions } from "guarded-drop/adapters/mysql";
 *
 * const options: MysqlAdapterOptions = {
 *   url: "mysql://provisioner@db.internal:3306/",
 *   connectTimeoutMs: 3_000,
 *   lockTimeoutMs: 10_000,
 * };
 * ```
 */
export interface MysqlAdapterOptions extends AdapterOptions {
  /**
   * The admin connection, `mysql://user:password@host:port/`: an account
   * that may read `mysql.user` and `information_schema`, KILL other
   * sessions (`CONNECTION ADMIN` or `SUPER`), ALTER USER, DROP USER and
   * DROP DATABASE. Its password is never written into an error.
   */
  url: string;
  /**
   * How a token with upper-case letters is treated; it must agree with the
   * name rules' case policy (a `TypeError` from the factory otherwise).
   *
   * @default {the name rules' policy: "refuse", or "exact" with rules that accept mixed case}
   */
  mixedCaseTokens?: MysqlCaseRule;
  /**
   * How long a deprovision waits, in ms, for the tenant's lock (held by a
   * concurrent deprovision of the same tenant, in any process) and for
   * metadata locks (`lock_wait_timeout`) before it fails as `failed`.
   *
   * @default {30000}
   */
  lockTimeoutMs?: number;
  /**
   * Quarantine instead of dropping: `deprovision` moves the tenant into a
   * quarantine schema and renames and locks its user (see
   * {@linkcode mysqlShared}); `restore` brings the newest copy back, and
   * `purgeExpired` drops the copies older than `days`.
   *
   * @default {undefined: deprovision drops}
   */
  retention?: RetentionOptions;
}
