#!/usr/bin/env node
// `npm test`: type-check, every node:test suite, and the core's suites again
// under Deno, side by side. A skipped suite is listed with its reason at the
// end, so that "skipped" is never mistaken for "passed".
//
// Usage: npm test [-- <test files or dirs>]   (default: everything under test/)
//
// Speed: the suites are independent (each uses its own tenant tokens, its own
// throwaway servers on free ports and its own temp dirs), so node:test runs
// GD_TEST_CONCURRENCY files at once (default: twice the cores, at least 2;
// most of a suite's time is spent waiting on a server), the longest ones of
// the last run first. The conformance suite runs once per provider, as
// separate processes, so that the containers and the external servers are
// exercised at the same time. Files listed in SERIAL run one at a time, after
// the others, and so does the containers load test (it loads the machine).
//
// Bounds: each test file is killed after GD_TEST_FILE_TIMEOUT_S seconds
// (default 180; the conformance suite 600, the files in SLOW their own
// bound), and the report names the tests that were still running in it. The
// whole run is killed after GD_TEST_RUN_TIMEOUT_S seconds (default 1500),
// printing which files and tests were still running. A hang therefore fails
// in minutes, with its name.

import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const tmp = join(root, ".tmp", "test");
/** How long each file took in earlier runs: the longest start first, so that none is left to run alone at the end. */
const durationsFile = join(root, ".tmp", "test-durations.json");
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

const seconds = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(
      `Cannot run the tests as '${name}' must be a positive number of seconds: current value is '${process.env[name]}'`,
    );
    process.exit(2);
  }
  return value;
};
const FILE_TIMEOUT_S = seconds("GD_TEST_FILE_TIMEOUT_S", 180);
const RUN_TIMEOUT_S = seconds("GD_TEST_RUN_TIMEOUT_S", 1500);
const CONCURRENCY = (() => {
  const value = Number(process.env.GD_TEST_CONCURRENCY ?? Math.max(2, 2 * availableParallelism()));
  if (!Number.isInteger(value) || value < 1) {
    console.error(
      `Cannot run the tests as 'GD_TEST_CONCURRENCY' must be a whole number of files, 1 or more: current value is '${process.env.GD_TEST_CONCURRENCY}'`,
    );
    process.exit(2);
  }
  return value;
})();

/** Suites that run one process per value of an environment variable, unless it is already set. */
const SPLIT = {
  "test/harness/conformance.test.ts": { variable: "GD_PROVIDER", values: ["containers", "external"], timeoutS: 600 },
  // Rounds of 50 concurrent drops on a container beside two busy loops of its
  // own: 1–2 min, so a job (and a bound) of its own. It runs after the others
  // (`after`): its busy loops beside them made other files twice as slow,
  // close to their own bound, which is a failure by chance.
  "test/harness/containers_postgres_load.test.ts": {
    variable: "GD_PROVIDER",
    values: ["containers"],
    timeoutS: 600,
    after: true,
  },
};
/**
 * Files whose own work outlasts the default per-file bound on a loaded
 * machine, each with its bound in seconds and the reason. They run as one
 * job of their own (beside the others), since node:test bounds every file of
 * a job alike. A bound here must still end a hang in minutes.
 */
const SLOW = {
  // Kills a child process (a fresh node + tsx) before each kind of statement
  // of a deprovision and of a restore on a throwaway MariaDB, and checks the
  // tenant after each: ~25 child starts and ~30 tenants. 90–120 s alone,
  // 180 s (the default bound) reached beside a whole run and two busy loops.
  "test/adapters/mysql_quarantine.test.ts": 480,
  // The same kill-at-each-command checks on throwaway Redis servers: 169 s
  // beside a whole run and two busy loops, at the default bound's edge.
  "test/adapters/redis_quarantine.test.ts": 480,
};
/**
 * The files that took longest on the reference machine (they pack the
 * tarball, compile, or run the CLIs in child processes): on a machine with no
 * recorded times (a clean clone) they start first, so that none of them is
 * left to run alone at the end. Only the order depends on it.
 */
const LONGEST = [
  "test/package.test.ts",
  "test/guard/cli.test.ts",
  "test/guard/self.test.ts",
  "test/guard/base.test.ts",
  "test/jsr.test.ts",
];
/** Suites that must not run while another one runs (none today: add a file here, with the reason). */
const SERIAL = [];

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

const requested = process.argv.slice(2);
const files = [...new Set((requested.length > 0 ? requested : ["test"]).flatMap((p) => testFiles(join(root, p))))];
const rel = (file) => relative(root, file);
const onlyCore = files.every((f) => rel(f).startsWith("test/lib"));

// --- Jobs ---------------------------------------------------------------------
// A job is one command; jobs run at the same time, except `after` jobs.

const jobs = [];
const nodeTestJob = (
  tag,
  title,
  testFiles,
  { env = {}, concurrency = CONCURRENCY, timeoutS = FILE_TIMEOUT_S, after } = {},
) => {
  jobs.push({
    tag,
    title,
    kind: "node:test",
    progress: join(tmp, `${tag.replace(/[^\w.-]/g, "_")}.progress.json`),
    after,
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${Math.round(timeoutS * 1000)}`,
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${join(root, "scripts", "test_progress_reporter.mjs")}`,
      "--test-reporter-destination=stdout",
      ...testFiles,
    ],
    env,
    files: testFiles.map(rel),
  });
};

jobs.push({ tag: "tsc", title: "type-check (tsc --noEmit)", command: bin("tsc"), args: ["-p", "tsconfig.json"] });
const serial = files.filter((f) => SERIAL.includes(rel(f)));
const split = files.filter((f) => !serial.includes(f) && SPLIT[rel(f)] !== undefined);
const slow = files.filter((f) => !serial.includes(f) && !split.includes(f) && SLOW[rel(f)] !== undefined);
let known = {};
let unrecorded = Infinity; // a file with no recorded time may be slow: it goes first
try {
  known = JSON.parse(readFileSync(durationsFile, "utf8"));
} catch {
  // The first run here: the known longest files first, then alphabetical order.
  known = Object.fromEntries(LONGEST.map((file, i) => [file, LONGEST.length - i]));
  unrecorded = 0;
}
const weight = (file) => known[rel(file)] ?? unrecorded;
const parallel = files
  .filter((f) => !serial.includes(f) && !split.includes(f) && !slow.includes(f))
  .sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
if (parallel.length > 0) {
  nodeTestJob("node", `node:test (${parallel.length} files, ${CONCURRENCY} at a time)`, parallel);
}
if (slow.length > 0) {
  const timeoutS = Math.max(FILE_TIMEOUT_S, ...slow.map((f) => SLOW[rel(f)]));
  nodeTestJob("slow", `node:test (${slow.length} slow files, each bounded at ${timeoutS} s)`, slow, { timeoutS });
}
for (const file of split) {
  const { variable, values, timeoutS, after } = SPLIT[rel(file)];
  const forced = process.env[variable];
  for (const value of forced ? [forced] : values) {
    nodeTestJob(
      `${rel(file).split("/").pop().replace(".test.ts", "")}:${value}`,
      `node:test ${rel(file)} with ${variable}=${value}`,
      [file],
      { env: { [variable]: value }, timeoutS: Math.max(timeoutS, FILE_TIMEOUT_S), after },
    );
  }
}
if (serial.length > 0) {
  nodeTestJob("serial", `node:test (${serial.length} serial files)`, serial, { concurrency: 1, after: true });
}
if (requested.length === 0 || onlyCore) {
  jobs.push({
    tag: "deno-check",
    title: "deno check lib/",
    command: bin("deno"),
    args: ["check", "lib/mod.ts"],
    env: { NO_COLOR: "1" },
  });
  jobs.push({
    tag: "deno-test",
    title: "deno test test/lib/",
    kind: "deno",
    command: bin("deno"),
    args: ["test", "--allow-all", "test/lib/"],
    env: { NO_COLOR: "1" },
  });
}

// --- Running -------------------------------------------------------------------

const started = performance.now();
const elapsed = (from = started) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

/** Runs a job in its own process group; every line it prints goes out whole, with its tag. */
function runJob(job) {
  const { tag } = job;
  return new Promise((resolve) => {
    console.log(
      `\n### ${tag} start: ${job.title}\n$ ${
        [job.command, ...job.args].map((a) => (a.startsWith(root) ? rel(a) : a)).join(" ")
      }`,
    );
    const begun = performance.now();
    const child = spawn(job.command, job.args, {
      cwd: root,
      detached: true, // its own process group: the bound kills everything it started
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...job.env, ...(job.progress ? { GD_TEST_PROGRESS_FILE: job.progress } : {}) },
    });
    job.child = child;
    job.output = "";
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop();
        if (lines.length > 0) {
          const text = lines.map((line) => `[${tag}] ${line}`).join("\n");
          console.log(text);
          if (job.kind === "deno") job.output += `${lines.join("\n")}\n`;
        }
      });
      stream.on("end", () => {
        if (pending !== "") console.log(`[${tag}] ${pending}`);
        if (job.kind === "deno") job.output += pending;
      });
    }
    child.on("close", (code, signal) => {
      // Anything the job left behind in its group (a server a failed test did
      // not stop) goes with it.
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is empty: nothing was left running.
      }
      job.ok = code === 0;
      job.exit = code ?? signal;
      job.seconds = elapsed(begun);
      console.log(`### ${tag} ${job.ok ? "ok" : `FAILED (exit ${job.exit})`} in ${job.seconds}: ${job.title}`);
      resolve();
    });
  });
}

function stillRunning() {
  const lines = [];
  for (const job of jobs) {
    if (job.ok !== undefined || job.child === undefined) continue;
    lines.push(`  - ${job.title}`);
    if (job.progress === undefined) continue;
    try {
      const { running } = JSON.parse(readFileSync(job.progress, "utf8"));
      for (const [file, { started: since, tests }] of Object.entries(running)) {
        lines.push(
          `      ${rel(file)} (for ${((Date.now() - since) / 1000).toFixed(0)} s): ${
            tests.length > 0
              ? tests.join(" › ")
              : "(none reported yet: node:test hands on a file's tests in file order)"
          }`,
        );
      }
    } catch {
      lines.push("      (no progress recorded yet)");
    }
  }
  return lines;
}

const watchdog = setTimeout(() => {
  console.log(
    `\n### WATCHDOG: the whole run took longer than ${RUN_TIMEOUT_S} s (GD_TEST_RUN_TIMEOUT_S); still running:`,
  );
  for (const line of stillRunning()) console.log(line);
  for (const job of jobs) {
    if (job.child !== undefined && job.ok === undefined) {
      try {
        process.kill(-job.child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  console.log("\n0 passed, 1 failed");
  process.exit(1);
}, RUN_TIMEOUT_S * 1000);
watchdog.unref();

await Promise.all(jobs.map((job) => (job.after ? undefined : runJob(job))));
for (const job of jobs) if (job.after) await runJob(job);
clearTimeout(watchdog);

// --- Summary -------------------------------------------------------------------

const counts = { passed: 0, failed: 0, skipped: 0 };
const took = {};
const skips = [];
const failures = [];
for (const job of jobs) {
  if (job.kind === "node:test") {
    let progress;
    try {
      progress = JSON.parse(readFileSync(job.progress, "utf8"));
    } catch {
      // No progress file: the job failed before running a test, and says so above.
    }
    if (progress === undefined) {
      if (!job.ok) counts.failed += 1;
      continue;
    }
    for (const [file, ms] of Object.entries(progress.durations ?? {})) took[rel(file)] = ms;
    counts.passed += progress.counts.passed;
    counts.failed += progress.counts.failed;
    counts.skipped += progress.counts.skipped;
    if (!job.ok && progress.counts.failed === 0) counts.failed += 1; // it failed without a failing test: say so
    for (const skip of progress.skips) skips.push(`${rel(skip.file)}: ${skip.name}: ${skip.reason}`);
    for (const failure of progress.failures) {
      failures.push(`${rel(failure.file)}: ${failure.name}: ${failure.error.split("\n")[0]}`);
    }
  } else if (job.kind === "deno") {
    const result = /(\d+) passed[^\n]*?\| (\d+) failed/.exec(job.output);
    if (result) {
      counts.passed += Number(result[1]);
      counts.failed += Number(result[2]);
    }
    if (!job.ok && (!result || Number(result[2]) === 0)) counts.failed += 1;
  } else if (!job.ok) {
    counts.failed += 1; // a failed step (type-check, deno check) is a failure, whatever the tests say
  }
}

console.log(`\n### Summary (${elapsed()} in all)`);
for (const job of jobs) console.log(`${job.ok ? "ok    " : "FAILED"} ${job.title} (${job.seconds})`);
const slowest = Object.entries(took).sort(([, a], [, b]) => b - a).slice(0, 5);
if (slowest.length > 0) {
  console.log(`\nSlowest files: ${slowest.map(([file, ms]) => `${file} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
}
try {
  writeFileSync(durationsFile, JSON.stringify({ ...known, ...took }, null, 1));
} catch {
  // Only the order of the next run depends on it.
}
if (failures.length > 0) {
  console.log(`\n${failures.length} FAILED:`);
  for (const failure of failures) console.log(`  - ${failure}`);
}
if (skips.length > 0) {
  console.log(`\n${skips.length} test(s) SKIPPED — not run, not passed:`);
  for (const skip of skips) console.log(`  - ${skip}`);
}
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(jobs.every((job) => job.ok) ? 0 : 1);
