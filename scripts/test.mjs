#!/usr/bin/env node
// `npm test`: type-check, run every node:test suite, then run the core's
// suites again under Deno. A skipped suite is listed with its reason at the
// end, so that "skipped" is never mistaken for "passed".
//
// Usage: npm test [-- <test files or dirs>]   (default: everything under test/)

import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const tapFile = join(root, ".tmp", "test-results.tap");
mkdirSync(join(root, ".tmp"), { recursive: true });

function testFiles(path) {
  const stat = statSync(path);
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .filter((name) => name !== "fixtures" && name !== "support")
    .flatMap((name) => {
      const child = join(path, name);
      return statSync(child).isDirectory() ? testFiles(child) : name.endsWith(".test.ts") ? [child] : [];
    })
    .sort();
}

function step(title, command, args, options = {}) {
  console.log(`\n### ${title}\n$ ${[command, ...args].map((a) => relative(root, a) || a).join(" ")}`);
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`### ${title}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`);
  return ok;
}

const requested = process.argv.slice(2);
const files = (requested.length > 0 ? requested : ["test"]).flatMap((p) => testFiles(join(root, p)));
const onlyCore = files.every((f) => relative(root, f).startsWith("test/lib"));

const results = [];
results.push(["type-check (tsc --noEmit)", step("type-check", bin("tsc"), ["-p", "tsconfig.json"])]);
results.push([
  `node:test (${files.length} files)`,
  step("node:test", process.execPath, [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ]),
]);
if (requested.length === 0 || onlyCore) {
  results.push(["deno check lib/", step("deno check", bin("deno"), ["check", "lib/mod.ts"])]);
  results.push(["deno test test/lib/", step("deno test", bin("deno"), ["test", "--allow-all", "test/lib/"])]);
}

// Skips, with their reasons, from the TAP stream.
const skips = [];
try {
  for (const line of readFileSync(tapFile, "utf8").split("\n")) {
    const match = /^\s*ok \d+ - (.*?) # SKIP\s*(.*)$/.exec(line);
    if (match) skips.push(`${match[1]}: ${match[2] || "(no reason given)"}`);
  }
} catch {
  // No TAP file: the node:test step failed before writing one, and says so above.
}

console.log("\n### Summary");
for (const [name, ok] of results) console.log(`${ok ? "ok    " : "FAILED"} ${name}`);
if (skips.length > 0) {
  console.log(`\n${skips.length} test(s) SKIPPED — not run, not passed:`);
  for (const skip of skips) console.log(`  - ${skip}`);
}
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
