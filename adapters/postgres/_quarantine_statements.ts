// Internal: the statements of the quarantine. A quarantined tenant is its
// database and role renamed to one quarantine name, `q_<yyyymmddhhmmss>_<12
// hex>`, the role NOLOGIN and CONNECT revoked, and a `COMMENT ON` each that
// holds, as JSON, the original names, the token, the time, and what the
// restore must give back (the login, the CONNECT grants, the comments the
// quarantine replaced). The comment is written before anything else changes,
// so a call interrupted at any point is finished by the next one with the
// same name and time, and restores what the tenant had before the first.
// Every identifier is quoted by pg's escapeIdentifier, every value is a
// bound parameter or pg's escapeLiteral.

import { createHash, randomBytes } from "node:crypto";
import type { Client } from "pg";
import { sleep } from "../_shared/_errors.ts";
import { sqlStateOf } from "./_classify.ts";
import { terminateBackends } from "./_statements.ts";

/** The JSON in a quarantined object's COMMENT. */
export interface QuarantineMark {
  readonly guarded_drop: "quarantine";
  readonly v: 1;
  readonly token: string;
  readonly backend: string;
  /** The quarantine name of both the database and the role. */
  readonly name: string;
  readonly database: string;
  readonly role: string;
  /** ISO 8601, UTC. */
  readonly quarantined_at: string;
  readonly had_database: boolean;
  readonly had_role: boolean;
  /** Whether the role could log in before. */
  readonly login: boolean;
  /** Who of PUBLIC and the role held CONNECT on the database before ("PUBLIC" or the role's name). */
  readonly connect: readonly string[];
  readonly database_comment: string | null;
  readonly role_comment: string | null;
}

/** A quarantine name: `q_`, the UTC time to the second, and 12 hex digits (8 of the database name's hash, 4 random). */
export function quarantineName(database: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const hash = createHash("sha256").update(database).digest("hex").slice(0, 8);
  return `q_${stamp}_${hash}${randomBytes(2).toString("hex")}`;
}

/** The mark in a comment, or `undefined` when the comment is not one of ours. */
export function parseMark(comment: string | null | undefined): QuarantineMark | undefined {
  if (typeof comment !== "string" || !comment.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(comment);
  } catch {
    return undefined;
  }
  const mark = value as Partial<QuarantineMark>;
  const strings = [mark.token, mark.backend, mark.name, mark.database, mark.role, mark.quarantined_at];
  if (mark.guarded_drop !== "quarantine" || mark.v !== 1 || !strings.every((s) => typeof s === "string")) return undefined;
  if (!Number.isFinite(Date.parse(mark.quarantined_at!)) || !Array.isArray(mark.connect)) return undefined;
  return mark as QuarantineMark;
}

/** What a tenant holds that the quarantine records, or the mark a previous, interrupted quarantine left. */
export interface QuarantineSource {
  readonly databaseExists: boolean;
  readonly roleExists: boolean;
  readonly databaseComment: string | null;
  readonly roleComment: string | null;
  readonly login: boolean;
  readonly connect: readonly string[];
}

/** Reads the tenant's database and role as the quarantine must record them. Nothing destructive. */
export async function readQuarantineSource(client: Client, database: string, role: string): Promise<QuarantineSource> {
  const { rows } = await client.query<{
    database_exists: boolean;
    role_exists: boolean;
    database_comment: string | null;
    role_comment: string | null;
    login: boolean | null;
    connect: string[] | null;
  }>(
    `SELECT d.oid IS NOT NULL AS database_exists, r.oid IS NOT NULL AS role_exists,
            pg_catalog.shobj_description(d.oid, 'pg_database') AS database_comment,
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
            r.rolcanlogin AS login,
            (SELECT pg_catalog.array_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE r.rolname::text END)
               FROM pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
              WHERE a.privilege_type = 'CONNECT' AND (a.grantee = 0 OR a.grantee = r.oid)) AS connect
       FROM (SELECT 1) one
       LEFT JOIN pg_catalog.pg_database d ON d.datname = $1
       LEFT JOIN pg_catalog.pg_roles r ON r.rolname = $2`,
    [database, role],
  );
  const row = rows[0]!;
  return {
    databaseExists: row.database_exists,
    roleExists: row.role_exists,
    databaseComment: row.database_comment,
    roleComment: row.role_comment,
    login: row.login === true,
    connect: row.connect ?? [],
  };
}

/** Whether a database or a role already has `name`. */
export async function nameTaken(client: Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ taken: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1)
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) AS taken`,
    [name],
  );
  return rows[0]!.taken;
}

/**
 * Step 1, in one transaction: the mark on the database and the role, then
 * REVOKE CONNECT from PUBLIC and the role, and the role NOLOGIN. No session
 * can open on the tenant's database after it, and none as its role.
 *
 * @sanctionedDrop
 */
export async function markQuarantine(client: Client, mark: QuarantineMark): Promise<void> {
  const comment = client.escapeLiteral(JSON.stringify(mark));
  const db = client.escapeIdentifier(mark.database);
  const role = client.escapeIdentifier(mark.role);
  await inTransaction(client, async () => {
    if (mark.had_database) {
      await client.query(`COMMENT ON DATABASE ${db} IS ${comment}`);
      await client.query(`REVOKE CONNECT ON DATABASE ${db} FROM ${mark.had_role ? `PUBLIC, ${role}` : "PUBLIC"}`);
    }
    if (mark.had_role) {
      await client.query(`COMMENT ON ROLE ${role} IS ${comment}`);
      await client.query(`ALTER ROLE ${role} NOLOGIN`);
    }
  });
}

/**
 * Step 2, in one transaction: the database and the role renamed to the
 * quarantine name. A database still in use (55006: a session that the
 * termination has not ended yet) is terminated again and tried again, with
 * the drop's bounded backoff.
 *
 * NOTE: renaming a role clears an MD5 password (MD5 salts with the name);
 * SCRAM passwords, the default since PostgreSQL 14, survive the round trip.
 *
 * @sanctionedDrop
 */
export async function renameToQuarantine(client: Client, mark: QuarantineMark, attempts: number): Promise<void> {
  const name = client.escapeIdentifier(mark.name);
  for (let attempt = 1;; attempt++) {
    try {
      await inTransaction(client, async () => {
        const database = await exists(client, "pg_database", "datname", mark.database);
        if (database) await client.query(`ALTER DATABASE ${client.escapeIdentifier(mark.database)} RENAME TO ${name}`);
        const role = await exists(client, "pg_roles", "rolname", mark.role);
        if (role) await client.query(`ALTER ROLE ${client.escapeIdentifier(mark.role)} RENAME TO ${name}`);
      });
      return;
    } catch (err) {
      if (sqlStateOf(err) !== "55006" || attempt >= attempts) throw err;
    }
    await sleep(Math.min(100 * 2 ** (attempt - 1), 2_000));
    await terminateBackends(client, mark.database, mark.role);
  }
}

/** A quarantined object as the catalog lists it. */
export interface CopyRow {
  readonly kind: "database" | "role";
  readonly name: string;
  readonly mark: QuarantineMark;
  readonly sizeBytes: number | null;
  /** The object's oid: the later-made tenant has the higher one, which orders copies of the same time. */
  readonly oid: number;
}

/**
 * Every quarantined database and role on the server: objects whose name
 * starts with `q_` and whose comment is a mark naming them.
 */
export async function listQuarantined(client: Client): Promise<CopyRow[]> {
  const { rows } = await client.query<{ kind: "database" | "role"; name: string; comment: string | null; size: string | null; oid: string }>(
    `SELECT 'database' AS kind, d.datname AS name, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment, d.oid::int8 AS oid,
            CASE WHEN d.datconnlimit <> -2 AND pg_catalog.has_database_privilege(d.oid, 'CONNECT')
                 THEN pg_catalog.pg_database_size(d.oid) END AS size
       FROM pg_catalog.pg_database d WHERE d.datname LIKE $1
     UNION ALL
     SELECT 'role', r.rolname, pg_catalog.shobj_description(r.oid, 'pg_authid'), r.oid::int8, NULL
       FROM pg_catalog.pg_roles r WHERE r.rolname LIKE $1`,
    ["q\\_%"],
  );
  return rows.flatMap((row) => {
    const mark = parseMark(row.comment);
    if (mark === undefined || mark.name !== row.name) return [];
    return [{ kind: row.kind, name: row.name, mark, sizeBytes: row.size === null ? null : Number(row.size), oid: Number(row.oid) }];
  });
}

/**
 * Brings a copy back, in one transaction: the names, the login, the CONNECT
 * grants and the comments it had before its quarantine.
 */
export async function restoreFromQuarantine(client: Client, mark: QuarantineMark, attempts: number): Promise<void> {
  const q = client.escapeIdentifier(mark.name);
  const db = client.escapeIdentifier(mark.database);
  const role = client.escapeIdentifier(mark.role);
  const commentOf = (text: string | null) => (text === null ? "NULL" : client.escapeLiteral(text));
  for (let attempt = 1;; attempt++) {
    try {
      await inTransaction(client, async () => {
        const hasRole = await exists(client, "pg_roles", "rolname", mark.name);
        if (hasRole) {
          await client.query(`ALTER ROLE ${q} RENAME TO ${role}`);
          await client.query(`ALTER ROLE ${role} ${mark.login ? "LOGIN" : "NOLOGIN"}`);
          await client.query(`COMMENT ON ROLE ${role} IS ${commentOf(mark.role_comment)}`);
        }
        if (await exists(client, "pg_database", "datname", mark.name)) {
          await client.query(`ALTER DATABASE ${q} RENAME TO ${db}`);
          await client.query(`COMMENT ON DATABASE ${db} IS ${commentOf(mark.database_comment)}`);
          const grantees = mark.connect
            .filter((grantee) => grantee === "PUBLIC" || (hasRole && grantee === mark.role))
            .map((grantee) => (grantee === "PUBLIC" ? "PUBLIC" : role));
          if (grantees.length > 0) await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${grantees.join(", ")}`);
        }
      });
      return;
    } catch (err) {
      // 55006: a superuser's session in the quarantined database.
      if (sqlStateOf(err) !== "55006" || attempt >= attempts) throw err;
    }
    await sleep(Math.min(100 * 2 ** (attempt - 1), 2_000));
  }
}

async function exists(client: Client, catalog: "pg_database" | "pg_roles", column: "datname" | "rolname", name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.${catalog} WHERE ${column} = $1) AS found`,
    [name],
  );
  return rows[0]!.found;
}

async function inTransaction(client: Client, body: () => Promise<void>): Promise<void> {
  await client.query("BEGIN");
  try {
    await body();
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
