// bench/nats.ts: the NATS purge budget of DESIGN §15.
//
//   node --import tsx bench/nats.ts [--streams 5] [--messages 100000] [--runs 3]
//
// Fills a tenant with 5 streams and 100,000 messages in all (each stream with
// a durable consumer) on GD_NATS_URL (default nats://127.0.0.1:4222) and
// deletes it, alternately, with natsShared's deprovision (through
// guardedDrop, as every drop goes: connect, JetStream check, list, delete
// the consumers, the streams, re-list, close) and with a raw loop written
// here (connect, jsm.streams.delete of each stream, close), refilling
// between runs. It prints a markdown table of medians and their ratio
// (budget <= 1.5), exits 1 when the budget is missed, and removes what it
// created.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Registry } from "prom-client";
import { createGuardedDrop } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";
import { natsShared } from "../adapters/nats/mod.ts";

const { values: args } = parseArgs({
  options: {
    streams: { type: "string", default: "5" },
    messages: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
  },
});
const STREAMS = Number(args.streams);
const MESSAGES = Number(args.messages);
const RUNS = Number(args.runs);
const PUBLISH_BATCH = 1_000;
const RATIO_BUDGET = 1.5;

const url = process.env.GD_NATS_URL?.trim() || "nats://127.0.0.1:4222";
const token = `bench${randomBytes(4).toString("hex")}`;
const prefix = `t${token.length}_${token}_`;
const names = Array.from({ length: STREAMS }, (_, i) => `${prefix}s${i}`);
const payload = new TextEncoder().encode("x".repeat(64));

const auditDir = mkdtempSync(join(tmpdir(), "guarded-drop-bench-"));
const guardedDrop = createGuardedDrop({
  logger: createAuditLogger({ destination: join(auditDir, "audit.log") }),
  counter: createDropCounter({ registry: new Registry() }),
});
const adapter = natsShared({ url });

/** Creates the tenant's streams, each with a durable consumer, and publishes the messages in pipelined batches. */
async function fill(): Promise<void> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc, { timeout: 60_000 });
    for (const name of names) {
      await jsm.streams.add({
        name,
        subjects: [`bench.${token}.${name}`],
        description: `guarded-drop tenant ${token}`,
      });
      await jsm.consumers.add(name, { durable_name: "reader", ack_policy: "explicit" as never });
    }
    for (let sent = 0; sent < MESSAGES; sent += PUBLISH_BATCH) {
      const batch = Math.min(PUBLISH_BATCH, MESSAGES - sent);
      await Promise.all(
        Array.from({ length: batch }, (_, i) => js.publish(`bench.${token}.${names[(sent + i) % STREAMS]}`, payload)),
      );
    }
    let stored = 0;
    for (const name of names) stored += (await jsm.streams.info(name)).state.messages;
    if (stored !== MESSAGES) throw new Error(`the fill stored ${stored} messages, expected ${MESSAGES}`);
  } finally {
    await nc.close();
  }
}

/**
 * The raw baseline: one connection, a stream delete each, close.
 *
 * @sanctionedDrop
 */
async function rawLoop(): Promise<void> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of names) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const adapterMs: number[] = [];
const rawMs: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // Alternate which goes first, so that neither always meets a warmer server.
    for (const method of run % 2 === 0 ? ["adapter", "raw"] : ["raw", "adapter"]) {
      await fill();
      if (method === "raw") {
        rawMs.push(await timed(rawLoop));
      } else {
        adapterMs.push(
          await timed(() =>
            guardedDrop(
              {
                token,
                resourceType: adapter.resourceType,
                backend: adapter.backend,
                requestId: `bench-${run}`,
                caller: "bench/nats",
              },
              () => adapter.deprovision(token),
            )
          ),
        );
      }
      if (await adapter.exists(token)) throw new Error(`the ${method} run left streams behind`);
    }
  }
} finally {
  await adapter.close();
  rmSync(auditDir, { recursive: true, force: true });
}

const ratio = median(adapterMs) / median(rawMs);
console.log(`| ${STREAMS} streams, ${MESSAGES.toLocaleString("en")} messages, ${RUNS} runs each | median ms |`);
console.log("|---|---|");
console.log(`| natsShared deprovision through guardedDrop | ${median(adapterMs).toFixed(1)} |`);
console.log(`| raw jsm.streams.delete loop (connect, delete, close) | ${median(rawMs).toFixed(1)} |`);
console.log(`| ratio (budget <= ${RATIO_BUDGET}) | ${ratio.toFixed(2)} |`);
console.log(
  `\nall runs (ms): adapter ${adapterMs.map((v) => v.toFixed(1)).join(", ")}; raw ${
    rawMs.map((v) => v.toFixed(1)).join(", ")
  }`,
);
process.exit(ratio <= RATIO_BUDGET ? 0 : 1);
