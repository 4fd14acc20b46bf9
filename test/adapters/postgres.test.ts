// postgresShared and postgresDedicated on real servers: the shared one at
// GD_POSTGRES_URL, the dedicated one a cluster this file starts with initdb
// (or GD_POSTGRES_DEDICATED_URL). Every drop goes through guardedDrop.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { Deprovisioner } from "../../lib/mod.ts";
import { type PostgresAdapterOptions, postgresDedicated, postgresShared } from "../../adapters/postgres/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedPostgresSkipReason,
  envUrl,
  HOW_TO_GET,
  proxiedServer,
  startDedicatedPostgres,
  uniqueToken,
} from "../support/servers.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS, LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";

/** The connect timeout of the unreachable-server checks; healthy adapters use HEALTHY_CONNECT_TIMEOUT_MS. */
const CONNECT_TIMEOUT_MS = 1_500;
/** Scheduling slack on a loaded 2-core machine. */
const MARGIN_MS = 1_500;

interface Form {
  readonly name: string;
  readonly factory: (options: PostgresAdapterOptions) => Deprovisioner;
  readonly databasePrefix: string;
  readonly rolePrefix: string;
  readonly backend: "shared" | "dedicated";
}

const SHARED: Form = {
  name: "postgresShared",
  factory: postgresShared,
  databasePrefix: "db_",
  rolePrefix: "usr_",
  backend: "shared",
};
const DEDICATED: Form = {
  name: "postgresDedicated",
  factory: postgresDedicated,
  databasePrefix: "dedicated_db_",
  rolePrefix: "dedicated_usr_",
  backend: "dedicated",
};

/** A tenant made the way a provisioner makes one: a login role owning its database, with a table of rows. */
async function createTenant(admin: pg.Client, url: string, form: Form, token: string): Promise<pg.Client> {
  const db = admin.escapeIdentifier(form.databasePrefix + token);
  const role = admin.escapeIdentifier(form.rolePrefix + token);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(`pw-${token}`)}`);
  await admin.query(`CREATE DATABASE ${db} OWNER ${role}`);
  const session = tenantClient(url, form, token);
  await session.connect();
  await session.query("CREATE TABLE items (id int PRIMARY KEY, body text)");
  await session.query("INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 100) AS g");
  return session;
}

function tenantClient(url: string, form: Form, token: string): pg.Client {
  const target = new URL(url);
  target.username = form.rolePrefix + token;
  target.password = `pw-${token}`;
  target.pathname = `/${form.databasePrefix + token}`;
  const client = new pg.Client({ connectionString: target.toString(), connectionTimeoutMillis: 5_000 });
  client.on("error", () => {}); // the drop terminates it
  return client;
}

async function catalog(admin: pg.Client, form: Form, token: string): Promise<{ databases: number; roles: number }> {
  const { rows } = await admin.query<{ databases: number; roles: number }>(
    `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS databases,
            (SELECT count(*)::int FROM pg_roles WHERE rolname = $2) AS roles`,
    [form.databasePrefix + token, form.rolePrefix + token],
  );
  return rows[0]!;
}

function definePostgresSuite(form: Form, skip: string | undefined, server: () => Promise<ControlledServer | string>) {
  describe(form.name, { skip: skip ?? false }, () => {
    let fixture: AuditFixture;
    let controlled: ControlledServer | undefined;
    let url: string;
    let admin: pg.Client;
    let adapter: Deprovisioner;
    const token = uniqueToken();
    const neighbour = `${token}x`;
    let tenantSession: pg.Client;
    let neighbourSession: pg.Client;

    before(async () => {
      const started = await server();
      if (typeof started === "string") {
        url = started;
      } else {
        controlled = started;
        url = started.url;
      }
      fixture = createAuditFixture();
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      adapter = form.factory({ connectionString: url, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
      tenantSession = await createTenant(admin, url, form, token);
      neighbourSession = await createTenant(admin, url, form, neighbour);
    });

    after(async () => {
      await tenantSession?.end().catch(() => {});
      await neighbourSession?.end().catch(() => {});
      // The neighbour is the suite's own; it goes the way every drop goes.
      if (adapter !== undefined) {
        await dropThrough(fixture, adapter, neighbour, { expect: "ok" }).catch(() => {});
        await dropThrough(fixture, adapter, token, { expect: "ok" }).catch(() => {});
        await adapter.close();
      }
      await admin?.end().catch(() => {});
      fixture?.close();
      await controlled?.dispose();
    });

    test("the tenant exists before the drop, by exists() and by the catalog", async () => {
      assert.equal(await adapter.exists(token), true);
      assert.deepEqual(await catalog(admin, form, token), { databases: 1, roles: 1 });
      const { rows } = await tenantSession.query<{ n: number }>("SELECT count(*)::int AS n FROM items");
      assert.equal(rows[0]!.n, 100);
    });

    test("deprovision drops the tenant with an open session, and leaves the neighbour whole", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      assert.deepEqual(await catalog(admin, form, token), { databases: 0, roles: 0 });
      // The tenant's open session is gone, and it cannot come back.
      await assert.rejects(tenantSession.query("SELECT 1"));
      const again = tenantClient(url, form, token);
      await assert.rejects(again.connect());
      await again.end().catch(() => {});

      // The neighbour, whose token extends the tenant's, is untouched: its
      // catalog entries, its open session and its rows.
      assert.equal(await adapter.exists(neighbour), true);
      assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, roles: 1 });
      const { rows } = await neighbourSession.query<{ n: number; last: string }>(
        "SELECT count(*)::int AS n, max(body) FILTER (WHERE id = 100) AS last FROM items",
      );
      assert.deepEqual(rows[0], { n: 100, last: "row 100" });
    });

    test("a second deprovision of the gone tenant succeeds, and is audited and counted", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal(await adapter.exists(token), false);
    });

    test("a role that still owns objects in the admin database is dropped with them (DROP OWNED)", async () => {
      const owner = uniqueToken("own");
      const session = await createTenant(admin, url, form, owner);
      await session.end();
      const role = admin.escapeIdentifier(form.rolePrefix + owner);
      const table = admin.escapeIdentifier(`gd_owned_${owner}`);
      await admin.query(`CREATE TABLE ${table} (id int)`);
      await admin.query(`ALTER TABLE ${table} OWNER TO ${role}`);

      await dropThrough(fixture, adapter, owner, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, owner), { databases: 0, roles: 0 });
      const { rows } = await admin.query("SELECT 1 FROM pg_class WHERE relname = $1", [`gd_owned_${owner}`]);
      assert.equal(rows.length, 0);
    });

    test("hostile tokens are refused, by guardedDrop and by the adapter itself, and nothing is dropped", async () => {
      const databasesBefore = (await admin.query<{ datname: string }>("SELECT datname FROM pg_database")).rows
        .map((r) => r.datname);
      for (const hostile of HOSTILE_TOKENS) {
        // The request's own token is refused by guardedDrop…
        const byRequest = await dropThrough(fixture, adapter, hostile, { expect: "refused" });
        assert.equal(byRequest.error?.code, "GD_REFUSED");
        // …and a valid request token with a hostile target is refused by the adapter.
        const byAdapter = await dropThrough(fixture, adapter, hostile, { requestToken: neighbour, expect: "refused" });
        assert.equal(byAdapter.error?.code, "GD_REFUSED");
        await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
      }
      const databasesAfter = new Set((await admin.query<{ datname: string }>("SELECT datname FROM pg_database")).rows
        .map((r) => r.datname));
      for (const system of ["postgres", "template0", "template1"]) assert.ok(databasesAfter.has(system), system);
      for (const name of databasesBefore.filter((n) => !n.startsWith("db_") && !n.startsWith("dedicated_db_"))) {
        assert.ok(databasesAfter.has(name), `${name} still exists`);
      }
      const roles = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = 'postgres'");
      assert.equal(roles.rows.length, 1);
      assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, roles: 1 });
    });

    const unreachable = () => ({ fixture, token, connectTimeoutMs: CONNECT_TIMEOUT_MS, marginMs: MARGIN_MS });

    test("a closed port is unavailable within the connect timeout, with one record and one count", () =>
      assertClosedPortUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({
            connectionString: `postgres://admin:${SECRET}@127.0.0.1:${port}/postgres`,
            connectTimeoutMs: CONNECT_TIMEOUT_MS,
          }),
        message: /^Cannot check the (dedicated )?PostgreSQL tenant "[^"]+" as the server is unreachable \(ECONNREFUSED/,
      }));

    test("a server that accepts and never answers is unavailable within the connect timeout", () =>
      assertHungServerUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({
            connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
            connectTimeoutMs: CONNECT_TIMEOUT_MS,
          }),
        waitsForTimeout: true,
      }));

    test("a failing statement is `failed`, with its SQLSTATE, never `unavailable`", async () => {
      // A role without privileges: REVOKE and DROP are denied (42501).
      const weak = uniqueToken("weak");
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(`gd_weak_${weak}`)} LOGIN`);
      const target = new URL(url);
      target.username = `gd_weak_${weak}`;
      const limited = form.factory({ connectionString: target.toString() });
      try {
        const result = await dropThrough(fixture, limited, neighbour, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        const cause = result.error?.cause as { code?: string; sqlState?: string } | undefined;
        assert.equal(cause?.code, "GD_BACKEND_FAILED");
        assert.equal(await adapter.exists(neighbour), true);
        assert.deepEqual(await catalog(admin, form, neighbour), { databases: 1, roles: 1 });
      } finally {
        await limited.close();
        await admin.query(`DROP ROLE ${admin.escapeIdentifier(`gd_weak_${weak}`)}`);
      }
    });

    test("a stopped server is unavailable within the connect timeout, and the drop succeeds after a restart", {
      skip: form.backend === "dedicated" && envUrl("GD_POSTGRES_DEDICATED_URL") !== undefined
        ? "a server given by GD_POSTGRES_DEDICATED_URL is not this file's to stop"
        : false,
    }, async () => {
      const later = uniqueToken("rst");
      await (await createTenant(admin, url, form, later)).end();
      await admin.end();
      await controlled!.stop();
      try {
        const result = await dropThrough(fixture, adapter, later, { expect: "error" });
        assert.equal(result.error?.kind, "unavailable");
        assert.ok(result.elapsedMs < HEALTHY_CONNECT_TIMEOUT_MS + LOADED_MACHINE_SLACK_MS, `${result.elapsedMs} ms`);
      } finally {
        await controlled!.start();
        admin = new pg.Client({ connectionString: url });
        await admin.connect();
      }
      assert.equal(await adapter.exists(later), true);
      await dropThrough(fixture, adapter, later, { expect: "ok" });
      assert.deepEqual(await catalog(admin, form, later), { databases: 0, roles: 0 });
    });
  });
}

const sharedUrl = envUrl("GD_POSTGRES_URL");
definePostgresSuite(
  SHARED,
  sharedUrl === undefined ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}` : undefined,
  // The shared server is not ours to stop: the suite reaches it through a
  // fault proxy, which it can stop instead.
  () => proxiedServer(sharedUrl!),
);
definePostgresSuite(DEDICATED, dedicatedPostgresSkipReason(), startDedicatedPostgres);
