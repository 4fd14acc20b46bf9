/**
 * A schema of its own on the shared PostgreSQL for one audit suite: unique
 * per run, dropped with everything in it (and any role made for it) when the
 * suite ends. Tampering is done here as the superuser, with the triggers
 * disabled, as an attacker with admin rights would.
 *
 * @module
 */

import pg from "pg";
import { envUrl, HOW_TO_GET, uniqueToken } from "./servers.ts";

/** The shared server's superuser URL, or `undefined` when the suite must skip. */
export const auditServerUrl = envUrl("GD_POSTGRES_URL");

/** Why an audit suite is skipped, or `undefined`. */
export const auditSkipReason = auditServerUrl === undefined
  ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}`
  : undefined;

/** One suite's schema. */
export interface AuditSchema {
  /** The superuser URL. */
  readonly url: string;
  /** The schema's name, e.g. `gd_audit_gdk3x9…`. */
  readonly schema: string;
  /** A superuser connection. */
  readonly admin: pg.Client;
  /** A table name in the schema no other test uses: `<schema>.<name>_<n>`. */
  table(name?: string): string;
  /** A login role (trust auth) the schema cleans up; the URL to connect as it. */
  role(): Promise<{ name: string; url: string }>;
  /** Runs SQL on a table with its triggers disabled, as a superuser would to tamper. */
  tamper(table: string, sql: string, values?: unknown[]): Promise<number>;
  /** The rows' seq, in order. */
  seqs(table: string): Promise<number[]>;
  /** Drops the schema and the roles. */
  dispose(): Promise<void>;
}

/** Creates a fresh schema on the shared server. */
export async function createAuditSchema(url: string): Promise<AuditSchema> {
  const schema = `gd_audit_${uniqueToken("t")}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  admin.on("error", () => {});
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const roles: string[] = [];
  let tables = 0;
  return {
    url,
    schema,
    admin,
    table: (name = "audit") => `${schema}.${name}_${++tables}`,
    async role() {
      const name = `gd_aw_${uniqueToken("r")}`;
      await admin.query(`CREATE ROLE ${name} LOGIN`);
      roles.push(name);
      const target = new URL(url);
      target.username = name;
      target.password = "";
      return { name, url: target.toString() };
    },
    async tamper(table, sql, values = []) {
      await admin.query("BEGIN");
      try {
        await admin.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
        const result = await admin.query(sql, values);
        await admin.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
        await admin.query("COMMIT");
        return result.rowCount ?? 0;
      } catch (err) {
        await admin.query("ROLLBACK");
        throw err;
      }
    },
    async seqs(table) {
      const { rows } = await admin.query<{ seq: string }>(`SELECT seq FROM ${table} ORDER BY seq`);
      return rows.map((row) => Number(row.seq));
    },
    async dispose() {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        for (const role of roles) {
          await admin.query(`DROP OWNED BY ${role}`);
          await admin.query(`DROP ROLE IF EXISTS ${role}`);
        }
      } finally {
        await admin.end();
      }
    },
  };
}

/** `[1, 2, …, n]`. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
