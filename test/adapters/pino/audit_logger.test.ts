// guarded-drop/pino: writes are synchronous and throw on failure, where
// pino's own destinations would swallow the error.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pino } from "pino";
import { createAuditLogger, createSyncDestination } from "../../../adapters/pino/mod.ts";

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
    assert.throws(() => logger.info({ event: "provisioner.drop" }, "again"), { code: "ENOSPC" }, "every write, not only the first");
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
    assert.ok(threw < 3, `pino.destination threw ${threw} of 3 times: if it now throws every time, this binding could be simplified`);
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
