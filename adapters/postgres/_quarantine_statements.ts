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
  /** Every grantee of CONNECT on the database before ("PUBLIC" or a role's name). */
  readonly connect: readonly string[];
  /** The members of the tenant's role before, whose membership the quarantine revoked. Absent in older marks. */
  readonly members?: readonly { readonly role: string; readonly admin: boolean }[];
  readonly database_comment: string | null;
  readonly role_comment: string | null;
}

/** The shape of a quarantine name: `q_`, 14 digits of UTC time, `_`, 12 hex digits. */
export const QUARANTINE_NAME = /^q_\d{14}_[0-9a-f]{12}$/;

/** A quarantine name: `q_`, the UTC time to the second, and 12 hex digits (8 of the database name's hash, 4 random). */
export function quarantineName(database: string, at: Date): string {
  return `q_${stampOf(at)}_${nameHash(database)}${randomBytes(2).toString("hex")}`;
}

function stampOf(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function nameHash(database: string): string {
  return createHash("sha256").update(database).digest("hex").slice(0, 8);
}

/**
 * Whether a mark's quarantine name is one this module made for its original
 * database name at its time: the shape, the hash of `mark.database`, and the
 * second of `mark.quarantined_at`. A name outside `q_`, a name too long for
 * 63 bytes, "postgres", or a time far from the name's own all fail it.
 */
export function consistentName(mark: QuarantineMark): boolean {
  if (!QUARANTINE_NAME.test(mark.name)) return false;
  const at = new Date(mark.quarantined_at);
  return mark.name.slice(2, 16) === stampOf(at) && mark.name.slice(17, 25) === nameHash(mark.database);
}

const isString = (value: unknown): value is string => typeof value === "string";
const isStringOrNull = (value: unknown): boolean => value === null || typeof value === "string";

/**
 * The mark in a comment, or `undefined` when the comment is not one of ours:
 * every field of its type (booleans are booleans, arrays hold strings or
 * members), and a quarantine name consistent with its database and time.
 *
 * NOTE: the shape proves nothing about who wrote it: the tenant's role owns
 * its database and may COMMENT ON it. Only the role's comment, which needs
 * CREATEROLE, is trusted for a tenant that has a role (see trustedMark).
 */
export function parseMark(comment: string | null | undefined): QuarantineMark | undefined {
  if (typeof comment !== "string" || !comment.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(comment);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const mark = value as Record<string, unknown>;
  if (mark.guarded_drop !== "quarantine" || mark.v !== 1) return undefined;
  if (![mark.token, mark.backend, mark.name, mark.database, mark.role, mark.quarantined_at].every(isString)) {
    return undefined;
  }
  if (![mark.had_database, mark.had_role, mark.login].every((b) => typeof b === "boolean")) return undefined;
  if (!isStringOrNull(mark.database_comment) || !isStringOrNull(mark.role_comment)) return undefined;
  if (!Array.isArray(mark.connect) || !mark.connect.every(isString)) return undefined;
  if (mark.members !== undefined) {
    const members = mark.members;
    if (!Array.isArray(members)) return undefined;
    const valid = members.every((m) =>
      typeof m === "object" && m !== null && isString((m as { role?: unknown }).role) &&
      typeof (m as { admin?: unknown }).admin === "boolean"
    );
    if (!valid) return undefined;
  }
  const at = Date.parse(mark.quarantined_at as string);
  if (!Number.isFinite(at) || new Date(at).toISOString() !== mark.quarantined_at) return undefined;
  const parsed = mark as unknown as QuarantineMark;
  return consistentName(parsed) ? parsed : undefined;
}

/**
 * Whether `mark` is the pending mark of this very call's tenant: its
 * original names, token and backend are the call's, its name is consistent,
 * and its time is not in the future.
 */
export function trustedMark(
  mark: QuarantineMark | undefined,
  tenant: {
    readonly token: string;
    readonly backend: string;
    readonly database: string;
    readonly role: string;
    readonly at: Date;
  },
): mark is QuarantineMark {
  return mark !== undefined && mark.token === tenant.token && mark.backend === tenant.backend &&
    mark.database === tenant.database && mark.role === tenant.role && consistentName(mark) &&
    Date.parse(mark.quarantined_at) <= tenant.at.getTime();
}

/** What a tenant holds that the quarantine records, or the mark a previous, interrupted quarantine left. */
export interface QuarantineSource {
  readonly databaseExists: boolean;
  readonly roleExists: boolean;
  readonly databaseComment: string | null;
  readonly roleComment: string | null;
  readonly login: boolean;
  /** Every grantee of CONNECT on the database: "PUBLIC" or a role's name. */
  readonly connect: readonly string[];
  /** The direct members of the tenant's role. */
  readonly members: readonly { readonly role: string; readonly admin: boolean }[];
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
    members: { role: string; admin: boolean }[] | null;
  }>(
    `SELECT d.oid IS NOT NULL AS database_exists, r.oid IS NOT NULL AS role_exists,
            pg_catalog.shobj_description(d.oid, 'pg_database') AS database_comment,
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
            r.rolcanlogin AS login,
            (SELECT pg_catalog.array_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END)
               FROM pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
               LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
              WHERE a.privilege_type = 'CONNECT') AS connect,
            (SELECT pg_catalog.json_agg(json_build_object('role', m.rolname, 'admin', am.admin_option) ORDER BY m.rolname)
               FROM pg_catalog.pg_auth_members am JOIN pg_catalog.pg_roles m ON m.oid = am.member
              WHERE am.roleid = r.oid) AS members
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
    members: row.members ?? [],
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
 * Step 1, in one transaction: the mark on the database and the role; REVOKE
 * CONNECT from every grantee the database's ACL lists (PUBLIC, the tenant's
 * role, and any other role such as a read-only `ro_<t>`), CASCADE so that
 * grants made with a grant option go too; the tenant role's memberships
 * revoked from its members, so that none can SET ROLE to it and act as the
 * copy's owner; and the role NOLOGIN. No session can open on the tenant's
 * database after it, and none as its role. Fails, rolling all of it back,
 * when a CONNECT grant is left (one made by a grantor the revoke cannot
 * reach).
 *
 * NOTE: a superuser ignores CONNECT privileges; tenant roles and their
 * members must not be superusers.
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
      const grantees = await connectGrantees(client, mark.database);
      if (grantees.length > 0) {
        const list = grantees.map((g) => (g === "PUBLIC" ? "PUBLIC" : client.escapeIdentifier(g))).join(", ");
        await client.query(`REVOKE CONNECT ON DATABASE ${db} FROM ${list} CASCADE`);
      }
      const left = await connectGrantees(client, mark.database);
      if (left.length > 0) {
        throw new Error(`CONNECT on the database is still granted to ${left.join(", ")} after the REVOKE`);
      }
    }
    if (mark.had_role) {
      await client.query(`COMMENT ON ROLE ${role} IS ${comment}`);
      const { rows } = await client.query<{ member: string }>(
        `SELECT m.rolname AS member FROM pg_catalog.pg_auth_members am
           JOIN pg_catalog.pg_roles r ON r.oid = am.roleid JOIN pg_catalog.pg_roles m ON m.oid = am.member
          WHERE r.rolname = $1`,
        [mark.role],
      );
      if (rows.length > 0) {
        await client.query(
          `REVOKE ${role} FROM ${rows.map((r) => client.escapeIdentifier(r.member)).join(", ")} CASCADE`,
        );
      }
      await client.query(`ALTER ROLE ${role} NOLOGIN`);
    }
  });
}

/** The grantees of CONNECT on a database ("PUBLIC" or a role's name), its default ACL included. */
async function connectGrantees(client: Client, database: string): Promise<string[]> {
  const { rows } = await client.query<{ grantees: string[] | null }>(
    `SELECT pg_catalog.array_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE g.rolname::text END) AS grantees
       FROM pg_catalog.pg_database d
      CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
       LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
      WHERE d.datname = $1 AND a.privilege_type = 'CONNECT'`,
    [database],
  );
  return rows[0]?.grantees ?? [];
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
  const { rows } = await client.query<
    { kind: "database" | "role"; name: string; comment: string | null; size: string | null; oid: string }
  >(
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
    return [{
      kind: row.kind,
      name: row.name,
      mark,
      sizeBytes: row.size === null ? null : Number(row.size),
      oid: Number(row.oid),
    }];
  });
}

/**
 * Brings a copy back, in one transaction: the names, the login, the CONNECT
 * grants (to every grantee that still exists), the role's memberships and
 * the comments it had before its quarantine.
 *
 * NOTE: a CONNECT grant comes back without its grant option, and granted
 * by the database's owner.
 */
export async function restoreFromQuarantine(
  client: Client,
  mark: QuarantineMark,
  attempts: number,
  inPlace = false,
): Promise<void> {
  // In place: a quarantine interrupted before its renames left the mark,
  // the revokes and NOLOGIN on the original names; undo those alone.
  const q = client.escapeIdentifier(inPlace ? mark.role : mark.name);
  const from = inPlace ? { role: mark.role, database: mark.database } : { role: mark.name, database: mark.name };
  const db = client.escapeIdentifier(mark.database);
  const role = client.escapeIdentifier(mark.role);
  const commentOf = (text: string | null) => (text === null ? "NULL" : client.escapeLiteral(text));
  for (let attempt = 1;; attempt++) {
    try {
      await inTransaction(client, async () => {
        const hasRole = await exists(client, "pg_roles", "rolname", from.role);
        if (hasRole) {
          if (!inPlace) await client.query(`ALTER ROLE ${q} RENAME TO ${role}`);
          await client.query(`ALTER ROLE ${role} ${mark.login ? "LOGIN" : "NOLOGIN"}`);
          await client.query(`COMMENT ON ROLE ${role} IS ${commentOf(mark.role_comment)}`);
        }
        if (await exists(client, "pg_database", "datname", from.database)) {
          if (!inPlace) await client.query(`ALTER DATABASE ${client.escapeIdentifier(mark.name)} RENAME TO ${db}`);
          await client.query(`COMMENT ON DATABASE ${db} IS ${commentOf(mark.database_comment)}`);
          // The tenant's role is back under its name by now; a grantee
          // dropped since the quarantine is left out.
          const grantees: string[] = [];
          for (const grantee of new Set(mark.connect)) {
            if (grantee === "PUBLIC") grantees.push("PUBLIC");
            else if (grantee === mark.role ? hasRole : await exists(client, "pg_roles", "rolname", grantee)) {
              grantees.push(client.escapeIdentifier(grantee));
            }
          }
          if (grantees.length > 0) await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${grantees.join(", ")}`);
        }
        if (hasRole) {
          for (const member of mark.members ?? []) {
            if (!(await exists(client, "pg_roles", "rolname", member.role))) continue;
            await client.query(
              `GRANT ${role} TO ${client.escapeIdentifier(member.role)}${member.admin ? " WITH ADMIN OPTION" : ""}`,
            );
          }
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

async function exists(
  client: Client,
  catalog: "pg_database" | "pg_roles",
  column: "datname" | "rolname",
  name: string,
): Promise<boolean> {
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
