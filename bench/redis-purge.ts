// bench/redis-purge.ts: the Redis purge budget of DESIGN §8.
//
//   node --import tsx bench/redis-purge.ts [--keys 1000000] [--runs 5] [--count 1000] [--sweep]
//
// Fills a tenant with 1,000,000 keys (pipelined) on GD_REDIS_URL (default
// redis://127.0.0.1:6379) and purges it, alternately, with redisShared's
// deprovision (through guardedDrop, as every drop goes) and with a raw
// pipelined SCAN+UNLINK loop written here, refilling between runs. Meanwhile
// a neighbour, in its own process (priority raised when allowed) and over its own connection, GETs its own key
// in a loop. It prints a markdown table of medians: keys/s of both, their
// ratio (budget >= 90 %), and the neighbour's GET p50/p99 during the adapter's
// purges (budget p99 < 5 ms). --sweep also measures the adapter at several
// SCAN COUNTs, which is how DEFAULT_SCAN_COUNT was chosen. It exits 1 when a
// budget is missed, and removes everything it created.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createGuardedDrop } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";
import { DEFAULT_SCAN_COUNT, redisShared } from "../adapters/redis/mod.ts";
import { median, type Neighbour, percentile, startNeighbour } from "./_redis_neighbour.ts";

const { values: args } = parseArgs({
  options: {
    keys: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
    sweep: { type: "boolean", default: false },
    count: { type: "string", default: String(DEFAULT_SCAN_COUNT) },
  },
});
const KEYS = Number(args.keys);
const RUNS = Number(args.runs);
/** The SCAN COUNT of both methods in the comparison. */
const COUNT = Number(args.count);
const FILL_BATCH = 50_000;
const MSET_SIZE = 1_000;
const RATIO_BUDGET = 0.9;
const P99_BUDGET_MS = 5;
const SWEEP_COUNTS = [100, 500, 1_000, 2_000, 5_000];

const url = process.env.GD_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const token = `bench${randomBytes(4).toString("hex")}`;
const neighbourKey = `${token}n:key`;

const admin = new Redis(url, { maxRetriesPerRequest: 1 });
const auditDir = mkdtempSync(join(tmpdir(), "guarded-drop-bench-"));
const logger = createAuditLogger({ destination: join(auditDir, "audit.log") });
const guardedDrop = createGuardedDrop({ logger, counter: createDropCounter({ registry: new Registry() }) });

interface Run {
  readonly method: string;
  /** The server's own CPU time spent during the purge (INFO cpu), which other load on this machine barely moves. */
  readonly serverCpuSeconds: number;
  readonly keys: number;
  readonly seconds: number;
  readonly keysPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly gets: number;
}

/** The tenant as a provisioner leaves it: an ACL user and `<t>:<i>` keys, written by pipelined MSETs. */
async function fill(): Promise<void> {
  await admin.call("ACL", "SETUSER", `usr_${token}`, "reset", "on", `>pw-${token}`, `~${token}:*`, "+@all");
  for (let start = 0; start < KEYS; start += FILL_BATCH) {
    const pipeline = admin.pipeline();
    for (let from = start; from < Math.min(KEYS, start + FILL_BATCH); from += MSET_SIZE) {
      const pairs: string[] = [];
      for (let i = from; i < Math.min(KEYS, from + MSET_SIZE, start + FILL_BATCH); i++) {
        pairs.push(`${token}:${i}`, `v${i}`);
      }
      pipeline.mset(...pairs);
    }
    await pipeline.exec();
  }
}

async function serverCpu(): Promise<number> {
  const info = await admin.info("cpu");
  const value = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? 0);
  return value("used_cpu_user_main_thread") + value("used_cpu_sys_main_thread") ||
    value("used_cpu_user") + value("used_cpu_sys");
}

async function tenantKeys(): Promise<number> {
  let cursor = "0";
  let count = 0;
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${token}:*`, "COUNT", 10_000);
    count += keys.length;
    cursor = next;
  } while (cursor !== "0");
  return count;
}

/** The baseline: SCAN, and each batch in one pipelined UNLINK sent before the next SCAN. */
async function rawPurge(client: Redis, count: number): Promise<void> {
  const pending: Promise<unknown>[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${token}:*`, "COUNT", count);
    if (keys.length > 0) pending.push(client.pipeline().unlink(...keys).exec());
    cursor = next;
    if (pending.length > 64) await Promise.all(pending.splice(0));
  } while (cursor !== "0");
  await Promise.all(pending);
}

async function adapterPurge(scanCount: number): Promise<void> {
  const adapter = redisShared({ url, scanCount });
  try {
    await guardedDrop(
      {
        token,
        resourceType: adapter.resourceType,
        backend: adapter.backend,
        requestId: `bench-${Date.now()}`,
        caller: "bench/redis-purge",
      },
      () => adapter.deprovision(token),
    );
  } finally {
    await adapter.close();
  }
}

async function measure(
  method: string,
  neighbour: Neighbour,
  purge: () => Promise<void>,
): Promise<Run> {
  await fill();
  const keys = await tenantKeys();
  if (keys !== KEYS) throw new Error(`Cannot measure as the fill left ${keys} keys instead of ${KEYS}`);
  const cpuBefore = await serverCpu();
  neighbour.record();
  const started = performance.now();
  await purge();
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = (await serverCpu()) - cpuBefore;
  const latencies = (await neighbour.report()).sort((a, b) => a - b);
  const left = await tenantKeys();
  if (left !== 0) throw new Error(`${method} left ${left} keys`);
  return {
    method,
    serverCpuSeconds,
    keys,
    seconds,
    keysPerSecond: keys / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    gets: latencies.length,
  };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<number> {
  await admin.set(neighbourKey, "neighbour's value");
  const neighbour = startNeighbour(url, neighbourKey);
  await neighbour.ready;
  const rawClient = new Redis(url);
  const adapterRuns: Run[] = [];
  const rawRuns: Run[] = [];
  const sweepRuns: Run[] = [];
  try {
    console.error(`Filling ${fmt(KEYS)} keys of tenant ${token} on ${new URL(url).host}, ${RUNS} runs per method…`);
    for (let run = 0; run < RUNS; run++) {
      // Alternate which goes first, so that neither always meets a warmer server.
      const order = run % 2 === 0 ? ["adapter", "raw"] : ["raw", "adapter"];
      for (const method of order) {
        const result = method === "adapter"
          ? await measure(`redisShared deprovision (COUNT ${COUNT})`, neighbour, () => adapterPurge(COUNT))
          : await measure(`raw SCAN+UNLINK loop (COUNT ${COUNT})`, neighbour, () => rawPurge(rawClient, COUNT));
        (method === "adapter" ? adapterRuns : rawRuns).push(result);
        console.error(`  ${result.method}: ${fmt(result.keysPerSecond)} keys/s, GET p99 ${fmt(result.p99, 2)} ms`);
      }
    }
    if (args.sweep) {
      for (const count of SWEEP_COUNTS) {
        const result = await measure(`redisShared deprovision (COUNT ${count})`, neighbour, () => adapterPurge(count));
        sweepRuns.push(result);
        console.error(`  ${result.method}: ${fmt(result.keysPerSecond)} keys/s, GET p99 ${fmt(result.p99, 2)} ms`);
      }
    }
  } finally {
    await neighbour.stop();
    rawClient.disconnect();
    // Whatever a failed run left: the tenant goes the way every drop goes.
    await adapterPurge(DEFAULT_SCAN_COUNT).catch((err) => console.error(`cleanup: ${(err as Error).message}`));
    await admin.unlink(neighbourKey);
    admin.disconnect();
    logger.destination.close();
    rmSync(auditDir, { recursive: true, force: true });
  }

  const adapterRate = median(adapterRuns.map((r) => r.keysPerSecond));
  const rawRate = median(rawRuns.map((r) => r.keysPerSecond));
  const ratio = adapterRate / rawRate;
  const p50 = median(adapterRuns.map((r) => r.p50));
  const p99 = median(adapterRuns.map((r) => r.p99));
  const rawP99 = median(rawRuns.map((r) => r.p99));
  const ratioOk = ratio >= RATIO_BUDGET;
  const p99Ok = p99 < P99_BUDGET_MS;

  console.log(`\n### Redis purge: ${fmt(KEYS)} keys, median of ${RUNS} runs each (Redis at ${new URL(url).host})\n`);
  console.log(
    "| purge | keys/s | seconds | server CPU s | neighbour GET p50 | neighbour GET p99 | GETs during purge |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  const row = (name: string, runs: Run[]) =>
    console.log(
      `| ${name} | ${fmt(median(runs.map((r) => r.keysPerSecond)))} | ${
        fmt(median(runs.map((r) => r.seconds)), 2)
      } | ` +
        `${fmt(median(runs.map((r) => r.serverCpuSeconds)), 2)} | ` +
        `${fmt(median(runs.map((r) => r.p50)), 3)} ms | ${fmt(median(runs.map((r) => r.p99)), 3)} ms | ${
          fmt(median(runs.map((r) => r.gets)))
        } |`,
    );
  row(adapterRuns[0]!.method, adapterRuns);
  row(rawRuns[0]!.method, rawRuns);
  console.log("");
  console.log("| budget | measured | verdict |");
  console.log("|---|---:|---|");
  console.log(
    `| adapter throughput ≥ 90 % of the raw loop | ${fmt(ratio * 100, 1)} % | ${ratioOk ? "met" : "MISSED"} |`,
  );
  console.log(
    `| neighbour GET p99 < 5 ms during the adapter's purge | ${fmt(p99, 3)} ms (p50 ${fmt(p50, 3)} ms; raw loop p99 ${
      fmt(rawP99, 3)
    } ms) | ${p99Ok ? "met" : "MISSED"} |`,
  );
  if (sweepRuns.length > 0) {
    console.log("\n| SCAN COUNT (adapter, one run each) | keys/s | neighbour GET p50 | neighbour GET p99 |");
    console.log("|---:|---:|---:|---:|");
    for (const [i, run] of sweepRuns.entries()) {
      console.log(`| ${SWEEP_COUNTS[i]} | ${fmt(run.keysPerSecond)} | ${fmt(run.p50, 3)} ms | ${fmt(run.p99, 3)} ms |`);
    }
  }
  return ratioOk && p99Ok ? 0 : 1;
}

process.exitCode = await main();
