// The PostgreSQL quarantine on a real server: deprovision with `retention`
// renames instead of dropping, `restore` brings the newest copy back, and
// `purgeExpired` drops the expired copies through guardedDrop. It runs on a
// throwaway cluster made with initdb, because the purge drops every expired
// copy on its server, and the shared one is everybody's. The clock is
// injected: nothing sleeps for days.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import {
  type PostgresAdapter,
  type PostgresAdapterOptions,
  postgresDedicated,
  postgresShared,
} from "../../adapters/postgres/mod.ts";
import { markQuarantine, quarantineName } from "../../adapters/postgres/_quarantine_statements.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { assertConcurrentDropsAcrossProcesses } from "../support/concurrent_drops.ts";
import { dropThrough } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedPostgresSkipReason,
  startDedicatedPostgres,
  uniqueToken,
} from "../support/servers.ts";
import { explainCrashes } from "../support/crash_report.ts";
import { connectPostgres } from "../support/pg_connect.ts";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;
const QUARANTINE_NAME = /^q_\d{14}_[0-9a-f]{12}$/;

interface Form {
  readonly name: string;
  readonly factory: (options: PostgresAdapterOptions) => PostgresAdapter;
  readonly databasePrefix: string;
  readonly rolePrefix: string;
  readonly backend: "shared" | "dedicated";
}

const FORMS: readonly Form[] = [
  { name: "postgresShared", factory: postgresShared, databasePrefix: "db_", rolePrefix: "usr_", backend: "shared" },
  {
    name: "postgresDedicated",
    factory: postgresDedicated,
    databasePrefix: "dedicated_db_",
    rolePrefix: "dedicated_usr_",
    backend: "dedicated",
  },
];

const connect = connectPostgres;

describe(
  "PostgreSQL quarantine (retention) on a throwaway cluster",
  { skip: dedicatedPostgresSkipReason() ?? false },
  () => {
    let server: ControlledServer;
    explainCrashes(() => [server]);
    let admin: pg.Client;
    let fixture: AuditFixture;
    const open: pg.Client[] = [];
    const adapters: PostgresAdapter[] = [];
    /** The adapters' clock. */
    let clock = Date.now();

    before(async () => {
      server = await startDedicatedPostgres();
      admin = await connect(server.url);
      fixture = createAuditFixture();
    });

    after(async () => {
      for (const client of open) await client.end().catch(() => {});
      for (const adapter of adapters) await adapter.close();
      await admin?.end().catch(() => {});
      fixture?.close();
      await server?.dispose();
    });

    const track = (client: pg.Client) => (open.push(client), client);

    for (const form of FORMS) {
      describe(form.name, () => {
        let adapter: PostgresAdapter;
        const names = (token: string) => ({ database: form.databasePrefix + token, role: form.rolePrefix + token });

        before(() => {
          adapter = form.factory({
            connectionString: server.url,
            retention: { days: RETENTION_DAYS, now: () => clock },
          });
          adapters.push(adapter);
        });

        /** A tenant as a provisioner makes one: a login role with a SCRAM password, owning its database, with `rows` rows. */
        async function createTenant(token: string, rows: number, marker: string): Promise<void> {
          const { database, role } = names(token);
          await admin.query(
            `CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD ${admin.escapeLiteral(`pw-${token}`)}`,
          );
          await admin.query(
            `CREATE DATABASE ${admin.escapeIdentifier(database)} OWNER ${admin.escapeIdentifier(role)}`,
          );
          await admin.query(
            `COMMENT ON DATABASE ${admin.escapeIdentifier(database)} IS ${admin.escapeLiteral(`platform: ${marker}`)}`,
          );
          const db = await connect(server.url, database, role);
          try {
            await db.query("CREATE TABLE items (id int PRIMARY KEY, marker text NOT NULL)");
            await db.query("INSERT INTO items SELECT g, $2 FROM generate_series(1, $1::int) AS g", [rows, marker]);
          } finally {
            await db.end();
          }
        }

        /** The rows of a database (quarantined or not), read as the superuser, whom CONNECT does not bind. */
        async function contents(database: string): Promise<{ n: number; marker: string | null }> {
          const db = await connect(server.url, database);
          try {
            return (await db.query<{ n: number; marker: string | null }>(
              "SELECT count(*)::int AS n, max(marker) AS marker FROM items",
            )).rows[0]!;
          } finally {
            await db.end();
          }
        }

        async function catalog(database: string, role: string) {
          const { rows } = await admin.query<{ databases: number; roles: number }>(
            `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS databases,
                  (SELECT count(*)::int FROM pg_roles WHERE rolname = $2) AS roles`,
            [database, role],
          );
          return rows[0]!;
        }

        const tenantCatalog = (token: string) => catalog(names(token).database, names(token).role);

        async function role(name: string) {
          const { rows } = await admin.query<{ login: boolean; password: string | null; comment: string | null }>(
            `SELECT rolcanlogin AS login, rolpassword AS password, shobj_description(oid, 'pg_authid') AS comment
             FROM pg_authid WHERE rolname = $1`,
            [name],
          );
          return rows[0];
        }

        async function databaseComment(name: string): Promise<string | null | undefined> {
          const { rows } = await admin.query<{ comment: string | null }>(
            "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
            [name],
          );
          return rows[0]?.comment;
        }

        const token = uniqueToken("qt");
        const neighbour = `${token}x`;
        let password: string | null = null;

        test("a tenant with rows and an open session is quarantined: its session ends, it cannot log in, the neighbour is intact", async () => {
          clock = Date.now();
          await createTenant(token, 100, "first");
          await createTenant(neighbour, 100, "neighbour");
          password = (await role(names(token).role))!.password;
          assert.match(String(password), /^SCRAM-SHA-256\$/);
          const session = track(await connect(server.url, names(token).database, names(token).role));
          const neighbourSession = track(await connect(server.url, names(neighbour).database, names(neighbour).role));
          assert.equal((await session.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 100);

          await dropThrough(fixture, adapter, token, { expect: "ok" });

          // Gone under its names, for exists() and the catalog.
          assert.equal(await adapter.exists(token), false);
          assert.deepEqual(await tenantCatalog(token), { databases: 0, roles: 0 });
          // Its session was ended, and neither its old name nor the quarantine name can log in.
          await assert.rejects(session.query("SELECT 1"));
          await assert.rejects(connect(server.url, names(token).database, names(token).role));
          const copies = await adapter.quarantined(token);
          assert.equal(copies.length, 1);
          const [copy] = copies;
          assert.match(copy!.name, QUARANTINE_NAME);
          assert.deepEqual(
            {
              database: copy!.database,
              role: copy!.role,
              originalDatabase: copy!.originalDatabase,
              originalRole: copy!.originalRole,
            },
            {
              database: copy!.name,
              role: copy!.name,
              originalDatabase: names(token).database,
              originalRole: names(token).role,
            },
          );
          assert.equal(copy!.token, token);
          assert.equal(copy!.quarantinedAt.getTime(), clock);
          assert.equal(copy!.expiresAt!.getTime(), clock + RETENTION_DAYS * DAY_MS);
          assert.ok(copy!.sizeBytes! > 1_000_000, `${copy!.sizeBytes} bytes still on disk`);
          await assert.rejects(connect(server.url, "postgres", copy!.name), /not permitted to log in/);
          const quarantinedRole = (await role(copy!.name))!;
          assert.equal(quarantinedRole.login, false);
          // The comments record the token and the time, as JSON.
          for (const comment of [quarantinedRole.comment, await databaseComment(copy!.name)]) {
            const mark = JSON.parse(String(comment)) as Record<string, unknown>;
            assert.equal(mark.token, token);
            assert.equal(mark.quarantined_at, new Date(clock).toISOString());
            assert.equal(mark.database, names(token).database);
          }
          // Every row is still there, in the copy.
          assert.deepEqual(await contents(copy!.name), { n: 100, marker: "first" });

          // The neighbour, whose token extends the tenant's, is untouched.
          assert.deepEqual(await tenantCatalog(neighbour), { databases: 1, roles: 1 });
          assert.deepEqual(
            (await neighbourSession.query("SELECT count(*)::int AS n, max(marker) AS marker FROM items")).rows[0],
            {
              n: 100,
              marker: "neighbour",
            },
          );
          assert.deepEqual(await adapter.quarantined(neighbour), []);
        });

        test("a second deprovision of the quarantined tenant succeeds and makes no second copy", async () => {
          await dropThrough(fixture, adapter, token, { expect: "ok" });
          assert.equal((await adapter.quarantined(token)).length, 1);
        });

        test("restore brings back every row, the login with its password, the CONNECT grants and the comment", async () => {
          const [copy] = await adapter.quarantined(token);
          const restored = await adapter.restore(token);
          assert.equal(restored.name, copy!.name);
          assert.equal(await adapter.exists(token), true);
          assert.deepEqual(await tenantCatalog(token), { databases: 1, roles: 1 });
          assert.deepEqual(await catalog(copy!.name, copy!.name), { databases: 0, roles: 0 });
          assert.deepEqual(await adapter.quarantined(token), []);
          const back = (await role(names(token).role))!;
          assert.deepEqual({ login: back.login, password: back.password, comment: back.comment }, {
            login: true,
            password,
            comment: null,
          });
          assert.equal(await databaseComment(names(token).database), "platform: first");
          const session = track(await connect(server.url, names(token).database, names(token).role));
          assert.deepEqual(
            (await session.query("SELECT count(*)::int AS n, max(marker) AS marker FROM items")).rows[0],
            {
              n: 100,
              marker: "first",
            },
          );
          await session.end();
        });

        test("restore refuses, with nothing changed, when the tenant's names are taken or it has no copy", async () => {
          await assert.rejects(adapter.restore(token), (err: Error & { code?: string }) => {
            assert.equal(err.code, "GD_REFUSED");
            assert.match(
              err.message,
              /as its names must be free: current value is database "[a-z_0-9]+" and role "[a-z_0-9]+" existing/,
            );
            return true;
          });
          await dropThrough(fixture, adapter, token, { expect: "ok" });
          // Re-provisioned: a new tenant of the same token.
          clock += 3_600_000;
          await createTenant(token, 5, "second");
          await assert.rejects(adapter.restore(token), { code: "GD_REFUSED", message: /names must be free/ });
          assert.equal((await adapter.quarantined(token)).length, 1);
          assert.deepEqual(await contents(names(token).database), { n: 5, marker: "second" });
          await assert.rejects(adapter.restore(neighbour), { code: "GD_REFUSED", message: /names must be free/ });
          const never = uniqueToken("qn");
          await assert.rejects(adapter.restore(never), {
            code: "GD_REFUSED",
            message: /as it must have a quarantined copy: current value is none/,
          });
        });

        test("two quarantines of one token: restore takes the newest, and the older copy stays", async () => {
          await dropThrough(fixture, adapter, token, { expect: "ok" });
          const copies = await adapter.quarantined(token);
          assert.equal(copies.length, 2);
          assert.ok(copies[0]!.quarantinedAt > copies[1]!.quarantinedAt, "newest first");
          assert.notEqual(copies[0]!.name, copies[1]!.name);
          assert.deepEqual(await contents(copies[0]!.name), { n: 5, marker: "second" });
          assert.deepEqual(await contents(copies[1]!.name), { n: 100, marker: "first" });

          const restored = await adapter.restore(token);
          assert.equal(restored.name, copies[0]!.name);
          assert.deepEqual(await contents(names(token).database), { n: 5, marker: "second" });
          assert.deepEqual((await adapter.quarantined(token)).map((c) => c.name), [copies[1]!.name]);
        });

        test("concurrent quarantines of one tenant all end ok and make one copy; a quarantine racing a restore loses nothing", async () => {
          const racer = uniqueToken("qr");
          await createTenant(racer, 20, "racer-1");
          const results = await Promise.allSettled(
            Array.from({ length: 5 }, (_, i) =>
              fixture.guardedDrop(
                {
                  token: racer,
                  resourceType: "postgres",
                  backend: form.backend,
                  requestId: `race-${racer}-${i}`,
                  caller: "test/quarantine",
                },
                () => adapter.deprovision(racer),
              )),
          );
          assert.deepEqual(results.map((r) => r.status), Array(5).fill("fulfilled"));
          const [first] = await adapter.quarantined(racer);
          assert.equal((await adapter.quarantined(racer)).length, 1);
          assert.deepEqual(await contents(first!.name), { n: 20, marker: "racer-1" });

          // A new tenant of the same token, quarantined while the old copy is restored.
          clock += 1_000;
          await createTenant(racer, 30, "racer-2");
          const [quarantine, restore] = await Promise.allSettled([
            fixture.guardedDrop(
              {
                token: racer,
                resourceType: "postgres",
                backend: form.backend,
                requestId: `race-${racer}-q`,
                caller: "test/quarantine",
              },
              () => adapter.deprovision(racer),
            ),
            adapter.restore(racer),
          ]);
          assert.equal(quarantine.status, "fulfilled");
          if (restore.status === "rejected") assert.equal((restore.reason as { code?: string }).code, "GD_REFUSED");
          // Whichever ran first, both data sets exist: one live or quarantined, the other quarantined.
          const places = (await adapter.quarantined(racer)).map((c) => c.name);
          if (await adapter.exists(racer)) places.push(names(racer).database);
          const markers = await Promise.all(places.map(async (name) => (await contents(name)).marker));
          assert.deepEqual(markers.sort(), ["racer-1", "racer-2"]);
        });

        test("quarantines of one tenant from 2 processes at once (5 each) all end ok, and make one copy with every row", async () => {
          const racer = uniqueToken("qp");
          await createTenant(racer, 50, "two-replicas");
          await assertConcurrentDropsAcrossProcesses(
            {
              adapter: form.backend === "shared" ? "postgresShared" : "postgresDedicated",
              options: { connectionString: server.url, retention: { days: RETENTION_DAYS } },
              token: racer,
              drops: 5,
            },
            2,
          );
          const copies = await adapter.quarantined(racer);
          assert.equal(copies.length, 1);
          assert.deepEqual(await contents(copies[0]!.name), { n: 50, marker: "two-replicas" });
          assert.deepEqual(await tenantCatalog(racer), { databases: 0, roles: 0 });
        });

        test("an interrupted quarantine (marked and revoked, not renamed) is finished by the next call with its name and time", async () => {
          const cut = uniqueToken("qc");
          await createTenant(cut, 3, "cut");
          const { database, role: roleName } = names(cut);
          const at = new Date(clock - 60_000);
          const name = quarantineName(database, at);
          // Step 1 only, as a crash right after it would leave it.
          await markQuarantine(admin, {
            guarded_drop: "quarantine",
            v: 1,
            token: cut,
            backend: form.backend,
            name,
            database,
            role: roleName,
            quarantined_at: at.toISOString(),
            had_database: true,
            had_role: true,
            login: true,
            connect: ["PUBLIC", roleName],
            database_comment: "platform: cut",
            role_comment: null,
          });
          assert.equal(await adapter.exists(cut), true);
          assert.equal((await role(roleName))!.login, false);
          await dropThrough(fixture, adapter, cut, { expect: "ok" });
          const copies = await adapter.quarantined(cut);
          assert.deepEqual(copies.map((c) => [c.name, c.quarantinedAt.getTime()]), [[name, at.getTime()]]);
          await adapter.restore(cut);
          // The login it had before the first call, not the NOLOGIN of the interrupted one.
          assert.equal((await role(roleName))!.login, true);
          const session = track(await connect(server.url, database, roleName));
          assert.equal((await session.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 3);
          await session.end();
        });

        test("an interrupted quarantine (marked and revoked, not renamed) is undone by restore, in place: login, CONNECT and comments back", async () => {
          const cut = uniqueToken("qu");
          await createTenant(cut, 3, "undo");
          const { database, role: roleName } = names(cut);
          const at = new Date(clock - 60_000);
          // Step 1 only, as a process killed right after it would leave it.
          await markQuarantine(admin, {
            guarded_drop: "quarantine",
            v: 1,
            token: cut,
            backend: form.backend,
            name: quarantineName(database, at),
            database,
            role: roleName,
            quarantined_at: at.toISOString(),
            had_database: true,
            had_role: true,
            login: true,
            connect: ["PUBLIC", roleName],
            database_comment: "platform: undo",
            role_comment: null,
          });
          assert.equal((await role(roleName))!.login, false, "NOLOGIN after the interrupted quarantine");
          const restored = await adapter.restore(cut);
          assert.equal(restored.originalDatabase, database);
          assert.equal((await role(roleName))!.login, true, "the login it had before");
          assert.equal((await role(roleName))!.comment, null, "the role's comment back");
          assert.equal(await databaseComment(database), "platform: undo", "the database's comment back");
          assert.deepEqual(await contents(database), { n: 3, marker: "undo" });
          const session = track(await connect(server.url, database, roleName));
          assert.equal((await session.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 3);
          await session.end();
          assert.equal(await adapter.exists(cut), true);
          assert.deepEqual(await adapter.quarantined(cut), []);
          // A second restore has nothing to undo: refused, names taken.
          await assert.rejects(adapter.restore(cut), { code: "GD_REFUSED" });
        });

        test("a mark the tenant writes on its own database (it owns it) is never trusted: each planted mark gives a fresh, listed copy", async () => {
          clock = Date.now();
          const victim = uniqueToken("qv");
          const planted = (t: string, overrides: Record<string, unknown>) => ({
            guarded_drop: "quarantine",
            v: 1,
            token: victim,
            backend: form.backend,
            name: quarantineName(names(t).database, new Date(0)),
            database: names(t).database,
            role: names(t).role,
            quarantined_at: new Date(0).toISOString(),
            had_database: true,
            had_role: true,
            login: true,
            connect: ["PUBLIC"],
            database_comment: null,
            role_comment: null,
            ...overrides,
          });
          const variants: [string, (t: string) => Record<string, unknown>][] = [
            // Dated 1970 with a consistent name, and another tenant's token: purge would drop it at once, in the victim's name.
            ["dated 1970, a neighbour's token", (t) => planted(t, {})],
            ["a name outside q_", (t) => planted(t, { name: `db_hijack_${t}`, token: t })],
            ["a 90-byte name", (t) => planted(t, { name: `q_${"9".repeat(88)}`, token: t })],
            ["the name postgres", (t) => planted(t, { name: "postgres", token: t })],
            ["its own token and a fresh time, but login as a string", (t) =>
              planted(t, {
                token: t,
                login: "false",
                quarantined_at: new Date(clock).toISOString(),
                name: quarantineName(names(t).database, new Date(clock)),
              })],
          ];
          for (const [label, body] of variants) {
            const t = uniqueToken("qp");
            await createTenant(t, 2, label);
            const own = track(await connect(server.url, names(t).database, names(t).role));
            await own.query(
              `COMMENT ON DATABASE ${own.escapeIdentifier(names(t).database)} IS ${
                own.escapeLiteral(JSON.stringify(body(t)))
              }`,
            );
            await own.end();
            // The tenant cannot write its role's comment: that needs CREATEROLE.
            const self = track(await connect(server.url, "postgres", names(t).role));
            await assert.rejects(
              self.query(`COMMENT ON ROLE ${self.escapeIdentifier(names(t).role)} IS 'x'`),
              /CREATEROLE/,
            );
            await self.end();

            await dropThrough(fixture, adapter, t, { expect: "ok" });

            assert.equal(await adapter.exists(t), false, label);
            const copies = await adapter.quarantined(t);
            assert.equal(copies.length, 1, label);
            assert.match(copies[0]!.name, QUARANTINE_NAME, label);
            assert.deepEqual([copies[0]!.token, copies[0]!.quarantinedAt.getTime()], [t, clock], label);
            assert.deepEqual(await catalog(copies[0]!.name, copies[0]!.name), { databases: 1, roles: 1 }, label);
            assert.deepEqual(await adapter.quarantined(victim), [], label);
            const mark = JSON.parse(String((await role(copies[0]!.name))!.comment)) as Record<string, unknown>;
            assert.deepEqual([mark.token, mark.login, mark.name], [t, true, copies[0]!.name], label);
            // The restore gives the login back as a boolean would, and every row.
            await adapter.restore(t);
            assert.equal((await role(names(t).role))!.login, true, label);
            assert.deepEqual(await contents(names(t).database), { n: 2, marker: label });
          }
          // Nothing of the victim's is on the server, and a purge now drops none of these copies.
          const hijacked = await admin.query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'db\\_hijack%' OR length(datname) >= 63",
          );
          assert.equal(hijacked.rowCount, 0);
        });

        test("quarantine revokes CONNECT from every grantee and the role's memberships; restore gives them back", async () => {
          clock = Date.now();
          const t = uniqueToken("qg");
          await createTenant(t, 5, "grants");
          const { database, role: roleName } = names(t);
          const reader = `ro_${t}`;
          const member = `mem_${t}`;
          const grants = async () =>
            (await admin.query<{ can: boolean; member: boolean }>(
              `SELECT has_database_privilege($1, d.oid, 'CONNECT') AS can,
                    EXISTS (SELECT 1 FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
                             WHERE r.rolname = d.datname_role AND m.rolname = $3) AS member
               FROM (SELECT oid, $2::text AS datname_role FROM pg_database WHERE datname = $4) d`,
              [reader, roleName, member, database],
            )).rows[0];
          try {
            await admin.query(`CREATE ROLE ${admin.escapeIdentifier(reader)} LOGIN PASSWORD 'pw'`);
            await admin.query(`CREATE ROLE ${admin.escapeIdentifier(member)} LOGIN PASSWORD 'pw'`);
            await admin.query(
              `GRANT CONNECT ON DATABASE ${admin.escapeIdentifier(database)} TO ${admin.escapeIdentifier(reader)}`,
            );
            await admin.query(`GRANT ${admin.escapeIdentifier(roleName)} TO ${admin.escapeIdentifier(member)}`);
            // A member's session elsewhere that took on the tenant's role.
            const elsewhere = track(await connect(server.url, "postgres", member));
            await elsewhere.query(`SET ROLE ${elsewhere.escapeIdentifier(roleName)}`);
            assert.deepEqual(await grants(), { can: true, member: true });

            await dropThrough(fixture, adapter, t, { expect: "ok" });

            const [copy] = await adapter.quarantined(t);
            assert.ok(copy);
            // Neither the reader nor the member can open the copy, and the member's session is gone.
            await assert.rejects(connect(server.url, copy.name, reader), /permission denied/);
            await assert.rejects(connect(server.url, copy.name, member), /permission denied/);
            await assert.rejects(elsewhere.query("SELECT 1"));
            const { rows } = await admin.query<{ grantees: number; members: number }>(
              `SELECT (SELECT count(*)::int FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                      WHERE d.datname = $1 AND a.privilege_type = 'CONNECT') AS grantees,
                    (SELECT count(*)::int FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid WHERE r.rolname = $1) AS members`,
              [copy.name],
            );
            assert.deepEqual(rows[0], { grantees: 0, members: 0 });

            await adapter.restore(t);
            assert.deepEqual(await grants(), { can: true, member: true });
            const back = track(await connect(server.url, database, reader));
            assert.equal((await back.query<{ n: number }>("SELECT 1 AS n")).rows[0]!.n, 1);
            await back.end();
          } finally {
            await adapter.deprovision(t).catch(() => {});
            await admin.query(
              `DROP ROLE IF EXISTS ${admin.escapeIdentifier(reader)}, ${admin.escapeIdentifier(member)}`,
            ).catch(() => {});
          }
        });

        // The longest token of the form: 50 bytes for the shared one; the
        // dedicated role prefix has 14 bytes, so 49 there (50 is refused).
        const longest = form.backend === "shared" ? 50 : 49;
        test(`a ${longest}-byte token fits: its quarantine name is within 63 bytes, and it is restored under its own names`, async () => {
          const long = `ql${uniqueToken("")}`.padEnd(longest, "0");
          assert.equal(Buffer.byteLength(long), longest);
          if (form.backend === "dedicated") {
            await assert.rejects(adapter.exists(`${long}0`), { code: "GD_REFUSED", message: /64 bytes long/ });
          }
          await createTenant(long, 7, "long");
          await dropThrough(fixture, adapter, long, { expect: "ok" });
          const [copy] = await adapter.quarantined(long);
          assert.ok(Buffer.byteLength(copy!.name) <= 63);
          assert.deepEqual(await catalog(copy!.name, copy!.name), { databases: 1, roles: 1 });
          assert.equal(copy!.originalDatabase, names(long).database);
          assert.equal(Buffer.byteLength(copy!.originalRole), form.rolePrefix.length + longest);
          await adapter.restore(long);
          assert.deepEqual(await tenantCatalog(long), { databases: 1, roles: 1 });
          assert.deepEqual(await contents(names(long).database), { n: 7, marker: "long" });
        });

        test("purgeExpired drops only the expired copies, each through guardedDrop with intent quarantine_expired, one record each", async () => {
          const now = Date.now();
          const old = uniqueToken("qo");
          const fresh = uniqueToken("qf");
          const older = uniqueToken("qe");
          for (const [t, age] of [[old, 10], [fresh, 1], [older, 8]] as const) {
            await createTenant(t, 4, t);
            clock = now - age * DAY_MS;
            await dropThrough(fixture, adapter, t, { expect: "ok" });
          }
          clock = now;
          const copyOf = async (t: string) => (await adapter.quarantined(t))[0]!;
          const expired = [await copyOf(old), await copyOf(older)];
          const kept = await copyOf(fresh);
          // Copies of the earlier tests are younger than the retention.
          const before =
            (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'q\\_%'"))
              .rows[0]!.n;
          const labels = { resource_type: "postgres", backend: form.backend } as const;
          const okBefore = await fixture.count({ ...labels, outcome: "ok" });
          const totalBefore = await fixture.total();

          const result = await adapter.purgeExpired(fixture.guardedDrop, {
            requestId: `purge-${token}`,
            caller: "test/purge",
          });

          assert.deepEqual(result.failed, []);
          assert.deepEqual(result.purged.map((c) => c.name).sort(), expired.map((c) => c.name).sort());
          const records = fixture.dropRecords().filter((r) => r.request_id.startsWith(`purge-${token}/`));
          assert.equal(records.length, 2);
          for (const copy of expired) {
            const [record] = records.filter((r) => r.request_id === `purge-${token}/${copy.name}`);
            assert.ok(record, copy.name);
            assert.equal(record.intent, "quarantine_expired");
            assert.equal(record.token, copy.token);
            assert.equal(record.provider_resource_id, copy.name);
            assert.equal(record.caller, "test/purge");
            assert.equal(fixture.failedRecords(record.request_id as string).length, 0);
            assert.deepEqual(await catalog(copy.name, copy.name), { databases: 0, roles: 0 });
            assert.deepEqual(await adapter.quarantined(copy.token), []);
          }
          assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - okBefore, 2);
          assert.equal(await fixture.total() - totalBefore, 2);
          const afterCount =
            (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'q\\_%'"))
              .rows[0]!.n;
          assert.equal(afterCount, before - 2);
          assert.deepEqual((await adapter.quarantined(fresh)).map((c) => c.name), [kept.name]);
          assert.equal(result.kept, await countOwnCopies());

          // A second purge finds nothing more to drop, and writes no record.
          const again = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `purge2-${token}` });
          assert.deepEqual({ purged: again.purged.length, failed: again.failed.length }, { purged: 0, failed: 0 });
          assert.equal(fixture.dropRecords().filter((r) => r.request_id.startsWith(`purge2-${token}/`)).length, 0);
        });

        test("a purge whose copy is restored between its listing and its drop says refused, counts no drop, and drops nothing", async () => {
          const now = Date.now();
          const late = uniqueToken("ql");
          await createTenant(late, 6, "late");
          clock = now - 30 * DAY_MS;
          await dropThrough(fixture, adapter, late, { expect: "ok" });
          clock = now;
          const [copy] = await adapter.quarantined(late);
          const labels = { resource_type: "postgres", backend: form.backend } as const;
          const okBefore = await fixture.count({ ...labels, outcome: "ok" });
          const refusedBefore = await fixture.count({ ...labels, outcome: "refused" });
          const prefix = `late-purge-${late}`;
          // The restore lands after the purge listed the copy, before its drop takes the lock.
          const result = await adapter.purgeExpired(
            (async (req, drop) => {
              if (req.providerResourceId === copy!.name) await adapter.restore(late);
              return await fixture.guardedDrop(req, drop);
            }) as typeof fixture.guardedDrop,
            { requestId: prefix },
          );
          assert.equal(result.purged.some((c) => c.name === copy!.name), false);
          assert.equal(result.failed.some((f) => f.copy.name === copy!.name), false);
          assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - okBefore, result.purged.length);
          assert.equal(await fixture.count({ ...labels, outcome: "refused" }) - refusedBefore, 1);
          const failedRecords = fixture.failedRecords(`${prefix}/${copy!.name}`);
          assert.equal(failedRecords.length, 1);
          assert.equal(failedRecords[0]!.outcome, "refused");
          assert.match(
            String(failedRecords[0]!.error_message ?? JSON.stringify(failedRecords[0])),
            /restored or purged meanwhile/,
          );
          assert.deepEqual(await contents(names(late).database), { n: 6, marker: "late" });
        });

        test("a purge racing a restore of the same expired copy: exactly one of them gets it", async () => {
          const now = Date.now();
          const contested = uniqueToken("qx");
          await createTenant(contested, 9, "contested");
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
          if (restoredIt) {
            assert.deepEqual(await contents(names(contested).database), { n: 9, marker: "contested" });
          } else {
            assert.equal((restore.reason as { code?: string }).code, "GD_REFUSED");
            assert.deepEqual(await tenantCatalog(contested), { databases: 0, roles: 0 });
          }
          assert.deepEqual(await catalog(copy!.name, copy!.name), { databases: 0, roles: 0 });
          // A purge that dropped it audited that once; a restore that came
          // first left the purge nothing to list (0) or a drop that found the
          // copy gone (1, refused: it dropped nothing).
          const id = `race-purge-${contested}/${copy!.name}`;
          const records = fixture.dropRecords(id).length;
          if (purgedIt) assert.equal(records, 1);
          else {
            assert.ok(records <= 1, `${records} records`);
            assert.equal(fixture.failedRecords(id).length, records);
          }
        });

        /** The copies of this form on the server. */
        async function countOwnCopies(): Promise<number> {
          const { rows } = await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_database
            WHERE datname LIKE 'q\\_%' AND (shobj_description(oid, 'pg_database')::jsonb ->> 'backend') = $1`,
            [form.backend],
          );
          return rows[0]!.n;
        }
      });
    }

    test("without retention, purgeExpired is a TypeError; a malformed retention is one from the factory", async () => {
      const plain = postgresShared({ connectionString: server.url });
      adapters.push(plain);
      await assert.rejects(plain.purgeExpired(fixture.guardedDrop), {
        name: "TypeError",
        message: /'retention' must be set/,
      });
      assert.throws(
        () => postgresShared({ connectionString: server.url, retention: { days: 0 } }),
        /'retention.days' must be a positive finite number: current value is 0/,
      );
      assert.throws(
        () => postgresShared({ connectionString: server.url, retention: {} as never }),
        /'retention.days' must be a positive finite number/,
      );
      assert.throws(
        () => postgresShared({ connectionString: server.url, retention: { days: 1, now: 5 as never } }),
        /'retention.now' must be a function/,
      );
    });
  },
);
