/**
 * {@linkcode postgresDedicated}: deprovision of a tenant on its own
 * PostgreSQL server.
 *
 * @module
 */

import type { Deprovisioner } from "../../lib/mod.ts";
import { PostgresDeprovisioner } from "./_postgres_deprovisioner.ts";
import type { PostgresAdapterOptions } from "./postgres_options.ts";

/**
 * Makes the deprovisioner of tenants on dedicated PostgreSQL servers: the
 * tenant `<t>` is the database `dedicated_db_<t>` and the role
 * `dedicated_usr_<t>` on the server the connection string names.
 *
 * The steps are those of {@linkcode postgresShared}, FORCE and the 55006
 * retry included:
 *
 * 1. `REVOKE CONNECT ON DATABASE "dedicated_db_<t>" FROM PUBLIC, "dedicated_usr_<t>"`;
 * 2. `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE (datname
 *    = $1 OR usename = $2) AND pid <> pg_backend_pid()`;
 * 3. `DROP DATABASE IF EXISTS "dedicated_db_<t>" WITH (FORCE)`, retried on 55006;
 * 4. `DROP ROLE IF EXISTS "dedicated_usr_<t>"` (after `DROP OWNED BY` on 2BP01).
 *
 * The server itself, its other databases and roles are left alone: the
 * platform decommissions the server separately.
 *
 * @param options The admin connection string of the tenant's server,
 * timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "postgres", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed.
 *
 * @example Dropping a dedicated tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { postgresDedicated } from "guarded-drop/adapters/postgres";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = postgresDedicated({ connectionString: "postgres://postgres@tenant-acme42.internal:5432/postgres" });
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
export function postgresDedicated(options: PostgresAdapterOptions): Deprovisioner {
  return new PostgresDeprovisioner(
    {
      backend: "dedicated",
      databasePrefix: "dedicated_db_",
      rolePrefix: "dedicated_usr_",
      what: "the dedicated PostgreSQL tenant",
      adapter: "the dedicated PostgreSQL adapter",
    },
    options,
  );
}
