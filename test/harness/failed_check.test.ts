// A failed conformance check leaves nothing running: every client it opened
// is closed, so the process that ran it exits on its own, within a bound,
// instead of running into CI's time limit.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { throwawayRedisSkipReason } from "../support/servers.ts";

const CHILD = fileURLToPath(new URL("../support/failing_check_child.ts", import.meta.url));
const EXIT_BOUND_MS = 30_000;

test("checks that fail because the server died leave nothing running: their process exits on its own", {
  skip: throwawayRedisSkipReason() ?? false,
}, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += String(chunk)));
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c))),
      new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), EXIT_BOUND_MS))),
    ]);
    assert.notEqual(
      code,
      "hung",
      `the process did not exit within ${EXIT_BOUND_MS} ms after its checks: ${stdout}${stderr}`,
    );
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split("\n");
    assert.equal(lines.filter((l) => l.startsWith("failed ")).length, 4, stdout);
    assert.equal(lines.filter((l) => l.startsWith("passed ")).length, 0, stdout);
    assert.equal(lines.at(-1), "done");
    assert.ok(performance.now() - started < EXIT_BOUND_MS);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
