/**
 * {@linkcode mysqlDedicated}: deprovision of a tenant on its own MySQL or
 * MariaDB server.
 *
 * @module
 */

import { MysqlQuarantineDeprovisioner } from "./_mysql_quarantine_deprovisioner.ts";
import type { MysqlAdapterOptions } from "./mysql_options.ts";
import type { MysqlAdapter } from "./mysql_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on dedicated MySQL or MariaDB servers:
 * the tenant `<t>` is the database `dedicated_db_<t>` and the user
 * `dedicated_usr_<t>` (at every host) on the server the URL names.
 *
 * The steps are those of {@linkcode mysqlShared}: the tenant's lock, every
 * check a retry cannot cure (a role named like the user, a case variant,
 * the quoted name, the DEFINER check), then ACCOUNT LOCK, KILL, `DROP
 * DATABASE IF EXISTS`, `DROP USER IF EXISTS` at every host, and a last read
 * of the catalog. The server
 * itself, its other databases and users are left alone: the platform
 * decommissions the server separately.
 *
 * @param options The admin URL of the tenant's server, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "mysql", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed, the URL included.
 *
 * @example Dropping a dedicated tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { mysqlDedicated } from "guarded-drop/adapters/mysql";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = mysqlDedicated({ url: "mysql://root@tenant-acme42.internal:3306/" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-2", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function mysqlDedicated(options: MysqlAdapterOptions): MysqlAdapter {
  return new MysqlQuarantineDeprovisioner(
    {
      backend: "dedicated",
      databasePrefix: "dedicated_db_",
      userPrefix: "dedicated_usr_",
      what: "the dedicated MySQL tenant",
      adapter: "the dedicated MySQL adapter",
    },
    options,
  );
}
