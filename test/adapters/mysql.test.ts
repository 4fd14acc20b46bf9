// mysqlShared and mysqlDedicated on real servers: the shared one at
// GD_MYSQL_URL (the machine's MariaDB), the dedicated one a server this file
// starts with mariadb-install-db + mariadbd (or GD_MYSQL_DEDICATED_URL).
// Every drop goes through guardedDrop.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import mysql from "mysql2/promise";
import type { Deprovisioner, DropError } from "../../lib/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import {
  type Admin,
  adminFor,
  catalog,
  createTenant,
  DEDICATED,
  type Form,
  rowCount,
  ROWS,
  SHARED,
  tenantSession,
} from "../support/mysql_tenants.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedMysqlSkipReason,
  envUrl,
  HOW_TO_GET_MYSQL,
  proxiedServer,
  startDedicatedMysql,
  uniqueToken,
} from "../support/servers.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS, LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";
import { explainCrashes } from "../support/crash_report.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";
import { mixedCaseToken } from "../support/tokens.ts";

/** The connect timeout of the unreachable-server checks; healthy adapters use HEALTHY_CONNECT_TIMEOUT_MS. */
const CONNECT_TIMEOUT_MS = 1_500;
/** Scheduling slack on a loaded 2-core machine. */
const MARGIN_MS = 1_500;
const CHILD = fileURLToPath(new URL("./mysql/deprovision_child.ts", import.meta.url));

/** Runs the child that deprovisions one tenant `count` times at once, and resolves its outcomes. */
function deprovisionInChild(url: string, backend: string, token: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, url, backend, token, String(count)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the child exited with ${code}: ${out}`));
      else resolve(JSON.parse(out) as string[]);
    });
  });
}

function defineMysqlSuite(form: Form, skip: string | undefined, server: () => Promise<ControlledServer>) {
  describe(form.name, { skip: skip ?? false }, () => {
    let fixture: AuditFixture;
    let controlled: ControlledServer;
    explainCrashes(() => [controlled]);
    let url: string;
    let admin: Admin;
    let adapter: Deprovisioner;
    // `_` is a LIKE wildcard: `<base>xu` would match `<base>_u` in a pattern.
    const base = uniqueToken("my");
    const token = `${base}_u`;
    const lookAlike = `${base}xu`;
    const neighbour = `${token}x`;
    let session: Admin | undefined;
    let neighbourSession: Admin | undefined;
    const made: string[] = [];

    const tenant = async (t: string) => {
      made.push(t);
      await createTenant(admin, form, t);
    };

    before(async () => {
      controlled = await server();
      url = controlled.url;
      fixture = createAuditFixture();
      admin = await adminFor(url);
      adapter = form.factory({ url, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
      for (const t of [token, lookAlike, neighbour]) await tenant(t);
      session = await tenantSession(url, form, token);
      neighbourSession = await tenantSession(url, form, neighbour);
    });

    after(async () => {
      await session?.end().catch(() => {});
      await neighbourSession?.end().catch(() => {});
      // The suite's own tenants go the way every drop goes.
      if (adapter !== undefined) {
        for (const t of made) await dropThrough(fixture, adapter, t, { expect: "ok" }).catch(() => {});
        await adapter.close();
      }
      await admin?.end().catch(() => {});
      fixture?.close();
      await controlled?.dispose();
    });

    test("the tenant exists before the drop, by exists() and by the catalog", async () => {
      assert.equal(await adapter.exists(token), true);
      assert.deepEqual(await catalog(admin, form, token), { databases: 1, users: 2 });
      const [rows] = await session!.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM items");
      assert.equal(Number(rows[0]!.n), ROWS);
    });

    test("deprovision drops the tenant at every host with an open session, and leaves neighbours and look-alikes whole", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 });
      await assert.rejects(session!.query("SELECT 1"));
      await assert.rejects(tenantSession(url, form, token));

      // A neighbour whose token extends the tenant's, and one that a LIKE
      // pattern with `_` would have matched: catalog, session and rows.
      for (const other of [neighbour, lookAlike]) {
        assert.equal(await adapter.exists(other), true, other);
        assert.deepEqual(await catalog(admin, form, other), { databases: 1, users: 2 }, other);
        assert.equal(await rowCount(admin, form, other), ROWS, other);
      }
      const [rows] = await neighbourSession!.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM items");
      assert.equal(Number(rows[0]!.n), ROWS, "the neighbour's own session still works");
    });

    test("a second deprovision of the gone tenant succeeds, and is audited and counted", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 });
    });

    test("10 concurrent deprovisions of one tenant all end ok, and the next tenant's drop is not blocked", async () => {
      const same = uniqueToken("cc");
      const next = uniqueToken("nx");
      await tenant(same);
      await tenant(next);
      const labels = { resource_type: adapter.resourceType, backend: adapter.backend, outcome: "ok" as const };
      const okBefore = await fixture.count(labels);
      const totalBefore = await fixture.total();
      const requestIds = Array.from({ length: 10 }, (_, i) => `req-${same}-${i}`);
      const outcomes = await Promise.all(requestIds.map((requestId) =>
        fixture.guardedDrop(
          {
            token: same,
            resourceType: adapter.resourceType,
            backend: adapter.backend,
            requestId,
            caller: "test/adapters",
          },
          () => adapter.deprovision(same),
        ).then(() => "ok", (err: DropError) => `${err.outcome}: ${err.message}`)
      ));
      assert.deepEqual(outcomes, requestIds.map(() => "ok"));
      assert.equal(requestIds.flatMap((id) => fixture.dropRecords(id)).length, 10);
      assert.equal(requestIds.flatMap((id) => fixture.failedRecords(id)).length, 0);
      assert.equal(await fixture.count(labels) - okBefore, 10);
      assert.equal(await fixture.total() - totalBefore, 10);
      assert.deepEqual(await catalog(admin, form, same), { databases: 0, users: 0 });
      await dropThrough(fixture, adapter, next, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, next), { databases: 0, users: 0 });
    });

    test("concurrent deprovisions of one tenant from two processes all end ok", async () => {
      const same = uniqueToken("cp");
      await tenant(same);
      const outcomes = (await Promise.all([
        deprovisionInChild(url, form.backend, same, 5),
        deprovisionInChild(url, form.backend, same, 5),
      ])).flat();
      assert.deepEqual(outcomes, Array.from({ length: 10 }, () => "ok"));
      assert.deepEqual(await catalog(admin, form, same), { databases: 0, users: 0 });
    });

    test("a user that defines a view in another database is not dropped, nothing is, and the error names the database", async () => {
      const definer = uniqueToken("df");
      const holder = uniqueToken("hd");
      await tenant(definer);
      await tenant(holder);
      const holderDb = admin.escapeId(form.databasePrefix + holder);
      await admin.query(`GRANT SELECT, CREATE VIEW ON ${holderDb}.* TO ?@?`, [form.userPrefix + definer, "%"]);
      await admin.query(
        `CREATE DEFINER = ?@? VIEW ${holderDb}.report AS SELECT COUNT(*) AS n FROM ${holderDb}.items`,
        [form.userPrefix + definer, "%"],
      );
      const result = await dropThrough(fixture, adapter, definer, { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      assert.match(
        result.error!.message,
        new RegExp(`DEFINER.*"${form.databasePrefix}${holder}".*nothing was dropped`),
      );
      assert.deepEqual(await catalog(admin, form, definer), { databases: 1, users: 2 });
      assert.equal(await rowCount(admin, form, definer), ROWS);
      // Not even locked: the tenant still logs in.
      const still = await tenantSession(url, form, definer);
      await still.end();
      // Once the view is gone, the retry finishes the drop.
      await admin.query(`DROP VIEW ${holderDb}.report`);
      await dropThrough(fixture, adapter, definer, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, definer), { databases: 0, users: 0 });
      assert.equal(await rowCount(admin, form, holder), ROWS);
    });

    test("a metadata lock held by another session fails within the lock timeout as a retryable `failed`, and the retry finishes", async () => {
      const locked = uniqueToken("lk");
      await tenant(locked);
      const holder = await adminFor(url);
      const quick = form.factory({ url, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS, lockTimeoutMs: 1_000 });
      try {
        await holder.query(`LOCK TABLES ${admin.escapeId(form.databasePrefix + locked)}.items READ`);
        const result = await dropThrough(fixture, quick, locked, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        assert.match(result.error!.message, /1205.*a retry finishes/);
        // Bounded, not fast: without the lock timeout it would wait until UNLOCK TABLES.
        assert.ok(result.elapsedMs < 1_000 + LOADED_MACHINE_SLACK_MS, `${result.elapsedMs} ms`);
        await holder.query("UNLOCK TABLES");
        await dropThrough(fixture, quick, locked, { expect: "ok" });
        assert.deepEqual(await catalog(admin, form, locked), { databases: 0, users: 0 });
      } finally {
        await holder.end().catch(() => {});
        await quick.close();
      }
    });

    test("a MariaDB role with the user's name stops the drop before anything is touched, and exists() stays true", async () => {
      const roled = uniqueToken("ro");
      await tenant(roled);
      await admin.query(`CREATE ROLE ${admin.escapeId(form.userPrefix + roled)}`);
      try {
        const result = await dropThrough(fixture, adapter, roled, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        assert.match(result.error!.message, /a role named .* exists .*nothing was dropped/);
        assert.deepEqual(await catalog(admin, form, roled), { databases: 1, users: 3 }, "two hosts and the role");
        assert.equal(await rowCount(admin, form, roled), ROWS);
        assert.equal(await adapter.exists(roled), true);
        await (await tenantSession(url, form, roled)).end(); // not even locked
      } finally {
        await admin.query(`DROP ROLE IF EXISTS ${admin.escapeId(form.userPrefix + roled)}`);
      }
      await dropThrough(fixture, adapter, roled, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, roled), { databases: 0, users: 0 });
    });

    test("a connection option the driver rejects is `failed`, never `unavailable`", async () => {
      const target = new URL(url);
      target.searchParams.set("ssl", "bogus");
      const misconfigured = form.factory({ url: target.href, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
      try {
        const result = await dropThrough(fixture, misconfigured, neighbour, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        assert.match(result.error!.message, /could not be set up with the given options/);
      } finally {
        await misconfigured.close();
      }
      assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, users: 2 });
    });

    test("a token with upper-case letters is refused by default, and the folded tenant is left whole", async () => {
      // Upper-case letters by construction: a clock- or hex-derived token may have none.
      const mixed = mixedCaseToken("rel");
      const folded = mixed.toLowerCase();
      await tenant(folded);
      const result = await dropThrough(fixture, adapter, mixed, { requestToken: folded, expect: "refused" });
      assert.match(result.error!.message, /the naming token must be lower case/);
      await assert.rejects(adapter.exists(mixed), (err: { code?: string }) => err.code === "GD_REFUSED");
      assert.deepEqual(await catalog(admin, form, folded), { databases: 1, users: 2 });
      assert.throws(
        () => form.factory({ url, mixedCaseTokens: "fold" as never }),
        /'mixedCaseTokens' must be "refuse" or "exact"/,
      );
      assert.throws(
        () => form.factory({ url, mixedCaseTokens: "exact" }),
        /must agree with the case policy of its name rules, "refuse"/,
      );
    });

    test("hostile tokens are refused, by guardedDrop and by the adapter itself, and the system schemas stay", async () => {
      for (
        const hostile of [...HOSTILE_TOKENS, "mysql", "sys", "performance_schema", "information_schema", "a_%", "a%"]
      ) {
        const byRequest = await dropThrough(fixture, adapter, hostile, { expect: "refused" });
        assert.equal(byRequest.error?.code, "GD_REFUSED", hostile);
        const byAdapter = await dropThrough(fixture, adapter, hostile, { requestToken: neighbour, expect: "refused" });
        assert.equal(byAdapter.error?.code, "GD_REFUSED", hostile);
        await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
      }
      const [schemas] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('mysql', 'sys', 'performance_schema', 'information_schema')",
      );
      assert.equal(Number(schemas[0]!.n), 4);
      const [root] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM mysql.user WHERE User = 'root'",
      );
      assert.ok(Number(root[0]!.n) >= 1);
      assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, users: 2 });
    });

    test("a malformed URL is a TypeError from the factory, without its password", () => {
      for (
        const bad of [
          `mysql://root:12/${SECRET}@127.0.0.1:3306/`,
          `mysql://root:${SECRET}#x@127.0.0.1:3306/`,
          `mysql://root:a?${SECRET}@127.0.0.1/`,
          `postgres://root:${SECRET}@127.0.0.1:3306/`,
          "not a url",
          "",
        ]
      ) {
        assert.throws(() => form.factory({ url: bad }), (err: Error) => {
          assert.ok(err instanceof TypeError, bad);
          assert.match(err.message, /^Cannot create the (dedicated )?MySQL adapter as 'url' must be/);
          assert.doesNotMatch(err.message, /hunter2/);
          return true;
        });
      }
    });

    const unreachable = () => ({
      fixture,
      token: neighbour,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      marginMs: MARGIN_MS,
    });

    test("a closed port is unavailable within the connect timeout, with one record and one count", () =>
      assertClosedPortUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({ url: `mysql://admin:${SECRET}@127.0.0.1:${port}/`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
        message: /^Cannot check the (dedicated )?MySQL tenant "[^"]+" as the server is unreachable \(ECONNREFUSED/,
      }));

    test("a server that accepts and never answers is unavailable within the connect timeout", () =>
      assertHungServerUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({ url: `mysql://root@127.0.0.1:${port}/`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
        waitsForTimeout: true,
      }));

    test("a failing statement is `failed`, with its error number, never `unavailable`, and drops nothing", async () => {
      const weak = `gd_weak_${uniqueToken("w")}`;
      await admin.query("CREATE USER ?@? IDENTIFIED BY 'weak'", [weak, "%"]);
      await admin.query("GRANT SELECT ON mysql.* TO ?@?", [weak, "%"]);
      const target = new URL(url);
      target.username = weak;
      target.password = "weak";
      const limited = form.factory({ url: target.href });
      try {
        const result = await dropThrough(fixture, limited, neighbour, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, users: 2 });
        assert.equal(await rowCount(admin, form, neighbour), ROWS);
      } finally {
        await limited.close();
        await admin.query("DROP USER IF EXISTS ?@?", [weak, "%"]);
      }
    });

    test("a stopped server is unavailable within the connect timeout, and the drop succeeds after a restart", async () => {
      const later = uniqueToken("rst");
      await tenant(later);
      await admin.end();
      await controlled.stop();
      try {
        const result = await dropThrough(fixture, adapter, later, { expect: "error" });
        assert.equal(result.error?.kind, "unavailable");
        assert.ok(result.elapsedMs < HEALTHY_CONNECT_TIMEOUT_MS + LOADED_MACHINE_SLACK_MS, `${result.elapsedMs} ms`);
      } finally {
        await controlled.start();
        admin = await adminFor(url);
      }
      assert.equal(await adapter.exists(later), true);
      await dropThrough(fixture, adapter, later, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, later), { databases: 0, users: 0 });
    });
  });
}

const sharedUrl = envUrl("GD_MYSQL_URL");
defineMysqlSuite(
  SHARED,
  sharedUrl === undefined ? `GD_MYSQL_URL is not set: ${HOW_TO_GET_MYSQL}` : undefined,
  // The shared server is not ours to stop: the suite reaches it through a
  // fault proxy, which it can stop instead.
  () => proxiedServer(sharedUrl!),
);
const dedicatedGiven = envUrl("GD_MYSQL_DEDICATED_URL") !== undefined;
defineMysqlSuite(
  DEDICATED,
  dedicatedGiven
    ? "GD_MYSQL_DEDICATED_URL names a server this file may not stop; its stop/restart test needs one it starts"
    : dedicatedMysqlSkipReason(),
  startDedicatedMysql,
);
