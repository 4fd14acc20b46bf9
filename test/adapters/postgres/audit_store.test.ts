// postgresAuditStore on the shared PostgreSQL (a schema of its own per run)
// and on throwaway clusters it may stop: the chain under concurrent writers
// in several processes, the append-only triggers and grants, gap-free seq
// when an append is rolled back, and audit_failed when the server is down.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { DropRecord } from "../../../lib/mod.ts";
import {
  pendingDrops,
  type PostgresAuditStore,
  postgresAuditStore,
  verifyAuditChain,
} from "../../../adapters/postgres/mod.ts";
import { createAuditFixture } from "../../support/audit_fixture.ts";
import { runTsChild } from "../../support/child.ts";
import {
  type AuditSchema,
  auditServerUrl,
  auditSkipReason,
  createAuditSchema,
  oneTo,
} from "../../support/audit_schema.ts";
import {
  dedicatedPostgresSkipReason,
  freePort,
  startDedicatedPostgres,
  startSilentServer,
} from "../../support/servers.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

const WRITER = fileURLToPath(new URL("./fixtures/audit_writer.ts", import.meta.url));

function record(dropId: string, overrides: Partial<DropRecord> = {}): DropRecord {
  return {
    event: "provisioner.drop",
    drop_id: dropId,
    token: "acme42",
    provider_resource_id: "res-1",
    resource_type: "postgres",
    backend: "shared",
    request_id: `req-${dropId}`,
    caller: "billing",
    ...overrides,
  };
}

/** Runs the writer fixture in a child process; resolves with how many rows it committed. */
async function childWriter(url: string, table: string, count: number, prefix: string): Promise<number> {
  const result = await runTsChild(WRITER, [url, table, String(count), prefix]);
  if (result.code !== 0) throw new Error(`writer ${prefix} exited ${result.code}: ${result.err}`);
  return Number(result.out.trim());
}

describe("postgresAuditStore", { skip: auditSkipReason ?? false }, () => {
  let db: AuditSchema;
  /** How many sessions wait for the table's chain lock, polled until none or `timeoutMs`. */
  async function lockWaiters(table: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2::regclass::oid",
        [0x67646175, table],
      );
      if (rows[0]!.n === 0 || Date.now() > deadline) return rows[0]!.n;
      await delay(50);
    }
  }
  const stores: PostgresAuditStore[] = [];
  const storeFor = (options: Parameters<typeof postgresAuditStore>[0]) => {
    const store = postgresAuditStore(options);
    stores.push(store);
    return store;
  };
  before(async () => {
    db = await createAuditSchema(auditServerUrl!);
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await db?.dispose();
  });

  describe("options", () => {
    const valid = ["audit", "_x1", "s.t", "audit_2026", "a".repeat(48)];
    const invalid = ["Audit", "a-b", "a.b.c", "x; DROP TABLE y", "a".repeat(49), "", ".t", "s.", '"quoted"', "1abc"];
    for (const table of valid) {
      test(`the table name ${JSON.stringify(table)} is accepted`, async () => {
        await postgresAuditStore({ connectionString: db.url, table }).close();
      });
    }
    for (const table of invalid) {
      test(`the table name ${JSON.stringify(table)} is refused before any connection`, () => {
        assert.throws(() => postgresAuditStore({ connectionString: db.url, table }), (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.match(
            err.message,
            /^Cannot create the PostgreSQL audit store as 'table' must be "name" or "schema.name"/,
          );
          return true;
        });
      });
    }
    test("malformed options are refused with the option named, never the connection string", () => {
      const cases: [object, RegExp][] = [
        [{}, /'connectionString' must be a non-empty string: current value is undefined/],
        [{ connectionString: "" }, /'connectionString' must be a non-empty string/],
        [
          { connectionString: db.url, connectTimeoutMs: 0 },
          /'connectTimeoutMs' must be a positive finite number: current value is 0/,
        ],
        [{ connectionString: db.url, statementTimeoutMs: -1 }, /'statementTimeoutMs' must be a positive finite number/],
        [
          { connectionString: db.url, maxConnections: 1.5 },
          /'maxConnections' must be a positive integer: current value is 1.5/,
        ],
        [{ connectionString: db.url, table: 42 }, /'table' must be .*current value is number/],
        // A password with an unencoded '/' or '#', or an escape that does not decode: the factory's error, not audit_failed later.
        [{ connectionString: "postgres://app:hun/ter2@db:5432/audit" }, /'connectionString' must be a URL such as/],
        [{ connectionString: "postgres://app:hun#ter2@db:5432/audit" }, /'connectionString' must be a URL such as/],
        [{ connectionString: "postgres://app:S3cr%FF@db:5432/audit" }, /'connectionString' must be a URL such as/],
      ];
      for (const [options, message] of cases) {
        assert.throws(() => postgresAuditStore(options as never), (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /ter2|S3cr/);
          return true;
        });
      }
      assert.throws(
        () => postgresAuditStore({ connectionString: db.url, table: "postgres://u:hunter2@h/x" }),
        (err: unknown) => {
          assert.doesNotMatch((err as Error).message, /hunter2/);
          return true;
        },
      );
    });
  });

  describe("migrate", () => {
    test("two replicas at once, then a third time: one table, its index, two triggers", async () => {
      const table = db.table();
      await Promise.all([
        storeFor({ connectionString: db.url, table }).migrate(),
        storeFor({ connectionString: db.url, table }).migrate(),
      ]);
      await storeFor({ connectionString: db.url, table }).migrate();
      const relation = table.split(".")[1]!;
      const { rows } = await db.admin.query<{ tables: number; indexes: string[]; triggers: string[] }>(
        `SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = $1 AND tablename = $2) AS tables,
                (SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes WHERE schemaname = $1 AND tablename = $2) AS indexes,
                (SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger WHERE tgrelid = $3::regclass AND NOT tgisinternal) AS triggers`,
        [db.schema, relation, table],
      );
      assert.deepEqual(rows[0], {
        tables: 1,
        indexes: [`${relation}_drop_id_idx`, `${relation}_pkey`],
        triggers: ["guarded_drop_append_only", "guarded_drop_no_truncate"],
      });
    });

    test("UPDATE, DELETE and TRUNCATE are rejected even for the superuser; the rows stay", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await store.append(record("d1"));
      await store.append(record("d2"));
      for (const sql of [`UPDATE ${table} SET token = 'x'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        await assert.rejects(db.admin.query(sql), (err: unknown) => {
          assert.equal((err as { code?: string }).code, "42501", sql);
          assert.match((err as Error).message, /is append-only: (UPDATE|DELETE|TRUNCATE) is not allowed/);
          return true;
        });
      }
      assert.deepEqual(await db.seqs(table), [1, 2]);
    });
  });

  describe("append and settle", () => {
    test("rows carry seq, prev_hash and hash; settle adds the outcome, the scrubbed error and the reason", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await store.append(record("d1", { intent: "customer_request" }));
      const error = Object.assign(new Error("denied: resource status is 'active' (postgres://app:hunter2@db/x)"), {
        outcome: "denied",
        reason: "resource status is 'active'; password=hunter2",
      });
      await store.settle(record("d1", { intent: "customer_request" }), "denied", error as never);
      const { rows } = await db.admin.query(
        `SELECT seq::int, event, drop_id, intent, outcome, error, reason, prev_hash, hash FROM ${table} ORDER BY seq`,
      );
      assert.equal(rows.length, 2);
      assert.deepEqual(rows.map((r) => [r.seq, r.event, r.drop_id, r.intent, r.outcome]), [
        [1, "provisioner.drop", "d1", "customer_request", null],
        [2, "provisioner.drop.settled", "d1", "customer_request", "denied"],
      ]);
      assert.equal(rows[0].prev_hash, "0".repeat(64));
      assert.equal(rows[1].prev_hash, rows[0].hash);
      assert.match(rows[1].error, /postgres:\/\/\*\*\*@db\/x/);
      assert.match(rows[1].reason, /^resource status is 'active'; password=\*\*\*$/);
      assert.doesNotMatch(JSON.stringify(rows), /hunter2/);
      assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, true);
    });

    test("a record that is not one is refused, and nothing is written", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await assert.rejects(
        store.append({ ...record("d1"), token: 42 } as never),
        /'record.token' must be a string: current value is 42/,
      );
      await assert.rejects(store.append(null as never), /'record' must be a DropRecord/);
      assert.deepEqual(await db.seqs(table), []);
    });

    test("NUL and lone surrogates are stored as U+FFFD, and the chain still verifies", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await store.append(record("d1", { token: "a\u0000b", caller: "x\uD800" }));
      const { rows } = await db.admin.query(`SELECT token, caller FROM ${table}`);
      assert.deepEqual(rows, [{ token: "a\uFFFDb", caller: "x\uFFFD" }]);
      assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, true);
    });

    test("4 concurrent writers, 2 of them in child processes: one linear, gap-free chain that verifies", async () => {
      const table = db.table();
      await storeFor({ connectionString: db.url, table }).migrate();
      const perWriter = 60;
      const inProcess = async (prefix: string) => {
        const store = storeFor({ connectionString: db.url, table, maxConnections: 2 });
        await Promise.all(oneTo(perWriter).map((i) => store.append(record(`${prefix}-${i}`))));
        return perWriter;
      };
      const committed = await Promise.all([
        childWriter(db.url, table, perWriter, "child-a"),
        childWriter(db.url, table, perWriter, "child-b"),
        inProcess("main-a"),
        inProcess("main-b"),
      ]);
      assert.deepEqual(committed, [perWriter, perWriter, perWriter, perWriter]);
      assert.deepEqual(await db.seqs(table), oneTo(4 * perWriter));
      const { rows } = await db.admin.query<{ writers: number; drops: number }>(
        `SELECT count(DISTINCT caller)::int AS writers, count(DISTINCT drop_id)::int AS drops FROM ${table}`,
      );
      assert.deepEqual(rows[0], { writers: 3, drops: 4 * perWriter }); // child-a, child-b, and "billing" for both in-process writers
      const report = await verifyAuditChain({ connectionString: db.url, table });
      assert.equal(report.intact, true, JSON.stringify(report.break));
      assert.equal(report.rows, 4 * perWriter);
    });

    test("an append aborted while it waits for the chain's lock rejects at once, rolls back, and leaves no gap", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await store.append(record("d1"));
      // Another writer holds the lock, as a slow replica would.
      const holder = new (await import("pg")).default.Client(db.url);
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT pg_advisory_xact_lock(${0x67646175}, '${table}'::regclass::oid::int4)`);
        const controller = new AbortController();
        const started = performance.now();
        const pending = store.append(record("aborted"), controller.signal);
        await delay(200);
        controller.abort(new DOMException("the core gave up", "TimeoutError"));
        await assert.rejects(
          pending,
          /Cannot append to the audit table ".*" as the call was aborted \(TimeoutError: the core gave up\)/,
        );
        // Bounded, not fast: without the abort it would wait for a lock that is never released.
        assert.ok(performance.now() - started < 200 + LOADED_MACHINE_SLACK_MS, "rejected as soon as aborted");
        await holder.query("COMMIT");
      } finally {
        await holder.end();
      }
      await store.append(record("d2"));
      const { rows } = await db.admin.query(`SELECT seq::int, drop_id FROM ${table} ORDER BY seq`);
      assert.deepEqual(rows, [{ seq: 1, drop_id: "d1" }, { seq: 2, drop_id: "d2" }]);
      // The aborted backend is gone, not left waiting: nothing still holds or awaits the lock.
      const { rows: waiting } = await db.admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2::regclass::oid",
        [0x67646175, table],
      );
      assert.equal(waiting[0]!.n, 0);
    });

    test("an already aborted signal: rejected before any statement", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      await assert.rejects(store.append(record("d1"), AbortSignal.abort()), /as the call was aborted/);
      assert.deepEqual(await db.seqs(table), []);
    });

    test("a lock held past statementTimeoutMs: the append fails with 57014, and the next one takes the next seq", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table, statementTimeoutMs: 300 });
      await store.migrate();
      const holder = new (await import("pg")).default.Client(db.url);
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT pg_advisory_xact_lock(${0x67646175}, '${table}'::regclass::oid::int4)`);
        await assert.rejects(store.append(record("slow")), /outlived statementTimeoutMs \(300 ms; SQLSTATE 57014\)/);
        await holder.query("ROLLBACK");
      } finally {
        await holder.end();
      }
      await store.append(record("d1"));
      assert.deepEqual(await db.seqs(table), [1]);
    });

    test("a table that was never migrated: the append rejects and says to run migrate()", async () => {
      const store = storeFor({ connectionString: db.url, table: db.table("missing") });
      await assert.rejects(
        store.append(record("d1")),
        /the table does not exist \(SQLSTATE 42P01.*run migrate\(\) first/,
      );
    });

    test("after close(), appends reject", async () => {
      const store = postgresAuditStore({ connectionString: db.url, table: db.table() });
      await store.close();
      await assert.rejects(store.append(record("d1")), /as the store is closed/);
    });
  });

  describe("through createGuardedDrop", () => {
    const request = (requestId: string, intent?: string) => ({
      token: "acme42",
      resourceType: "postgres",
      backend: "shared" as const,
      requestId,
      caller: "billing",
      ...(intent === undefined ? {} : { intent }),
    });

    test("ok, error and denied drops: each an intent row then a settled row with its outcome, scrubbed error and reason", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      const fixture = createAuditFixture({
        auditStore: store,
        authorize: (req) =>
          req.intent === "customer_request" ? true : { allowed: false, reason: "resource status is 'active'" },
      });
      try {
        assert.equal(await fixture.guardedDrop(request("req-ok", "customer_request"), () => 42), 42);
        await assert.rejects(
          fixture.guardedDrop(request("req-error", "customer_request"), () => {
            throw new Error("connect to postgres://admin:hunter2@db:5432/x failed");
          }),
          { outcome: "error" },
        );
        await assert.rejects(fixture.guardedDrop(request("req-denied", "ttl_expired"), () => {}), {
          outcome: "denied",
        });
      } finally {
        fixture.close();
      }
      const { rows } = await db.admin.query(
        `SELECT seq::int, event, request_id, intent, outcome, error, reason FROM ${table} ORDER BY seq`,
      );
      assert.deepEqual(rows.map((r) => [r.seq, r.event, r.request_id, r.outcome]), [
        [1, "provisioner.drop", "req-ok", null],
        [2, "provisioner.drop.settled", "req-ok", "ok"],
        [3, "provisioner.drop", "req-error", null],
        [4, "provisioner.drop.settled", "req-error", "error"],
        [5, "provisioner.drop", "req-denied", null],
        [6, "provisioner.drop.settled", "req-denied", "denied"],
      ]);
      assert.equal(rows[1].error, null);
      assert.match(rows[3].error, /connect to postgres:\/\/\*\*\*@db:5432\/x failed/);
      assert.equal(rows[5].reason, "resource status is 'active'");
      assert.equal(rows[4].intent, "ttl_expired");
      assert.doesNotMatch(JSON.stringify(rows), /hunter2/);
      assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, true);
      assert.deepEqual(await pendingDrops({ connectionString: db.url, table }), []);
    });

    test("an append that outlives auditTimeoutMs (the chain's lock held elsewhere): audit_failed, no drop, and no row left behind", async () => {
      const table = db.table();
      const store = storeFor({ connectionString: db.url, table });
      await store.migrate();
      const fixture = createAuditFixture({ auditStore: store, auditTimeoutMs: 300 });
      const holder = new (await import("pg")).default.Client(db.url);
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT pg_advisory_xact_lock(${0x67646175}, '${table}'::regclass::oid::int4)`);
        let calls = 0;
        const started = performance.now();
        await assert.rejects(fixture.guardedDrop(request("req-slow"), () => void calls++), { outcome: "audit_failed" });
        // Bounded, not fast: without auditTimeoutMs it would wait for a lock that is never released.
        assert.ok(performance.now() - started < 300 + LOADED_MACHINE_SLACK_MS);
        assert.equal(calls, 0);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "audit_failed" }), 1);
        // The core does not wait for the store to wind down; the store's cancel request
        // takes the waiting statement out of the lock's queue soon after.
        assert.equal(await lockWaiters(table, 5_000), 0, "the cancelled append left the lock's queue");
        await holder.query("COMMIT");
      } finally {
        fixture.close();
        await holder.end();
      }
      await delay(300);
      assert.deepEqual(await db.seqs(table), [], "nothing committed once the lock was free");
    });

    test("a settle that fails (INSERT revoked during the drop) is reported and never changes the outcome", async () => {
      const table = db.table();
      await storeFor({ connectionString: db.url, table }).migrate();
      const writer = await db.role();
      await db.admin.query(`GRANT USAGE ON SCHEMA ${db.schema} TO ${writer.name}`);
      await db.admin.query(`GRANT SELECT, INSERT ON ${table} TO ${writer.name}`);
      const fixture = createAuditFixture({ auditStore: storeFor({ connectionString: writer.url, table }) });
      try {
        let calls = 0;
        const value = await fixture.guardedDrop(request("req-revoked"), async () => {
          calls++;
          await db.admin.query(`REVOKE INSERT ON ${table} FROM ${writer.name}`);
          return "dropped";
        });
        assert.equal(value, "dropped");
        assert.equal(calls, 1);
        await assert.rejects(
          fixture.guardedDrop(request("req-revoked-error"), () => {
            throw new Error("boom");
          }),
          { outcome: "audit_failed" },
          "with INSERT revoked, the next append fails: no drop without its intent row",
        );
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "ok" }), 1);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "audit_failed" }), 1);
        const reports = fixture.lines().filter((line) => line.event === "provisioner.drop.report_failed");
        assert.equal(reports.length, 1);
        assert.match(
          String(reports[0]!.error),
          /Cannot settle in the audit table .* as the server answered SQLSTATE 42501: permission denied/,
        );
        assert.equal(fixture.failedRecords("req-revoked").length, 0, "the drop itself succeeded");
      } finally {
        fixture.close();
      }
      const pending = await pendingDrops({ connectionString: db.url, table });
      assert.deepEqual(
        pending.map((drop) => drop.request_id),
        ["req-revoked"],
        "its outcome is in doubt: listed as pending",
      );
    });

    test("a settle whose server stopped during the drop: the outcome stays what the drop gave", {
      skip: dedicatedPostgresSkipReason() ?? false,
    }, async () => {
      const server = await startDedicatedPostgres();
      const store = postgresAuditStore({ connectionString: server.url, connectTimeoutMs: 1_000 });
      const fixture = createAuditFixture({ auditStore: store, auditTimeoutMs: 1_500 });
      try {
        await store.migrate();
        const value = await fixture.guardedDrop(request("req-stop-ok"), async () => {
          await server.stop();
          return "dropped";
        });
        assert.equal(value, "dropped");
        await server.start();
        await assert.rejects(
          fixture.guardedDrop(request("req-stop-error"), async () => {
            await server.stop();
            throw new Error("the tenant's database is gone");
          }),
          { outcome: "error", message: "the tenant's database is gone" },
        );
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "ok" }), 1);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "error" }), 1);
        assert.equal(fixture.lines().filter((line) => line.event === "provisioner.drop.report_failed").length, 2);
        await server.start();
        const pending = await pendingDrops({ connectionString: server.url });
        assert.deepEqual(pending.map((drop) => drop.request_id), ["req-stop-ok", "req-stop-error"]);
      } finally {
        fixture.close();
        await store.close();
        await server.dispose();
      }
    });
  });

  describe("grants", () => {
    test("a role with only INSERT and SELECT appends and verifies, and can neither update, delete nor truncate", async () => {
      const table = db.table();
      await storeFor({ connectionString: db.url, table }).migrate();
      const writer = await db.role();
      await db.admin.query(`GRANT USAGE ON SCHEMA ${db.schema} TO ${writer.name}`);
      await db.admin.query(`GRANT SELECT, INSERT ON ${table} TO ${writer.name}`);
      const store = storeFor({ connectionString: writer.url, table });
      await store.append(record("d1"));
      await store.settle(record("d1"), "ok");
      assert.deepEqual(await db.seqs(table), [1, 2]);
      assert.equal((await verifyAuditChain({ connectionString: writer.url, table })).intact, true);
      const pg = (await import("pg")).default;
      const session = new pg.Client(writer.url);
      await session.connect();
      try {
        for (
          const sql of [
            `UPDATE ${table} SET token = 'x'`,
            `DELETE FROM ${table}`,
            `TRUNCATE ${table}`,
            `ALTER TABLE ${table} DISABLE TRIGGER USER`,
          ]
        ) {
          await assert.rejects(session.query(sql), (err: unknown) => {
            assert.ok(
              ["42501", "42P01"].includes((err as { code?: string }).code ?? ""),
              `${sql}: ${(err as Error).message}`,
            );
            return true;
          });
        }
      } finally {
        await session.end();
      }
      assert.deepEqual(await db.seqs(table), [1, 2]);
    });

    test("a role whose transactions default to REPEATABLE READ: concurrent appends still chain without a gap", async () => {
      const table = db.table();
      await storeFor({ connectionString: db.url, table }).migrate();
      const writer = await db.role();
      await db.admin.query(`GRANT USAGE ON SCHEMA ${db.schema} TO ${writer.name}`);
      await db.admin.query(`GRANT SELECT, INSERT ON ${table} TO ${writer.name}`);
      await db.admin.query(`ALTER ROLE ${writer.name} SET default_transaction_isolation = 'repeatable read'`);
      const stores = [
        storeFor({ connectionString: writer.url, table }),
        storeFor({ connectionString: writer.url, table }),
      ];
      await Promise.all(stores.flatMap((store, s) => oneTo(20).map((i) => store.append(record(`s${s}-${i}`)))));
      assert.deepEqual(await db.seqs(table), oneTo(40));
      assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, true);
    });

    test("a role without INSERT: the append rejects with the server's reason", async () => {
      const table = db.table();
      await storeFor({ connectionString: db.url, table }).migrate();
      const reader = await db.role();
      await db.admin.query(`GRANT USAGE ON SCHEMA ${db.schema} TO ${reader.name}`);
      await db.admin.query(`GRANT SELECT ON ${table} TO ${reader.name}`);
      await assert.rejects(
        storeFor({ connectionString: reader.url, table }).append(record("d1")),
        /SQLSTATE 42501: permission denied for table/,
      );
      assert.deepEqual(await db.seqs(table), []);
    });
  });

  describe("a server that is down means audit_failed, and the drop never runs", () => {
    test("a closed port: audit_failed, one failed record, counted once, no credential", async () => {
      const port = await freePort();
      const store = storeFor({
        connectionString: `postgres://app:hunter2-secret@127.0.0.1:${port}/postgres`,
        connectTimeoutMs: 1_000,
      });
      const fixture = createAuditFixture({ auditStore: store });
      try {
        let calls = 0;
        const started = performance.now();
        await assert.rejects(
          fixture.guardedDrop(
            { token: "acme42", resourceType: "postgres", backend: "shared", requestId: "req-down" },
            () => void calls++,
          ),
          (err: unknown) => {
            assert.equal((err as { outcome?: string }).outcome, "audit_failed");
            assert.match((err as Error).message, /the server is unreachable \(ECONNREFUSED\)/);
            assert.doesNotMatch((err as Error).message, /hunter2/);
            return true;
          },
        );
        assert.ok(performance.now() - started < 1_000 + LOADED_MACHINE_SLACK_MS);
        assert.equal(calls, 0);
        assert.equal(fixture.dropRecords("req-down").length, 1);
        assert.equal(fixture.failedRecords("req-down").length, 1);
        assert.equal(fixture.failedRecords("req-down")[0]!.outcome, "audit_failed");
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "audit_failed" }), 1);
        assert.equal(await fixture.total(), 1);
        assert.doesNotMatch(JSON.stringify(fixture.lines()), /hunter2/);
      } finally {
        fixture.close();
      }
    });

    test("a server that accepts and never answers: audit_failed once the connect timeout has passed", async () => {
      const silent = await startSilentServer();
      const store = storeFor({
        connectionString: `postgres://postgres@127.0.0.1:${silent.port}/postgres`,
        connectTimeoutMs: 800,
      });
      const fixture = createAuditFixture({ auditStore: store });
      try {
        let calls = 0;
        const started = performance.now();
        await assert.rejects(
          fixture.guardedDrop(
            { token: "acme42", resourceType: "postgres", backend: "shared", requestId: "req-hung" },
            () => void calls++,
          ),
          { outcome: "audit_failed" },
        );
        assert.ok(performance.now() - started < 800 + LOADED_MACHINE_SLACK_MS);
        assert.equal(calls, 0);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "audit_failed" }), 1);
      } finally {
        fixture.close();
        await store.close();
        await silent.close();
      }
    });

    const skipThrowaway = dedicatedPostgresSkipReason();
    test("a throwaway cluster, stopped after one audited drop: the next drop is audit_failed", {
      skip: skipThrowaway ?? false,
    }, async () => {
      const server = await startDedicatedPostgres();
      const store = postgresAuditStore({ connectionString: server.url, connectTimeoutMs: 1_000 });
      const fixture = createAuditFixture({ auditStore: store });
      try {
        await store.migrate();
        let calls = 0;
        const request = (requestId: string) => ({
          token: "acme42",
          resourceType: "postgres",
          backend: "shared" as const,
          requestId,
        });
        await fixture.guardedDrop(request("req-up"), () => void calls++);
        // A restart breaks the pooled connection silently: the append is tried again on a fresh one.
        await server.stop();
        await server.start();
        await fixture.guardedDrop(request("req-restarted"), () => void calls++);
        assert.equal(calls, 2);
        await server.stop();
        await assert.rejects(fixture.guardedDrop(request("req-stopped"), () => void calls++), {
          outcome: "audit_failed",
        });
        await assert.rejects(fixture.guardedDrop(request("req-stopped-2"), () => void calls++), {
          outcome: "audit_failed",
        });
        assert.equal(calls, 2, "no drop ran without its intent row");
        assert.equal(fixture.failedRecords().length, 2);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "audit_failed" }), 2);
        assert.equal(await fixture.count({ resource_type: "postgres", backend: "shared", outcome: "ok" }), 2);
        // Back up: the store reconnects, and the chain holds exactly the audited drops.
        await server.start();
        await fixture.guardedDrop(request("req-back"), () => void calls++);
        assert.equal(calls, 3);
        const report = await verifyAuditChain({ connectionString: server.url });
        assert.equal(report.intact, true);
        assert.equal(report.rows, 6, "an intent and a settled row per drop that ran, none for the failed ones");
      } finally {
        fixture.close();
        await store.close();
        await server.dispose();
      }
    });
  });
});
