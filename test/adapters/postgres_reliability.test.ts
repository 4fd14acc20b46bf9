// The PostgreSQL adapters' worst cases on real servers: concurrent drops of
// one tenant (in this process and in child processes), case-folded names, a
// role whose objects or grants live outside its database, statement and
// lock timeouts, a half-dropped (invalid) database, and server-level trouble.
// The races run on the shared server (GD_POSTGRES_URL); whatever must be
// misconfigured or restarted runs on a throwaway cluster made with initdb.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createNameRules, type Deprovisioner, type DropError } from "../../lib/mod.ts";
import { isRetryablePostgresError, type PostgresAdapterOptions, postgresShared } from "../../adapters/postgres/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { assertBreakerRule } from "../support/breaker_rule.ts";
import { assertConcurrentDropsAcrossProcesses, assertConcurrentDropsOk } from "../support/concurrent_drops.ts";
import { dropThrough } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedPostgresSkipReason,
  envUrl,
  freePort,
  HOW_TO_GET,
  startDedicatedPostgres,
  uniqueToken,
} from "../support/servers.ts";
import { mixedCaseToken } from "../support/tokens.ts";
import { explainCrashes } from "../support/crash_report.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

const sharedUrl = envUrl("GD_POSTGRES_URL");
const sharedSkip = sharedUrl === undefined ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}` : false;

async function connect(url: string, database?: string): Promise<pg.Client> {
  const target = new URL(url);
  if (database !== undefined) target.pathname = `/${encodeURIComponent(database)}`;
  const client = new pg.Client({ connectionString: target.href, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** A shared-form tenant: login role `usr_<t>` owning `db_<t>`, with `rows` rows in `items`. */
async function createTenant(admin: pg.Client, url: string, token: string, rows = 10): Promise<void> {
  const role = admin.escapeIdentifier(`usr_${token}`);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(`pw-${token}`)}`);
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(`db_${token}`)} OWNER ${role}`);
  const db = await connect(url, `db_${token}`);
  try {
    await db.query("CREATE TABLE items (id int PRIMARY KEY, body text)");
    await db.query("INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, $1::int) AS g", [rows]);
    await db.query(`ALTER TABLE items OWNER TO ${role}`);
  } finally {
    await db.end();
  }
}

/** The tenant's role, logged in to its own database. */
async function tenantSession(url: string, token: string): Promise<pg.Client> {
  const target = new URL(url);
  target.username = `usr_${token}`;
  target.password = `pw-${token}`;
  target.pathname = `/db_${token}`;
  const client = new pg.Client({ connectionString: target.href, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function catalog(
  admin: pg.Client,
  database: string,
  role: string,
): Promise<{ databases: number; roles: number }> {
  const { rows } = await admin.query<{ databases: number; roles: number }>(
    `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS databases,
            (SELECT count(*)::int FROM pg_roles WHERE rolname = $2) AS roles`,
    [database, role],
  );
  return rows[0]!;
}

const sharedCatalog = (admin: pg.Client, token: string) => catalog(admin, `db_${token}`, `usr_${token}`);

describe("postgresShared: concurrent deprovisions of one tenant", { skip: sharedSkip }, () => {
  let admin: pg.Client;
  let fixture: AuditFixture;
  let adapter: Deprovisioner;
  const made: string[] = [];
  const fresh = async (prefix: string, rows = 10) => {
    const token = uniqueToken(prefix);
    made.push(token);
    await createTenant(admin, sharedUrl!, token, rows);
    return token;
  };

  before(async () => {
    admin = await connect(sharedUrl!);
    fixture = createAuditFixture();
    adapter = postgresShared({ connectionString: sharedUrl! });
  });

  after(async () => {
    for (const token of made) await dropThrough(fixture, adapter, token, { expect: "ok" }).catch(() => {});
    await adapter?.close();
    await admin?.end().catch(() => {});
    fixture?.close();
  });

  for (const n of [5, 10, 20]) {
    test(`${n} concurrent drops of a tenant with an open session all end ok, counted once each; the breaker stays closed`, async () => {
      const token = await fresh("race");
      const next = await fresh("calm");
      const session = await tenantSession(sharedUrl!, token);
      try {
        await assertConcurrentDropsOk(fixture, adapter, token, n, next);
        assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
        assert.deepEqual(await sharedCatalog(admin, next), { databases: 0, roles: 0 });
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "breaker_open" }), 0);
      } finally {
        await session.end().catch(() => {});
      }
    });
  }

  for (const processes of [2, 3]) {
    test(`${processes} child processes of 5 concurrent drops each, all at once, all end ok`, async () => {
      const token = await fresh("xproc", 1_000);
      await assertConcurrentDropsAcrossProcesses(
        { adapter: "postgresShared", options: { connectionString: sharedUrl! }, token, drops: 5 },
        processes,
      );
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    });
  }
});

describe("postgresShared: case-folded names", { skip: sharedSkip }, () => {
  let admin: pg.Client;
  let fixture: AuditFixture;
  // The case policy is the name rules': "fold" and "exact" need rules that
  // accept upper-case tokens, in guardedDrop (exactFixture) and the adapter.
  const exactRules = createNameRules({ mixedCaseTokens: "exact" });
  let exactFixture: AuditFixture;
  const adapters: Deprovisioner[] = [];
  const cleanup: string[] = [];
  const make = (options: Partial<PostgresAdapterOptions> = {}) => {
    const rules = options.mixedCaseTokens === undefined ? {} : { nameRules: exactRules };
    const adapter = postgresShared({ connectionString: sharedUrl!, ...rules, ...options });
    adapters.push(adapter);
    return adapter;
  };

  before(async () => {
    admin = await connect(sharedUrl!);
    fixture = createAuditFixture();
    exactFixture = createAuditFixture({ nameRules: exactRules });
  });

  after(async () => {
    for (const name of cleanup) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(`db_${name}`)} WITH (FORCE)`).catch(() => {});
      await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(`usr_${name}`)}`).catch(() => {});
    }
    for (const adapter of adapters) await adapter.close();
    await admin?.end().catch(() => {});
    fixture?.close();
    exactFixture?.close();
  });

  /** The platform's own unquoted CREATE: the server folds `db_relAbc` to `db_relabc`. */
  async function createUnquoted(token: string): Promise<void> {
    cleanup.push(token.toLowerCase());
    await admin.query(`CREATE ROLE usr_${token} LOGIN`);
    await admin.query(`CREATE DATABASE db_${token} OWNER usr_${token}`);
    assert.deepEqual(await sharedCatalog(admin, token.toLowerCase()), { databases: 1, roles: 1 });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
  }

  /** The platform's quoted CREATE: the server keeps `"db_relAbc"` as given. */
  async function createQuoted(): Promise<{ token: string; lower: string }> {
    const token = mixedCaseToken("rel");
    const lower = token.toLowerCase();
    cleanup.push(token, lower);
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(`usr_${token}`)} LOGIN`);
    await admin.query(
      `CREATE DATABASE ${admin.escapeIdentifier(`db_${token}`)} OWNER ${admin.escapeIdentifier(`usr_${token}`)}`,
    );
    return { token, lower };
  }

  test("by default a mixed-case token is refused, and the folded tenant is left whole and reported", async () => {
    const token = mixedCaseToken("rel");
    await createUnquoted(token);
    const adapter = make();
    const result = await dropThrough(fixture, adapter, token, { expect: "refused" });
    assert.match(result.error!.message, /token must be lower case/);
    await assert.rejects(adapter.exists(token), { code: "GD_REFUSED" });
    assert.deepEqual(await sharedCatalog(admin, token.toLowerCase()), { databases: 1, roles: 1 });
    assert.equal(await adapter.exists(token.toLowerCase()), true);
  });

  test('with mixedCaseTokens: "fold", the token is folded as the server folds it, and the tenant is dropped', async () => {
    const token = mixedCaseToken("rel");
    await createUnquoted(token);
    const adapter = make({ mixedCaseTokens: "fold" });
    assert.equal(await adapter.exists(token), true);
    await dropThrough(exactFixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token.toLowerCase()), { databases: 0, roles: 0 });
    assert.equal(await adapter.exists(token), false);
  });

  test("a quoted name that differs only in case keeps a lower-case token's drop from answering ok, and exists() says so", async () => {
    const { token, lower } = await createQuoted();
    await createTenant(admin, sharedUrl!, lower);
    for (const options of [{}, { mixedCaseTokens: "fold" as const }]) {
      const adapter = make(options);
      assert.equal(await adapter.exists(lower), true);
      const result = await dropThrough(fixture, adapter, lower, { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      assert.equal(isRetryablePostgresError(result.error), false);
      assert.match(
        result.error!.message,
        new RegExp(
          `database "db_${token}" and role "usr_${token}" differ from its names .* only in case, so nothing was changed`,
        ),
      );
      assert.deepEqual(await sharedCatalog(admin, lower), { databases: 1, roles: 1 });
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 1, roles: 1 });
    }
    // Dropped by its exact name, the variant is gone, and the lower-case tenant can go.
    await dropThrough(exactFixture, make({ mixedCaseTokens: "exact" }), token, { expect: "ok" });
    const adapter = make();
    await dropThrough(fixture, adapter, lower, { expect: "ok" });
    assert.equal(await adapter.exists(lower), false);
    assert.deepEqual(await sharedCatalog(admin, lower), { databases: 0, roles: 0 });
  });

  test('with mixedCaseTokens: "exact", only the quoted names are dropped, and the lower-case tenant is another one', async () => {
    const { token, lower } = await createQuoted();
    await admin.query(`CREATE ROLE usr_${lower} LOGIN`);
    await admin.query(`CREATE DATABASE db_${lower} OWNER usr_${lower}`);
    const adapter = make({ mixedCaseTokens: "exact" });
    assert.equal(await adapter.exists(token), true);
    await dropThrough(exactFixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    assert.equal(await adapter.exists(token), false);
    assert.deepEqual(await sharedCatalog(admin, lower), { databases: 1, roles: 1 });
    assert.equal(await adapter.exists(lower), true);
  });
});

describe("postgresShared on a throwaway cluster: ownership, timeouts, a half-dropped database, server trouble", {
  skip: dedicatedPostgresSkipReason() ?? false,
}, () => {
  let server: ControlledServer;
  let admin: pg.Client;
  let fixture: AuditFixture;
  let adapter: Deprovisioner;
  const closers: (() => Promise<unknown>)[] = [];
  explainCrashes(() => [server]);

  before(async () => {
    server = await startDedicatedPostgres();
    admin = await connect(server.url);
    fixture = createAuditFixture();
    adapter = postgresShared({ connectionString: server.url });
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await adapter?.close();
    await admin?.end().catch(() => {});
    fixture?.close();
    await server?.dispose();
  });

  /** A tenant and a neighbour, each with `rows` rows. */
  async function tenantAndNeighbour(rows = 10): Promise<{ token: string; neighbour: string }> {
    const token = uniqueToken("own");
    const neighbour = uniqueToken("nbr");
    await createTenant(admin, server.url, token, rows);
    await createTenant(admin, server.url, neighbour, rows);
    return { token, neighbour };
  }

  /** A session holding the tenant's advisory lock, as another drop of it would. */
  async function holdTenantLock(token: string): Promise<pg.Client> {
    const holder = await connect(server.url);
    closers.push(() => holder.end());
    await holder.query("SELECT pg_advisory_lock(hashtext('guarded-drop/postgres'), hashtext($1))", [`db_${token}`]);
    return holder;
  }

  /**
   * Waits, bounded (1200 polls of 50 ms), until `n` guarded-drop sessions
   * on this cluster are polling for a tenant lock the test holds: a drop's
   * first statement is its first try of the lock, and between tries it reads
   * the catalog, so a session that has run any statement is in that loop.
   */
  async function waitForLockPollers(n: number): Promise<void> {
    let polling = 0;
    for (let i = 0; i < 1_200 && polling < n; i++) {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'guarded-drop' AND query <> ''`,
      );
      polling = rows[0]!.n;
      if (polling < n) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(polling, n, "drops polling for the tenant's lock");
  }

  const adminTable = async (name: string) =>
    (await admin.query("SELECT 1 FROM pg_class WHERE relname = $1 AND relkind = 'r'", [name])).rows.length;

  test("a role with a grant in a neighbour's database is refused before anything changes, names it, and a retry finishes", async () => {
    const { token, neighbour } = await tenantAndNeighbour(100);
    const role = admin.escapeIdentifier(`usr_${token}`);
    // The tenant's role owns a table in the admin database…
    const owned = `gd_owned_${token}`;
    await admin.query(`CREATE TABLE ${admin.escapeIdentifier(owned)} (id int)`);
    await admin.query(`INSERT INTO ${admin.escapeIdentifier(owned)} VALUES (1), (2)`);
    await admin.query(`ALTER TABLE ${admin.escapeIdentifier(owned)} OWNER TO ${role}`);
    // …and holds a grant in the neighbour's database.
    const neighbourDb = await connect(server.url, `db_${neighbour}`);
    closers.push(() => neighbourDb.end());
    await neighbourDb.query(`GRANT SELECT ON items TO ${role}`);
    const session = await tenantSession(server.url, token);
    closers.push(() => session.end());

    const failed = await dropThrough(fixture, adapter, token, { expect: "error" });
    assert.equal(failed.error?.kind, "failed");
    const cause = failed.error?.cause as { sqlState?: string; message: string };
    assert.equal(isRetryablePostgresError(failed.error), false);
    assert.equal(cause.sqlState, "2BP01");
    // The adapter's own error says it too.
    await assert.rejects(adapter.deprovision(token), {
      code: "GD_BACKEND_FAILED",
      retryable: false,
      sqlState: "2BP01",
    });
    assert.match(failed.error!.message, new RegExp(`database db_${neighbour}: 1 privilege`));
    assert.match(failed.error!.message, /nothing was changed/);
    assert.doesNotMatch(failed.error!.message, new RegExp(`db_${token}[^a-z0-9]`), "its own database is not a blocker");
    assert.equal(fixture.failedRecords(failed.requestId)[0]!.error, failed.error!.message);

    // Nothing was destroyed, nor even revoked: the table in the admin
    // database, the tenant's database with every row, its open session and
    // its login, and the neighbour.
    assert.equal(await adminTable(owned), 1);
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 1, roles: 1 });
    assert.equal((await session.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 100);
    const again = await tenantSession(server.url, token);
    await again.end();
    assert.equal((await neighbourDb.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 100);

    // The operator removes the grant; the retry drops the tenant, and its
    // table in the admin database with it, and leaves the neighbour whole.
    await neighbourDb.query(`REVOKE SELECT ON items FROM ${role}`);
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    assert.equal(await adminTable(owned), 0);
    assert.deepEqual(await sharedCatalog(admin, neighbour), { databases: 1, roles: 1 });
    assert.equal((await neighbourDb.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 100);
  });

  test("a role that owns a table in a neighbour's database, or another database, is refused and each place is named", async () => {
    const { token, neighbour } = await tenantAndNeighbour();
    const role = admin.escapeIdentifier(`usr_${token}`);
    const neighbourDb = await connect(server.url, `db_${neighbour}`);
    closers.push(() => neighbourDb.end());
    await neighbourDb.query("CREATE TABLE borrowed (id int)");
    await neighbourDb.query(`ALTER TABLE borrowed OWNER TO ${role}`);
    const other = `gd_other_${token}`;
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(other)} OWNER ${role}`);

    const failed = await dropThrough(fixture, adapter, token, { expect: "error" });
    assert.equal(failed.error?.kind, "failed");
    assert.match(failed.error!.message, new RegExp(`database db_${neighbour}: 1 owned object`));
    assert.match(failed.error!.message, new RegExp(`owns database gd_other_${token}`));
    assert.match(
      failed.error!.message,
      new RegExp(`REASSIGN OWNED / DROP OWNED in "(db_${neighbour}|gd_other_${token})", "`),
    );
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 1, roles: 1 });
    assert.equal((await neighbourDb.query("SELECT 1 FROM pg_class WHERE relname = 'borrowed'")).rows.length, 1);
    assert.equal((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [other])).rows.length, 1);

    await neighbourDb.query("DROP TABLE borrowed");
    await admin.query(`DROP DATABASE ${admin.escapeIdentifier(other)}`);
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    assert.deepEqual(await sharedCatalog(admin, neighbour), { databases: 1, roles: 1 });
  });

  test("a privilege on a neighbour's database itself (a shared object) is revoked, not a blocker", async () => {
    const { token, neighbour } = await tenantAndNeighbour();
    await admin.query(
      `GRANT CONNECT ON DATABASE ${admin.escapeIdentifier(`db_${neighbour}`)} TO ${
        admin.escapeIdentifier(`usr_${token}`)
      }`,
    );
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    assert.deepEqual(await sharedCatalog(admin, neighbour), { databases: 1, roles: 1 });
    const neighbourDb = await connect(server.url, `db_${neighbour}`);
    closers.push(() => neighbourDb.end());
    assert.equal((await neighbourDb.query<{ n: number }>("SELECT count(*)::int AS n FROM items")).rows[0]!.n, 10);
  });

  test("the tenant's own failures (2BP01, a lock timeout) leave the breaker closed; unavailable ones (a closed port) open it", async () => {
    const blocked = uniqueToken("blk");
    const locked = uniqueToken("lck");
    await createTenant(admin, server.url, blocked);
    await createTenant(admin, server.url, locked);
    const other = `gd_other_${blocked}`;
    await admin.query(
      `CREATE DATABASE ${admin.escapeIdentifier(other)} OWNER ${admin.escapeIdentifier(`usr_${blocked}`)}`,
    );
    const holder = await holdTenantLock(locked);
    const bounded = postgresShared({ connectionString: server.url, operationTimeoutMs: 200, lockWaitMs: 400 });
    const down = postgresShared({
      connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      connectTimeoutMs: 1_500,
    });
    let turn = 0;
    try {
      await assertBreakerRule({
        failing: bounded,
        down,
        healthy: adapter,
        failedToken: () => (turn++ % 2 === 0 ? blocked : locked),
        token: () => uniqueToken("nx"),
        eachFailed: (result) =>
          assert.equal(isRetryablePostgresError(result.error), /57014|lockWaitMs/.test(result.error!.message)),
      });
      assert.deepEqual(await sharedCatalog(admin, blocked), { databases: 1, roles: 1 });
      assert.deepEqual(await sharedCatalog(admin, locked), { databases: 1, roles: 1 });
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()").catch(() => {});
      await bounded.close();
      await down.close();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(other)}`);
    }
    await dropThrough(fixture, adapter, blocked, { expect: "ok" });
    await dropThrough(fixture, adapter, locked, { expect: "ok" });
  });

  test("a tenant lock held past lockWaitMs fails `failed`, 55P03, retryable, within the bound, having changed nothing", async () => {
    const token = uniqueToken("lck");
    await createTenant(admin, server.url, token);
    const holder = await holdTenantLock(token);
    // The statement timeout leaves the catalog reads room on a loaded machine
    // (200 ms, then 1 s, did not); the lock's own bound is longer still.
    const bounded = postgresShared({ connectionString: server.url, operationTimeoutMs: 2_000, lockWaitMs: 4_000 });
    try {
      const result = await dropThrough(fixture, bounded, token, { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      assert.equal((result.error?.cause as { sqlState?: string }).sqlState, "55P03");
      assert.equal(isRetryablePostgresError(result.error), true);
      await assert.rejects(bounded.deprovision(token), {
        code: "GD_BACKEND_FAILED",
        retryable: true,
        sqlState: "55P03",
      });
      assert.match(
        result.error!.message,
        /advisory lock was held by another call for more than 4000 ms \(lockWaitMs\): a retry can succeed/,
      );
      // Past the 2 s statement timeout: the wait is the lock's own bound. It
      // ends then, not when the holder lets go (never, here): the upper bound
      // only has to tell "bounded" from "unbounded", with a loaded machine's slack.
      assert.ok(
        result.elapsedMs >= 4_000 && result.elapsedMs < 4_000 + LOADED_MACHINE_SLACK_MS,
        `${result.elapsedMs} ms`,
      );
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 1, roles: 1 });
      await holder.query("SELECT pg_advisory_unlock_all()");
      await dropThrough(fixture, bounded, token, { expect: "ok" });
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    } finally {
      await bounded.close();
    }
  });

  test("a deprovision waiting for the lock ends ok, at once, when the holder removed the tenant meanwhile", async () => {
    const token = uniqueToken("lgo");
    await createTenant(admin, server.url, token);
    const holder = await holdTenantLock(token);
    const lockWaitMs = 60_000;
    const bounded = postgresShared({ connectionString: server.url, operationTimeoutMs: 5_000, lockWaitMs });
    try {
      const waiting = dropThrough(fixture, bounded, token, { expect: "ok" });
      // Bounded: until the drop polls for the lock (this cluster is the
      // suite's own, so its only guarded-drop session is this drop), not a
      // sleep that hopes it does.
      await waitForLockPollers(1);
      const removed = performance.now();
      await admin.query(`DROP DATABASE db_${token} WITH (FORCE)`);
      await admin.query(`DROP ROLE usr_${token}`);
      const result = await waiting;
      // "At once": far sooner than the lockWaitMs it would otherwise wait out.
      const afterRemoval = performance.now() - removed;
      assert.ok(afterRemoval < lockWaitMs / 4, `${afterRemoval} ms after the removal`);
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()").catch(() => {});
      await bounded.close();
    }
  });

  test("20 concurrent drops wait out a tenant lock held 3× their statement timeout, and all end ok: the lock wait is not cut by statement_timeout", async () => {
    // Independent of the machine's speed: the test holds the tenant's lock
    // itself until all 20 drops are polling for it, for three times their
    // statement timeout, and then removes the tenant as the holding drop
    // would, so that no waiter runs a DROP under the short timeout.
    const statementMs = 1_000;
    const holdMs = 3 * statementMs;
    const n = 20;
    const token = uniqueToken("tight");
    await createTenant(admin, server.url, token, 1);
    const session = await tenantSession(server.url, token);
    closers.push(() => session.end());
    const holder = await holdTenantLock(token);
    const tight = postgresShared({
      connectionString: server.url,
      operationTimeoutMs: statementMs,
      lockWaitMs: 120_000,
    });
    const labels = { resource_type: "postgres", backend: "shared" } as const;
    const okBefore = await fixture.count({ ...labels, outcome: "ok" });
    const batch = `tight-${randomUUID()}`;
    try {
      const drops = Promise.allSettled(Array.from({ length: n }, (_, i) =>
        fixture.guardedDrop(
          { token, resourceType: "postgres", backend: "shared", requestId: `${batch}-${i}`, caller: "test/timeout" },
          () => tight.deprovision(token),
        )));
      // This cluster is the suite's own, so every guarded-drop session is one of these drops.
      await waitForLockPollers(n);
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      await admin.query(`DROP DATABASE ${admin.escapeIdentifier(`db_${token}`)} WITH (FORCE)`);
      await admin.query(`DROP ROLE ${admin.escapeIdentifier(`usr_${token}`)}`);
      await holder.query("SELECT pg_advisory_unlock_all()");
      const failures = (await drops).flatMap((r) =>
        r.status === "rejected" ? [String((r.reason as Error).message)] : []
      );
      assert.deepEqual(
        failures,
        [],
        `${n} drops that waited ${holdMs} ms for the lock, with a ${statementMs} ms statement timeout`,
      );
      assert.equal(fixture.dropRecords().filter((r) => r.request_id.startsWith(batch)).length, n);
      assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - okBefore, n);
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
      // The breaker stayed closed: the next tenant's drop goes through.
      const next = uniqueToken("tightnext");
      await createTenant(admin, server.url, next, 1);
      await dropThrough(fixture, adapter, next, { expect: "ok" });
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()").catch(() => {});
      await tight.close();
    }
  });

  test("the adapter's session terminated by the server (57P01) is `unavailable`, and retryable", async () => {
    const token = uniqueToken("trm");
    await createTenant(admin, server.url, token);
    const holder = await holdTenantLock(token);
    const pending = dropThrough(fixture, adapter, token, { expect: "error" });
    // Wait (bounded) until the drop's session, which polls for the lock, is there; then end it.
    let terminated = 0;
    for (let i = 0; i < 200 && terminated === 0; i++) {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE application_name = 'guarded-drop' AND pid <> pg_backend_pid()`,
      );
      terminated = rows[0]!.n;
      if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(terminated, 1);
    const result = await pending;
    assert.equal(result.error?.kind, "unavailable");
    assert.equal(isRetryablePostgresError(result.error), true);
    await holder.query("SELECT pg_advisory_unlock_all()");
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 1, roles: 1 });
    await dropThrough(fixture, adapter, token, { expect: "ok" });
  });

  test("a database left invalid by an interrupted DROP (datconnlimit = -2) still exists, and the retry finishes it", async () => {
    const token = uniqueToken("inv");
    await createTenant(admin, server.url, token);
    await admin.query("UPDATE pg_database SET datconnlimit = -2 WHERE datname = $1", [`db_${token}`]);
    assert.equal(await adapter.exists(token), true);
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    assert.equal(await adapter.exists(token), false);
  });

  test("with a 20 ms statement timeout, every failure is retryable, exists() agrees with the catalog, and retries finish", async () => {
    const token = uniqueToken("sto");
    await createTenant(admin, server.url, token);
    const db = await connect(server.url, `db_${token}`);
    try {
      await db.query(`DO $$ BEGIN FOR i IN 1..300 LOOP
        EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, body text)', i); END LOOP; END $$`);
    } finally {
      await db.end();
    }
    const hurried = postgresShared({ connectionString: server.url, operationTimeoutMs: 20 });
    const labels = { resource_type: "postgres", backend: "shared" } as const;
    const before = {
      ok: await fixture.count({ ...labels, outcome: "ok" }),
      error: await fixture.count({ ...labels, outcome: "error" }),
    };
    let attempts = 0;
    let invalidSeen = 0;
    try {
      for (; attempts < 200; attempts++) {
        const requestId = `req-${randomUUID()}`;
        let error: DropError | undefined;
        try {
          await fixture.guardedDrop({
            token,
            resourceType: "postgres",
            backend: "shared",
            requestId,
            caller: "test/timeout",
          }, () => hurried.deprovision(token));
        } catch (err) {
          error = err as DropError;
        }
        assert.equal(fixture.dropRecords(requestId).length, 1);
        if (error === undefined) break;
        assert.equal(error.outcome, "error");
        assert.equal(isRetryablePostgresError(error), true, error.message);
        const state = await sharedCatalog(admin, token);
        const { rows } = await admin.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_database WHERE datname = $1 AND datconnlimit = -2",
          [
            `db_${token}`,
          ],
        );
        invalidSeen += rows[0]!.n;
        assert.equal(await adapter.exists(token), state.databases + state.roles > 0);
      }
      attempts += 1;
      assert.ok(attempts <= 200, "the retries finished the drop");
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
      assert.equal(await adapter.exists(token), false);
      assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - before.ok, 1);
      assert.equal(await fixture.count({ ...labels, outcome: "error" }) - before.error, attempts - 1);
      console.log(`# 20 ms statement timeout: ${attempts} attempts, ${invalidSeen} left the database invalid`);
    } finally {
      await hurried.close();
    }
  });

  test("too many connections (53300) is `unavailable` and retryable; after the server frees a slot the drop is ok", async () => {
    const token = uniqueToken("full");
    await createTenant(admin, server.url, token);
    await admin.query("ALTER SYSTEM SET max_connections = 4");
    await admin.query("ALTER SYSTEM SET superuser_reserved_connections = 0");
    await admin.end();
    await server.stop();
    await server.start();
    admin = await connect(server.url);
    const fillers: pg.Client[] = [];
    try {
      for (let i = 0; i < 3; i++) fillers.push(await connect(server.url));
      const result = await dropThrough(fixture, adapter, token, { expect: "error" });
      assert.equal(result.error?.kind, "unavailable");
      assert.equal((result.error?.cause as { sqlState?: string }).sqlState, "53300");
      assert.equal(isRetryablePostgresError(result.error), true);
      await assert.rejects(adapter.exists(token), {
        code: "GD_BACKEND_UNAVAILABLE",
        retryable: true,
        sqlState: "53300",
      });
      await fillers.pop()!.end();
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.deepEqual(await sharedCatalog(admin, token), { databases: 0, roles: 0 });
    } finally {
      for (const filler of fillers) await filler.end().catch(() => {});
    }
  });
});
