/**
 * {@linkcode postgresShared}: deprovision of a tenant on a shared
 * PostgreSQL cluster.
 *
 * @module
 */

import { PostgresDeprovisioner } from "./_postgres_deprovisioner.ts";
import type { PostgresAdapterOptions } from "./postgres_options.ts";
import type { PostgresAdapter } from "./postgres_quarantine.ts";

/**
 * Makes the deprovisioner of tenants on a shared PostgreSQL cluster: the
 * tenant `<t>` is the database `db_<t>` and the role `usr_<t>`.
 *
 * `deprovision(t)` checks the token and both names (a token with upper-case
 * letters is refused unless `mixedCaseTokens` says otherwise), then, on one
 * admin connection that holds the tenant's advisory lock
 * (`pg_advisory_lock(hashtext('guarded-drop/postgres'), hashtext('db_<t>'))`,
 * its wait bounded by `operationTimeoutMs`), so that any number of
 * concurrent calls, in any number of processes, all end `ok`:
 *
 * 1. reads `pg_database`, `pg_roles` and the role's dependencies in
 *    `pg_shdepend` (every database), and fails `failed` with nothing
 *    changed when the role owns objects or holds privileges that the steps
 *    below cannot clear: anything in a database other than its own and the
 *    admin database, or the ownership of another database or a tablespace.
 *    The error names each of those databases;
 * 2. `REVOKE CONNECT ON DATABASE "db_<t>" FROM PUBLIC, "usr_<t>"`;
 * 3. `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE (datname
 *    = $1 OR usename = $2) AND pid <> pg_backend_pid()`, then step 1's check
 *    again;
 * 4. `DROP DATABASE IF EXISTS "db_<t>" WITH (FORCE)`, tried again on SQLSTATE
 *    55006 (`dropDatabaseAttempts`, backoff 100 ms doubling to 2 s);
 * 5. `DROP ROLE IF EXISTS "usr_<t>"`, preceded, in one transaction, by
 *    `DROP OWNED BY "usr_<t>"` only when the role still owns objects in the
 *    admin database or holds privileges on shared objects.
 *
 * It is idempotent, and names are compared exactly: `abcx` is never touched
 * when `abc` is dropped. A database that an interrupted DROP left invalid
 * (`datconnlimit = -2`) still exists for `exists(t)`, and the next
 * deprovision finishes it. `exists(t)` reads `pg_database` and `pg_roles`
 * with bound parameters.
 *
 * Errors: a hostile token throws {@linkcode RefusedError} before any
 * connection. SQLSTATE class 08, 57P01, 57P02, 57P03 and 53300, network
 * errors and connect timeouts throw `BackendError` of kind `unavailable`,
 * which is what opens guardedDrop's circuit breaker; any other failure,
 * the tenant's own state, is kind `failed`. Each error carries `retryable`
 * ({@linkcode isRetryablePostgresError}): a statement timeout (57014) is
 * `failed` and retryable. No message holds the connection string.
 *
 * With `retention: { days }`, `deprovision(t)` quarantines instead of
 * dropping: CONNECT revoked, sessions ended, the role NOLOGIN, the database
 * and the role renamed to `q_<yyyymmddhhmmss>_<12 hex>` with a `COMMENT ON`
 * that records the token and the time. `quarantined(t)` lists the copies,
 * `restore(t)` brings the newest back, and `purgeExpired(guardedDrop)` drops
 * the expired ones, each through that guardedDrop with intent
 * `quarantine_expired`.
 *
 * @param options The admin connection string, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "postgres", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed, such as a
 * connection string whose password holds an unencoded "/", "?" or "#".
 *
 * @example Dropping a tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { postgresShared } from "guarded-drop/adapters/postgres";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = postgresShared({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
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
export function postgresShared(options: PostgresAdapterOptions): PostgresAdapter {
  return new PostgresDeprovisioner(
    {
      backend: "shared",
      databasePrefix: "db_",
      rolePrefix: "usr_",
      what: "the PostgreSQL tenant",
      adapter: "the PostgreSQL adapter",
    },
    options,
  );
}
