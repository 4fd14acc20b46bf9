/**
 * {@linkcode postgresSubject}: the conformance subject of the PostgreSQL
 * adapters, with a tenant fixture on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter, lazyRecoverableAdapter } from "./_lazy_adapter.ts";
import type { ConformanceSubject } from "../conformance/mod.ts";
import type { ServerControl } from "../server_control.ts";

/**
 * A PostgreSQL tenant as read straight from the server: its database, its
 * role, whether the role can still log in to its database (LOGIN and
 * CONNECT, which a drop that failed must not leave revoked), and the rows
 * of its `invoices` table.
 *
 * @example
 * ```ts
 * import type { PostgresTenant } from "guarded-drop/harness";
 *
 * const intact: PostgresTenant = { database: "db_acme", role: "usr_acme", canConnect: true, rows: ["acme #1"] };
 * ```
 */
export interface PostgresTenant {
  /** The tenant's database, or `null` when there is none. */
  readonly database: string | null;
  /** The tenant's role, or `null` when there is none. */
  readonly role: string | null;
  /** Whether the role may connect to the database. */
  readonly canConnect: boolean;
  /** The tenant's rows, as text. */
  readonly rows: readonly string[];
}

const ROWS = 3;

/**
 * The subject of `postgresShared` (`db_<t>`, `usr_<t>`) or
 * `postgresDedicated` (`dedicated_db_<t>`, `dedicated_usr_<t>`) on a server.
 * A tenant is a login role that owns a database holding an `invoices` table.
 *
 * @param server The server (its `url` must be a superuser's).
 * @param backend `shared` or `dedicated`.
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { conformanceChecks, postgresSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/postgres" });
 * const checks = conformanceChecks(postgresSubject(set.servers.postgres!, "shared"));
 * console.log(checks.map((c) => c.id));
 * await set.stop();
 * ```
 */
export function postgresSubject(server: ServerControl, backend: Backend): ConformanceSubject<PostgresTenant> {
  const prefix = backend === "shared" ? "" : "dedicated_";
  const names = (token: string) => ({ database: `${prefix}db_${token}`, role: `${prefix}usr_${token}` });
  const url = () => server.urls().url!;
  // Each tenant's password, from createTenant to loginAsTenant: this
  // subject's own state, never the module's.
  const passwords = new Map<string, string>();
  const adapterFor = (config: { connectionString: string; connectTimeoutMs: number; operationTimeoutMs: number }) =>
    lazyAdapter("postgres", backend, async () => {
      const { postgresShared, postgresDedicated } = await import("../../adapters/postgres/mod.ts");
      return (backend === "shared" ? postgresShared : postgresDedicated)(config);
    });

  async function client(database?: string) {
    const { default: pg } = await import("pg");
    const target = new URL(url());
    if (database !== undefined) target.pathname = `/${encodeURIComponent(database)}`;
    const c = new pg.Client({ connectionString: target.href, connectionTimeoutMillis: 10_000 });
    await c.connect();
    return c;
  }

  return {
    name: `postgres ${backend} (${server.provider})`,
    resourceType: "postgres",
    backend,
    server,
    // PostgreSQL folds unquoted names: a quoted name in another case may be the tenant's.
    caseInsensitiveNames: true,
    createAdapter: (options) => adapterFor({ connectionString: url(), ...options }),
    recovery: {
      createAdapter: (options) =>
        lazyRecoverableAdapter("postgres", backend, async () => {
          const { postgresShared, postgresDedicated } = await import("../../adapters/postgres/mod.ts");
          return (backend === "shared" ? postgresShared : postgresDedicated)({ connectionString: url(), ...options });
        }),
      async loginAsTenant(token) {
        const { database, role } = names(token);
        const { default: pg } = await import("pg");
        const target = new URL(url());
        target.username = encodeURIComponent(role);
        target.password = encodeURIComponent(passwords.get(token) ?? "");
        target.pathname = `/${encodeURIComponent(database)}`;
        const c = new pg.Client({ connectionString: target.href, connectionTimeoutMillis: 10_000 });
        c.on("error", () => {});
        try {
          await c.connect();
          await c.query("SELECT count(*) FROM invoices");
        } finally {
          await c.end().catch(() => {});
        }
      },
    },
    async createTenant(token) {
      const { database, role } = names(token);
      const admin = await client();
      try {
        const password = `pw-${crypto.randomUUID()}`;
        passwords.set(token, password);
        await admin.query(
          `CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`,
        );
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)} OWNER ${admin.escapeIdentifier(role)}`);
      } finally {
        await admin.end();
      }
      const rows = Array.from({ length: ROWS }, (_, i) => `${token} #${i + 1}`);
      const db = await client(database);
      try {
        await db.query("CREATE TABLE invoices (id int PRIMARY KEY, note text NOT NULL)");
        for (const [i, note] of rows.entries()) await db.query("INSERT INTO invoices VALUES ($1, $2)", [i + 1, note]);
        await db.query(`ALTER TABLE invoices OWNER TO ${db.escapeIdentifier(role)}`);
      } finally {
        await db.end();
      }
      return { database, role, canConnect: true, rows };
    },
    async readTenant(token) {
      const { database, role } = names(token);
      const admin = await client();
      let found: { db: boolean; role: boolean; connect: boolean };
      try {
        const result = await admin.query<{ db: boolean; role: boolean; connect: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS db, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role,
                  COALESCE((SELECT r.rolcanlogin AND has_database_privilege(r.oid, d.oid, 'CONNECT')
                              FROM pg_roles r, pg_database d WHERE r.rolname = $2 AND d.datname = $1), false) AS connect`,
          [database, role],
        );
        found = result.rows[0]!;
      } finally {
        await admin.end();
      }
      if (!found.db && !found.role) return undefined;
      let rows: string[] = [];
      if (found.db) {
        const db = await client(database);
        try {
          rows = (await db.query<{ note: string }>("SELECT note FROM invoices ORDER BY id")).rows.map((r) => r.note);
        } finally {
          await db.end();
        }
      }
      return { database: found.db ? database : null, role: found.role ? role : null, canConnect: found.connect, rows };
    },
    async systemIntact() {
      const admin = await client();
      try {
        const dbs = await admin.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE datname IN ('postgres', 'template0', 'template1')",
        );
        if (dbs.rows.length !== 3) {
          throw new Error(`system databases left: ${dbs.rows.map((r) => r.datname).join(", ")}`);
        }
        const self = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = current_user");
        if (self.rows.length !== 1) throw new Error("the admin role is gone");
      } finally {
        await admin.end();
      }
    },
  };
}
