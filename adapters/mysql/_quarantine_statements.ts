// Internal: the statements of the MySQL/MariaDB quarantine.
//
// MySQL has no RENAME DATABASE. A quarantined tenant is a quarantine schema
// `q_<yyyymmddhhmmss>_<12 hex>` holding its tables (moved with RENAME
// TABLE), copies of its views, routines and triggers, and its events (moved
// with ALTER EVENT … RENAME, disabled); its user renamed to the same name at
// every host and locked. The mark is a row of `guarded_drop.quarantine`, a
// platform table that no tenant may write (checked before each quarantine):
// never the tenant's own schema comment. The row is written before anything
// else changes, and holds every definition the tenant had, so that a call
// interrupted at any step is finished by the next one, and a restore
// recreates each object from its original text.
//
// Identifiers are quoted by the session's escapeId, account names and values
// are bound (`?`). A definition the tenant wrote is sent as it is, with no
// values, so that a `?` in its body is never read as a placeholder.

import { hasErrno } from "./_classify.ts";
import type { MysqlSession } from "./_statements.ts";

/** The platform's schema and table that hold the marks. */
export const MARK_SCHEMA = "guarded_drop";
export const MARK_TABLE = "quarantine";

/** A session that can also quote a value as a string literal (mysql2's escape). */
export interface QuarantineSession extends MysqlSession {
  escape(value: string): string;
}

/** A view: its `SHOW CREATE VIEW` text (qualified with its schema). */
export interface ViewDefinition {
  readonly name: string;
  readonly create: string;
}

/** A procedure or function: its `SHOW CREATE` text (unqualified) and sql_mode. */
export interface RoutineDefinition {
  readonly kind: "PROCEDURE" | "FUNCTION";
  readonly name: string;
  readonly create: string;
  readonly sqlMode: string;
}

/** A trigger: its original statement, and the parts a copy elsewhere is made of. */
export interface TriggerDefinition {
  readonly name: string;
  readonly table: string;
  readonly create: string;
  readonly sqlMode: string;
  readonly timing: string;
  readonly event: string;
  readonly statement: string;
  readonly definer: string;
}

/** An event: moved as it is; its definer and status are given back. */
export interface EventDefinition {
  readonly name: string;
  readonly definer: string;
  /** `ENABLED`, `DISABLED` or `SLAVESIDE_DISABLED`. */
  readonly status: string;
}

/** Everything a quarantine records of a tenant, in the mark's `detail`. */
export interface CopyDetail {
  readonly v: 1;
  /** `SHOW CREATE DATABASE` of the tenant's database (charset, collation, comment), or `null` when it had none. */
  readonly createDatabase: string | null;
  readonly charset: string | null;
  readonly collation: string | null;
  /** Every host of the tenant's user, and whether its account was locked before. */
  readonly hosts: readonly { readonly host: string; readonly locked: boolean }[];
  /** Base tables and sequences, which move with RENAME TABLE. */
  readonly tables: readonly string[];
  readonly views: readonly ViewDefinition[];
  readonly routines: readonly RoutineDefinition[];
  /** In the server's order (ACTION_ORDER), so that recreating them keeps it. */
  readonly triggers: readonly TriggerDefinition[];
  readonly events: readonly EventDefinition[];
}

/** The states of a mark: a quarantine or a restore under way, or a finished copy. */
export type MarkState = "moving" | "quarantined" | "restoring";

/** A row of `guarded_drop.quarantine`. */
export interface MysqlMark {
  /** The quarantine schema's and user's name. */
  readonly name: string;
  readonly backend: string;
  readonly token: string;
  readonly database: string;
  readonly user: string;
  /** ISO 8601, UTC. */
  readonly quarantinedAt: string;
  readonly state: MarkState;
  readonly detail: CopyDetail;
}

// The table types RENAME TABLE moves between schemas.
const MOVABLE_TABLES: ReadonlySet<string> = new Set(["BASE TABLE", "SEQUENCE", "SYSTEM VERSIONED"]);

/** Creates the mark table when it is missing. */
export async function ensureMarkTable(conn: MysqlSession): Promise<void> {
  const table = `${conn.escapeId(MARK_SCHEMA)}.${conn.escapeId(MARK_TABLE)}`;
  await conn.query(
    `CREATE DATABASE IF NOT EXISTS ${conn.escapeId(MARK_SCHEMA)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  );
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       name VARCHAR(64) NOT NULL PRIMARY KEY,
       backend VARCHAR(16) NOT NULL,
       token VARCHAR(64) NOT NULL,
       original_database VARCHAR(64) NOT NULL,
       original_user VARCHAR(128) NOT NULL,
       quarantined_at VARCHAR(24) NOT NULL,
       state VARCHAR(16) NOT NULL,
       detail LONGTEXT NOT NULL,
       KEY by_tenant (original_database, original_user)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    [],
    { waitsForLocks: true },
  );
}

/** Every mark on the server; none when the mark table does not exist. */
export async function readMarks(conn: MysqlSession): Promise<MysqlMark[]> {
  let rows: Record<string, string>[];
  try {
    rows = await conn.query<Record<string, string>>(
      `SELECT name, backend, token, original_database, original_user, quarantined_at, state, detail
         FROM ${conn.escapeId(MARK_SCHEMA)}.${conn.escapeId(MARK_TABLE)}`,
    );
  } catch (err) {
    // 1146: no such table, 1049: no such database. Nothing was ever quarantined.
    if (hasErrno(err, 1146) || hasErrno(err, 1049)) return [];
    throw err;
  }
  return rows.flatMap((row) => {
    let detail: unknown;
    try {
      detail = JSON.parse(String(row.detail));
    } catch {
      return [];
    }
    if (typeof detail !== "object" || detail === null || (detail as { v?: unknown }).v !== 1) return [];
    const state = String(row.state);
    if (state !== "moving" && state !== "quarantined" && state !== "restoring") return [];
    return [{
      name: String(row.name),
      backend: String(row.backend),
      token: String(row.token),
      database: String(row.original_database),
      user: String(row.original_user),
      quarantinedAt: String(row.quarantined_at),
      state,
      detail: detail as CopyDetail,
    }];
  });
}

/** Writes a new mark. */
export async function insertMark(conn: MysqlSession, mark: MysqlMark): Promise<void> {
  await conn.query(
    `INSERT INTO ${conn.escapeId(MARK_SCHEMA)}.${conn.escapeId(MARK_TABLE)}
       (name, backend, token, original_database, original_user, quarantined_at, state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      mark.name,
      mark.backend,
      mark.token,
      mark.database,
      mark.user,
      mark.quarantinedAt,
      mark.state,
      JSON.stringify(mark.detail),
    ],
    { waitsForLocks: true },
  );
}

/** Sets a mark's state. */
export async function setMarkState(conn: MysqlSession, name: string, state: MarkState): Promise<void> {
  await conn.query(
    `UPDATE ${conn.escapeId(MARK_SCHEMA)}.${conn.escapeId(MARK_TABLE)} SET state = ? WHERE name = ?`,
    [state, name],
    { waitsForLocks: true },
  );
}

/** Deletes a mark: the copy it described is restored or purged. */
export async function deleteMark(conn: MysqlSession, name: string): Promise<void> {
  await conn.query(`DELETE FROM ${conn.escapeId(MARK_SCHEMA)}.${conn.escapeId(MARK_TABLE)} WHERE name = ?`, [name], {
    waitsForLocks: true,
  });
}

/**
 * The accounts of the user that hold a privilege that could write the mark
 * table: a global one other than USAGE, or one on the mark schema (a
 * database pattern that matches it, or a table grant in it). A quarantine
 * of such a tenant is refused: its mark would not be out of its reach.
 */
export async function markWriters(conn: MysqlSession, user: string): Promise<string[]> {
  const global = await conn.query<{ Host: string }>(
    // BINARY: on MariaDB, mysql.user is a view whose columns are computed,
    // and their collation may differ from the connection's.
    `SELECT Host FROM mysql.user WHERE BINARY User = ? AND 'Y' IN (BINARY Insert_priv, BINARY Update_priv, BINARY Delete_priv,
        BINARY Create_priv, BINARY Drop_priv, BINARY Alter_priv, BINARY Super_priv, BINARY Grant_priv)`,
    [user],
  );
  const database = await conn.query<{ Host: string }>(
    "SELECT Host FROM mysql.db WHERE BINARY User = ? AND BINARY ? LIKE BINARY Db",
    [user, MARK_SCHEMA],
  );
  const table = await conn.query<{ Host: string }>(
    "SELECT Host FROM mysql.tables_priv WHERE BINARY User = ? AND BINARY Db = ?",
    [user, MARK_SCHEMA],
  );
  return [...new Set([...global, ...database, ...table].map((row) => String(row.Host)))];
}

/** Whether a schema or an account (any host) has `name`. */
export async function nameTaken(conn: MysqlSession, name: string): Promise<boolean> {
  const rows = await conn.query<{ n: number }>(
    `SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?)
          + (SELECT COUNT(*) FROM mysql.user WHERE BINARY User = ?) AS n`,
    [name, name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Whether a schema exists (exact name). */
export async function schemaExists(conn: MysqlSession, name: string): Promise<boolean> {
  const rows = await conn.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE BINARY SCHEMA_NAME = ?",
    [name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** The hosts at which an account named `user` exists. */
export async function accountHosts(conn: MysqlSession, user: string): Promise<string[]> {
  const rows = await conn.query<{ Host: string }>("SELECT Host FROM mysql.user WHERE BINARY User = ? ORDER BY Host", [
    user,
  ]);
  return rows.map((row) => String(row.Host));
}

/** What a schema holds, by kind, as names. */
export interface SchemaObjects {
  readonly tables: readonly string[];
  /** Tables of kinds RENAME TABLE cannot move, with their kind. */
  readonly unmovable: readonly string[];
  readonly views: readonly string[];
  readonly routines: readonly string[];
  readonly triggers: readonly string[];
  readonly events: readonly string[];
}

/** The names of everything in a schema. Nothing destructive. */
export async function schemaObjects(conn: MysqlSession, schema: string): Promise<SchemaObjects> {
  const tables = await conn.query<{ name: string; type: string }>(
    "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE BINARY TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
    [schema],
  );
  const routines = await conn.query<{ name: string; kind: string }>(
    "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES WHERE BINARY ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME",
    [schema],
  );
  const triggers = await conn.query<{ name: string }>(
    "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE BINARY TRIGGER_SCHEMA = ?",
    [schema],
  );
  const events = await conn.query<{ name: string }>(
    "SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE BINARY EVENT_SCHEMA = ?",
    [schema],
  );
  return {
    tables: tables.filter((t) => MOVABLE_TABLES.has(String(t.type))).map((t) => String(t.name)),
    unmovable: tables.filter((t) => String(t.type) !== "VIEW" && !MOVABLE_TABLES.has(String(t.type))).map((t) =>
      `${t.name} (${t.type})`
    ),
    views: tables.filter((t) => String(t.type) === "VIEW").map((t) => String(t.name)),
    routines: routines.map((r) => `${r.kind} ${r.name}`),
    triggers: triggers.map((t) => String(t.name)),
    events: events.map((e) => String(e.name)),
  };
}

/** Whether a schema holds nothing at all. */
export function isEmpty(objects: SchemaObjects): boolean {
  return objects.tables.length + objects.unmovable.length + objects.views.length + objects.routines.length +
      objects.triggers.length + objects.events.length === 0;
}

/**
 * Reads every definition of the tenant's database and the state of its
 * accounts, as the mark records them. Nothing destructive.
 *
 * @throws {Error} When a definition cannot be read (the admin lacks the
 * privilege to see it): a copy without it would not be intact.
 */
export async function readDetail(conn: MysqlSession, database: string | null, user: string): Promise<CopyDetail> {
  const hosts = await readHosts(conn, user);
  if (database === null) {
    return {
      v: 1,
      createDatabase: null,
      charset: null,
      collation: null,
      hosts,
      tables: [],
      views: [],
      routines: [],
      triggers: [],
      events: [],
    };
  }
  const db = conn.escapeId(database);
  const [schema] = await conn.query<{ charset: string; collation: string }>(
    `SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation
       FROM information_schema.SCHEMATA WHERE BINARY SCHEMA_NAME = ?`,
    [database],
  );
  const [created] = await conn.query<Record<string, string>>(`SHOW CREATE DATABASE ${db}`);
  const objects = await schemaObjects(conn, database);
  if (objects.unmovable.length > 0) {
    throw new Error(`the database holds tables RENAME TABLE cannot move: ${objects.unmovable.join(", ")}`);
  }
  const views: ViewDefinition[] = [];
  for (const name of objects.views) {
    const [row] = await conn.query<Record<string, string>>(`SHOW CREATE VIEW ${db}.${conn.escapeId(name)}`);
    views.push({ name, create: required(row?.["Create View"], `view ${name}`) });
  }
  const routines: RoutineDefinition[] = [];
  const routineRows = await conn.query<{ name: string; kind: "PROCEDURE" | "FUNCTION" }>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES
      WHERE BINARY ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME`,
    [database],
  );
  for (const { name, kind } of routineRows) {
    const [row] = await conn.query<Record<string, string>>(`SHOW CREATE ${kind} ${db}.${conn.escapeId(name)}`);
    routines.push({
      kind,
      name: String(name),
      create: required(
        row?.[kind === "PROCEDURE" ? "Create Procedure" : "Create Function"],
        `${kind.toLowerCase()} ${name}`,
      ),
      sqlMode: String(row?.sql_mode ?? ""),
    });
  }
  if (routineRows.length !== objects.routines.length) {
    throw new Error(`the database holds routines other than procedures and functions: ${objects.routines.join(", ")}`);
  }
  const triggerRows = await conn.query<Record<string, string>>(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
            ACTION_STATEMENT AS statement, DEFINER AS definer, SQL_MODE AS sql_mode
       FROM information_schema.TRIGGERS WHERE BINARY TRIGGER_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [database],
  );
  const triggers: TriggerDefinition[] = [];
  for (const row of triggerRows) {
    const [shown] = await conn.query<Record<string, string>>(
      `SHOW CREATE TRIGGER ${db}.${conn.escapeId(String(row.name))}`,
    );
    triggers.push({
      name: String(row.name),
      table: String(row.tbl),
      create: required(shown?.["SQL Original Statement"], `trigger ${row.name}`),
      sqlMode: String(row.sql_mode ?? ""),
      timing: String(row.timing),
      event: String(row.event),
      statement: required(row.statement, `trigger ${row.name}`),
      definer: String(row.definer),
    });
  }
  const eventRows = await conn.query<{ name: string; definer: string; status: string }>(
    "SELECT EVENT_NAME AS name, DEFINER AS definer, STATUS AS status FROM information_schema.EVENTS WHERE BINARY EVENT_SCHEMA = ? ORDER BY EVENT_NAME",
    [database],
  );
  return {
    v: 1,
    createDatabase: required(created?.["Create Database"], "the database"),
    charset: schema?.charset ?? null,
    collation: schema?.collation ?? null,
    hosts,
    tables: objects.tables,
    views,
    routines,
    triggers,
    events: eventRows.map((e) => ({ name: String(e.name), definer: String(e.definer), status: String(e.status) })),
  };
}

function required(text: string | null | undefined, what: string): string {
  if (typeof text !== "string" || text.length === 0) {
    throw new Error(`the definition of the ${what} cannot be read (the admin account needs the privilege to see it)`);
  }
  return text;
}

/** Every host of the user, and whether its account is locked. MariaDB reads it from mysql.global_priv, MySQL from mysql.user. */
async function readHosts(conn: MysqlSession, user: string): Promise<{ host: string; locked: boolean }[]> {
  try {
    const rows = await conn.query<{ Host: string; locked: number | string | null }>(
      `SELECT Host, JSON_VALUE(Priv, '$.account_locked') AS locked FROM mysql.global_priv WHERE BINARY User = ? ORDER BY Host`,
      [user],
    );
    return rows.map((row) => ({
      host: String(row.Host),
      locked: String(row.locked) === "true" || Number(row.locked) === 1,
    }));
  } catch (err) {
    // 1146: MySQL, which has no global_priv; its mysql.user says it.
    if (!hasErrno(err, 1146)) throw err;
    const rows = await conn.query<{ Host: string; locked: string }>(
      "SELECT Host, account_locked AS locked FROM mysql.user WHERE BINARY User = ? ORDER BY Host",
      [user],
    );
    return rows.map((row) => ({ host: String(row.Host), locked: String(row.locked) === "Y" }));
  }
}

/** `DEFINER=<user>@<host>` from information_schema's `user@host` (split at the last `@`). */
function definerClause(conn: QuarantineSession, definer: string): string {
  const at = definer.lastIndexOf("@");
  if (at < 0) return "";
  return `DEFINER=${conn.escape(definer.slice(0, at))}@${conn.escape(definer.slice(at + 1))}`;
}

/**
 * Runs one definition with its sql_mode, in `schema` (USE), so that the
 * unqualified names of a routine, trigger or view land there.
 */
async function runDefinition(
  conn: QuarantineSession,
  schema: string,
  sqlMode: string | undefined,
  sql: string,
): Promise<void> {
  await conn.query(`USE ${conn.escapeId(schema)}`);
  if (sqlMode === undefined) {
    // No values: a `?` in the tenant's text stays what it is.
    await conn.query(sql, [], { waitsForLocks: true });
    return;
  }
  await conn.query("SET @gd_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = ?", [sqlMode]);
  try {
    await conn.query(sql, [], { waitsForLocks: true });
  } finally {
    await conn.query("SET SESSION sql_mode = @gd_sql_mode");
  }
}

/** `ACCOUNT LOCK` or `UNLOCK` of one account. An account that does not exist (1396) is skipped. */
export async function setAccountLock(conn: MysqlSession, user: string, host: string, locked: boolean): Promise<void> {
  try {
    await conn.query(`ALTER USER ?@? ACCOUNT ${locked ? "LOCK" : "UNLOCK"}`, [user, host], { waitsForLocks: true });
  } catch (err) {
    if (!hasErrno(err, 1396)) throw err;
  }
}

/** `RENAME USER from@host TO to@host` at each host where `from` exists and `to` does not. */
export async function renameAccounts(
  conn: MysqlSession,
  from: string,
  to: string,
  hosts: readonly string[],
): Promise<void> {
  const have = new Set(await accountHosts(conn, from));
  const taken = new Set(await accountHosts(conn, to));
  for (const host of hosts) {
    if (!have.has(host) || taken.has(host)) continue;
    await conn.query("RENAME USER ?@? TO ?@?", [from, host, to, host], { waitsForLocks: true });
  }
}

/** Creates the quarantine schema, with the tenant database's charset and collation. */
export async function createCopySchema(conn: MysqlSession, name: string, detail: CopyDetail): Promise<void> {
  const charset = detail.charset === null ? "" : ` CHARACTER SET ${conn.escapeId(detail.charset)}`;
  const collation = detail.collation === null ? "" : ` COLLATE ${conn.escapeId(detail.collation)}`;
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${conn.escapeId(name)}${charset}${collation}`, [], {
    waitsForLocks: true,
  });
}

/**
 * Moves what the mark lists from schema `from` to schema `to`: triggers are
 * dropped from their tables (RENAME TABLE refuses a table with triggers)
 * and made again on the other side; tables move in one RENAME TABLE; views
 * and routines are made on the other side, then dropped here; events move
 * with ALTER EVENT … RENAME, keeping their definer. Each part is skipped
 * when it is already done, so a call interrupted anywhere is finished by
 * the next one.
 *
 * Into the quarantine (`toCopy`), views are kept in the mark alone,
 * triggers are made from their parts, routines from their text, and events
 * are disabled. Back (`!toCopy`), each is made from its original text, and
 * each event gets its status back.
 *
 * @sanctionedDrop
 */
export async function moveObjects(
  conn: QuarantineSession,
  detail: CopyDetail,
  from: string,
  to: string,
  toCopy: boolean,
  step: (name: string) => void,
): Promise<void> {
  const src = await schemaObjects(conn, from);
  const dst = await schemaObjects(conn, to);
  const id = (schema: string, name: string) => `${conn.escapeId(schema)}.${conn.escapeId(name)}`;

  step("DROP TRIGGER");
  for (const trigger of detail.triggers) {
    if (src.triggers.includes(trigger.name)) {
      await conn.query(`DROP TRIGGER ${id(from, trigger.name)}`, [], { waitsForLocks: true });
    }
  }
  step("RENAME TABLE");
  const moving = detail.tables.filter((table) => src.tables.includes(table));
  const clash = moving.filter((table) => dst.tables.includes(table));
  if (clash.length > 0) throw new Error(`the tables ${clash.join(", ")} exist on both sides of the move`);
  if (moving.length > 0) {
    await conn.query(`RENAME TABLE ${moving.map((t) => `${id(from, t)} TO ${id(to, t)}`).join(", ")}`, [], {
      waitsForLocks: true,
    });
  }
  step("CREATE TRIGGER");
  for (const trigger of detail.triggers) {
    if (dst.triggers.includes(trigger.name)) continue;
    const create = toCopy
      ? `CREATE ${definerClause(conn, trigger.definer)} TRIGGER ${
        id(to, trigger.name)
      } ${trigger.timing} ${trigger.event} ` +
        `ON ${id(to, trigger.table)} FOR EACH ROW ${trigger.statement}`
      : trigger.create;
    await runDefinition(conn, to, trigger.sqlMode, create);
  }
  // Routines before views: a view may call a stored function.
  step("CREATE PROCEDURE and FUNCTION");
  for (const routine of detail.routines) {
    const key = `${routine.kind} ${routine.name}`;
    if (!dst.routines.includes(key)) await runDefinition(conn, to, routine.sqlMode, routine.create);
    if (src.routines.includes(key)) {
      await conn.query(`DROP ${routine.kind} IF EXISTS ${id(from, routine.name)}`, [], { waitsForLocks: true });
    }
  }
  step("CREATE VIEW");
  // Into the copy, a view is kept in the mark only: MariaDB checks, when a
  // view is made, that its definer may use what it reads, and the tenant's
  // user has no grant on the copy schema. Back, each is made from its
  // original text once the user is back under its name.
  let views = toCopy ? [] : detail.views.filter((view) => !dst.views.includes(view.name));
  while (views.length > 0) {
    // A view may read another view: make them in rounds until none is left or none succeeds.
    const failed: { view: ViewDefinition; err: unknown }[] = [];
    for (const view of views) {
      try {
        await runDefinition(conn, to, undefined, view.create);
      } catch (err) {
        failed.push({ view, err });
      }
    }
    if (failed.length === views.length) throw failed[0]!.err;
    views = failed.map((f) => f.view);
  }
  step("DROP VIEW");
  for (const view of detail.views) {
    if (src.views.includes(view.name)) {
      await conn.query(`DROP VIEW IF EXISTS ${id(from, view.name)}`, [], { waitsForLocks: true });
    }
  }
  step("ALTER EVENT RENAME");
  for (const event of detail.events) {
    if (!src.events.includes(event.name)) continue;
    const status = toCopy
      ? "DISABLE"
      : event.status === "ENABLED"
      ? "ENABLE"
      : event.status === "SLAVESIDE_DISABLED"
      ? "DISABLE ON SLAVE"
      : "DISABLE";
    await conn.query(
      `ALTER ${definerClause(conn, event.definer)} EVENT ${id(from, event.name)} RENAME TO ${
        id(to, event.name)
      } ${status}`,
      [],
      { waitsForLocks: true },
    );
  }
}

/**
 * Drops a schema the move has emptied. Refuses when anything is left in it:
 * this never destroys data.
 *
 * @sanctionedDrop
 */
export async function dropEmptySchema(conn: MysqlSession, schema: string): Promise<void> {
  if (!(await schemaExists(conn, schema))) return;
  const left = await schemaObjects(conn, schema);
  if (!isEmpty(left)) {
    const names = [
      ...left.tables,
      ...left.unmovable,
      ...left.views,
      ...left.routines,
      ...left.triggers,
      ...left.events,
    ];
    throw new Error(`the schema ${JSON.stringify(schema)} still holds ${names.slice(0, 10).join(", ")} after the move`);
  }
  await conn.query(`DROP DATABASE ${conn.escapeId(schema)}`, [], { waitsForLocks: true });
}

/** Makes the tenant's database again from its `SHOW CREATE DATABASE` text, unless it exists. */
export async function recreateDatabase(conn: MysqlSession, database: string, detail: CopyDetail): Promise<void> {
  if (detail.createDatabase === null || (await schemaExists(conn, database))) return;
  // No values: the tenant's comment may hold a `?`.
  await conn.query(detail.createDatabase, [], { waitsForLocks: true });
}

/**
 * Drops a quarantined copy: its schema with everything in it, and its
 * accounts at every host.
 *
 * @sanctionedDrop
 */
export async function dropCopy(conn: MysqlSession, name: string): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(name)}`, [], { waitsForLocks: true });
  for (const host of await accountHosts(conn, name)) {
    await conn.query("DROP USER IF EXISTS ?@?", [name, host], { waitsForLocks: true });
  }
}
