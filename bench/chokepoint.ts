// The chokepoint's cost (DESIGN §8): a guardedDrop with a no-op drop, pino
// writing synchronously to a file and a prom-client counter, against the
// unavoidable work measured by hand in the same run: one such pino line plus
// one counter increment, as a hand-written audited drop would emit them (the
// same record built from the request, with an id of the same form; the
// labels built per call).
//
// The two are interleaved op by op, each timed on its own, so that the
// kernel's writeback of the growing audit file and the other core's load hit
// both alike; a round's figure is the ratio of the two sums, and the result
// is the median over rounds.
//
// Run: node --import tsx bench/chokepoint.ts [--rounds 100] [--ops 2000]

import { mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createGuardedDrop, type DropRequest } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";

const BUDGET = 1.25;
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const rounds = Number(args.get("rounds") ?? 100);
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
// The same line guardedDrop writes, field for field: its drop id has the same
// form (16 characters, a dot, a sequence number), since a line's length is
// most of its cost.
const idPrefix = "bEnChMaRkPrEfIx0.";
let sequence = 0;
const noop = () => {};

/** One hand-written audited line: build the record, write it, count. */
function baselineOp(): void {
  logger.info({
    event: "provisioner.drop",
    drop_id: idPrefix + ++sequence,
    token: request.token,
    provider_resource_id: request.providerResourceId,
    resource_type: request.resourceType,
    backend: request.backend,
    request_id: request.requestId,
    caller: request.caller,
  }, "provisioner.drop");
  counter.inc({ resource_type: request.resourceType, backend: request.backend, outcome: "ok" });
}

/** Times `ops` interleaved pairs; returns the mean µs per op of each. */
async function round(ops: number): Promise<{ baseline: number; guarded: number }> {
  let baselineMs = 0;
  let guardedMs = 0;
  for (let i = 0; i < ops; i++) {
    // Alternate which goes first, so that neither always runs on a warmer cache.
    if (i % 2 === 0) {
      const t0 = performance.now();
      baselineOp();
      const t1 = performance.now();
      await guardedDrop(request, noop);
      const t2 = performance.now();
      baselineMs += t1 - t0;
      guardedMs += t2 - t1;
    } else {
      const t0 = performance.now();
      await guardedDrop(request, noop);
      const t1 = performance.now();
      baselineOp();
      const t2 = performance.now();
      guardedMs += t1 - t0;
      baselineMs += t2 - t1;
    }
  }
  return { baseline: (baselineMs / ops) * 1000, guarded: (guardedMs / ops) * 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// Warm up both paths so that the JIT has compiled them before we measure.
for (let i = 0; i < 5; i++) await round(opsPerRound);
truncateSync(file);

const ratios: number[] = [];
const baselineUs: number[] = [];
const guardedUs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const { baseline, guarded } = await round(opsPerRound);
  baselineUs.push(baseline);
  guardedUs.push(guarded);
  ratios.push(guarded / baseline);
  if (r % 10 === 9) truncateSync(file);
}
logger.destination.close();
rmSync(dir, { recursive: true, force: true });

const ratio = median(ratios);
console.log(`## chokepoint (${rounds} rounds × ${opsPerRound} interleaved pairs, Node ${process.version})\n`);
console.log("| measure | median per op |");
console.log("|---|---|");
console.log(`| baseline: one sync pino line + one counter increment, by hand | ${median(baselineUs).toFixed(2)} µs |`);
console.log(`| guardedDrop with a no-op drop | ${median(guardedUs).toFixed(2)} µs |`);
console.log(`| **ratio** (median of per-round ratios; budget ≤ ${BUDGET}×) | **${ratio.toFixed(3)}×** |`);
console.log(`\nper-round ratios: min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`);
if (ratio > BUDGET) {
  console.log(`\nOVER BUDGET: ${ratio.toFixed(3)}× > ${BUDGET}×`);
  process.exitCode = 1;
}
