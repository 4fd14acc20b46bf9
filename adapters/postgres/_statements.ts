// Internal: the statements a PostgreSQL deprovision issues, in order. Every
// identifier is quoted by pg's own escapeIdentifier, every value is a bound
// parameter. Only PostgresDeprovisioner.deprovision calls these.

import type { Client } from "pg";
import { sleep } from "../_shared/_errors.ts";
import { sqlStateOf } from "./_classify.ts";

/** What the server holds of a tenant, and which database the admin connection is in. */
export interface TenantState {
  readonly currentDatabase: string;
  readonly databaseExists: boolean;
  readonly roleExists: boolean;
  /**
   * Databases and roles whose names equal the tenant's but for case, such
   * as a quoted `"db_RelAbc"` next to `db_relabc`, each as `database "…"` or
   * `role "…"`.
   */
  readonly caseVariants: readonly string[];
}

/** Reads whether the tenant's database and role exist, and their case variants. Nothing destructive. */
export async function inspectTenant(client: Client, database: string, role: string): Promise<TenantState> {
  const result = await client.query<{
    current_database: string;
    database_exists: boolean;
    role_exists: boolean;
    case_variants: string[] | null;
  }>(
    `SELECT current_database() AS current_database,
            EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1) AS database_exists,
            EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $2) AS role_exists,
            ARRAY(SELECT 'database ' || pg_catalog.quote_ident(datname) FROM pg_catalog.pg_database
                   WHERE lower(datname) = lower($1) AND datname <> $1
                  UNION ALL
                  SELECT 'role ' || pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles
                   WHERE lower(rolname) = lower($2) AND rolname <> $2) AS case_variants`,
    [database, role],
  );
  const row = result.rows[0]!;
  return {
    currentDatabase: row.current_database,
    databaseExists: row.database_exists,
    roleExists: row.role_exists,
    caseVariants: row.case_variants ?? [],
  };
}

/**
 * What holds the tenant's database so that neither DROP DATABASE nor a
 * rename can succeed, however often it is retried, and that WITH (FORCE)
 * cannot end: a prepared transaction in it (pg_prepared_xacts) or a
 * logical replication subscription made in it (pg_subscription). Each as
 * `prepared transaction "gid"` or `subscription "name"`. Nothing destructive.
 */
export async function databaseHolders(client: Client, database: string): Promise<string[]> {
  const { rows } = await client.query<{ holders: string[] | null }>(
    `SELECT ARRAY(SELECT 'prepared transaction ' || pg_catalog.quote_literal(gid) FROM pg_catalog.pg_prepared_xacts
                   WHERE database = $1
                  UNION ALL
                  SELECT 'subscription ' || pg_catalog.quote_ident(s.subname) FROM pg_catalog.pg_subscription s
                    JOIN pg_catalog.pg_database d ON d.oid = s.subdbid WHERE d.datname = $1) AS holders`,
    [database],
  );
  return rows[0]?.holders ?? [];
}

/**
 * Step 1a: nobody may open a new session on the tenant's database: not
 * PUBLIC, not the tenant's role. A database or role that vanished meanwhile
 * (3D000, 42704) is already what we want.
 *
 * NOTE: a superuser ignores CONNECT privileges; tenant roles must not be
 * superusers (WITH (FORCE) still ends their sessions at the drop).
 *
 * @sanctionedDrop
 */
export async function revokeConnect(client: Client, database: string, role: string | undefined): Promise<void> {
  const db = client.escapeIdentifier(database);
  const grantees = role === undefined ? "PUBLIC" : `PUBLIC, ${client.escapeIdentifier(role)}`;
  try {
    await client.query(`REVOKE CONNECT ON DATABASE ${db} FROM ${grantees}`);
  } catch (err) {
    const sqlState = sqlStateOf(err);
    if (sqlState !== "3D000" && sqlState !== "42704") throw err;
  }
}

/**
 * Step 1b: ends the tenant's sessions: every backend on its database, and
 * every backend of its role wherever it is connected. Names are compared
 * exactly, so `usr_abcx` is never matched for `usr_abc`. With `members`
 * (the quarantine's: the roles that were members of the tenant's role),
 * every backend of those roles and of their own members too: any of them
 * may have done SET ROLE to the tenant's role.
 *
 * @sanctionedDrop
 */
export async function terminateBackends(
  client: Client,
  database: string,
  role: string,
  members: readonly string[] = [],
): Promise<number> {
  const result = await client.query<{ terminated: string }>(
    `WITH RECURSIVE m(oid) AS (
       SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ANY($3::text[])
       UNION SELECT am.member FROM pg_catalog.pg_auth_members am JOIN m ON am.roleid = m.oid)
     SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(pid)) AS terminated
       FROM pg_catalog.pg_stat_activity
      WHERE (datname = $1 OR usename = $2 OR usesysid IN (SELECT oid FROM m)) AND pid <> pg_catalog.pg_backend_pid()`,
    [database, role, [...members]],
  );
  return Number(result.rows[0]?.terminated ?? 0);
}

/**
 * Step 2: `DROP DATABASE IF EXISTS … WITH (FORCE)`, tried again while the
 * server answers 55006 (the database is still being accessed: a session
 * that FORCE could not end yet, such as one in a prepared transaction's
 * cleanup), with a bounded backoff.
 *
 * NOTE: WITH (FORCE) needs PostgreSQL 13 or later; older servers answer a
 * syntax error, which is reported as `failed`.
 *
 * @sanctionedDrop
 */
export async function dropDatabase(client: Client, database: string, attempts: number): Promise<void> {
  const statement = `DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`;
  for (let attempt = 1;; attempt++) {
    try {
      await client.query(statement);
      return;
    } catch (err) {
      if (sqlStateOf(err) !== "55006" || attempt >= attempts) throw err;
    }
    await sleep(Math.min(100 * 2 ** (attempt - 1), 2_000));
  }
}

/**
 * Step 3: `DROP ROLE IF EXISTS`, after `DROP OWNED BY` when the role still
 * owns objects in the admin connection's database or holds privileges on
 * shared objects (`withOwned`). Both run in one transaction, so that a DROP
 * ROLE that still fails (2BP01: something outside appeared since the check)
 * rolls the DROP OWNED back and nothing is lost; the server's DETAIL, which
 * names the databases, is kept in the error.
 *
 * @sanctionedDrop
 */
export async function dropRole(client: Client, role: string, withOwned: boolean): Promise<void> {
  const quoted = client.escapeIdentifier(role);
  if (!withOwned) {
    await client.query(`DROP ROLE IF EXISTS ${quoted}`);
    return;
  }
  await client.query("BEGIN");
  try {
    await client.query(`DROP OWNED BY ${quoted}`);
    await client.query(`DROP ROLE IF EXISTS ${quoted}`);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
