// guarded-drop/pino: writes are synchronous and throw on failure, where
// pino's own destinations would swallow the error.

import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createGuardedDrop, type DropRequest } from "../../../lib/mod.ts";
import { createAuditLogger, createSyncDestination } from "../../../adapters/pino/mod.ts";
import { createDropCounter } from "../../../adapters/prom_client/mod.ts";
import { bounded } from "../../support/bounded.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

const dir = mkdtempSync(join(tmpdir(), "guarded-drop-pino-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The write end of a pipe whose reader is gone: every write gets EPIPE (Node ignores SIGPIPE). */
function brokenPipeFd(): number {
  const fifo = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
  execFileSync("mkfifo", [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, "w");
  closeSync(reader);
  return writer;
}

describe("createAuditLogger", () => {
  test("a record is in the file as soon as info returns", () => {
    const file = join(dir, "sync.log");
    const logger = createAuditLogger({ destination: file });
    for (let i = 0; i < 100; i++) {
      logger.info({ event: "provisioner.drop", i }, "provisioner.drop");
      const lines = readFileSync(file, "utf8").trim().split("\n");
      assert.equal(lines.length, i + 1);
      assert.equal(JSON.parse(lines[i]!).i, i);
    }
    logger.destination.close();
  });

  test("records carry an ISO time and the level", () => {
    const file = join(dir, "iso.log");
    const logger = createAuditLogger({ destination: file, fsync: true });
    logger.info({ event: "x" }, "x");
    const line = JSON.parse(readFileSync(file, "utf8"));
    assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(line.level, 30);
    logger.destination.close();
  });

  test("/dev/full: info throws ENOSPC", () => {
    const logger = createAuditLogger({ destination: "/dev/full" });
    assert.throws(() => logger.info({ event: "provisioner.drop" }, "provisioner.drop"), { code: "ENOSPC" });
    assert.throws(
      () => logger.info({ event: "provisioner.drop" }, "again"),
      { code: "ENOSPC" },
      "every write, not only the first",
    );
  });

  test("a closed descriptor: info throws EBADF", () => {
    const fd = openSync(join(dir, "closed.log"), "a");
    const logger = createAuditLogger({ destination: fd });
    closeSync(fd);
    assert.throws(() => logger.info({ event: "provisioner.drop" }), { code: "EBADF" });
  });

  test("a broken pipe: info throws EPIPE on every write, where pino.destination({ sync: true }) goes silent", async () => {
    const logger = createAuditLogger({ destination: brokenPipeFd() });
    assert.throws(() => logger.info({ event: "provisioner.drop" }), { code: "EPIPE" });
    assert.throws(() => logger.info({ event: "provisioner.drop" }), { code: "EPIPE" });

    // The reason this binding exists: pino's own sync destination swallows it.
    const pinoOwn = pino(pino.destination({ dest: brokenPipeFd(), sync: true }));
    let threw = 0;
    for (let i = 0; i < 3; i++) {
      try {
        pinoOwn.info({ event: "provisioner.drop" });
      } catch {
        threw++;
      }
    }
    assert.ok(
      threw < 3,
      `pino.destination threw ${threw} of 3 times: if it now throws every time, this binding could be simplified`,
    );
  });

  test("a closed destination throws instead of dropping records", () => {
    const logger = createAuditLogger({ destination: join(dir, "closing.log") });
    logger.destination.close();
    assert.throws(() => logger.info({ event: "provisioner.drop" }), /audit destination is closed/);
  });

  test("a level that disables info is refused up front", () => {
    assert.throws(() => createAuditLogger({ destination: 1, level: "warn" as "info" }), /'level' must enable info/);
  });

  test("a bad destination is refused up front", () => {
    assert.throws(() => createAuditLogger({ destination: "" }), TypeError);
    assert.throws(() => createAuditLogger({ destination: -1 }), TypeError);
    assert.throws(() => createAuditLogger({ destination: join(dir, "missing", "x.log") }), { code: "ENOENT" });
  });

  test("createSyncDestination writes the whole chunk", () => {
    const file = join(dir, "big.log");
    const destination = createSyncDestination(file);
    const chunk = `${"x".repeat(1 << 20)}\n`;
    destination.write(chunk);
    destination.close();
    assert.equal(readFileSync(file, "utf8").length, chunk.length);
  });
});

const READER = fileURLToPath(new URL("../../support/fifo_reader.mjs", import.meta.url));

function newFifo(): string {
  const fifo = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
  execFileSync("mkfifo", [fifo]);
  return fifo;
}

/** A reader child on `fifo` that reads `limit` bytes, then stops until told to drain. */
async function startReader(fifo: string, limit: number) {
  const child: ChildProcess = spawn(process.execPath, [READER, fifo, String(limit)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, () => void>();
  const said = new Set<string>();
  let report: ((value: { lines: number; json: number }) => void) | undefined;
  lines.on("line", (line) => {
    if (line.startsWith("{")) report?.(JSON.parse(line));
    else {
      said.add(line);
      waiting.get(line)?.();
    }
  });
  // Bounded from when it is awaited: a test whose synchronous writes block
  // the event loop for longer than the bound must not see it expire unawaited.
  const saw = (word: string) =>
    said.has(word)
      ? Promise.resolve()
      : bounded(new Promise<void>((resolve) => waiting.set(word, resolve)), 10_000, `the reader's "${word}"`);
  const opened = saw("open");
  await opened;
  return {
    /** Resolves once the reader has stopped reading (at its limit). */
    stopped(): Promise<void> {
      return saw("stopped");
    },
    /** Lets it drain; it reports once every writer has closed the FIFO. */
    drain(): Promise<{ lines: number; json: number }> {
      const reported = new Promise<{ lines: number; json: number }>((resolve) => (report = resolve));
      child.stdin!.write("drain\n");
      return bounded(reported, 10_000, "the reader's report");
    },
    kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** Measures how late a 5 ms interval fires while `body` runs: a frozen event loop shows as one long gap. */
async function withTicker<T>(body: () => Promise<T>): Promise<{ result: T; ticks: number; maxGapMs: number }> {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    const result = await body();
    maxGapMs = Math.max(maxGapMs, performance.now() - last);
    return { result, ticks, maxGapMs };
  } finally {
    clearInterval(timer);
  }
}

describe("createAuditLogger on a FIFO", () => {
  test("with no reader, the open fails within writeTimeoutMs with ENXIO, instead of blocking forever", () => {
    const fifo = newFifo();
    for (const writeTimeoutMs of [50, 200]) {
      const started = performance.now();
      assert.throws(() => createAuditLogger({ destination: fifo, writeTimeoutMs }), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, "ENXIO");
        assert.match(
          err.message,
          new RegExp(
            `^Cannot open the audit destination as it is a FIFO that no reader opened within ${writeTimeoutMs} ms`,
          ),
        );
        return true;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= writeTimeoutMs - 5 && elapsed < writeTimeoutMs + LOADED_MACHINE_SLACK_MS, `${elapsed} ms`);
    }
  });

  test("writeTimeoutMs is checked up front", () => {
    for (const bad of [0, -1, Number.NaN, "100"]) {
      assert.throws(
        () => createAuditLogger({ destination: join(dir, "bad.log"), writeTimeoutMs: bad as number }),
        /'writeTimeoutMs' must be a positive finite number/,
      );
    }
  });

  test("a reader that stops reading: drops end audit_failed, the event loop keeps ticking, and every written record is whole", async () => {
    const fifo = newFifo();
    const reader = await startReader(fifo, 1_000);
    try {
      const logger = createAuditLogger({ destination: fifo, writeTimeoutMs: 50 });
      const registry = new Registry();
      const counter = createDropCounter({ registry });
      const guardedDrop = createGuardedDrop({ logger, counter });
      const N = 400;
      let calls = 0;
      const request = (i: number): DropRequest => ({
        token: `acme${i}`,
        resourceType: "redis",
        backend: "shared",
        requestId: `fifo-${i}`,
        caller: "test/pino",
      });
      const { result: outcomes, ticks, maxGapMs } = await withTicker(async () => {
        const seen: Record<string, number> = {};
        for (let i = 0; i < N; i++) {
          try {
            await guardedDrop(request(i), () => void calls++);
            seen.ok = (seen.ok ?? 0) + 1;
          } catch (err) {
            const outcome = (err as { outcome?: string }).outcome ?? "thrown";
            seen[outcome] = (seen[outcome] ?? 0) + 1;
          }
          if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        return seen;
      });
      await reader.stopped();
      const ok = outcomes.ok ?? 0;
      const auditFailed = outcomes.audit_failed ?? 0;
      assert.deepEqual(Object.keys(outcomes).sort(), ["audit_failed", "ok"], JSON.stringify(outcomes));
      assert.equal(ok + auditFailed, N);
      // A pipe holds 64 KiB: a record is a few hundred bytes, so some hundred fit, and the rest fail.
      assert.ok(ok >= 50 && ok < 350, `ok ${ok}`);
      assert.equal(calls, ok, "the drop ran exactly for the drops whose record was written");
      const value = async (outcome: string) =>
        (await registry.getSingleMetric("provisioner_drop_total")!.get()).values.find((v) =>
          v.labels.resource_type === "redis" && v.labels.backend === "shared" && v.labels.outcome === outcome
        )?.value ?? 0;
      assert.equal(await value("audit_failed"), auditFailed, "provisioner_drop_total{outcome=audit_failed}");
      assert.equal(await value("ok"), ok, "provisioner_drop_total{outcome=ok}");
      assert.ok(ticks > 0, "the interval fired");
      // The bug this guards against froze the loop for good; a loaded 2-core
      // machine alone can delay a timer by seconds, so the bound is its slack.
      assert.ok(maxGapMs < LOADED_MACHINE_SLACK_MS, `the event loop stalled for ${maxGapMs.toFixed(0)} ms`);

      // The reader drains: the destination recovers, and the next drop goes through.
      const report = reader.drain();
      let recovered = false;
      for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        try {
          await guardedDrop(request(N + attempt), () => void calls++);
          recovered = true;
        } catch {
          // still full: the reader has not caught up yet
        }
      }
      assert.ok(recovered, "a drop succeeded once the reader drained");
      logger.destination.close();
      const { lines, json } = await report;
      assert.equal(json, lines, "every line the reader got is a whole JSON record");
      // Every ok drop wrote its provisioner.drop line; no failed drop did.
      assert.ok(lines >= ok + 1, `${lines} lines for ${ok + 1} ok drops`);
    } finally {
      reader.kill();
    }
  });

  test("a blocking descriptor of a FIFO whose reader stopped: a write throws within writeTimeoutMs instead of blocking", async () => {
    const fifo = newFifo();
    const reader = await startReader(fifo, 100);
    const fd = openSync(fifo, "w"); // blocking: without the reopen, a full pipe blocks writeSync for good
    try {
      // A bound far past a loaded machine's slack (a sleep, not a spin): a
      // next write that waited for it again could not look "at once".
      const writeTimeoutMs = 2 * LOADED_MACHINE_SLACK_MS;
      const logger = createAuditLogger({ destination: fd, writeTimeoutMs });
      const record = { event: "provisioner.drop", pad: "x".repeat(300) };
      let written = 0;
      const started = performance.now();
      let error: NodeJS.ErrnoException | undefined;
      for (let i = 0; i < 10_000 && error === undefined; i++) {
        try {
          logger.info(record, "provisioner.drop");
          written++;
        } catch (err) {
          error = err as NodeJS.ErrnoException;
        }
      }
      assert.equal(error?.code, "ETIMEDOUT");
      assert.match(error!.message, new RegExp(`accepted no data within ${writeTimeoutMs} ms`));
      assert.ok(written > 10 && written < 1_000, `written ${written}`);
      assert.ok(
        performance.now() - started < writeTimeoutMs + LOADED_MACHINE_SLACK_MS,
        `${performance.now() - started} ms`,
      );
      // Stalled: the next write fails at once, without waiting the bound again.
      const again = performance.now();
      assert.throws(() => logger.info(record, "provisioner.drop"), { code: "EAGAIN" });
      assert.ok(performance.now() - again < LOADED_MACHINE_SLACK_MS, `${performance.now() - again} ms`);
      logger.destination.close();
    } finally {
      closeSync(fd);
      reader.kill();
    }
  });
});
