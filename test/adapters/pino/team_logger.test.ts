// The team's own pino: createAuditLogger builds on an existing logger and
// keeps the synchronous, fail-closed destination; createGuardedDrop refuses a
// pino logger whose lines land later (a transport, an async SonicBoom, a
// multistream holding one) unless allowAsyncLogger opts in, with one warning.
// All with real pino.

import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pino } from "pino";
import { AsyncLoggerError, createGuardedDrop, isAsyncLoggerError } from "../../../lib/mod.ts";
import { createAuditLogger } from "../../../adapters/pino/mod.ts";
import { bounded } from "../../support/bounded.ts";

const dir = mkdtempSync(join(tmpdir(), "guarded-drop-team-pino-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const request = {
  token: "acme42",
  resourceType: "postgres",
  backend: "shared" as const,
  requestId: "req-1",
  caller: "team",
};
const counter = { inc() {} };

function linesOf(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, "utf8").trim();
  return text === "" ? [] : text.split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A team logger writing to its own file, synchronously so that what it wrote can be counted. */
function teamLogger(name: string, options: pino.LoggerOptions = {}): { logger: pino.Logger; file: string } {
  const file = join(dir, `${name}-team.log`);
  writeFileSync(file, "");
  return { logger: pino(options, pino.destination({ dest: file, sync: true })), file };
}

describe("createAuditLogger({ logger }): the team's own pino", () => {
  test("keeps the team's bindings, serializers, redact and formatters, and writes to the audit file only, at once", () => {
    const team = teamLogger("keeps", {
      base: { service: "provisioner" },
      redact: ["secret"],
      serializers: { tenant: (t: { id: string }) => `tenant:${t.id}` },
      formatters: { level: (label) => ({ severity: label }) },
    });
    const scoped = team.logger.child({ region: "eu-1" });
    const file = join(dir, "keeps-audit.log");
    const audit = createAuditLogger({ destination: file, logger: scoped });
    for (let i = 0; i < 3; i++) {
      audit.info({ event: "provisioner.drop", i, secret: "hunter2", tenant: { id: "acme42" } }, "provisioner.drop");
      assert.equal(linesOf(file).length, i + 1, "in the file as soon as info returns");
    }
    const line = linesOf(file)[0]!;
    assert.equal(line["service"], "provisioner");
    assert.equal(line["region"], "eu-1");
    assert.equal(line["secret"], "[Redacted]");
    assert.equal(line["tenant"], "tenant:acme42");
    assert.equal(line["severity"], "info");
    assert.equal(line["i"], 0);
    assert.deepEqual(linesOf(team.file), [], "nothing went to the team's stream");
    scoped.info("the team's logger still writes to its own stream");
    assert.equal(linesOf(team.file).length, 1);
    assert.equal(linesOf(file).length, 3);
    audit.destination.close();
  });

  test("a team logger at warn: the audit logger still writes info; at debug it keeps debug", () => {
    const warnTeam = teamLogger("warn", { level: "warn" });
    const warnAudit = createAuditLogger({ destination: join(dir, "warn-audit.log"), logger: warnTeam.logger });
    assert.equal(warnAudit.level, "info");
    assert.equal(warnTeam.logger.level, "warn", "the team's level is left alone");
    const debugTeam = teamLogger("debug", { level: "debug" });
    const debugAudit = createAuditLogger({ destination: join(dir, "debug-audit.log"), logger: debugTeam.logger });
    assert.equal(debugAudit.level, "debug");
    warnAudit.destination.close();
    debugAudit.destination.close();
  });

  test("fail-closed: a write to /dev/full throws out of info, so guardedDrop ends audit_failed and the drop never runs", async () => {
    const team = teamLogger("full");
    const audit = createAuditLogger({ destination: "/dev/full", logger: team.logger });
    assert.throws(() => audit.info({ event: "provisioner.drop" }), { code: "ENOSPC" });
    let ran = 0;
    const guardedDrop = createGuardedDrop({ logger: audit, counter });
    await assert.rejects(guardedDrop(request, () => void ran++), { code: "GD_AUDIT_FAILED" });
    assert.equal(ran, 0);
  });

  test("a team logger on a transport: the audit logger built on it is accepted by createGuardedDrop and writes synchronously", async () => {
    const transport = pino.transport({
      target: "pino/file",
      options: { destination: join(dir, "transport-team.log") },
    });
    const team = pino(transport);
    try {
      const file = join(dir, "transport-audit.log");
      const audit = createAuditLogger({ destination: file, logger: team });
      const guardedDrop = createGuardedDrop({ logger: audit, counter });
      let recordsWhenDropRan = -1;
      await guardedDrop(request, () => void (recordsWhenDropRan = linesOf(file).length));
      assert.equal(recordsWhenDropRan, 1, "the provisioner.drop line was in the file before the drop ran");
      audit.destination.close();
    } finally {
      transport.end();
    }
  });

  test("bad input: not a pino logger, only custom levels without info, or logger with pinoOptions", () => {
    assert.throws(() => createAuditLogger({ destination: join(dir, "x.log"), logger: {} as pino.Logger }), {
      name: "TypeError",
      message: /'logger' must be a pino logger/,
    });
    const custom = pino(
      { customLevels: { audit: 35 }, useOnlyCustomLevels: true, level: "audit" },
      pino.destination({ dest: join(dir, "c.log"), sync: true }),
    );
    assert.throws(
      () => createAuditLogger({ destination: join(dir, "y.log"), logger: custom as unknown as pino.Logger }),
      {
        message: /'logger' must have the level 'info'.*current value has audit/,
      },
    );
    assert.throws(
      () => createAuditLogger({ destination: join(dir, "z.log"), logger: pino(), pinoOptions: { name: "x" } }),
      {
        message: /'pinoOptions' must be left out when 'logger' is given/,
      },
    );
  });
});

describe("createGuardedDrop refuses an asynchronous pino destination", () => {
  test("a transport (pino.transport): AsyncLoggerError at creation, naming the fix", async () => {
    const transport = pino.transport({
      target: "pino/file",
      options: { destination: join(dir, "refused-transport.log") },
    });
    try {
      const err = catchCreation(pino(transport));
      assert.ok(err instanceof AsyncLoggerError);
      assert.ok(isAsyncLoggerError(err));
      assert.equal(err.code, "GD_ASYNC_LOGGER");
      assert.ok(err instanceof TypeError);
      assert.match(
        err.message,
        /^Cannot create guardedDrop as 'logger' must write synchronously .*current value is a pino logger writing to a pino transport/,
      );
      assert.match(err.message, /createAuditLogger .*allowAsyncLogger: true/);
    } finally {
      transport.end();
    }
  });

  test("pino.destination({ sync: false }), pino's default stdout, a child of either, and a multistream holding one: refused", async () => {
    const asyncFile = pino.destination({ dest: join(dir, "async.log"), sync: false });
    await once(asyncFile, "ready");
    try {
      const loggers = {
        "sync: false": pino(asyncFile),
        "a child": pino(asyncFile).child({ tenant: "acme42" }).child({ more: 1 }),
        "pino's default": pino(),
        "a multistream": pino(
          {},
          pino.multistream([{ stream: pino.destination({ dest: join(dir, "ms.log"), sync: true }) }, {
            stream: asyncFile,
          }]),
        ),
      };
      for (const [name, logger] of Object.entries(loggers)) {
        const err = catchCreation(logger);
        assert.equal((err as { code?: string }).code, "GD_ASYNC_LOGGER", name);
      }
      assert.match(
        String((catchCreation(loggers["a multistream"]) as Error).message),
        /a pino multistream holding a SonicBoom with sync: false/,
      );
    } finally {
      asyncFile.flushSync();
      asyncFile.end();
    }
  });

  test("accepted: a synchronous file destination, createAuditLogger, and a plain object logger", () => {
    const syncFile = pino.destination({ dest: join(dir, "sync.log"), sync: true });
    assert.equal(typeof createGuardedDrop({ logger: pino(syncFile), counter }), "function");
    assert.equal(typeof createGuardedDrop({ logger: pino(syncFile).child({ a: 1 }), counter }), "function");
    assert.equal(
      typeof createGuardedDrop({ logger: pino({}, pino.multistream([{ stream: syncFile }])), counter }),
      "function",
    );
    const audit = createAuditLogger({ destination: join(dir, "audit.log") });
    assert.equal(typeof createGuardedDrop({ logger: audit, counter }), "function");
    assert.equal(typeof createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter }), "function");
    audit.destination.close();
  });

  test("allowAsyncLogger: true accepts it and writes exactly one warning through the logger; drops then run", async () => {
    const file = join(dir, "opt-in.log");
    const asyncFile = pino.destination({ dest: file, sync: false });
    await once(asyncFile, "ready");
    const logger = pino(asyncFile);
    const guardedDrop = createGuardedDrop({ logger, counter, allowAsyncLogger: true });
    await guardedDrop(request, () => undefined);
    await guardedDrop({ ...request, requestId: "req-2" }, () => undefined);
    // flushSync writes only what is still buffered: the warning's own write may
    // be in flight in libuv's pool (it is, on a loaded machine), and lands when
    // it lands. "close" comes after every write has.
    const closed = once(asyncFile, "close");
    asyncFile.end();
    await bounded(closed, 30_000, "the async destination's close after end()");
    const lines = linesOf(file);
    const warnings = lines.filter((l) => l["event"] === "provisioner.audit_logger.async");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!["level"], 40);
    assert.match(String(warnings[0]!["destination"]), /SonicBoom with sync: false/);
    assert.equal(lines.filter((l) => l["event"] === "provisioner.drop").length, 2);
  });

  test("a logger that is a Proxy refusing reflection is no pino logger: accepted, and creation never throws from it", () => {
    const target = { info() {}, warn() {}, error() {} };
    const hostile = new Proxy(target, {
      ownKeys() {
        throw new Error("no reflection");
      },
      getPrototypeOf() {
        throw new Error("no prototype");
      },
    });
    assert.equal(typeof createGuardedDrop({ logger: hostile, counter }), "function");
  });

  test("allowAsyncLogger must be a boolean", () => {
    assert.throws(() => createGuardedDrop({ logger: pino(), counter, allowAsyncLogger: "yes" as unknown as boolean }), {
      name: "TypeError",
      message: /'allowAsyncLogger' must be a boolean: current value is/,
    });
  });
});

function catchCreation(logger: pino.Logger): unknown {
  try {
    createGuardedDrop({ logger, counter });
  } catch (err) {
    return err;
  }
  assert.fail("createGuardedDrop accepted an asynchronous logger");
}
