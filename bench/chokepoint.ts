// The chokepoint's cost (DESIGN §8): a guardedDrop with a no-op drop, pino
// writing synchronously to a file and a prom-client counter, against the
// unavoidable work measured by hand in the same run: one such pino line plus
// one counter increment. Rounds alternate the two so that drift (CPU
// frequency, page cache, the other core's load) hits both alike; the figure
// is the median of the per-round ratios.
//
// Run: node --import tsx bench/chokepoint.ts [--rounds 40] [--ops 2000]

import { mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createGuardedDrop, type DropRecord, type DropRequest } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";

const BUDGET = 1.25;
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const rounds = Number(args.get("rounds") ?? 40);
const opsPerRound = Number(args.get("ops") ?? 2000);

const dir = mkdtempSync(join(tmpdir(), "guarded-drop-bench-"));
const file = join(dir, "audit.log");
const logger = createAuditLogger({ destination: file });
const counter = createDropCounter({ registry: new Registry() });
const guardedDrop = createGuardedDrop({ logger, counter });

const request: DropRequest = {
  token: "acme42",
  providerResourceId: "res-7f3a",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-0001",
  caller: "bench",
};
// The same record guardedDrop writes, built once: the baseline pays only for
// the line and the increment.
const record: DropRecord = {
  event: "provisioner.drop",
  drop_id: crypto.randomUUID(),
  token: "acme42",
  provider_resource_id: "res-7f3a",
  resource_type: "postgres",
  backend: "shared",
  request_id: "req-0001",
  caller: "bench",
};
const labels = { resource_type: "postgres", backend: "shared", outcome: "ok" } as const;
const noop = () => {};

function baseline(ops: number): number {
  const started = performance.now();
  for (let i = 0; i < ops; i++) {
    logger.info(record, "provisioner.drop");
    counter.inc(labels);
  }
  return (performance.now() - started) / ops;
}

async function guarded(ops: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < ops; i++) await guardedDrop(request, noop);
  return (performance.now() - started) / ops;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// Warm up both paths so that the JIT has compiled them before we measure.
for (let i = 0; i < 5; i++) {
  baseline(opsPerRound);
  await guarded(opsPerRound);
}
truncateSync(file);

const ratios: number[] = [];
const baselineUs: number[] = [];
const guardedUs: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so that neither always runs on a warmer cache.
  let b: number;
  let g: number;
  if (round % 2 === 0) {
    b = baseline(opsPerRound);
    g = await guarded(opsPerRound);
  } else {
    g = await guarded(opsPerRound);
    b = baseline(opsPerRound);
  }
  baselineUs.push(b * 1000);
  guardedUs.push(g * 1000);
  ratios.push(g / b);
  if (round % 10 === 9) truncateSync(file);
}
logger.destination.close();
rmSync(dir, { recursive: true, force: true });

const ratio = median(ratios);
console.log(`## chokepoint (${rounds} alternating rounds × ${opsPerRound} ops, Node ${process.version})\n`);
console.log("| measure | median per op |");
console.log("|---|---|");
console.log(`| baseline: one sync pino line + one counter increment | ${median(baselineUs).toFixed(2)} µs |`);
console.log(`| guardedDrop with a no-op drop | ${median(guardedUs).toFixed(2)} µs |`);
console.log(`| **ratio** (median of per-round ratios; budget ≤ ${BUDGET}×) | **${ratio.toFixed(3)}×** |`);
console.log(`\nper-round ratios: min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`);
if (ratio > BUDGET) {
  console.log(`\nOVER BUDGET: ${ratio.toFixed(3)}× > ${BUDGET}×`);
  process.exitCode = 1;
}
