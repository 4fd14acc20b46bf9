// bench/policy.ts: what the terminality lookup and the drop budget add to a drop.
//
//   node --import tsx bench/policy.ts [--iterations 2000] [--warmup 200]
//
// On a local PostgreSQL (GD_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// it fills a `resources` table of 10,000 rows (indexed on token) in a schema
// of its own, and times postgresResourceLookup on random tokens, one call at
// a time. On a local Redis (GD_REDIS_URL, default redis://127.0.0.1:6379) it
// times redisDropBudget's take with a global and a resource_type limit, under
// a key prefix of its own. Each is interleaved, call by call, with its
// baseline, the same round trip made with the bare driver (the same query on
// a pg.Client; the same script by EVALSHA on an ioredis client), so that both
// see the same load: what the adapter adds is the difference. Then it times a
// whole guardedDrop with the terminality policy and the budget against one
// without either, with a no-op drop. It prints a markdown table of p50/p99 and
// exits 1 when the lookup's or the take's p99 is over 2 ms. It removes
// everything it created.

import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createGuardedDrop, createTerminalityPolicy, type DropRequest } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";
import { postgresResourceLookup } from "../adapters/postgres/mod.ts";
import { redisDropBudget } from "../adapters/redis/mod.ts";
import { TAKE_SCRIPT } from "../adapters/redis/_drop_budget_script.ts";

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
  },
});
const ITERATIONS = Number(args.iterations);
const WARMUP = Number(args.warmup);
const ROWS = 10_000;
const P99_BUDGET_MS = 2;

const postgresUrl = process.env.GD_POSTGRES_URL?.trim() || "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.GD_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const schema = `gd_bench_${randomBytes(4).toString("hex")}`;
const keyPrefix = `gd-bench-budget-${randomBytes(4).toString("hex")}:`;
const tokenOf = (i: number) => `tenant${i}`;

function requestFor(i: number): DropRequest {
  return {
    token: tokenOf(i),
    providerResourceId: `res-${i}`,
    resourceType: "postgres",
    backend: "shared",
    requestId: `req-${i}`,
    caller: "bench/policy",
    intent: "customer_request",
  };
}

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

/**
 * Times each of `fns` one call at a time, interleaved call by call so that
 * all see the same load: WARMUP untimed rounds, then ITERATIONS timed ones.
 */
async function time(...fns: ((i: number) => Promise<unknown>)[]): Promise<Percentiles[]> {
  for (let i = 0; i < WARMUP; i++) for (const fn of fns) await fn(i);
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [f, fn] of fns.entries()) {
      const started = performance.now();
      await fn(i);
      samples[f]!.push(performance.now() - started);
    }
  }
  return samples.map((each) => {
    each.sort((a, b) => a - b);
    const at = (q: number) => each[Math.min(each.length - 1, Math.floor(q * each.length))]!;
    return { p50: at(0.5), p99: at(0.99) };
  });
}

const admin = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
const rawPg = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
const auditDir = mkdtempSync(join(tmpdir(), "guarded-drop-bench-"));
const query = `SELECT status, expires_at FROM "${schema}".resources WHERE token = $1`;
const lookup = postgresResourceLookup({ connectionString: postgresUrl, query });
const budget = redisDropBudget({
  url: redisUrl,
  keyPrefix,
  // CI may start the Redis seconds before the bench: trusted, so that every
  // take is timed on its charging path, not refused as a possible loss.
  trustFreshServer: true,
  // Never spent: every take is charged, as a real drop's would be.
  limits: [
    { scope: "global", max: 1_000_000_000, windowMs: 600_000 },
    { scope: "resource_type", max: 1_000_000_000, windowMs: 600_000 },
  ],
});
let failed = false;
try {
  await admin.connect();
  await rawPg.connect();
  await redis.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(
    `CREATE TABLE "${schema}".resources (token text PRIMARY KEY, status text NOT NULL, expires_at timestamptz)`,
  );
  await admin.query(
    `INSERT INTO "${schema}".resources SELECT 'tenant' || g, 'deleted', NULL FROM generate_series(0, $1) AS g`,
    [ROWS - 1],
  );
  await admin.query(`ANALYZE "${schema}".resources`);

  const never = new AbortController().signal;
  const random = () => Math.floor(Math.random() * ROWS);
  const [lookupTimes, rawQueryTimes] = await time(
    async () => {
      const state = await lookup(requestFor(random()), never);
      if (state?.status !== "deleted") throw new Error(`the lookup answered ${JSON.stringify(state)}`);
    },
    async () => {
      const { rows } = await rawPg.query(query, [tokenOf(random())]);
      if (rows.length !== 1) throw new Error("the raw query found no row");
    },
  );
  // The script's KEYS: two limits, the epoch hash, the cancel mark; ARGV: the member, the epoch
  // seen ('' and 0: none), a new epoch id, the loss block, "0" (not through a loss), "1" (a young server trusted, as the budget above), then the limits.
  const rawKeys = [
    `${keyPrefix}raw:global`,
    `${keyPrefix}raw:postgres`,
    `${keyPrefix}raw:epoch`,
    `${keyPrefix}raw:cancelled`,
  ];
  const sha = await redis.script("LOAD", TAKE_SCRIPT) as string;
  const [takeTimes, rawScriptTimes] = await time(
    async (i) => {
      const verdict = await budget.take(requestFor(i));
      if (verdict.allowed !== true) throw new Error(`the take answered ${JSON.stringify(verdict)}`);
    },
    (i) =>
      redis.evalsha(
        sha,
        4,
        ...rawKeys,
        `raw-${i}`,
        "",
        "0",
        "raw-epoch",
        "600000",
        "0",
        "1",
        "1000000000",
        "600000",
        "1000000000",
        "600000",
      ),
  );

  const logger = createAuditLogger({ destination: join(auditDir, "audit.log") });
  const counter = createDropCounter({ registry: new Registry() });
  const plain = createGuardedDrop({ logger, counter });
  const guarded = createGuardedDrop({ logger, counter, authorize: createTerminalityPolicy({ lookup }), budget });
  const noop = () => {};
  const [plainTimes, guardedTimes] = await time(
    (i) => plain(requestFor(i), noop),
    () => guarded(requestFor(random()), noop),
  );

  const ms = (v: number) => `${v.toFixed(3)} ms`;
  console.log(`${ITERATIONS} timed calls each, one at a time, after ${WARMUP} untimed ones\n`);
  console.log("| measured | p50 | p99 | budget |");
  console.log("|---|---|---|---|");
  console.log(
    `| postgresResourceLookup (indexed table of ${ROWS} rows) | ${ms(lookupTimes!.p50)} | ${
      ms(lookupTimes!.p99)
    } | p99 ≤ ${P99_BUDGET_MS} ms |`,
  );
  console.log(
    `| … baseline: the same query on a bare pg.Client | ${ms(rawQueryTimes!.p50)} | ${ms(rawQueryTimes!.p99)} | |`,
  );
  console.log(
    `| redisDropBudget take (a global and a resource_type limit) | ${ms(takeTimes!.p50)} | ${
      ms(takeTimes!.p99)
    } | p99 ≤ ${P99_BUDGET_MS} ms |`,
  );
  console.log(
    `| … baseline: the same script by EVALSHA on a bare ioredis client | ${ms(rawScriptTimes!.p50)} | ${
      ms(rawScriptTimes!.p99)
    } | |`,
  );
  console.log(
    `| guardedDrop, no-op drop, without policy or budget | ${ms(plainTimes!.p50)} | ${ms(plainTimes!.p99)} | |`,
  );
  console.log(
    `| guardedDrop, no-op drop, with the terminality policy and the budget | ${ms(guardedTimes!.p50)} | ${
      ms(guardedTimes!.p99)
    } | |`,
  );
  for (const [name, measured] of [["lookup", lookupTimes!], ["take", takeTimes!]] as const) {
    if (measured.p99 > P99_BUDGET_MS) {
      console.log(`\nOVER BUDGET: the ${name}'s p99 is ${ms(measured.p99)}`);
      failed = true;
    }
  }
} finally {
  await lookup.close();
  await budget.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await admin.end().catch(() => {});
  await rawPg.end().catch(() => {});
  // SCAN, never KEYS: the Redis is shared.
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1_000).catch(() =>
      ["0", []] as [string, string[]]
    );
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
  rmSync(auditDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
