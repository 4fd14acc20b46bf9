// A failure that explains itself (issue 24): when a test fails because its
// server crashed, the test output ends with the tail of that server's log.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { appendToFailure, crashReport, type LoggedServer } from "../support/crash_report.ts";
import { dedicatedPostgresSkipReason, envUrl } from "../support/servers.ts";

const CHILD = fileURLToPath(new URL("../support/crashing_server_child.ts", import.meta.url));
/** The child starts a cluster (seconds), crashes it and reports: generous on a loaded machine. */
const CHILD_BOUND_MS = 120_000;

const logged = (name: string, log: string): LoggedServer => ({ name, logTail: async () => log });

describe("crashReport", () => {
  test("names only the servers whose log shows a crash, with their tail", async () => {
    const report = await crashReport([
      logged("calm", "state: running\nLOG:  checkpoint complete"),
      logged("pg", "state: running\nLOG:  server process (PID 7) was terminated by signal 9: Killed"),
      logged("redis", "state: crashed: its process 9 exited with SIGSEGV\n=== REDIS BUG REPORT START"),
    ]);
    const headers = report.split("\n").filter((line) =>
      line.startsWith("--- ") && line.includes("crashed or restarted")
    );
    assert.deepEqual(headers, [
      "--- pg crashed or restarted: the last 60 lines of its log ---",
      "--- redis crashed or restarted: the last 60 lines of its log ---",
    ]);
    assert.match(report, /terminated by signal 9/);
    assert.doesNotMatch(report, /checkpoint complete/);
  });

  test("nothing for servers that did not crash; an unreadable log is named with the reason", async () => {
    assert.equal(await crashReport([logged("calm", "state: running\nready")]), "");
    const report = await crashReport([{ name: "gone", logTail: () => Promise.reject(new Error("no such container")) }]);
    assert.equal(report, "--- gone: its log could not be read (no such container) ---");
  });

  test("appendToFailure puts the report last in the stack the reporter prints", () => {
    const error = new Error("Connection terminated unexpectedly");
    const wrapper = new Error("test failed", { cause: error });
    appendToFailure(wrapper, "--- tail ---");
    assert.ok(error.stack!.endsWith("\n--- tail ---"));
    assert.match(error.message, /--- tail ---$/);
  });
});

test("a test that fails because its throwaway PostgreSQL crashed ends with that server's log tail", {
  skip: envUrl("GD_POSTGRES_DEDICATED_URL") !== undefined
    ? "GD_POSTGRES_DEDICATED_URL is set: the child would not start a throwaway cluster to crash"
    : dedicatedPostgresSkipReason() ?? false,
}, async () => {
  // Without NODE_TEST_CONTEXT, the child runs its own tests instead of
  // reporting to this runner.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", CHILD], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let out = "";
  child.stdout.on("data", (chunk) => (out += String(chunk)));
  child.stderr.on("data", (chunk) => (out += String(chunk)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once("exit", resolve)),
      new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), CHILD_BOUND_MS))),
    ]);
    assert.notEqual(code, "hung", `the child did not finish within ${CHILD_BOUND_MS} ms:\n${out}`);
    assert.equal(code, 1, `the child's test fails on purpose:\n${out}`);
    const lines = out.trimEnd().split("\n").map((line) => line.trim());
    // The output ends with the report: the header, the postmaster's own
    // account of the crash, and the end marker as the very last line.
    assert.match(lines.at(-1)!, /^--- end of postgres on port \d+'s log ---$/, out);
    const header = lines.findLastIndex((line) =>
      /^--- postgres on port \d+ crashed or restarted: the last 60 lines of its log ---$/.test(line)
    );
    assert.ok(header > 0, out);
    const tail = lines.slice(header).join("\n");
    assert.match(tail, /server process \(PID \d+\) was terminated by signal 9: Killed/);
    assert.match(tail, /terminating any other active server processes/);
    // The pg error varies with the moment of the reset (ECONNRESET, "Connection terminated…"): the test is named.
    assert.match(
      lines.slice(0, header).join("\n"),
      /✖ a session reset by the postmaster after another backend was killed fails/,
    );
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
