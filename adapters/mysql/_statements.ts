// Internal: the statements a MySQL/MariaDB deprovision issues, in order.
// Identifiers are quoted by quoteIdentifier (never mysql2's escapeId, which
// splits on dots); account names and every other value are bound as values
// (`?`), so no name is ever read as a LIKE pattern or as SQL. Only the
// deprovision (dropTenant) calls the destructive ones.

import { hasErrno } from "./_classify.ts";

/**
 * Quotes one identifier: backticks around it, a backtick inside doubled.
 * The whole name is one identifier, dots included: mysql2's `escapeId`
 * (and `escapeId(name, true)`, whose flag the connection's method does not
 * pass on) reads `db_r3.dot` as the database `db_r3` and the table `dot`.
 */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/**
 * What the statements need of a connection: a query whose values are bound
 * (and whose wait is bounded by the deprovisioner), and the identifier
 * quoting ({@linkcode quoteIdentifier}).
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
  /**
   * The databases, users and roles whose names differ from the tenant's only
   * in case (`database "db_r3Case"`, `user "usr_r3Case"@"%"`), as the server
   * holds them. A server that folds database names has no database variant.
   */
  readonly caseVariants: readonly string[];
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

/** Reads whether the tenant's database and user exist, and their case variants. Nothing destructive. */
export async function inspectTenant(conn: MysqlSession, database: string, user: string): Promise<MysqlTenantState> {
  const [settings] = await conn.query<{ current_database: string | null; folds: number | string }>(
    "SELECT DATABASE() AS current_database, @@lower_case_table_names AS folds",
  );
  const foldsNames = Number(settings?.folds ?? 0) !== 0;
  // Every name equal to the tenant's but for case; which of them is the
  // tenant's own is decided here, in one place. Values are bound, and LOWER
  // = LOWER is no pattern: `_` and `%` match only themselves.
  const schemata = await conn.query<{ name: string }>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) = LOWER(?) ORDER BY SCHEMA_NAME",
    [database],
  );
  const names = schemata.map((row) => String(row.name));
  // mysql.user is a view over mysql.global_priv on MariaDB 10.4+, and the
  // table itself on MySQL: it answers on both. User has a binary collation,
  // so the names compare exactly, and LOWER() still applies to it.
  const accounts = await readAccounts(conn, user);
  const own = accounts.filter((row) => row.User === user);
  const variantAccounts = accounts.filter((row) => row.User !== user);
  return {
    currentDatabase: settings?.current_database ?? null,
    // Where the server folds names, any of them is the tenant's database.
    databaseExists: foldsNames ? names.length > 0 : names.includes(database),
    hosts: own.filter((row) => row.is_role !== "Y").map((row) => String(row.Host)),
    roleExists: own.some((row) => row.is_role === "Y"),
    foldsNames,
    caseVariants: [
      ...(foldsNames
        ? []
        : names.filter((name) => name !== database).map((name) => `database ${JSON.stringify(name)}`)),
      ...variantAccounts.map((row) =>
        row.is_role === "Y"
          ? `role ${JSON.stringify(row.User)}`
          : `user ${JSON.stringify(row.User)}@${JSON.stringify(row.Host)}`
      ),
    ],
  };
}

interface AccountRow {
  readonly User: string;
  readonly Host: string;
  readonly is_role: string;
}

/**
 * The accounts whose user name is the tenant's but for case. MariaDB lists
 * its roles in mysql.user too (`is_role = 'Y'`, host ''); MySQL has no such
 * column (its roles are accounts), so the column is asked for and, where it
 * is unknown (1054), left out.
 */
async function readAccounts(conn: MysqlSession, user: string): Promise<AccountRow[]> {
  let rows: AccountRow[];
  try {
    rows = await conn.query<AccountRow>(
      "SELECT User, Host, is_role FROM mysql.user WHERE LOWER(User) = LOWER(?) ORDER BY User, Host",
      [user],
    );
  } catch (err) {
    if (!hasErrno(err, 1054)) throw err;
    rows = await conn.query<AccountRow>(
      "SELECT User, Host, 'N' AS is_role FROM mysql.user WHERE LOWER(User) = LOWER(?) ORDER BY User, Host",
      [user],
    );
  }
  return rows.map((row) => ({ User: String(row.User), Host: String(row.Host), is_role: String(row.is_role) }));
}

/**
 * Sends the tenant database's quoted name to the server in a statement that
 * changes nothing, `SHOW CREATE DATABASE`, and checks that the server
 * answers with that very database. A quoting the server reads otherwise
 * (a parse error, another name) then fails here, before anything is locked
 * or killed, instead of at `DROP DATABASE`, after.
 *
 * @throws {Error} The server's error, or one naming both names when the server
 * answered for another database.
 */
export async function probeDatabaseName(conn: MysqlSession, database: string, foldsNames: boolean): Promise<void> {
  const rows = await conn.query<{ Database: string }>(`SHOW CREATE DATABASE ${conn.escapeId(database)}`);
  const answered = rows[0]?.Database === undefined ? undefined : String(rows[0].Database);
  const same = answered !== undefined &&
    (foldsNames ? answered.toLowerCase() === database.toLowerCase() : answered === database);
  if (!same) {
    throw new Error(
      `SHOW CREATE DATABASE ${conn.escapeId(database)} answered for ${
        answered === undefined ? "no database" : JSON.stringify(answered)
      }, ` +
        `not ${JSON.stringify(database)}: the quoted name does not address the tenant's database`,
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
export async function killSessions(
  conn: MysqlSession,
  database: string,
  user: string,
  foldsNames: boolean,
): Promise<number> {
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
 * Step 3: `DROP DATABASE IF EXISTS`, the name quoted by {@linkcode quoteIdentifier}.
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
