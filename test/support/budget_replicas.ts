/**
 * Provisioner replicas for the drop budget's race tests: child processes
 * (test/adapters/redis/fixtures/budget_replica.ts), each with its own
 * guardedDrop and redisDropBudget, started together and bounded.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { bounded } from "./bounded.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS } from "./timing.ts";

const REPLICA = fileURLToPath(new URL("../adapters/redis/fixtures/budget_replica.ts", import.meta.url));
/** How long the replicas may take to start, and then to finish. */
const REPLICA_TIMEOUT_MS = 30_000;

/** What one replica saw. */
export interface ReplicaResult {
  outcomes: string[];
  retryAfterMs: (number | null)[];
  calls: number;
  okCount: number;
  rateLimitedCount: number;
  total: number;
  dropRecords: number;
  failedRecords: { outcome: string; reason: string | null }[];
}

/** Where the replicas' budget lives, and what each does. */
export interface ReplicaRun {
  readonly url: string;
  readonly prefix: string;
  readonly max: number;
  readonly windowMs: number;
  readonly attempts: number;
  /** Whether `url` is a node of a Redis Cluster. */
  readonly cluster?: boolean;
  /** Whether the replicas trust a Redis younger than the window (redisDropBudget's `trustFreshServer`). */
  readonly trustFreshServer?: boolean;
}

/**
 * Starts `count` replicas, lets them all go at once when every one is
 * ready, and resolves with what each saw. A replica that hangs is killed.
 */
export async function runBudgetReplicas(run: ReplicaRun, count = 3): Promise<ReplicaResult[]> {
  const children: ChildProcess[] = [];
  try {
    const env = {
      ...process.env,
      BUDGET_URL: run.url,
      BUDGET_PREFIX: run.prefix,
      BUDGET_MAX: String(run.max),
      BUDGET_WINDOW_MS: String(run.windowMs),
      BUDGET_CLUSTER: run.cluster === true ? "1" : "",
      BUDGET_TRUST_FRESH: run.trustFreshServer === true ? "1" : "",
      ATTEMPTS: String(run.attempts),
      // The default 1 s bound on a take is a loaded machine's scheduling
      // delay: a take that missed it would be refused as unavailable and the
      // ok drops would fall short of max by chance. The runs are about the
      // shared count, not the bound (other tests bound a silent Redis).
      BUDGET_TIMEOUT_MS: String(HEALTHY_CONNECT_TIMEOUT_MS),
    };
    const outputs = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", REPLICA], { env, stdio: ["pipe", "pipe", "inherit"] });
      children.push(child);
      const lines = createInterface({ input: child.stdout! });
      const ready = new Promise<void>((resolve, reject) => {
        lines.once("line", (line) => (line === "ready" ? resolve() : reject(new Error(`replica said ${line}`))));
        child.once("exit", (code) => reject(new Error(`replica exited with ${code} before it was ready`)));
      });
      const result = new Promise<string>((resolve, reject) => {
        let last = "";
        lines.on("line", (line) => (last = line));
        child.once("exit", (code) => (code === 0 ? resolve(last) : reject(new Error(`replica exited with ${code}`))));
      });
      return { child, ready, result };
    });
    await bounded(Promise.all(outputs.map((o) => o.ready)), REPLICA_TIMEOUT_MS, "the replicas did not start");
    for (const { child } of outputs) child.stdin!.end("go\n");
    const lines = await bounded(
      Promise.all(outputs.map((o) => o.result)),
      REPLICA_TIMEOUT_MS,
      "the replicas did not finish",
    );
    return lines.map((line) => JSON.parse(line) as ReplicaResult);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/**
 * Asserts that the replicas' ok drops add up to exactly `max`, and that
 * every count and record agrees: one record per attempt, one counter
 * increment per attempt, a `rate_limited` record with the spent limit and a
 * retryAfterMs within the window for each refusal.
 */
export function assertReplicasShareMax(
  results: readonly ReplicaResult[],
  run: { max: number; windowMs: number; attempts: number },
): void {
  const { max, windowMs, attempts } = run;
  const tries = results.length * attempts;
  const sum = (f: (r: ReplicaResult) => number) => results.reduce((s, r) => s + f(r), 0);
  assert.equal(sum((r) => r.outcomes.filter((o) => o === "ok").length), max, "ok drops over all replicas");
  assert.equal(sum((r) => r.outcomes.filter((o) => o === "rate_limited").length), tries - max);
  assert.equal(sum((r) => r.calls), max, "drop callbacks run");
  assert.equal(sum((r) => r.okCount), max, 'provisioner_drop_total{outcome="ok"} over all replicas');
  assert.equal(sum((r) => r.rateLimitedCount), tries - max);
  assert.equal(sum((r) => r.total), tries);
  assert.equal(sum((r) => r.dropRecords), tries);
  for (const r of results) {
    assert.equal(r.failedRecords.length, r.outcomes.filter((o) => o !== "ok").length);
    for (const f of r.failedRecords) {
      assert.deepEqual(f, {
        outcome: "rate_limited",
        reason: `the global limit is spent: max ${max} per ${windowMs} ms`,
      });
    }
    for (const ms of r.retryAfterMs) assert.ok(ms !== null && ms > 0 && ms <= windowMs, `retryAfterMs ${ms}`);
  }
}
