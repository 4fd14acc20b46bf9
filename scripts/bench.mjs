#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other so that none steals
// the other's CPU. Each prints a markdown table and exits non-zero when it
// misses its budget. Timing never happens in tests.
//
// Usage: npm run bench [-- chokepoint redis-purge redis-quarantine guard audit-store policy nats]   (default: all)

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const all = ["chokepoint", "redis-purge", "redis-quarantine", "guard", "audit-store", "policy", "nats"];
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;

const results = [];
for (const name of wanted) {
  const file = join(root, "bench", `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`unknown benchmark ${name}: expected ${file}`);
    process.exit(2);
  }
  console.log(`\n# bench/${name}.ts\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, stdio: "inherit" });
  results.push([name, result.status === 0]);
}
console.log("\n# Summary");
for (const [name, ok] of results) console.log(`${ok ? "within budget" : "OVER BUDGET or FAILED"}: ${name}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
