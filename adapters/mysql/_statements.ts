// Internal: the statements a MySQL/MariaDB deprovision issues, in order.
// Identifiers are quoted by mysql2's escapeId; account names and every other
// value are bound as values (`?`), so no name is ever read as a LIKE
// pattern or as SQL. Only MysqlDeprovisioner.deprovision calls the
// destructive ones.

import { hasErrno } from "./_classify.ts";

/**
 * What the statements need of a connection: a query whose values are bound
 * (and whose wait is bounded by the deprovisioner), and mysql2's escapeId.
 */
export interface MysqlSession {
  /**
   * Runs one statement with bound values. `waitsForLocks` marks a statement
   * that may wait for the tenant's lock or a metadata lock: its bound is
   * longer, by the lock timeout.
   */
  query<Row>(sql: string, values?: readonly unknown[], options?: { readonly waitsForLocks?: boolean }): Promise<Row[]>;
  escapeId(name: string): string;
}

/** What the server holds of a tenant, and how it compares database names. */
export interface MysqlTenantState {
  /** The admin connection's default database, or null. */
  readonly currentDatabase: string | null;
  readonly databaseExists: boolean;
  /** The hosts the tenant's user is defined for (`usr_t@'%'`, `usr_t@'localhost'`…). */
  readonly hosts: readonly string[];
  /** Whether a MariaDB role has the user's name (`mysql.user` lists it with `is_role = 'Y'`). */
  readonly roleExists: boolean;
  /** Whether the server folds database names to lower case (`lower_case_table_names` is not 0). */
  readonly foldsNames: boolean;
}

// Two fixed forms: exact, or folded when the server folds names itself.
const DATABASE_EXACT = "BINARY SCHEMA_NAME = ?";
const DATABASE_FOLDED = "LOWER(SCHEMA_NAME) = LOWER(?)";

/** Reads whether the tenant's database and user exist. Nothing destructive. */
export async function inspectTenant(conn: MysqlSession, database: string, user: string): Promise<MysqlTenantState> {
  const [settings] = await conn.query<{ current_database: string | null; folds: number | string }>(
    "SELECT DATABASE() AS current_database, @@lower_case_table_names AS folds",
  );
  const foldsNames = Number(settings?.folds ?? 0) !== 0;
  const schemata = await conn.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE ${foldsNames ? DATABASE_FOLDED : DATABASE_EXACT}`,
    [database],
  );
  // mysql.user is a view over mysql.global_priv on MariaDB 10.4+, and the
  // table itself on MySQL: it answers on both. User is a binary column, so
  // `=` is exact.
  const accounts = await readAccounts(conn, user);
  return {
    currentDatabase: settings?.current_database ?? null,
    databaseExists: Number(schemata[0]?.n ?? 0) > 0,
    hosts: accounts.filter((row) => row.is_role !== "Y").map((row) => String(row.Host)),
    roleExists: accounts.some((row) => row.is_role === "Y"),
    foldsNames,
  };
}

/**
 * The accounts with the user's name. MariaDB lists its roles in mysql.user
 * too (`is_role = 'Y'`, host ''); MySQL has no such column (its roles are
 * accounts), so the column is asked for and, where it is unknown (1054),
 * left out.
 */
async function readAccounts(conn: MysqlSession, user: string): Promise<{ Host: string; is_role: string }[]> {
  try {
    return await conn.query<{ Host: string; is_role: string }>(
      "SELECT Host, is_role FROM mysql.user WHERE BINARY User = ? ORDER BY Host",
      [user],
    );
  } catch (err) {
    if (!hasErrno(err, 1054)) throw err;
    return await conn.query<{ Host: string; is_role: string }>(
      "SELECT Host, 'N' AS is_role FROM mysql.user WHERE BINARY User = ? ORDER BY Host",
      [user],
    );
  }
}

/**
 * The databases, other than the tenant's own, holding views, routines,
 * triggers or events whose DEFINER is the tenant's user. Dropping the user
 * would leave them with a missing definer (MySQL 8 refuses; MariaDB breaks
 * them silently), so a deprovision stops before it destroys anything.
 */
export async function definerDependencies(conn: MysqlSession, database: string, user: string): Promise<string[]> {
  const rows = await conn.query<{ db: string }>(
    `SELECT DISTINCT db FROM (
        SELECT ROUTINE_SCHEMA AS db, DEFINER AS definer FROM information_schema.ROUTINES
        UNION ALL SELECT TABLE_SCHEMA, DEFINER FROM information_schema.VIEWS
        UNION ALL SELECT TRIGGER_SCHEMA, DEFINER FROM information_schema.TRIGGERS
        UNION ALL SELECT EVENT_SCHEMA, DEFINER FROM information_schema.EVENTS
      ) AS objects
      WHERE BINARY SUBSTRING_INDEX(definer, '@', 1) = ? AND BINARY db <> ?
      ORDER BY db`,
    [user, database],
  );
  return rows.map((row) => String(row.db));
}

/**
 * Takes the tenant's named lock (`GET_LOCK`), so that concurrent
 * deprovisions of one tenant, in any process or replica, run one after the
 * other. It is released when the connection ends. Resolves whether the lock
 * was taken within `timeoutMs`.
 */
export async function takeTenantLock(conn: MysqlSession, key: string, timeoutMs: number): Promise<boolean> {
  const rows = await conn.query<{ taken: number | null }>(
    "SELECT GET_LOCK(?, ?) AS taken",
    [key, Math.max(1, Math.ceil(timeoutMs / 1000))],
    { waitsForLocks: true },
  );
  return Number(rows[0]?.taken ?? 0) === 1;
}

/**
 * Step 1: `ALTER USER ?@? ACCOUNT LOCK` at every host, so that nobody logs
 * in again while the tenant is dropped. An account dropped meanwhile (1396)
 * is already what we want.
 *
 * NOTE: ACCOUNT LOCK needs MariaDB 10.4 or MySQL 5.7.6; older servers
 * answer a syntax error, which is reported as `failed`.
 */
export async function lockAccounts(conn: MysqlSession, user: string, hosts: readonly string[]): Promise<void> {
  for (const host of hosts) {
    try {
      await conn.query("ALTER USER ?@? ACCOUNT LOCK", [user, host], { waitsForLocks: true });
    } catch (err) {
      if (!hasErrno(err, 1396)) throw err;
    }
  }
}

/**
 * Step 2: KILL every session of the tenant's user, and every session whose
 * default database is the tenant's, but never this one. A session that
 * ended meanwhile (1094) is already what we want.
 *
 * @sanctionedDrop
 */
export async function killSessions(conn: MysqlSession, database: string, user: string, foldsNames: boolean): Promise<number> {
  const rows = await conn.query<{ id: number | string }>(
    `SELECT ID AS id FROM information_schema.PROCESSLIST
      WHERE (BINARY USER = ? OR ${foldsNames ? "LOWER(DB) = LOWER(?)" : "BINARY DB = ?"}) AND ID <> CONNECTION_ID()`,
    [user, database],
  );
  let killed = 0;
  for (const { id } of rows) {
    try {
      await conn.query("KILL CONNECTION ?", [Number(id)]);
      killed++;
    } catch (err) {
      if (!hasErrno(err, 1094)) throw err;
    }
  }
  return killed;
}

/**
 * Step 3: `DROP DATABASE IF EXISTS`, the name quoted by mysql2's escapeId.
 *
 * @sanctionedDrop
 */
export async function dropDatabase(conn: MysqlSession, database: string): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(database)}`, [], { waitsForLocks: true });
}

/**
 * Step 4: `DROP USER IF EXISTS ?@?` at every host the user is defined for.
 *
 * @sanctionedDrop
 */
export async function dropUser(conn: MysqlSession, user: string, hosts: readonly string[]): Promise<void> {
  for (const host of hosts) await conn.query("DROP USER IF EXISTS ?@?", [user, host], { waitsForLocks: true });
}
