/**
 * `guarded-drop/adapters/mysql`: deprovision of MySQL and MariaDB tenants,
 * on a shared server ({@linkcode mysqlShared}: `db_<t>`, `usr_<t>`) or on
 * their own server ({@linkcode mysqlDedicated}: `dedicated_db_<t>`,
 * `dedicated_usr_<t>`).
 *
 * ```ts
 * import { mysqlShared } from "guarded-drop/adapters/mysql";
 *
 * const adapter = mysqlShared({ url: "mysql://root@127.0.0.1:3306/" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * await adapter.close();
 * ```
 *
 * mysql2 3 is a peer dependency: your own copy is used.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./mysql_dedicated.ts";
export * from "./mysql_options.ts";
export * from "./mysql_quarantine.ts";
export * from "./mysql_shared.ts";
