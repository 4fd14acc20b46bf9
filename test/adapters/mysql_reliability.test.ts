// mysqlShared and mysqlDedicated on MariaDB: every token the name rules
// accept survives the quoting, names that differ only in case keep a drop
// from answering ok, and a failure that no retry cures changes nothing (the
// tenant still logs in, its rows are whole). On the shared server at
// GD_MYSQL_URL when it keeps names as given (lower_case_table_names = 0),
// otherwise on a throwaway mariadbd started here.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import { createNameRules, type Deprovisioner } from "../../lib/mod.ts";
import { dropTenant } from "../../adapters/mysql/_drop_tenant.ts";
import type { MysqlSession } from "../../adapters/mysql/_statements.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough } from "../support/drop_through.ts";
import {
  type Admin,
  adminFor,
  catalog,
  createTenant,
  DEDICATED,
  type Form,
  quoteId,
  rowCount,
  ROWS,
  SHARED,
  tenantSession,
} from "../support/mysql_tenants.ts";
import {
  type ControlledServer,
  dedicatedMysqlSkipReason,
  envUrl,
  HOW_TO_GET_MYSQL,
  startDedicatedMysql,
  uniqueToken,
} from "../support/servers.ts";

const sharedUrl = envUrl("GD_MYSQL_URL");
const CONNECT_TIMEOUT_MS = 5_000;
/** The whole-name limit of the name rules (DESIGN §4). */
const MAX_NAME_BYTES = 63;

/** The shared server when it keeps names as given, else a throwaway one; `undefined` when neither can run. */
async function caseKeepingServer(): Promise<{ url: string; dispose(): Promise<void> } | string> {
  if (sharedUrl !== undefined) {
    const admin = await adminFor(sharedUrl);
    try {
      const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT @@lower_case_table_names AS folds");
      if (Number(rows[0]!.folds) === 0) return { url: sharedUrl, dispose: async () => {} };
    } finally {
      await admin.end().catch(() => {});
    }
  }
  const reason = dedicatedMysqlSkipReason();
  if (reason !== undefined) return `no MySQL server with lower_case_table_names = 0: ${reason}`;
  const server: ControlledServer = await startDedicatedMysql();
  return { url: server.url, dispose: () => server.dispose() };
}

/** Whether the tenant's user can still log in with its password (its account is not locked). */
async function logsIn(url: string, form: Form, token: string): Promise<boolean> {
  try {
    const session = await tenantSession(url, form, token);
    await session.end();
    return true;
  } catch {
    return false;
  }
}

/** A user `name` at `%` and a database `name` with a row, made by hand with any case. */
async function createVariant(admin: Admin, form: Form, token: string): Promise<void> {
  await admin.query(`CREATE DATABASE ${quoteId(form.databasePrefix + token)}`);
  await admin.query(`CREATE TABLE ${quoteId(form.databasePrefix + token)}.items (id int PRIMARY KEY)`);
  await admin.query(`INSERT INTO ${quoteId(form.databasePrefix + token)}.items VALUES (1)`);
  await admin.query("CREATE USER ?@? IDENTIFIED BY ?", [form.userPrefix + token, "%", `pw-${token}`]);
}

const skipAll = sharedUrl === undefined && dedicatedMysqlSkipReason() !== undefined
  ? `GD_MYSQL_URL is not set (${HOW_TO_GET_MYSQL}), and ${dedicatedMysqlSkipReason()}`
  : false;

for (const form of [SHARED, DEDICATED]) {
  describe(`${form.name}: odd tokens, case variants, nothing changed`, { skip: skipAll }, () => {
    let server: { url: string; dispose(): Promise<void> } | undefined;
    let skip: string | undefined;
    let admin: Admin;
    let fixture: AuditFixture;
    let exactFixture: AuditFixture;
    let adapter: Deprovisioner;
    let exact: Deprovisioner;
    const exactRules = createNameRules({ mixedCaseTokens: "exact" });
    const made: string[] = [];
    const neighbour = uniqueToken("nb");
    const longest = MAX_NAME_BYTES - Math.max(form.databasePrefix.length, form.userPrefix.length);

    before(async () => {
      const found = await caseKeepingServer();
      if (typeof found === "string") {
        skip = found;
        return;
      }
      server = found;
      admin = await adminFor(server.url);
      fixture = createAuditFixture();
      exactFixture = createAuditFixture({ nameRules: exactRules });
      adapter = form.factory({ url: server.url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
      exact = form.factory({ url: server.url, connectTimeoutMs: CONNECT_TIMEOUT_MS, nameRules: exactRules });
      made.push(neighbour);
      await createTenant(admin, form, neighbour);
    });

    after(async () => {
      if (server === undefined) return;
      for (const t of made) {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteId(form.databasePrefix + t)}`).catch(() => {});
        for (const host of ["%", "localhost"]) {
          await admin.query("DROP USER IF EXISTS ?@?", [form.userPrefix + t, host]).catch(() => {});
        }
      }
      await adapter.close();
      await exact.close();
      await admin.end().catch(() => {});
      fixture.close();
      exactFixture.close();
      await server.dispose();
    });

    test("every accepted character class round-trips: the tenant is created, dropped, and nothing of it is left", async (t) => {
      if (skip !== undefined) return t.skip(skip);
      const base = uniqueToken("q");
      const tokens = [
        `${base}.dot`,
        `${base}.a.b.`,
        `${base}-dash-`,
        `${base}__under`,
        `${base}.-_mix`,
        `9${base}`,
        // The longest whole name the rules accept under this form's longest prefix.
        `${base}.`.padEnd(longest, "x-"),
      ];
      assert.equal(tokens.at(-1)!.length, longest);
      for (const token of tokens) {
        made.push(token);
        await createTenant(admin, form, token);
        assert.deepEqual(await catalog(admin, form, token), { databases: 1, users: 2 }, token);
        assert.equal(await adapter.exists(token), true, token);
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 }, token);
        assert.equal(await adapter.exists(token), false, token);
      }
      assert.equal(await rowCount(admin, form, neighbour), ROWS);
      assert.equal(await logsIn(server!.url, form, neighbour), true);
    });

    test("a one-character token round-trips too, and only when nobody else holds it", async (t) => {
      if (skip !== undefined) return t.skip(skip);
      // A one-character token cannot be unique to this run: take the first
      // one that has nothing on the server, and never drop one that has.
      let token: string | undefined;
      for (const candidate of "qzjkxwvy7531") {
        if (!(await adapter.exists(candidate))) {
          token = candidate;
          break;
        }
      }
      if (token === undefined) return t.skip("every candidate one-character tenant exists on this server");
      made.push(token);
      await createTenant(admin, form, token);
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 });
      assert.equal(await rowCount(admin, form, neighbour), ROWS);
    });

    test("a name that differs only in case: never ok, exists() stays true, nothing is changed, and the tenant still logs in", async (t) => {
      if (skip !== undefined) return t.skip(skip);
      // "R3…": upper case by construction; the tenant's token is its lower case.
      const variant = `R3${uniqueToken("c").slice(2)}X`;
      const token = variant.toLowerCase();
      made.push(variant, token);
      await createVariant(admin, form, variant);
      // Only the variant: the report, which answered ok and "gone".
      assert.equal(await adapter.exists(token), true);
      const alone = await dropThrough(fixture, adapter, token, { expect: "error" });
      assert.equal(alone.error?.kind, "failed");
      assert.match(
        alone.error!.message,
        new RegExp(
          `database "${form.databasePrefix}${variant}" and user "${form.userPrefix}${variant}"@"%" differ from its names .* only in case, so nothing was changed`,
        ),
      );
      // With the tenant itself beside it: still not ok, and nothing of it changed.
      await createTenant(admin, form, token);
      const beside = await dropThrough(fixture, adapter, token, { expect: "error" });
      assert.match(beside.error!.message, /only in case, so nothing was changed/);
      assert.equal(await adapter.exists(token), true);
      assert.deepEqual(await catalog(admin, form, token), { databases: 1, users: 2 });
      assert.deepEqual(await catalog(admin, form, variant), { databases: 1, users: 1 });
      assert.equal(await rowCount(admin, form, token), ROWS);
      assert.equal(await logsIn(server!.url, form, token), true, "the account was not locked");
      // Names taken exactly (the "exact" policy), the variant is another
      // tenant: dropped by its own name, the lower-case tenant left whole.
      await dropThrough(exactFixture, exact, variant, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, variant), { databases: 0, users: 0 });
      assert.deepEqual(await catalog(admin, form, token), { databases: 1, users: 2 });
      // Then the retry finishes the lower-case tenant.
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 });
      assert.equal(await adapter.exists(token), false);
    });

    test("a quoting the server reads otherwise fails before ACCOUNT LOCK: the tenant logs in, its rows are whole", async (t) => {
      if (skip !== undefined) return t.skip(skip);
      const token = `${uniqueToken("qt")}.dot`;
      made.push(token);
      await createTenant(admin, form, token);
      const conn = await mysql.createConnection({ uri: server!.url, connectTimeout: CONNECT_TIMEOUT_MS });
      conn.on("error", () => {});
      // The session of the adapter, with the quoting of the report
      // injected: mysql2's escapeId, which reads `db_x.dot` as db_x, table dot.
      const session: MysqlSession = {
        query: async <Row>(sql: string, values: readonly unknown[] = []) =>
          (await conn.query({ sql, values: [...values] }))[0] as Row[],
        escapeId: (name) => conn.escapeId(name),
      };
      const steps: string[] = [];
      try {
        await assert.rejects(
          dropTenant(session, (step) => steps.push(step), { action: "deprovision", what: "the MySQL tenant", token }, {
            database: form.databasePrefix + token,
            user: form.userPrefix + token,
            caseInsensitive: true,
          }, { lockTimeoutMs: 5_000, lockKey: `guarded-drop-test:${token}` }),
          (err: { errno?: number }) => err.errno === 1064 || err.errno === 1049,
        );
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
      assert.equal(steps.at(-1), "SHOW CREATE DATABASE", `the last step run: ${steps.join(" → ")}`);
      assert.equal(steps.includes("ALTER USER ACCOUNT LOCK"), false);
      assert.equal(await logsIn(server!.url, form, token), true, "the account was not locked");
      assert.deepEqual(await catalog(admin, form, token), { databases: 1, users: 2 });
      assert.equal(await rowCount(admin, form, token), ROWS);
      // The adapter's own quoting drops it.
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, users: 0 });
    });
  });
}
