// How a neighbour's GET latency fares while a shared Redis tenant of
// 200,000 keys is quarantined (renamed in SCAN batches) and restored, on a
// throwaway redis-server. Prints the neighbour's p50/p99/max in ms during
// each, and the time each took; then the same for a plain drop (SCAN and
// UNLINK batches) of the same keys, as the baseline. The neighbour runs in
// this process, so its numbers include this process's own event loop.
//
// Usage: node --import tsx bench/redis-quarantine.ts [keys]

import { Redis } from "ioredis";
import { redisShared } from "../adapters/redis/mod.ts";
import { startThrowawayRedis } from "../test/support/servers.ts";

const KEYS = Number(process.argv[2] ?? 200_000);
const server = await startThrowawayRedis();
const admin = new Redis(server.url);
const neighbour = new Redis(server.url);
const adapter = redisShared({ url: server.url, retention: { days: 7 } });
const plain = redisShared({ url: server.url });
try {
  await admin.call("ACL", "SETUSER", "usr_big", "on", ">pw", "~big:*", "+@all", "-@admin");
  await fill();
  await neighbour.set("other:1", "x");
  const runs = [
    ["quarantine", () => adapter.deprovision("big")],
    ["restore", () => adapter.restore("big")],
    ["drop (baseline)", () => plain.deprovision("big")],
  ] as const;
  for (const [label, run] of runs) {
    const samples: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        await neighbour.get("other:1");
        samples.push(performance.now() - t);
      }
    })();
    const started = performance.now();
    await run();
    const took = performance.now() - started;
    done = true;
    await probe;
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(2);
    console.log(`${label} of ${KEYS} keys: ${took.toFixed(0)} ms; neighbour GET (${samples.length} samples) p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
  }
} finally {
  await adapter.close();
  await plain.close();
  admin.disconnect();
  neighbour.disconnect();
  await server.dispose();
}

async function fill(): Promise<void> {
  for (let start = 0; start < KEYS; start += 10_000) {
    const pipeline = admin.pipeline();
    for (let i = start; i < Math.min(KEYS, start + 10_000); i++) pipeline.set(`big:${i}`, `value-${i}`);
    await pipeline.exec();
  }
}
