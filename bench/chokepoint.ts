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
// Two requests are measured, each against its own baseline: the short one of
// the seed's tests, and a realistic one (a UUID token and request id, and a
// caller that is a gRPC peer address, `10.0.0.7:5544`, whose ":" used to send
// every record through the credential scrubber's regexes).
//
// Run: node --import tsx bench/chokepoint.ts [--rounds 100] [--ops 2000]

import { mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createGuardedDrop, type DropRequest } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";

const BUDGET = 1.5;
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const rounds = Number(args.get("rounds") ?? 100);
const opsPerRound = Number(args.get("ops") ?? 2000);

const dir = mkdtempSync(join(tmpdir(), "guarded-drop-bench-"));
const file = join(dir, "audit.log");
const logger = createAuditLogger({ destination: file });
const counter = createDropCounter({ registry: new Registry() });
const guardedDrop = createGuardedDrop({ logger, counter });

const requests: Record<string, DropRequest> = {
  short: {
    token: "acme42",
    providerResourceId: "res-7f3a",
    resourceType: "postgres",
    backend: "shared",
    requestId: "req-0001",
    caller: "bench",
  },
  realistic: {
    token: "0b7c6a9e-3f1d-4c2a-9b8e-5d4f3a2b1c0d",
    providerResourceId: "res-7f3a91c2",
    resourceType: "postgres",
    backend: "shared",
    requestId: "5e1f0c4d-8a2b-4f6e-9c3d-7b1a0e2f4d6c",
    caller: "10.0.0.7:5544",
  },
};
// The same line guardedDrop writes, field for field: its drop id has the same
// form (16 characters, a dot, a sequence number), since a line's length is
// most of its cost.
const idPrefix = "bEnChMaRkPrEfIx0.";
let sequence = 0;
const noop = () => {};

/** One hand-written audited line: build the record, write it, count. */
function baselineOp(request: DropRequest): void {
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
async function round(request: DropRequest, ops: number): Promise<{ baseline: number; guarded: number }> {
  let baselineMs = 0;
  let guardedMs = 0;
  for (let i = 0; i < ops; i++) {
    // Alternate which goes first, so that neither always runs on a warmer cache.
    if (i % 2 === 0) {
      const t0 = performance.now();
      baselineOp(request);
      const t1 = performance.now();
      await guardedDrop(request, noop);
      const t2 = performance.now();
      baselineMs += t1 - t0;
      guardedMs += t2 - t1;
    } else {
      const t0 = performance.now();
      await guardedDrop(request, noop);
      const t1 = performance.now();
      baselineOp(request);
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
for (let i = 0; i < 5; i++) for (const request of Object.values(requests)) await round(request, opsPerRound);
truncateSync(file);

const results = new Map<string, { ratios: number[]; baselineUs: number[]; guardedUs: number[] }>();
for (const name of Object.keys(requests)) results.set(name, { ratios: [], baselineUs: [], guardedUs: [] });
for (let r = 0; r < rounds; r++) {
  // The cases alternate round by round, so that both see the same machine.
  for (const [name, request] of Object.entries(requests)) {
    const { baseline, guarded } = await round(request, opsPerRound);
    const result = results.get(name)!;
    result.baselineUs.push(baseline);
    result.guardedUs.push(guarded);
    result.ratios.push(guarded / baseline);
  }
  if (r % 10 === 9) truncateSync(file);
}
logger.destination.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  `## chokepoint (${rounds} rounds × ${opsPerRound} interleaved pairs per request, Node ${process.version})\n`,
);
console.log(
  "| request | baseline: one sync pino line + one counter increment, by hand | guardedDrop with a no-op drop | **ratio** (median of per-round ratios; budget ≤ " +
    BUDGET + "×) | per-round ratios |",
);
console.log("|---|---|---|---|---|");
let over = false;
for (const [name, { ratios, baselineUs, guardedUs }] of results) {
  const ratio = median(ratios);
  over ||= ratio > BUDGET;
  console.log(
    `| ${name} | ${median(baselineUs).toFixed(2)} µs | ${median(guardedUs).toFixed(2)} µs | **${
      ratio.toFixed(3)
    }×** | ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} |`,
  );
}
if (over) {
  console.log(`\nOVER BUDGET: a ratio is above ${BUDGET}×`);
  process.exitCode = 1;
}
