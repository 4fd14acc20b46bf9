/**
 * {@linkcode mysqlShared}: deprovision of a tenant on a shared MySQL or
 * MariaDB server.
 *
 * @module
 */

import { MysqlQuarantineDeprovisioner } from "./_mysql_quarantine_deprovisioner.ts";
import type { MysqlAdapterOptions } from "./mysql_options.ts";
import type { MysqlAdapter } from "./mysql_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on a shared MySQL or MariaDB server:
 * the tenant `<t>` is the database `db_<t>` and the user `usr_<t>` at every
 * host it is defined for.
 *
 * `deprovision(t)` checks the token and both names, then, on one admin
 * connection with `lock_wait_timeout` bounded:
 *
 * 1. `SELECT GET_LOCK(?, ?)` on a key derived from the tenant's names, so
 *    that concurrent deprovisions of one tenant, in any process, run one at
 *    a time (the lock goes with the connection);
 * 2. reads `information_schema.SCHEMATA` and `mysql.user` (bound values,
 *    `LOWER() = LOWER()` then exact comparison in one place: `_` and `%` in
 *    a token never match another tenant), and fails `failed` before
 *    touching anything when a role has the user's name, a name differs
 *    from the tenant's only in case, `SHOW CREATE DATABASE` with the quoted
 *    name answers for another database, or the user is the DEFINER of
 *    views, routines, triggers or events in another database;
 * 3. `ALTER USER ?@? ACCOUNT LOCK` at every host, so nobody logs in again;
 * 4. `KILL CONNECTION` for every session of the user and every session on
 *    the database (`information_schema.PROCESSLIST`);
 * 5. ``DROP DATABASE IF EXISTS `db_<t>` `` (backticks, a backtick doubled:
 *    the whole name is one identifier, dots included);
 * 6. `DROP USER IF EXISTS ?@?` at every host;
 * 7. reads the catalog again, and fails rather than report the tenant gone
 *    while any of it remains.
 *
 * It is idempotent. A token with upper-case letters is refused by default
 * (the name rules' case policy). `exists(t)` reads the same catalog as step 2.
 *
 * With `retention: { days }`, `deprovision(t)` quarantines instead of
 * dropping (and resolves `{ action: "quarantine" }`): the mark, a row of the
 * platform table `guarded_drop.quarantine`, records every definition; the
 * accounts are locked and the sessions killed; the tables move with
 * `RENAME TABLE` into the schema `q_<yyyymmddhhmmss>_<12 hex>`, where
 * routines and triggers are made again and events moved, disabled; the
 * emptied database is dropped and the user renamed to the quarantine name.
 * `quarantined(t)` lists the copies, `restore(t)` brings the newest back
 * from the original definitions with the tenant's own password and grants,
 * and `purgeExpired(guardedDrop)` drops the expired ones, each through that
 * guardedDrop with intent `quarantine_expired`. See docs/recovery.md.
 *
 * Errors: a hostile token throws {@linkcode RefusedError} before any
 * connection. 1040, 1053, 1927, 2002, 2003, 2006, 2013, mysql2's lost
 * connection and query timeouts, network errors and connect timeouts throw
 * `BackendError` of kind `unavailable`; any other failure, kind `failed`
 * (a lock or statement timeout says a retry finishes it). No message holds
 * the URL's password.
 *
 * @param options The admin URL, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "mysql", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed, the URL included.
 *
 * @example Dropping a tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { mysqlShared } from "guarded-drop/adapters/mysql";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = mysqlShared({ url: "mysql://root@127.0.0.1:3306/" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-1", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 *   console.log(await adapter.exists("acme42")); // false
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function mysqlShared(options: MysqlAdapterOptions): MysqlAdapter {
  return new MysqlQuarantineDeprovisioner(
    {
      backend: "shared",
      databasePrefix: "db_",
      userPrefix: "usr_",
      what: "the MySQL tenant",
      adapter: "the MySQL adapter",
    },
    options,
  );
}
