// Internal: the audit table's name, checked and quoted, and every statement
// run against it. Identifiers are validated and quoted here, never taken
// from a caller as SQL.

import { type AuditRowContent, canonicalPieces, CONTENT_COLUMNS, GENESIS_HASH } from "./_audit_chain.ts";

/** The table a store writes to when none is named. */
export const DEFAULT_AUDIT_TABLE = "guarded_drop_audit";

/**
 * One part of the name: lower-case so that the quoted name means what the
 * same name unquoted means in psql, and short enough that
 * `<table>_drop_id_idx` fits PostgreSQL's 63 bytes.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

// Advisory lock keys (two int4): a namespace of ours, so that no other
// application's advisory locks collide with them. "gdau" in ASCII.
const LOCK_NAMESPACE = 0x67646175;
/** The second key of the lock every migrate() takes, whatever the table. */
const MIGRATE_KEY = 0;

/** A checked table name and the statements against it. */
export interface AuditTable {
  /** As given: `guarded_drop_audit` or `audit.drops`. */
  readonly name: string;
  /** Quoted for SQL: `"guarded_drop_audit"` or `"audit"."drops"`. */
  readonly sql: string;
  /** The quoted schema and a dot, or "" for the search path's first schema. */
  readonly schemaPrefix: string;
  /** Just the table's part, unquoted. */
  readonly relation: string;
}

/**
 * Checks and quotes an audit table name: `table` or `schema.table`, each part
 * lower-case letters, digits and `_`, starting with a letter or `_`, at most
 * 48 characters.
 *
 * @throws {TypeError} If it is not such a name.
 */
export function auditTable(name: unknown, what: string): AuditTable {
  const given = name === undefined ? DEFAULT_AUDIT_TABLE : name;
  const parts = typeof given === "string" ? given.split(".") : [];
  if (typeof given !== "string" || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(
      `Cannot ${what} as 'table' must be "name" or "schema.name", each part lower-case letters, digits and "_" ` +
        `starting with a letter or "_", at most 48 characters: current value is ${describeName(given)}`,
    );
  }
  const quoted = parts.map((part) => `"${part}"`);
  return {
    name: given,
    sql: quoted.join("."),
    schemaPrefix: parts.length === 2 ? `${quoted[0]}.` : "",
    relation: parts[parts.length - 1]!,
  };
}

/**
 * A string as an SQL literal, `E'…'` with quotes and backslashes doubled, or
 * NULL. The text never holds NUL: every value goes through storable() first.
 */
export function sqlLiteral(value: string | null): string {
  return value === null ? "NULL" : `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

function describeName(value: unknown): string {
  // Shown only when it cannot be a URL or a key=value pair: a connection
  // string passed as the table must not be echoed.
  if (typeof value === "string") {
    return value.length <= 100 && !/[:@/=]/.test(value)
      ? JSON.stringify(value)
      : `a string of ${value.length} characters`;
  }
  return value === null ? "null" : typeof value;
}

/** The columns as the INSERT lists them: the content, then the chain. */
export const INSERT_COLUMNS = [...CONTENT_COLUMNS, "prev_hash", "hash"] as const;

const CLOCK_MS = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const RECORDED_AT_TEXT = `to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The columns a reader selects, with seq and recorded_at as text: no type
 * parser can change them. The output column "seq" is then text, so every
 * ORDER BY names the table's column through an alias.
 */
export const SELECT_COLUMNS = INSERT_COLUMNS.map((column) =>
  column === "seq" ? "seq::text AS seq" : column === "recorded_at"
    ? `${RECORDED_AT_TEXT} AS recorded_at`
    // Read through the row's JSON: a table made before the column existed,
    // and not migrated since, still reads (as null: a destruction).
    : column === "action"
    ? "(to_jsonb(r) ->> 'action') AS action"
    : column
).join(", ");

/** A row to append, but for what the server decides under the lock: seq, recorded_at, prev_hash, hash. */
export type AppendedFields = Omit<AuditRowContent, "seq" | "recorded_at">;

/**
 * The statements of one table.
 *
 * An append is one round trip, and holds the chain's lock only on the
 * server, never across a client's turn: take the lock, read the head in a
 * statement of its own (under READ COMMITTED each statement takes a new
 * snapshot, so it sees the row the previous holder committed), insert the
 * row with its hash computed by sha256() from the canonical pieces, commit.
 *
 * That commit does not wait for the WAL flush (synchronous_commit off, for
 * this transaction only): holding the lock through an fsync would cap all
 * writers of the chain together at one fsync per row. The last statement,
 * after the lock is released, is a tiny transaction of its own that writes
 * one WAL record (a logical message) and commits synchronously, which flushes
 * the WAL up to and including the row; concurrent writers' flushes share
 * fsyncs (group commit). The append resolves only after it, so it is durable
 * when it resolves; and as WAL is replayed as a prefix, a crash before the
 * flush loses the row only together with every row chained after it.
 */
export function statementsOf(table: AuditTable) {
  const t = table.sql;
  // The table's oid names its lock: two tables of the same name in two
  // schemas never share one. The name is checked above, so it is safe in a
  // literal; the cast of an oid to int4 wraps instead of failing.
  const lock = `SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, '${t}'::regclass::oid::int4)`;
  return {
    /** The whole append, one round trip. Idempotent: a row of the same drop_id and event is not written twice. */
    append(fields: AppendedFields): string {
      const pieces = canonicalPieces(fields);
      // Every content column after seq and recorded_at, in the INSERT's order.
      // A destruction (action null) leaves the column out, so that a table
      // not yet migrated keeps taking the rows it always took; a quarantine
      // or a restore on such a table fails the append (no audit, no drop).
      const columns = CONTENT_COLUMNS.slice(2).filter((column) =>
        column !== "action" || (fields.action ?? null) !== null
      );
      const values = columns.map((column) =>
        sqlLiteral((fields[column as keyof AppendedFields] ?? null) as string | null)
      );
      const hashed =
        `n.prev || ${sqlLiteral(pieces.beforeRecordedAt)} || '"' || n.ts || '"' || ${sqlLiteral(pieces.beforeSeq)} ` +
        `|| n.seq::text || ${sqlLiteral(pieces.afterSeq)}`;
      return [
        // READ COMMITTED whatever the role's default: under REPEATABLE READ
        // the snapshot would be taken before the lock, and the head read stale.
        "BEGIN ISOLATION LEVEL READ COMMITTED",
        "SET LOCAL synchronous_commit = off",
        lock,
        `INSERT INTO ${t} (seq, recorded_at, ${columns.join(", ")}, prev_hash, hash) ` +
        `SELECT n.seq, n.ts::timestamptz, ${
          values.join(", ")
        }, n.prev, encode(sha256(convert_to(${hashed}, 'UTF8')), 'hex') ` +
        `FROM (SELECT coalesce(h.seq, 0) + 1 AS seq, coalesce(h.hash, '${GENESIS_HASH}') AS prev, ${CLOCK_MS} AS ts ` +
        `FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, hash FROM ${t} ORDER BY seq DESC LIMIT 1) AS h ON true) AS n ` +
        `WHERE NOT EXISTS (SELECT 1 FROM ${t} AS d WHERE d.drop_id = ${sqlLiteral(fields.drop_id)} AND d.event = ${
          sqlLiteral(fields.event)
        })`,
        "COMMIT",
        // Transactional, so that it takes an xid and its commit is a synchronous one that flushes.
        "SELECT pg_logical_emit_message(true, 'guarded-drop', 'flush')",
      ].join(";\n");
    },
    /** A page of rows in chain order, after a seq. */
    page: `SELECT ${SELECT_COLUMNS} FROM ${t} AS r WHERE r.seq > $1 ORDER BY r.seq LIMIT $2`,
    /** The first row with a hash (for a broken link: where its predecessor went). */
    byHash: `SELECT ${SELECT_COLUMNS} FROM ${t} AS r WHERE r.hash = $1 ORDER BY r.seq LIMIT 1`,
    /** The row with the lowest seq above one. */
    after: `SELECT ${SELECT_COLUMNS} FROM ${t} AS r WHERE r.seq > $1 ORDER BY r.seq LIMIT 1`,
    /**
     * Drops with an intent row and no settled row (`$1`: the earliest
     * recorded_at, or null), each with the drop_id of the first later
     * settled `ok` of the same resource (token, resource type, backend,
     * provider resource id) that resolves it, or null.
     */
    pending:
      `SELECT ${SELECT_COLUMNS}, (SELECT s.drop_id FROM ${t} AS s WHERE s.event = 'provisioner.drop.settled' AND s.outcome = 'ok' ` +
      `AND s.seq > r.seq AND s.token = r.token AND s.resource_type = r.resource_type AND s.backend = r.backend ` +
      `AND s.provider_resource_id = r.provider_resource_id ORDER BY s.seq LIMIT 1) AS resolved_by ` +
      `FROM ${t} AS r WHERE r.event = 'provisioner.drop' AND ($1::timestamptz IS NULL OR r.recorded_at >= $1::timestamptz) AND NOT EXISTS ` +
      `(SELECT 1 FROM ${t} AS s WHERE s.drop_id = r.drop_id AND s.event = 'provisioner.drop.settled') ORDER BY r.seq`,
    /** The intent row of a drop, and whether it has a settled row. */
    intentOf: `SELECT ${SELECT_COLUMNS}, EXISTS (SELECT 1 FROM ${t} AS s WHERE s.drop_id = r.drop_id ` +
      `AND s.event = 'provisioner.drop.settled') AS settled FROM ${t} AS r WHERE r.drop_id = $1 AND r.event = 'provisioner.drop' ORDER BY r.seq LIMIT 1`,
    migrate: migrateStatements(table),
  };
}

/**
 * The migration, one transaction under a lock every migrate() takes: two
 * replicas starting at once would otherwise race on CREATE TABLE IF NOT
 * EXISTS (which is not safe concurrently) and on CREATE OR REPLACE FUNCTION.
 */
function migrateStatements(table: AuditTable): string {
  const t = table.sql;
  const fn = `${table.schemaPrefix}"guarded_drop_audit_reject"`;
  const trigger = (name: string, definition: string) =>
    `IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '${t}'::regclass AND tgname = '${name}') THEN ` +
    `CREATE TRIGGER ${name} ${definition} ON ${t} ${
      name.endsWith("truncate") ? "FOR EACH STATEMENT" : "FOR EACH ROW"
    } EXECUTE FUNCTION ${fn}(); END IF;`;
  return [
    "BEGIN",
    `SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${MIGRATE_KEY})`,
    `CREATE TABLE IF NOT EXISTS ${t} (
  seq bigint NOT NULL PRIMARY KEY,
  recorded_at timestamptz NOT NULL,
  event text NOT NULL CHECK (event IN ('provisioner.drop', 'provisioner.drop.settled')),
  drop_id text NOT NULL,
  token text NOT NULL,
  provider_resource_id text NOT NULL,
  resource_type text NOT NULL,
  backend text NOT NULL,
  request_id text NOT NULL,
  caller text NOT NULL,
  intent text,
  outcome text,
  error text,
  reason text,
  prev_hash text NOT NULL,
  hash text NOT NULL
)`,
    // Added after the first release: a table made before it gains it here.
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS action text`,
    `CREATE INDEX IF NOT EXISTS "${table.relation}_drop_id_idx" ON ${t} (drop_id)`,
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the audit table %.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$fn$`,
    `DO $do$ BEGIN ${trigger("guarded_drop_append_only", "BEFORE UPDATE OR DELETE")} ${
      trigger("guarded_drop_no_truncate", "BEFORE TRUNCATE")
    } END $do$`,
    "COMMIT",
  ].join(";\n");
}
