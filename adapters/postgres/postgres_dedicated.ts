/**
 * {@linkcode postgresDedicated}: deprovision of a tenant on its own
 * PostgreSQL server.
 *
 * @module
 */

import { PostgresDeprovisioner } from "./_postgres_deprovisioner.ts";
import type { PostgresAdapterOptions } from "./postgres_options.ts";
import type { PostgresAdapter } from "./postgres_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on dedicated PostgreSQL servers: the
 * tenant `<t>` is the database `dedicated_db_<t>` and the role
 * `dedicated_usr_<t>` on the server the connection string names.
 *
 * The steps, the tenant's advisory lock, the case rule, the dependency
 * check and the error kinds are those of {@linkcode postgresShared}, on
 * `dedicated_db_<t>` and `dedicated_usr_<t>`.
 *
 * The server itself, its other databases and roles are left alone: the
 * platform decommissions the server separately.
 *
 * With `retention: { days }`, `deprovision(t)` quarantines instead of
 * dropping: CONNECT revoked, sessions ended, the role NOLOGIN, the database
 * and the role renamed to `q_<yyyymmddhhmmss>_<12 hex>` with a `COMMENT ON`
 * that records the token and the time. `quarantined(t)` lists the copies,
 * `restore(t)` brings the newest back, and `purgeExpired(guardedDrop)` drops
 * the expired ones, each through that guardedDrop with intent
 * `quarantine_expired`.
 *
 * @param options The admin connection string of the tenant's server,
 * timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "postgres", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed, such as a
 * connection string whose password holds an unencoded "/", "?" or "#".
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
export function postgresDedicated(options: PostgresAdapterOptions): PostgresAdapter {
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
