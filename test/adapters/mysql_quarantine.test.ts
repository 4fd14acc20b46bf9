// The MySQL/MariaDB quarantine on a real server: deprovision with
// `retention` moves the tenant into a quarantine schema and renames and
// locks its user, `restore` brings the newest copy back, and `purgeExpired`
// drops the expired copies through guardedDrop. It runs on a throwaway
// MariaDB (mariadb-install-db + mariadbd), because the purge drops every
// expired copy on its server. The clock is injected: nothing sleeps for days.
//
// Every comparison is a fingerprint of the tenant: each table's rows
// (CHECKSUM TABLE and COUNT), each view's, routine's, trigger's and
// event's definition, the database's SHOW CREATE, and each account's grants
// and password hash.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import mysql from "mysql2/promise";
import { type MysqlAdapter, type MysqlAdapterOptions, mysqlDedicated, mysqlShared } from "../../adapters/mysql/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedMysqlSkipReason,
  startDedicatedMysql,
  uniqueToken,
} from "../support/servers.ts";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;
const QUARANTINE_NAME = /^q_\d{14}_[0-9a-f]{12}$/;
const HOSTS = ["%", "localhost"] as const;
const CHILD = fileURLToPath(new URL("./mysql/quarantine_child.ts", import.meta.url));
const CHILD_TIMEOUT_MS = 60_000;

type Admin = mysql.Connection;

/** An identifier quoted whole (mysql2's escapeId splits names at dots). */
const quoteId = (name: string) => `\`${name.replaceAll("`", "``")}\``;
type Row = mysql.RowDataPacket;

interface Form {
  readonly name: string;
  readonly factory: (options: MysqlAdapterOptions) => MysqlAdapter;
  readonly databasePrefix: string;
  readonly userPrefix: string;
  readonly backend: "shared" | "dedicated";
}

const FORMS: readonly Form[] = [
  { name: "mysqlShared", factory: mysqlShared, databasePrefix: "db_", userPrefix: "usr_", backend: "shared" },
  {
    name: "mysqlDedicated",
    factory: mysqlDedicated,
    databasePrefix: "dedicated_db_",
    userPrefix: "dedicated_usr_",
    backend: "dedicated",
  },
];

async function connect(
  url: string,
  options: { user?: string; password?: string; database?: string } = {},
): Promise<Admin> {
  const target = new URL(url);
  if (options.user !== undefined) target.username = options.user;
  if (options.password !== undefined) target.password = options.password;
  if (options.database !== undefined) target.pathname = `/${options.database}`;
  const conn = await mysql.createConnection({ uri: target.href, connectTimeout: 5_000 });
  conn.on("error", () => {});
  return conn;
}

/**
 * A tenant with one of everything: a database with a comment, a user at two
 * hosts with a password and a table grant, two tables (one with a `?` and
 * the database's quoted name in its rows), a sequence, a function, a
 * procedure, a trigger that writes into the other table, a view that calls
 * the function, a view on that view, and an event that never fires.
 */
async function createTenant(admin: Admin, form: Form, token: string, marker: string, rows: number): Promise<void> {
  const database = form.databasePrefix + token;
  const user = form.userPrefix + token;
  const db = admin.escapeId(database);
  const definer = `DEFINER=${admin.escape(user)}@'%'`;
  await admin.query(
    `CREATE DATABASE ${db} CHARACTER SET latin1 COLLATE latin1_swedish_ci COMMENT ${
      admin.escape(`platform: ${marker}`)
    }`,
  );
  await admin.query(`CREATE TABLE ${db}.items (id int PRIMARY KEY, body text NOT NULL) ENGINE=InnoDB`);
  await admin.query(`CREATE TABLE ${db}.audit (id int AUTO_INCREMENT PRIMARY KEY, note varchar(100)) ENGINE=Aria`);
  await admin.query(`CREATE SEQUENCE ${db}.seq START WITH 100`);
  for (const host of HOSTS) {
    await admin.query("CREATE USER ?@? IDENTIFIED BY ?", [user, host, `pw-${token}`]);
    await admin.query(`GRANT ALL ON ${db}.* TO ?@?`, [user, host]);
  }
  await admin.query(`GRANT SELECT (id) ON ${db}.items TO ?@'%'`, [user]);
  const values = Array.from(
    { length: rows },
    (_, i) => [i + 1, i === 0 ? `? \`${database}\` ${marker}` : `${marker} row ${i + 1}`],
  );
  await admin.query(`INSERT INTO ${db}.items (id, body) VALUES ?`, [values]);
  await admin.query(`USE ${db}`);
  await admin.query(`CREATE ${definer} FUNCTION next_id(x int) RETURNS int DETERMINISTIC RETURN x + 1`, []);
  await admin.query(`CREATE ${definer} PROCEDURE item_count() BEGIN SELECT COUNT(*) AS n FROM items; END`, []);
  await admin.query(
    `CREATE ${definer} TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (note) VALUES (CONCAT('new ', NEW.id))`,
    [],
  );
  await admin.query(
    `CREATE ${definer} SQL SECURITY INVOKER VIEW v_items AS SELECT id, next_id(id) AS next FROM items WHERE body <> '?'`,
    [],
  );
  await admin.query(`CREATE ${definer} VIEW v_top AS SELECT id FROM v_items WHERE id < 10`, []);
  await admin.query(
    `CREATE ${definer} EVENT purge_audit ON SCHEDULE EVERY 1 DAY STARTS '2037-01-01 00:00:00' DO DELETE FROM audit`,
    [],
  );
  await admin.query("USE mysql");
}

/**
 * A fingerprint of a schema's data and definitions, with the schema's own
 * name written as `<schema>`; without its views when `views` is false (a
 * copy keeps them in its mark).
 */
async function fingerprint(admin: Admin, schema: string, views = true): Promise<string> {
  const db = quoteId(schema);
  const parts: unknown[] = [];
  const norm = (text: unknown) => String(text).split(schema).join("<schema>");
  const [tables] = await admin.query<Row[]>(
    "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
    [schema],
  );
  for (const { name, type } of tables) {
    const id = `${db}.${quoteId(String(name))}`;
    if (type === "VIEW") {
      if (!views) continue;
      const [[view]] = await admin.query<Row[]>(`SHOW CREATE VIEW ${id}`);
      parts.push(["view", name, norm(view!["Create View"])]);
    } else if (type === "SEQUENCE") {
      const [[seq]] = await admin.query<Row[]>(`SELECT * FROM ${id}`);
      parts.push(["sequence", name, seq]);
    } else {
      const [[sum]] = await admin.query<Row[]>(`CHECKSUM TABLE ${id}`);
      const [[count]] = await admin.query<Row[]>(`SELECT COUNT(*) AS n FROM ${id}`);
      parts.push(["table", name, type, sum!.Checksum, count!.n]);
    }
  }
  const [routines] = await admin.query<Row[]>(
    "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1, 2",
    [schema],
  );
  for (const { name, kind } of routines) {
    const [[shown]] = await admin.query<Row[]>(`SHOW CREATE ${kind} ${db}.${quoteId(String(name))}`);
    parts.push([
      "routine",
      kind,
      name,
      shown!.sql_mode,
      norm(shown![kind === "PROCEDURE" ? "Create Procedure" : "Create Function"]),
    ]);
  }
  const [triggers] = await admin.query<Row[]>(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
            ACTION_STATEMENT AS statement, ACTION_ORDER AS ord, DEFINER AS definer, SQL_MODE AS mode
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1`,
    [schema],
  );
  parts.push(["triggers", triggers.map((t) => ({ ...t }))]);
  const [events] = await admin.query<Row[]>(
    `SELECT EVENT_NAME AS name, DEFINER AS definer, EVENT_DEFINITION AS body, INTERVAL_VALUE AS iv, INTERVAL_FIELD AS field,
            STARTS AS starts, ON_COMPLETION AS completion, SQL_MODE AS mode
       FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1`,
    [schema],
  );
  parts.push(["events", events.map((e) => ({ ...e, starts: String(e.starts) }))]);
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** What a tenant is, whole: its data and definitions, its database's SHOW CREATE, its events' status, its accounts. */
async function tenantFingerprint(admin: Admin, form: Form, token: string): Promise<string> {
  const database = form.databasePrefix + token;
  const user = form.userPrefix + token;
  const [[created]] = await admin.query<Row[]>(`SHOW CREATE DATABASE ${quoteId(database)}`);
  const [status] = await admin.query<Row[]>(
    "SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1",
    [database],
  );
  const accounts: unknown[] = [];
  for (const host of HOSTS) {
    const [grants] = await admin.query<Row[]>("SHOW GRANTS FOR ?@?", [user, host]);
    const [[auth]] = await admin.query<Row[]>(
      "SELECT JSON_VALUE(Priv, '$.authentication_string') AS hash, IF(JSON_VALUE(Priv, '$.account_locked') IN ('true', '1'), 'locked', 'open') AS locked FROM mysql.global_priv WHERE User = ? AND Host = ?",
      [user, host],
    );
    accounts.push([host, grants.map((g) => Object.values(g)[0]), auth]);
  }
  return `${await fingerprint(admin, database)}/${
    createHash("sha256").update(JSON.stringify([created, status, accounts])).digest("hex")
  }`;
}

/** Logs in as the tenant with its own password, reads its rows, calls its procedure and fires its trigger. */
async function tenantWorks(url: string, form: Form, token: string): Promise<number> {
  const session = await connect(url, {
    user: form.userPrefix + token,
    password: `pw-${token}`,
    database: form.databasePrefix + token,
  });
  try {
    const [[count]] = await session.query<Row[][]>("CALL item_count()");
    const [[viewed]] = await session.query<Row[]>("SELECT COUNT(*) AS n FROM v_top");
    assert.ok(Number(viewed!.n) > 0);
    return Number(count![0]!.n);
  } finally {
    await session.end().catch(() => {});
  }
}

async function catalog(admin: Admin, database: string, user: string): Promise<{ databases: number; users: number }> {
  const [[row]] = await admin.query<Row[]>(
    `SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE BINARY SCHEMA_NAME = ?) AS dbs,
            (SELECT COUNT(*) FROM mysql.user WHERE BINARY User = ?) AS users`,
    [database, user],
  );
  return { databases: Number(row!.dbs), users: Number(row!.users) };
}

/** Kill points checked at once: independent tenants, so only the machine's load limits it. */
const KILL_POINTS_AT_ONCE = 3;

/**
 * Runs `check` on every item, `atOnce` at a time, each worker on an admin
 * connection of its own to `url`; after a failure no new item starts, every started
 * one ends, and the first failure is thrown.
 */
async function eachAtOnce<T>(
  url: string,
  items: readonly T[],
  atOnce: number,
  check: (own: Admin, item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    const own = await connect(url);
    try {
      while (!failed && next < items.length) {
        const index = next++;
        try {
          await check(own, items[index]!, index);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    } finally {
      await own.end().catch(() => {});
    }
  };
  const ended = await Promise.allSettled(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  const rejected = ended.find((e) => e.status === "rejected");
  if (rejected) throw rejected.reason;
}

/** Runs the crash child; resolves what it printed once it stopped (then it is killed) or finished. */
function runChild(
  url: string,
  form: Form,
  token: string,
  action: "deprovision" | "restore",
  stopAt: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CHILD, url, form.backend, token, action, String(stopAt)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      // Stopped between two statements: kill it there, as a crash would.
      if (/^at \d+/m.test(out)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (/^(at|done) \d+/m.test(out)) resolve(out.trim());
      else reject(new Error(`the child exited with ${code ?? signal} and printed nothing useful: ${out}${err}`));
    });
  });
}

describe("MySQL quarantine (retention) on a throwaway MariaDB", { skip: dedicatedMysqlSkipReason() ?? false }, () => {
  let server: ControlledServer;
  let admin: Admin;
  let fixture: AuditFixture;
  const adapters: MysqlAdapter[] = [];
  let clock = Date.now();

  before(async () => {
    server = await startDedicatedMysql();
    admin = await connect(server.url);
    fixture = createAuditFixture();
  });

  after(async () => {
    for (const adapter of adapters) await adapter.close();
    await admin?.end().catch(() => {});
    fixture?.close();
    await server?.dispose();
  });

  for (const form of FORMS) {
    describe(form.name, () => {
      let adapter: MysqlAdapter;
      const database = (t: string) => form.databasePrefix + t;
      const user = (t: string) => form.userPrefix + t;
      const token = uniqueToken("mq");
      const neighbour = `${token}x`;
      let original = "";
      let neighbourPrint = "";

      before(() => {
        adapter = form.factory({ url: server.url, retention: { days: RETENTION_DAYS, now: () => clock } });
        adapters.push(adapter);
      });

      test("a tenant with an open session is quarantined: its session ends, it cannot log in, its data moves intact", async () => {
        clock = Date.now();
        await createTenant(admin, form, token, "first", 40);
        await createTenant(admin, form, neighbour, "neighbour", 40);
        original = await tenantFingerprint(admin, form, token);
        neighbourPrint = await tenantFingerprint(admin, form, neighbour);
        const dataPrint = await fingerprint(admin, database(token), false);
        assert.equal(await tenantWorks(server.url, form, token), 40);
        const session = await connect(server.url, {
          user: user(token),
          password: `pw-${token}`,
          database: database(token),
        });

        await dropThrough(fixture, adapter, token, { expect: "ok" });

        assert.equal(await adapter.exists(token), false);
        assert.deepEqual(await catalog(admin, database(token), user(token)), { databases: 0, users: 0 });
        await assert.rejects(session.query("SELECT 1"));
        await session.end().catch(() => {});
        await assert.rejects(connect(server.url, { user: user(token), password: `pw-${token}` }), /Access denied/);
        const copies = await adapter.quarantined(token);
        assert.equal(copies.length, 1);
        const copy = copies[0]!;
        assert.match(copy.name, QUARANTINE_NAME);
        assert.deepEqual(
          [copy.token, copy.database, copy.role, copy.originalDatabase, copy.originalRole],
          [token, copy.name, copy.name, database(token), user(token)],
        );
        assert.equal(copy.quarantinedAt.getTime(), new Date(new Date(clock).toISOString()).getTime());
        assert.equal(copy.expiresAt!.getTime(), copy.quarantinedAt.getTime() + RETENTION_DAYS * DAY_MS);
        // The quarantine name can neither log in with the tenant's password: its accounts are locked.
        assert.deepEqual(await catalog(admin, copy.name, copy.name), { databases: 1, users: 2 });
        await assert.rejects(connect(server.url, { user: copy.name, password: `pw-${token}` }), /locked|Access denied/);
        // The copy holds the same rows and definitions (its schema name aside; its views are in its mark); its event is disabled.
        assert.equal(await fingerprint(admin, copy.name, false), dataPrint);
        const [[event]] = await admin.query<Row[]>(
          "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?",
          [copy.name],
        );
        assert.equal(event!.STATUS, "DISABLED");
        // The mark lives in the platform's table, not in anything of the tenant's.
        const [marks] = await admin.query<Row[]>("SELECT token, state FROM guarded_drop.quarantine WHERE name = ?", [
          copy.name,
        ]);
        assert.deepEqual(marks.map((m) => ({ ...m })), [{ token, state: "quarantined" }]);
        // The neighbour, whose token extends the tenant's, is untouched and works.
        assert.equal(await tenantFingerprint(admin, form, neighbour), neighbourPrint);
        assert.equal(await tenantWorks(server.url, form, neighbour), 40);
        assert.deepEqual(await adapter.quarantined(neighbour), []);
      });

      test("a second deprovision of the quarantined tenant succeeds and makes no second copy", async () => {
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        assert.equal((await adapter.quarantined(token)).length, 1);
      });

      test("restore brings back every row and definition, the grants, the password and the comment: the tenant's own login works", async () => {
        const [copy] = await adapter.quarantined(token);
        const restored = await adapter.restore(token);
        assert.equal(restored.name, copy!.name);
        assert.equal(await adapter.exists(token), true);
        assert.deepEqual(await catalog(admin, copy!.name, copy!.name), { databases: 0, users: 0 });
        assert.deepEqual(await adapter.quarantined(token), []);
        assert.equal(await tenantFingerprint(admin, form, token), original);
        assert.equal(await tenantWorks(server.url, form, token), 40);
        const [[left]] = await admin.query<Row[]>("SELECT COUNT(*) AS n FROM guarded_drop.quarantine WHERE name = ?", [
          copy!.name,
        ]);
        assert.equal(Number(left!.n), 0);
        assert.equal(await tenantFingerprint(admin, form, neighbour), neighbourPrint);
      });

      test("restore refuses, with nothing changed, when the names are taken or there is no copy", async () => {
        await assert.rejects(adapter.restore(token), (err: Error & { code?: string }) => {
          assert.equal(err.code, "GD_REFUSED");
          assert.match(err.message, /as it must have a quarantined copy: current value is none/);
          return true;
        });
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        // Re-provisioned: a new tenant of the same token.
        clock += 3_600_000;
        await createTenant(admin, form, token, "second", 5);
        const second = await tenantFingerprint(admin, form, token);
        const copies = await adapter.quarantined(token);
        await assert.rejects(adapter.restore(token), {
          code: "GD_REFUSED",
          message: /names must be free: current value is database/,
        });
        assert.equal(await tenantFingerprint(admin, form, token), second);
        assert.deepEqual(await adapter.quarantined(token), copies);
        // Only the user taken: still refused.
        await admin.query(`DROP DATABASE ${admin.escapeId(database(token))}`);
        await assert.rejects(adapter.restore(token), {
          code: "GD_REFUSED",
          message: /names must be free: current value is user/,
        });
        // Put the second tenant back as it was for the next test.
        for (const host of HOSTS) await admin.query("DROP USER ?@?", [user(token), host]);
        await createTenant(admin, form, token, "second", 5);
        assert.equal(await tenantFingerprint(admin, form, token), second);
      });

      test("two quarantines of one token: restore takes the newest, the older copy stays whole", async () => {
        const second = await tenantFingerprint(admin, form, token);
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        const copies = await adapter.quarantined(token);
        assert.equal(copies.length, 2);
        assert.ok(copies[0]!.quarantinedAt > copies[1]!.quarantinedAt, "newest first");
        const restored = await adapter.restore(token);
        assert.equal(restored.name, copies[0]!.name);
        assert.equal(await tenantFingerprint(admin, form, token), second);
        assert.deepEqual((await adapter.quarantined(token)).map((c) => c.name), [copies[1]!.name]);
        // The older one is the first tenant, whole: bring it back in place of the second.
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        const older = (await adapter.quarantined(token)).find((c) => c.name === copies[1]!.name)!;
        assert.ok(older);
      });

      test("5 concurrent quarantines of one tenant all end ok and make one copy; a quarantine racing a restore loses nothing", async () => {
        const racer = uniqueToken("mr");
        await createTenant(admin, form, racer, "racer-1", 20);
        const first = await fingerprint(admin, database(racer), false);
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) =>
            fixture.guardedDrop(
              {
                token: racer,
                resourceType: "mysql",
                backend: form.backend,
                requestId: `race-${racer}-${i}`,
                caller: "test/quarantine",
              },
              () => adapter.deprovision(racer),
            )),
        );
        assert.deepEqual(
          results.map((r) => r.status === "fulfilled" ? "ok" : String((r.reason as Error).message)),
          Array(5).fill("ok"),
        );
        const copies = await adapter.quarantined(racer);
        assert.equal(copies.length, 1);
        assert.equal(await fingerprint(admin, copies[0]!.name, false), first);

        clock += 1_000;
        await createTenant(admin, form, racer, "racer-2", 30);
        const secondPrint = await fingerprint(admin, database(racer), false);
        const [quarantine, restore] = await Promise.allSettled([adapter.deprovision(racer), adapter.restore(racer)]);
        assert.equal(quarantine.status, "fulfilled");
        if (restore.status === "rejected") assert.equal((restore.reason as { code?: string }).code, "GD_REFUSED");
        // Whichever ran first, both tenants exist: one live or quarantined, the other quarantined.
        const prints = await Promise.all(
          (await adapter.quarantined(racer)).map((c) => fingerprint(admin, c.name, false)),
        );
        if (await adapter.exists(racer)) prints.push(await fingerprint(admin, database(racer), false));
        assert.deepEqual(prints.sort(), [first, secondPrint].sort());
      });

      test("a tenant that writes what it can (its schema comment, a table named like the mark's) never makes its copy look expired or another's", async () => {
        clock = Date.now();
        const victim = uniqueToken("mv");
        const t = uniqueToken("mt");
        await createTenant(admin, form, t, "tamper", 3);
        const own = await connect(server.url, { user: user(t), password: `pw-${t}`, database: database(t) });
        try {
          const fake = JSON.stringify({
            guarded_drop: "quarantine",
            token: victim,
            quarantined_at: new Date(0).toISOString(),
            name: "q_19700101000000_000000000000",
          });
          await own.query(`ALTER DATABASE ${own.escapeId(database(t))} COMMENT ${own.escape(fake)}`);
          await own.query("CREATE TABLE quarantine (name varchar(64), quarantined_at varchar(24))");
          await own.query(
            "INSERT INTO quarantine VALUES ('q_19700101000000_000000000000', '1970-01-01T00:00:00.000Z')",
          );
          // The platform's mark table is out of its reach.
          await assert.rejects(own.query("INSERT INTO guarded_drop.quarantine (name) VALUES ('x')"), /denied/);
          await assert.rejects(own.query("CREATE DATABASE q_19700101000000_000000000000"), /denied/);
        } finally {
          await own.end().catch(() => {});
        }
        const before = await tenantFingerprint(admin, form, t);
        await dropThrough(fixture, adapter, t, { expect: "ok" });
        const [copy] = await adapter.quarantined(t);
        assert.deepEqual([copy!.token, copy!.quarantinedAt.getTime()], [
          t,
          new Date(new Date(clock).toISOString()).getTime(),
        ]);
        assert.deepEqual(await adapter.quarantined(victim), []);
        // A purge now drops nothing of it.
        const result = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `tamper-${t}` });
        assert.equal(result.purged.some((c) => c.token === t || c.token === victim), false);
        await adapter.restore(t);
        assert.equal(await tenantFingerprint(admin, form, t), before);
      });

      test("a token with a dot is quarantined and restored whole, and the database named like its part before the dot is untouched", async () => {
        // mysql2's escapeId would split `db_<t>.v2` into a table `v2` of a database `db_<t>`.
        const base = uniqueToken("md");
        const dotted = `${base}.v2`;
        const quote = quoteId;
        for (const db of [database(dotted), database(base)]) {
          await admin.query(`CREATE DATABASE ${quote(db)}`);
          await admin.query(`CREATE TABLE ${quote(db)}.${quote("v2")} (id int PRIMARY KEY, note text)`);
          await admin.query(`INSERT INTO ${quote(db)}.${quote("v2")} VALUES (1, ?), (2, ?)`, [db, db]);
        }
        await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user(dotted), `pw-${dotted}`]);
        await admin.query(`GRANT ALL ON ${quote(database(dotted).replaceAll("_", "\\_"))}.* TO ?@'%'`, [user(dotted)]);
        const dottedPrint = await fingerprint(admin, database(dotted));
        const dottedData = await fingerprint(admin, database(dotted), false);
        const basePrint = await fingerprint(admin, database(base));
        await dropThrough(fixture, adapter, dotted, { expect: "ok" });
        assert.equal(await adapter.exists(dotted), false);
        const [copy] = await adapter.quarantined(dotted);
        assert.equal(await fingerprint(admin, copy!.name, false), dottedData);
        assert.equal(await fingerprint(admin, database(base)), basePrint);
        await adapter.restore(dotted);
        assert.equal(await fingerprint(admin, database(dotted)), dottedPrint);
        assert.equal(await fingerprint(admin, database(base)), basePrint);
        const own = await connect(server.url, { user: user(dotted), password: `pw-${dotted}` });
        try {
          const [rows] = await own.query<Row[]>(`SELECT COUNT(*) AS n FROM ${quote(database(dotted))}.${quote("v2")}`);
          assert.equal(Number(rows[0]!.n), 2);
        } finally {
          await own.end().catch(() => {});
        }
      });

      test("a user that could write the mark table (global INSERT) is refused before anything changes", async () => {
        const t = uniqueToken("mw");
        await createTenant(admin, form, t, "writer", 2);
        await admin.query("GRANT INSERT ON *.* TO ?@'%'", [user(t)]);
        const before = await tenantFingerprint(admin, form, t);
        const result = await dropThrough(fixture, adapter, t, { expect: "error" });
        assert.match(result.error!.message, /could write its own quarantine mark; nothing was changed/);
        assert.equal(await tenantFingerprint(admin, form, t), before);
        assert.deepEqual(await adapter.quarantined(t), []);
        assert.equal(await tenantWorks(server.url, form, t), 2);
        await admin.query("REVOKE INSERT ON *.* FROM ?@'%'", [user(t)]);
      });

      test("purgeExpired drops only the expired copies, each through guardedDrop with intent quarantine_expired", async () => {
        const now = Date.now();
        const old = uniqueToken("mo");
        const fresh = uniqueToken("mf");
        for (const [t, age] of [[old, 10], [fresh, 1]] as const) {
          await createTenant(admin, form, t, t, 4);
          clock = now - age * DAY_MS;
          await dropThrough(fixture, adapter, t, { expect: "ok" });
        }
        clock = now;
        const expired = (await adapter.quarantined(old))[0]!;
        const kept = (await adapter.quarantined(fresh))[0]!;
        const labels = { resource_type: "mysql", backend: form.backend } as const;
        const okBefore = await fixture.count({ ...labels, outcome: "ok" });
        const prefix = `purge-${token}`;

        const result = await adapter.purgeExpired(fixture.guardedDrop, { requestId: prefix, caller: "test/purge" });

        assert.deepEqual(result.failed, []);
        assert.deepEqual(result.purged.map((c) => c.name), [expired.name]);
        const records = fixture.dropRecords(`${prefix}/${expired.name}`);
        assert.equal(records.length, 1);
        assert.deepEqual(
          [records[0]!.intent, records[0]!.token, records[0]!.provider_resource_id, records[0]!.caller],
          ["quarantine_expired", old, expired.name, "test/purge"],
        );
        assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - okBefore, 1);
        assert.deepEqual(await catalog(admin, expired.name, expired.name), { databases: 0, users: 0 });
        assert.deepEqual(await adapter.quarantined(old), []);
        assert.deepEqual((await adapter.quarantined(fresh)).map((c) => c.name), [kept.name]);
        assert.deepEqual(await catalog(admin, kept.name, kept.name), { databases: 1, users: 2 });
        // A second purge drops nothing and writes no record.
        const again = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `${prefix}-again` });
        assert.deepEqual([again.purged.length, again.failed.length], [0, 0]);
        assert.equal(fixture.dropRecords().filter((r) => r.request_id.startsWith(`${prefix}-again/`)).length, 0);
      });

      test("a copy whose purge fails does not stop the others: one failed, the next purged", async () => {
        const now = Date.now();
        const [first, second] = [uniqueToken("pf"), uniqueToken("pg")];
        for (const t of [first, second]) {
          await createTenant(admin, form, t, t, 3);
          clock = now - 20 * DAY_MS;
          await dropThrough(fixture, adapter, t, { expect: "ok" });
        }
        clock = now;
        const [failing] = await adapter.quarantined(first);
        const [next] = await adapter.quarantined(second);
        // A guardedDrop that refuses one copy (its policy, say), and lets the others through.
        const picky = (async (req, drop) => {
          if (req.providerResourceId === failing!.name) {
            throw Object.assign(new Error("denied by the test"), { outcome: "denied" });
          }
          return await fixture.guardedDrop(req, drop);
        }) as typeof fixture.guardedDrop;
        const result = await adapter.purgeExpired(picky, { requestId: `picky-${first}` });
        assert.deepEqual(result.failed.map((f) => f.copy.name), [failing!.name]);
        assert.ok(result.purged.some((c) => c.name === next!.name));
        assert.deepEqual(await adapter.quarantined(second), []);
        assert.deepEqual((await adapter.quarantined(first)).map((c) => c.name), [failing!.name]);
        await adapter.restore(first);
      });

      test("a purge racing a restore of the same expired copy: exactly one of them gets it", async () => {
        const now = Date.now();
        const contested = uniqueToken("mx");
        await createTenant(admin, form, contested, "contested", 9);
        const print = await tenantFingerprint(admin, form, contested);
        clock = now - 30 * DAY_MS;
        await dropThrough(fixture, adapter, contested, { expect: "ok" });
        clock = now;
        const [copy] = await adapter.quarantined(contested);
        const [purge, restore] = await Promise.allSettled([
          adapter.purgeExpired(fixture.guardedDrop, { requestId: `race-purge-${contested}` }),
          adapter.restore(contested),
        ]);
        assert.equal(purge.status, "fulfilled");
        const purgedIt = purge.status === "fulfilled" && purge.value.purged.some((c) => c.name === copy!.name);
        const restoredIt = restore.status === "fulfilled";
        assert.notEqual(purgedIt, restoredIt, "one of the two, never both or neither");
        if (restoredIt) assert.equal(await tenantFingerprint(admin, form, contested), print);
        else assert.deepEqual(await catalog(admin, database(contested), user(contested)), { databases: 0, users: 0 });
        assert.deepEqual(await catalog(admin, copy!.name, copy!.name), { databases: 0, users: 0 });
      });
    });
  }

  // The crash checks run on the shared form: the dedicated one differs only in its prefixes.
  describe("a process killed between any two statements", () => {
    const form = FORMS[0]!;
    let adapter: MysqlAdapter;
    before(() => {
      adapter = form.factory({ url: server.url, retention: { days: RETENTION_DAYS } });
      adapters.push(adapter);
    });

    for (const action of ["deprovision", "restore"] as const) {
      test(`a ${action} killed at each statement leaves the tenant whole or a copy that restore brings back intact`, async () => {
        const probe = uniqueToken("mk");
        await createTenant(admin, form, probe, "probe", 6);
        if (action === "restore") await adapter.deprovision(probe);
        const full = (await runChild(server.url, form, probe, action, -1)).split("\n");
        const sent = JSON.parse(full[1]!) as string[];
        assert.ok(sent.length > 10, `${sent.length} statements`);
        // Before the first statement of each kind that changes something
        // (reads change nothing: a kill before one is a kill after the
        // change before it), and before the last one.
        const kind = (sql: string) => sql.split(" ").slice(0, 2).join(" ");
        const seen = new Set<string>();
        const points = sent.flatMap((sql, i) => {
          if (i === sent.length - 1) return [i];
          if (/^(SELECT|SHOW|SET|USE)\b/i.test(sql) || seen.has(kind(sql))) return [];
          seen.add(kind(sql));
          return [i];
        });
        // Each point has a tenant of its own, so they are independent: a few
        // at once, each on its own admin connection (createTenant changes
        // the session's database). Most of a point's time is its child's
        // start, which a loaded machine makes long.
        const stops: string[] = [];
        await eachAtOnce(server.url, points, KILL_POINTS_AT_ONCE, async (own, stop, n) => {
          const t = uniqueToken("mk");
          await createTenant(own, form, t, `kill-${stop}`, 6);
          const print = await tenantFingerprint(own, form, t);
          if (action === "restore") await adapter.deprovision(t);
          const out = await runChild(server.url, form, t, action, stop);
          stops.push(out.split("\n")[0]!);
          // The next call of either kind finishes the interrupted one, whichever way.
          if (n % 2 === 0) await adapter.deprovision(t);
          const copies = await adapter.quarantined(t);
          if (copies.length === 0) {
            assert.equal(await adapter.exists(t), true, `${out}: neither a live tenant nor a copy`);
          } else {
            assert.equal(copies.length, 1, `${out}: more than one copy`);
            await adapter.restore(t);
          }
          assert.equal(await tenantFingerprint(own, form, t), print, out);
          assert.equal(await tenantWorks(server.url, form, t), 6, out);
        });
        assert.equal(stops.length, points.length);
        assert.ok(points.length >= 10, `${points.length} points: ${JSON.stringify(stops)}`);
      });
    }
  });
});
