// postgresResourceLookup on a real PostgreSQL: a `resources` table in a
// schema of its own on GD_POSTGRES_URL (dropped afterwards), read through
// createTerminalityPolicy and createGuardedDrop; and a throwaway cluster
// this file starts with initdb, to stop.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createTerminalityPolicy, type DropOutcome, isDeniedError } from "../../../lib/mod.ts";
import { postgresResourceLookup, type PostgresResourceLookupOptions } from "../../../adapters/postgres/mod.ts";
import { type AuditFixture, createAuditFixture } from "../../support/audit_fixture.ts";
import { guardedCall } from "../../support/guarded_call.ts";
import {
  dedicatedPostgresSkipReason,
  envUrl,
  freePort,
  HOW_TO_GET,
  startDedicatedPostgres,
  startSilentServer,
  uniqueToken,
} from "../../support/servers.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";
import { SECRET } from "../../support/unreachable.ts";

const sharedUrl = envUrl("GD_POSTGRES_URL");
/** The lookups' statement_timeout (their default): it ends a query whose cancel was lost. */
const QUERY_TIMEOUT_MS = 5_000;
/** How much longer than QUERY_TIMEOUT_MS a query may take to leave pg_stat_activity on a loaded machine. */
const GONE_SLACK_MS = 25_000;
const HOUR_MS = 3_600_000;

const request = (
  token: string,
  intent: string | undefined,
  providerResourceId: string | undefined = `res-${token}`,
) => ({
  token,
  ...(providerResourceId !== undefined && { providerResourceId }),
  resourceType: "postgres",
  backend: "shared" as const,
  requestId: `req-${randomBytes(6).toString("hex")}`,
  caller: "test/resource_lookup",
  ...(intent !== undefined && { intent }),
});

describe("postgresResourceLookup: options", () => {
  const connectionString = "postgres://postgres@127.0.0.1:5432/postgres";
  const query = "SELECT status, expires_at FROM resources WHERE token = $1";
  const cases: [string, unknown, RegExp][] = [
    ["no options", undefined, /'options' must be an object: current value is undefined/],
    ["no connectionString", { query }, /'connectionString' must be a non-empty string: current value is undefined/],
    [
      "an empty connectionString",
      { connectionString: "", query },
      /'connectionString' must be a non-empty string: current value is a string of 0 characters/,
    ],
    [
      "a connectionString that is not a PostgreSQL URL",
      { connectionString: `mysql://admin:${SECRET}@db/x`, query },
      /'connectionString' must be a URL such as .*: current scheme is "mysql:"/,
    ],
    ["no query", { connectionString }, /'query' must be a non-empty string: current value is undefined/],
    ["a blank query", { connectionString, query: "  " }, /'query' must be a non-empty string/],
    [
      "a query without \$1",
      { connectionString, query: "SELECT status FROM resources WHERE token = 'acme'" },
      /'query' must use \$1 for the token/,
    ],
    ["a query with \$2 only", {
      connectionString,
      query: "SELECT status FROM resources WHERE provider_resource_id = $2",
    }, /'query' must use \$1/],
    [
      "a query with \$10 and no \$1",
      { connectionString, query: "SELECT status FROM resources WHERE token = $10" },
      /'query' must use \$1/,
    ],
    [
      "a query with \$3",
      { connectionString, query: "SELECT status FROM resources WHERE token = $1 AND x = $3" },
      /may only use \$1 \(the token\) and \$2 \(the provider resource id\): current value uses \$3/,
    ],
    [
      "poolSize 0",
      { connectionString, query, poolSize: 0 },
      /'poolSize' must be a positive integer: current value is 0/,
    ],
    [
      "poolSize 1.5",
      { connectionString, query, poolSize: 1.5 },
      /'poolSize' must be a positive integer: current value is 1\.5/,
    ],
    [
      "connectTimeoutMs as a string",
      { connectionString, query, connectTimeoutMs: "100" },
      /'connectTimeoutMs' must be a positive integer: current value is a string/,
    ],
    [
      "queryTimeoutMs -1",
      { connectionString, query, queryTimeoutMs: -1 },
      /'queryTimeoutMs' must be a positive integer: current value is -1/,
    ],
  ];
  for (const [name, options, message] of cases) {
    test(`${name} is a TypeError at the factory`, () => {
      assert.throws(() => postgresResourceLookup(options as PostgresResourceLookupOptions), (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.match(err.message, /^Cannot create postgresResourceLookup as /);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, new RegExp(SECRET));
        return true;
      });
    });
  }

  test("a connection string with a password is never echoed", () => {
    assert.throws(
      () => postgresResourceLookup({ connectionString: `postgres://admin:${SECRET}@db/x`, query: "SELECT 1" }),
      (err: unknown) => err instanceof TypeError && !err.message.includes(SECRET),
    );
  });
});

describe("postgresResourceLookup on a real table", {
  skip: sharedUrl === undefined ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}` : false,
}, () => {
  const schema = `gd_lookup_${randomBytes(6).toString("hex")}`;
  const table = `"${schema}".resources`;
  const marker = `gd-sleepy-${randomBytes(6).toString("hex")}`;
  let admin: pg.Client;
  const t = (name: string) => `${name}${randomBytes(3).toString("hex")}`;
  // One row in every state the platform has, and the shapes a lookup must refuse.
  const tokens = {
    active: t("active"),
    deleting: t("deleting"),
    deleted: t("deleted"),
    provisioning: t("provisioning"),
    failed: t("failed"),
    expired: t("expired"),
    future: t("future"),
    neverExpires: t("never"),
    twice: t("twice"),
    noStatus: t("nostatus"),
    unknown: t("unknown"),
  };
  const lookupOf = (options: Partial<PostgresResourceLookupOptions> = {}) =>
    postgresResourceLookup({
      connectionString: sharedUrl!,
      query: `SELECT status, expires_at FROM ${table} WHERE token = $1`,
      ...options,
    });

  before(async () => {
    admin = new pg.Client({ connectionString: sharedUrl!, connectionTimeoutMillis: 5_000 });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(
      `CREATE TABLE ${table} (token text NOT NULL, provider_resource_id text, status text, expires_at timestamptz)`,
    );
    const rows: [string, string | null, string | null][] = [
      [tokens.active, "active", null],
      [tokens.deleting, "deleting", null],
      [tokens.deleted, "deleted", null],
      [tokens.provisioning, "provisioning", null],
      [tokens.failed, "failed", null],
      [tokens.expired, "active", new Date(Date.now() - HOUR_MS).toISOString()],
      [tokens.future, "active", new Date(Date.now() + HOUR_MS).toISOString()],
      [tokens.neverExpires, "active", "infinity"],
      [tokens.twice, "deleted", null],
      [tokens.twice, "active", null],
      [tokens.noStatus, null, null],
    ];
    for (const [token, status, expiresAt] of rows) {
      await admin.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, [token, `res-${token}`, status, expiresAt]);
    }
  });
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  test("maps each row to { status, expiresAt }, no row to undefined", async () => {
    const lookup = lookupOf();
    const signal = new AbortController().signal;
    try {
      assert.deepEqual(await lookup(request(tokens.active, undefined), signal), { status: "active", expiresAt: null });
      assert.deepEqual(await lookup(request(tokens.deleting, undefined), signal), {
        status: "deleting",
        expiresAt: null,
      });
      const expired = await lookup(request(tokens.expired, undefined), signal);
      assert.ok(expired?.expiresAt instanceof Date && expired.expiresAt.getTime() < Date.now());
      assert.deepEqual(await lookup(request(tokens.neverExpires, undefined), signal), {
        status: "active",
        expiresAt: null,
      });
      assert.equal(await lookup(request(tokens.unknown, undefined), signal), undefined);
      await assert.rejects(
        lookup(request(tokens.twice, undefined), signal),
        /returned 2 rows: a lookup must find at most one resource/,
      );
      await assert.rejects(
        lookup(request(tokens.noStatus, undefined), signal),
        /no text 'status' column: current value is null/,
      );
    } finally {
      await lookup.close();
    }
  });

  test("40 concurrent lookups on a pool of 2 each get their own row", async () => {
    const lookup = lookupOf({ poolSize: 2 });
    try {
      const states = Object.entries(tokens).filter(([name]) => !["twice", "noStatus", "unknown"].includes(name));
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => states[i % states.length]!).map(async ([, token]) =>
          [token, (await lookup(request(token, undefined), AbortSignal.timeout(10_000)))?.status] as const
        ),
      );
      const { rows } = await admin.query<{ token: string; status: string }>(`SELECT token, status FROM ${table}`);
      const truth = new Map(rows.map((r) => [r.token, r.status]));
      assert.equal(answers.length, 40);
      for (const [token, status] of answers) assert.equal(status, truth.get(token), token);
    } finally {
      await lookup.close();
    }
  });

  test("$2 is the provider resource id, and null when the request has none", async () => {
    const lookup = lookupOf({
      query: `SELECT status, expires_at FROM ${table} WHERE token = $1 AND provider_resource_id = $2`,
    });
    const signal = new AbortController().signal;
    try {
      assert.equal((await lookup(request(tokens.deleted, undefined), signal))?.status, "deleted");
      assert.equal(await lookup(request(tokens.deleted, undefined, "res-someone-else"), signal), undefined);
      assert.equal(await lookup(request(tokens.deleted, undefined, null as unknown as undefined), signal), undefined);
    } finally {
      await lookup.close();
    }
  });

  test("a row without expires_at has no expiresAt; a text expires_at is not a resource", async () => {
    const lookup = lookupOf({ query: `SELECT status FROM ${table} WHERE token = $1` });
    const texty = lookupOf({ query: `SELECT status, expires_at::text AS expires_at FROM ${table} WHERE token = $1` });
    const signal = new AbortController().signal;
    try {
      assert.deepEqual(await lookup(request(tokens.expired, undefined), signal), { status: "active" });
      await assert.rejects(
        texty(request(tokens.expired, undefined), signal),
        /'expires_at' column must be a timestamp or NULL/,
      );
    } finally {
      await lookup.close();
      await texty.close();
    }
  });

  test("the query runs read-only: a lookup that writes fails", async () => {
    const writer = lookupOf({
      query: `INSERT INTO ${table} (token, status) VALUES ($1, 'deleted') RETURNING status, expires_at`,
    });
    try {
      await assert.rejects(writer(request(t("written"), undefined), new AbortController().signal), /SQLSTATE 25006/);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table}`);
      assert.equal(rows[0].n, 11, "no row was written");
    } finally {
      await writer.close();
    }
  });

  test("read-only holds even when the URL's ?options= turns default_transaction_read_only off", async () => {
    const url = new URL(sharedUrl!);
    url.searchParams.set("options", "-c default_transaction_read_only=off");
    const writer = lookupOf({
      connectionString: url.href,
      query: `INSERT INTO ${table} (token, status) VALUES ($1, 'deleted') RETURNING status, expires_at`,
    });
    try {
      await assert.rejects(writer(request(t("urlwrite"), undefined), new AbortController().signal), /SQLSTATE 25006/);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table}`);
      assert.equal(rows[0].n, 11, "no row was written");
    } finally {
      await writer.close();
    }
  });

  test("through createTerminalityPolicy and guardedDrop: every state, with outcomes, reasons, records and counts", async () => {
    const lookup = lookupOf();
    const fixture = createAuditFixture({ authorize: createTerminalityPolicy({ lookup }) });
    try {
      const cases: [string, string | undefined, DropOutcome, RegExp?][] = [
        [tokens.active, "customer_request", "denied", /'active'.*customer_request/],
        [tokens.active, "ttl_expired", "denied"],
        [tokens.active, "provision_rollback", "denied"],
        [tokens.active, "quarantine_expired", "denied"],
        [tokens.active, undefined, "denied", /intent/],
        [tokens.active, "because", "denied", /because/],
        [tokens.deleting, "customer_request", "ok"],
        [tokens.deleting, "quarantine_expired", "denied"],
        [tokens.deleted, "customer_request", "ok"],
        [tokens.deleted, "team_deleted", "ok"],
        [tokens.deleted, "user_deleted", "ok"],
        [tokens.deleted, "quarantine_expired", "ok"],
        [tokens.deleted, "provision_rollback", "denied"],
        [tokens.provisioning, "provision_rollback", "ok"],
        [tokens.provisioning, "customer_request", "denied"],
        [tokens.failed, "provision_rollback", "ok"],
        [tokens.failed, "user_deleted", "denied"],
        [tokens.expired, "ttl_expired", "ok"],
        [tokens.expired, "customer_request", "denied"],
        [tokens.future, "ttl_expired", "denied"],
        [tokens.neverExpires, "ttl_expired", "denied"],
        [tokens.unknown, "customer_request", "denied"],
        [tokens.twice, "customer_request", "denied", /2 rows/],
        [tokens.noStatus, "customer_request", "denied", /status/],
      ];
      for (const [token, intent, expect, reason] of cases) {
        const { error, failed } = await guardedCall(fixture, request(token, intent), expect);
        if (expect === "denied") {
          assert.ok(isDeniedError(error));
          assert.equal(typeof error.reason, "string");
          assert.ok(error.reason!.length > 0, "every denial says why");
          assert.equal(failed!.reason, error.reason);
          if (reason !== undefined) assert.match(error.reason!, reason);
        }
      }
      const ok = cases.filter((c) => c[2] === "ok").length;
      assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "ok" }), ok);
      assert.equal(
        await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "denied" }),
        cases.length - ok,
      );
      assert.equal(fixture.dropRecords().length, cases.length);
      assert.equal(fixture.failedRecords().length, cases.length - ok);
    } finally {
      await lookup.close();
      fixture.close();
    }
  });

  test("a slow lookup is denied within authorizeTimeoutMs, and its query is cancelled on the server", async () => {
    const authorizeTimeoutMs = 400;
    const lookup = lookupOf({
      query:
        `/* ${marker} */ SELECT 'deleted' AS status, NULL::timestamptz AS expires_at FROM pg_sleep(120) WHERE $1::text IS NOT NULL`,
    });
    const fixture = createAuditFixture({ authorize: createTerminalityPolicy({ lookup }), authorizeTimeoutMs });
    try {
      const { error, elapsedMs } = await guardedCall(fixture, request(tokens.deleted, "customer_request"), "denied");
      assert.ok(
        elapsedMs >= authorizeTimeoutMs - 50 && elapsedMs < authorizeTimeoutMs + LOADED_MACHINE_SLACK_MS,
        `${elapsedMs} ms`,
      );
      assert.match(error!.reason!, /within 400 ms/);
      assert.ok(await queriesGone(admin, marker), "the pg_sleep query is gone from pg_stat_activity");
    } finally {
      await lookup.close();
      fixture.close();
    }
  });

  test("an aborted lookup rejects at once with the signal's reason; close() ends running ones", async () => {
    const lookup = lookupOf({
      query: `/* ${marker} */ SELECT 'deleted' AS status FROM pg_sleep(120) WHERE $1::text IS NOT NULL`,
    });
    try {
      const started = performance.now();
      await assert.rejects(lookup(request(tokens.deleted, undefined), AbortSignal.timeout(200)), {
        name: "TimeoutError",
      });
      assert.ok(performance.now() - started < 200 + LOADED_MACHINE_SLACK_MS);
      await assert.rejects(lookup(request(tokens.deleted, undefined), AbortSignal.abort()), { name: "AbortError" });
      const running = assert.rejects(
        lookup(request(tokens.deleted, undefined), new AbortController().signal),
        /was closed/,
      );
      await waitUntil(async () => (await runningQueries(admin, marker)) === 1, "the lookup query started");
      const closing = performance.now();
      await lookup.close();
      await running;
      assert.ok(performance.now() - closing < LOADED_MACHINE_SLACK_MS, "close() does not wait for the query");
      assert.ok(await queriesGone(admin, marker));
      await assert.rejects(
        lookup(request(tokens.deleted, undefined), new AbortController().signal),
        /the lookup is closed/,
      );
    } finally {
      await lookup.close();
    }
  });

  test("after an abort the pool serves the next lookup on a fresh connection", async () => {
    // A marker of its own: no other test's query can be counted here.
    const own = `${marker}-pool`;
    const lookup = lookupOf({ poolSize: 1 });
    const sleepy = lookupOf({
      poolSize: 1,
      query: `/* ${own} */ SELECT status FROM ${table}, pg_sleep(30) WHERE token = $1`,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
    });
    try {
      await assert.rejects(sleepy(request(tokens.deleted, undefined), AbortSignal.timeout(100)));
      assert.equal((await lookup(request(tokens.deleted, undefined), AbortSignal.timeout(5_000)))?.status, "deleted");
      await assert.rejects(sleepy(request(tokens.deleted, undefined), AbortSignal.timeout(100)), {
        name: "TimeoutError",
      });
      assert.ok(await queriesGone(admin, own));
    } finally {
      await lookup.close();
      await sleepy.close();
    }
  });
});

describe("postgresResourceLookup when the server is away", () => {
  test("a closed port is denied, fast, and the password is never written", async () => {
    const lookup = postgresResourceLookup({
      connectionString: `postgres://admin:${SECRET}@127.0.0.1:${await freePort()}/platform`,
      query: "SELECT status, expires_at FROM resources WHERE token = $1",
    });
    const fixture = createAuditFixture({ authorize: createTerminalityPolicy({ lookup }) });
    try {
      const { error, elapsedMs } = await guardedCall(
        fixture,
        request(uniqueToken("down"), "customer_request"),
        "denied",
      );
      assert.match(error!.reason!, /ECONNREFUSED/);
      assert.ok(elapsedMs < LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      assert.doesNotMatch(JSON.stringify(fixture.lines()) + error!.message, new RegExp(SECRET));
    } finally {
      await lookup.close();
      fixture.close();
    }
  });

  test("a server that accepts and never answers is denied within authorizeTimeoutMs, and close() does not wait for it", async () => {
    const silent = await startSilentServer();
    const lookup = postgresResourceLookup({
      connectionString: `postgres://postgres@127.0.0.1:${silent.port}/platform`,
      query: "SELECT status FROM resources WHERE token = $1",
    });
    const fixture = createAuditFixture({ authorize: createTerminalityPolicy({ lookup }), authorizeTimeoutMs: 400 });
    try {
      const { error, elapsedMs } = await guardedCall(
        fixture,
        request(uniqueToken("hung"), "customer_request"),
        "denied",
      );
      assert.ok(elapsedMs >= 350 && elapsedMs < 400 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      assert.match(error!.reason!, /within 400 ms/);
      const closing = performance.now();
      await lookup.close();
      assert.ok(performance.now() - closing < LOADED_MACHINE_SLACK_MS, "close() is bounded");
    } finally {
      await lookup.close();
      fixture.close();
      await silent.close();
    }
  });

  test("a cluster of our own, stopped and started: denied while down, allowed again after", {
    skip: dedicatedPostgresSkipReason() ??
      (envUrl("GD_POSTGRES_DEDICATED_URL") === undefined ? false : "only on a cluster this file starts and may stop"),
  }, async () => {
    const server = await startDedicatedPostgres();
    const token = uniqueToken("own");
    let lookup: ReturnType<typeof postgresResourceLookup> | undefined;
    let fixture: AuditFixture | undefined;
    try {
      const setup = new pg.Client({ connectionString: server.url });
      await setup.connect();
      try {
        await setup.query("CREATE TABLE resources (token text, status text, expires_at timestamptz)");
        await setup.query("INSERT INTO resources VALUES ($1, 'deleted', NULL)", [token]);
      } finally {
        await setup.end();
      }
      lookup = postgresResourceLookup({
        connectionString: server.url,
        query: "SELECT status, expires_at FROM resources WHERE token = $1",
      });
      fixture = createAuditFixture({ authorize: createTerminalityPolicy({ lookup }), authorizeTimeoutMs: 1_500 });
      await guardedCall(fixture, request(token, "customer_request"), "ok");
      await server.stop();
      const { error, elapsedMs } = await guardedCall(fixture, request(token, "customer_request"), "denied");
      assert.match(error!.reason!, /unavailable|unreachable|lost|terminated|within/);
      assert.ok(elapsedMs < 1_500 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      await server.start();
      await guardedCall(fixture, request(token, "customer_request"), "ok");
    } finally {
      await lookup?.close();
      fixture?.close();
      await server.dispose();
    }
  });
});

/** How many queries with the marker are running, other than this check itself. */
async function runningQueries(admin: pg.Client, marker: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
    [`%${marker}%`],
  );
  return rows[0]!.n;
}

/**
 * Whether the queries with the marker are gone, waiting for them within a
 * bound. The cancel is asynchronous on the server, and on a loaded machine
 * an abort can even land before the query has started (the cancel then finds
 * nothing to cancel, and the discarded connection's query runs on): what
 * ends it for certain is the lookup's statement_timeout (queryTimeoutMs,
 * 5 s by default). The bound is well past that; a query that is gone ends
 * the wait at once.
 */
async function queriesGone(admin: pg.Client, marker: string): Promise<boolean> {
  const deadline = Date.now() + QUERY_TIMEOUT_MS + GONE_SLACK_MS;
  while ((await runningQueries(admin, marker)) > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Waits for `check`, bounded: a loaded machine's slack, returning as soon as it holds. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + LOADED_MACHINE_SLACK_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${LOADED_MACHINE_SLACK_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
