/**
 * {@linkcode mysqlSubject}: the conformance subject of the MySQL/MariaDB
 * adapters, with a tenant fixture on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter, lazyRecoverableAdapter } from "./_lazy_adapter.ts";
import type { ConformanceSubject } from "../conformance/mod.ts";
import type { ServerControl } from "../server_control.ts";

/**
 * A MySQL tenant as read straight from the server: its database, the hosts
 * its user is defined for, those whose account is locked (`ACCOUNT LOCK`,
 * which a drop that failed must not leave behind), and the rows of its
 * `invoices` table.
 *
 * @example
 * ```ts
 * import type { MysqlTenant } from "guarded-drop/harness";
 *
 * const intact: MysqlTenant = { database: "db_acme", hosts: ["%"], locked: [], rows: ["acme #1"] };
 * ```
 */
export interface MysqlTenant {
  /** The tenant's database, or `null` when there is none. */
  readonly database: string | null;
  /** The hosts the tenant's user exists for. */
  readonly hosts: readonly string[];
  /** The hosts the tenant's user is locked on. */
  readonly locked: readonly string[];
  /** The tenant's rows, as text. */
  readonly rows: readonly string[];
}

const ROWS = 3;

/**
 * One identifier, quoted by hand: backticks, a backtick doubled. The whole
 * name is one identifier, dots included (mysql2's escapeId would split
 * `db_a.b` into a database and a table).
 */
const quoteId = (name: string) => `\`${name.replaceAll("`", "``")}\``;
const SYSTEM_SCHEMAS = ["mysql", "information_schema", "performance_schema"] as const;

/**
 * The subject of `mysqlShared` (`db_<t>`, `usr_<t>`) or `mysqlDedicated`
 * (`dedicated_db_<t>`, `dedicated_usr_<t>`) on a server. A tenant is a user
 * at the hosts `%` and `localhost` with all privileges on its database,
 * which holds an `invoices` table.
 *
 * @param server The server (its `url` must be an admin's `mysql://` URL).
 * @param backend `shared` or `dedicated`.
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { conformanceChecks, mysqlSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_MYSQL_URL: "mysql://root@127.0.0.1:3306/" });
 * const checks = conformanceChecks(mysqlSubject(set.servers.mysql!, "shared"));
 * console.log(checks.map((c) => c.id));
 * await set.stop();
 * ```
 */
export function mysqlSubject(server: ServerControl, backend: Backend): ConformanceSubject<MysqlTenant> {
  const prefix = backend === "shared" ? "" : "dedicated_";
  const names = (token: string) => ({ database: `${prefix}db_${token}`, user: `${prefix}usr_${token}` });
  const url = () => server.urls().url!;
  // Each tenant's password, from createTenant to loginAsTenant: this
  // subject's own state, never the module's.
  const passwords = new Map<string, string>();

  async function withAdmin<T>(body: (admin: import("mysql2/promise").Connection) => Promise<T>): Promise<T> {
    const { createConnection } = await import("mysql2/promise");
    const admin = await createConnection({ uri: url(), connectTimeout: 10_000 });
    admin.on("error", () => {});
    try {
      return await body(admin);
    } finally {
      await admin.end().catch(() => admin.destroy());
    }
  }

  return {
    name: `mysql ${backend} (${server.provider})`,
    resourceType: "mysql",
    backend,
    server,
    // User names are kept as given, and database names where
    // lower_case_table_names is 0: a name in another case may be the tenant's.
    caseInsensitiveNames: true,
    createAdapter: (options) => {
      const config = { url: url(), ...options };
      return lazyAdapter("mysql", backend, async () => {
        const { mysqlShared, mysqlDedicated } = await import("../../adapters/mysql/mod.ts");
        return (backend === "shared" ? mysqlShared : mysqlDedicated)(config);
      });
    },
    recovery: {
      createAdapter: (options) =>
        lazyRecoverableAdapter("mysql", backend, async () => {
          const { mysqlShared, mysqlDedicated } = await import("../../adapters/mysql/mod.ts");
          return (backend === "shared" ? mysqlShared : mysqlDedicated)({ url: url(), ...options });
        }),
      async loginAsTenant(token) {
        const { database, user } = names(token);
        const { createConnection } = await import("mysql2/promise");
        const target = new URL(url());
        target.username = encodeURIComponent(user);
        target.password = encodeURIComponent(passwords.get(token) ?? "");
        target.pathname = `/${encodeURIComponent(database)}`;
        const conn = await createConnection({ uri: target.href, connectTimeout: 10_000 });
        conn.on("error", () => {});
        try {
          await conn.query("SELECT COUNT(*) FROM invoices");
        } finally {
          await conn.end().catch(() => conn.destroy());
        }
      },
    },
    async createTenant(token) {
      const { database, user } = names(token);
      const rows = Array.from({ length: ROWS }, (_, i) => `${token} #${i + 1}`);
      await withAdmin(async (admin) => {
        const db = quoteId(database);
        const password = `pw-${crypto.randomUUID()}`;
        passwords.set(token, password);
        await admin.query(`CREATE DATABASE ${db}`);
        for (const host of ["%", "localhost"]) {
          await admin.query("CREATE USER ?@? IDENTIFIED BY ?", [user, host, password]);
          await admin.query(`GRANT ALL ON ${db}.* TO ?@?`, [user, host]);
        }
        await admin.query(`CREATE TABLE ${db}.invoices (id int PRIMARY KEY, note text NOT NULL)`);
        await admin.query(`INSERT INTO ${db}.invoices (id, note) VALUES ?`, [rows.map((note, i) => [i + 1, note])]);
      });
      return { database, hosts: ["%", "localhost"], locked: [], rows };
    },
    async readTenant(token) {
      const { database, user } = names(token);
      return await withAdmin(async (admin) => {
        const [schemata] = await admin.query<import("mysql2/promise").RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE BINARY SCHEMA_NAME = ?",
          [database],
        );
        const [accounts] = await admin.query<import("mysql2/promise").RowDataPacket[]>(
          "SELECT Host FROM mysql.user WHERE BINARY User = ? ORDER BY Host",
          [user],
        );
        const found = Number(schemata[0]!.n) > 0;
        const hosts = accounts.map((row) => String(row.Host));
        if (!found && hosts.length === 0) return undefined;
        // SHOW CREATE USER says ACCOUNT LOCK on MySQL and MariaDB alike.
        const locked: string[] = [];
        for (const host of hosts) {
          const [shown] = await admin.query<import("mysql2/promise").RowDataPacket[]>("SHOW CREATE USER ?@?", [
            user,
            host,
          ]);
          if (/\bACCOUNT LOCK\b/.test(String(Object.values(shown[0] ?? {})[0] ?? ""))) locked.push(host);
        }
        let rows: string[] = [];
        if (found) {
          const [notes] = await admin.query<import("mysql2/promise").RowDataPacket[]>(
            `SELECT note FROM ${quoteId(database)}.invoices ORDER BY id`,
          );
          rows = notes.map((row) => String(row.note));
        }
        return { database: found ? database : null, hosts, locked, rows };
      });
    },
    async systemIntact() {
      await withAdmin(async (admin) => {
        const [schemas] = await admin.query<import("mysql2/promise").RowDataPacket[]>(
          "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)",
          [SYSTEM_SCHEMAS],
        );
        if (schemas.length !== SYSTEM_SCHEMAS.length) {
          throw new Error(`system schemas left: ${schemas.map((r) => String(r.name)).join(", ")}`);
        }
        const [self] = await admin.query<import("mysql2/promise").RowDataPacket[]>(
          "SELECT 1 FROM mysql.user WHERE CONCAT(User, '@', Host) = CURRENT_USER()",
        );
        if (self.length !== 1) throw new Error("the admin account is gone");
      });
    },
  };
}
