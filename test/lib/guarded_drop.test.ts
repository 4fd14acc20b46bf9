// The drop contract of DESIGN §2, point by point, on a real pino logger
// writing to a temp file and a real prom-client registry.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { pino } from "pino";
import {
  type BreakerExecutor,
  createGuardedDrop,
  DROP_OUTCOMES,
  type DropRequest,
  isDropError,
} from "../../lib/mod.ts";
import { createAuditLogger } from "../../adapters/pino/mod.ts";
import { fixtureScope, labels, rejection, sampleRequest } from "../support/drop_kit.ts";

const request = sampleRequest;
const fixture = fixtureScope();

describe("1. exactly one provisioner.drop record before anything destructive runs", () => {
  test("the drop callback finds its own record already in the file", async () => {
    const f = fixture();
    let seenInFile = 0;
    await f.guardedDrop(request, ({ dropId }) => {
      seenInFile = readFileSync(f.file, "utf8").split("\n").filter((line) =>
        line.includes(`"drop_id":"${dropId}"`) && line.includes(`"event":"provisioner.drop"`)
      ).length;
    });
    assert.equal(seenInFile, 1);
    assert.equal(f.dropRecords().length, 1);
    assert.equal(f.lines().length, 1);
  });

  test("the record holds every field, at level info", async () => {
    const f = fixture();
    await f.guardedDrop({ ...request, intent: "contract ended" }, () => {});
    const [record] = f.dropRecords();
    assert.ok(record);
    assert.equal(record.level, 30);
    assert.match(record.drop_id, /^[A-Za-z0-9_-]{16}\.[1-9][0-9]*$/);
    assert.deepEqual(
      {
        token: record.token,
        provider_resource_id: record.provider_resource_id,
        resource_type: record.resource_type,
        backend: record.backend,
        request_id: record.request_id,
        caller: record.caller,
        intent: record.intent,
      },
      {
        token: "acme42",
        provider_resource_id: "res-7f3a",
        resource_type: "postgres",
        backend: "shared",
        request_id: "req-0001",
        caller: "billing.cancel",
        intent: "contract ended",
      },
    );
  });

  test("an empty or missing caller is written as unknown; an empty providerResourceId stays empty", async () => {
    const f = fixture();
    await f.guardedDrop({ ...request, requestId: "a", caller: "", providerResourceId: "" }, () => {});
    const { caller: _caller, ...withoutCaller } = request;
    await f.guardedDrop({ ...withoutCaller, requestId: "b" }, () => {});
    assert.equal(f.dropRecords("a")[0]?.caller, "unknown");
    assert.equal(f.dropRecords("a")[0]?.provider_resource_id, "");
    assert.equal(f.dropRecords("b")[0]?.caller, "unknown");
  });

  test("a logger that throws: audit_failed, the drop never runs", async () => {
    const f = fixture();
    let infoCalls = 0;
    const logger = {
      info() {
        infoCalls++;
        throw new Error("disk gone");
      },
      warn: (o: object, m?: string) => f.logger.warn(o, m),
      error: (o: object, m?: string) => f.logger.error(o, m),
    };
    const guardedDrop = createGuardedDrop({ logger, counter: { inc: (l) => counted.push(l.outcome) } });
    const counted: string[] = [];
    let ran = 0;
    const err = await rejection(guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_AUDIT_FAILED");
    assert.equal(err.outcome, "audit_failed");
    assert.equal(ran, 0);
    assert.equal(infoCalls, 1);
    assert.deepEqual(counted, ["audit_failed"]);
    const failed = f.failedRecords();
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.outcome, "audit_failed");
    assert.match(String(failed[0]?.error), /disk gone/);
  });

  test("a logger with info disabled: audit_failed, the drop never runs", async () => {
    const f = fixture();
    const warnOnly = pino({ level: "warn" }, createAuditLogger({ destination: f.file }).destination);
    const counts: string[] = [];
    const guardedDrop = createGuardedDrop({ logger: warnOnly, counter: { inc: (l) => counts.push(l.outcome) } });
    let ran = 0;
    const err = await rejection(guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_AUDIT_FAILED");
    assert.match(err.message, /level 'info' disabled/);
    assert.equal(ran, 0);
    assert.deepEqual(counts, ["audit_failed"]);
    assert.equal(f.dropRecords().length, 0);
    assert.equal(f.failedRecords().length, 1, "the warn-level failed record still gets out");
  });

  test("an auditStore that rejects: audit_failed, the drop never runs", async () => {
    const appended: unknown[] = [];
    const f = fixture({
      auditStore: {
        append(record) {
          appended.push(record);
          return Promise.reject(new Error("store unavailable"));
        },
      },
    });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_AUDIT_FAILED");
    assert.equal(ran, 0);
    assert.equal(appended.length, 1);
    assert.equal(f.dropRecords().length, 1);
    assert.equal(f.failedRecords().length, 1);
    assert.equal(await f.count(labels("audit_failed")), 1);
    assert.equal(await f.total(), 1);
  });

  test("the auditStore holds the record before the drop runs", async () => {
    const events: string[] = [];
    const f = fixture({
      auditStore: {
        async append(record) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          events.push(`append ${record.drop_id}`);
        },
      },
    });
    await f.guardedDrop(request, ({ dropId }) => void events.push(`drop ${dropId}`));
    const dropId = f.dropRecords()[0]?.drop_id;
    assert.deepEqual(events, [`append ${dropId}`, `drop ${dropId}`]);
  });

  test("a destination that cannot be written (/dev/full): audit_failed, the drop never runs", async () => {
    const counts: string[] = [];
    const guardedDrop = createGuardedDrop({
      logger: createAuditLogger({ destination: "/dev/full" }),
      counter: { inc: (l) => counts.push(l.outcome) },
    });
    let ran = 0;
    const err = await rejection(guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_AUDIT_FAILED");
    assert.match(err.message, /ENOSPC|No space left/);
    assert.equal(ran, 0);
    assert.deepEqual(counts, ["audit_failed"]);
    // The failed-record write also hit ENOSPC: it is kept on the error, not lost.
    assert.ok((err.suppressed as unknown[]).length >= 1);
  });
});

describe("2. the counter is incremented exactly once, after the outcome is known", () => {
  test("one increment per call, for every outcome", async () => {
    const f = fixture({ authorize: (req) => req.intent !== "deny", budget: { take: (req) => req.intent !== "limit" } });
    await f.guardedDrop(request, () => {});
    await rejection(f.guardedDrop({ ...request, token: "" }, () => {}));
    await rejection(f.guardedDrop({ ...request, intent: "deny" }, () => {}));
    await rejection(f.guardedDrop({ ...request, intent: "limit" }, () => {}));
    await rejection(f.guardedDrop(request, () => Promise.reject(new Error("boom"))));
    for (const outcome of ["ok", "refused", "denied", "rate_limited", "error"] as const) {
      assert.equal(await f.count(labels(outcome)), 1, outcome);
    }
    assert.equal(await f.total(), 5);
    assert.equal(f.dropRecords().length, 5);
  });

  test("the increment happens after the drop, not before", async () => {
    const f = fixture();
    let countDuringDrop = -1;
    await f.guardedDrop(request, async () => {
      countDuringDrop = await f.total();
    });
    assert.equal(countDuringDrop, 0);
    assert.equal(await f.count(labels("ok")), 1);
  });

  test("missing labels are counted as unknown; an unknown resource type or backend still counts and is recorded", async () => {
    const f = fixture();
    const { resourceType: _r, ...noType } = request;
    await rejection(f.guardedDrop(noType as DropRequest, () => {}));
    await f.guardedDrop({ ...request, resourceType: "s3" }, () => {});
    await rejection(f.guardedDrop({ ...request, backend: "regional" as "shared" }, () => {}));
    assert.equal(await f.count(labels("refused", "unknown", "shared")), 1);
    assert.equal(await f.count(labels("ok", "s3", "shared")), 1);
    assert.equal(await f.count(labels("refused", "postgres", "regional")), 1);
    assert.equal(f.dropRecords().filter((r) => r.resource_type === "s3").length, 1);
    assert.equal(f.dropRecords().filter((r) => r.backend === "regional").length, 1);
  });

  test("a counter that throws never changes the outcome, and is reported through logger.error", async () => {
    const f = fixture();
    const guardedDrop = createGuardedDrop({
      logger: f.logger,
      counter: {
        inc() {
          throw new Error("registry broken");
        },
      },
    });
    assert.equal(await guardedDrop(request, () => "dropped"), "dropped");
    const err = await rejection(guardedDrop(request, () => Promise.reject(new Error("boom"))));
    assert.equal(err.code, "GD_DROP_FAILED");
    assert.equal((err.suppressed as unknown[]).length, 1);
    const reports = f.lines().filter((l) => l.event === "provisioner.drop.report_failed");
    assert.equal(reports.length, 2);
    assert.equal(reports[0]?.level, 50);
    assert.match(String(reports[0]?.error), /registry broken/);
  });
});

describe("3. one provisioner.drop.failed record, at warn, on every non-ok outcome", () => {
  test("none on ok, exactly one with outcome and error otherwise", async () => {
    const f = fixture();
    await f.guardedDrop({ ...request, requestId: "ok" }, () => {});
    await rejection(f.guardedDrop({ ...request, requestId: "bad" }, () => Promise.reject(new Error("boom"))));
    assert.equal(f.failedRecords("ok").length, 0);
    const failed = f.failedRecords("bad");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 40);
    assert.equal(failed[0]?.outcome, "error");
    assert.equal(failed[0]?.error, "boom");
    assert.equal(failed[0]?.drop_id, f.dropRecords("bad")[0]?.drop_id);
    assert.equal(failed[0]?.token, "acme42");
  });

  test("for audit_failed the failed record is best effort and never hides the original error", async () => {
    const guardedDrop = createGuardedDrop({
      logger: {
        info() {
          throw new Error("info broken");
        },
        warn() {
          throw new Error("warn broken");
        },
        error() {
          throw new Error("error broken");
        },
      },
      counter: { inc() {} },
    });
    const originalConsoleError = console.error;
    const consoleLines: string[] = [];
    console.error = (line: string) => void consoleLines.push(line);
    try {
      const err = await rejection(guardedDrop(request, () => {}));
      assert.equal(err.code, "GD_AUDIT_FAILED");
      assert.match(err.message, /info broken/);
      assert.equal((err.suppressed as unknown[]).length, 2, "the warn and error failures are kept");
      assert.equal(consoleLines.length, 1, "and said on the console as a last resort");
    } finally {
      console.error = originalConsoleError;
    }
  });
});

describe("4. the steps run in order", () => {
  function tracer() {
    const steps: string[] = [];
    const breaker: BreakerExecutor = {
      execute(fn) {
        steps.push("breaker");
        return fn();
      },
    };
    return {
      steps,
      options: {
        authorize: (req: DropRequest) => {
          steps.push("policy");
          return req.intent !== "deny";
        },
        budget: {
          take: (req: DropRequest) => {
            steps.push("budget");
            return req.intent !== "limit";
          },
        },
        breakerFor: () => breaker,
      },
    };
  }

  test("audit, validation, policy, budget, breaker, drop", async () => {
    const { steps, options } = tracer();
    const f = fixture(options);
    await f.guardedDrop(request, () => void steps.push("drop"));
    assert.deepEqual(steps, ["policy", "budget", "breaker", "drop"]);
  });

  test("a malformed request is refused before the policy is asked", async () => {
    const { steps, options } = tracer();
    const f = fixture(options);
    const err = await rejection(f.guardedDrop({ ...request, requestId: "" }, () => void steps.push("drop")));
    assert.equal(err.outcome, "refused");
    assert.deepEqual(steps, []);
  });

  test("a denial stops before the budget; a spent budget stops before the breaker", async () => {
    const { steps, options } = tracer();
    const f = fixture(options);
    assert.equal((await rejection(f.guardedDrop({ ...request, intent: "deny" }, () => {}))).outcome, "denied");
    assert.deepEqual(steps, ["policy"]);
    steps.length = 0;
    assert.equal((await rejection(f.guardedDrop({ ...request, intent: "limit" }, () => {}))).outcome, "rate_limited");
    assert.deepEqual(steps, ["policy", "budget"]);
  });

  const policyCases: { name: string; authorize: () => unknown; message: RegExp }[] = [
    { name: "false", authorize: () => false, message: /denied it/ },
    { name: "a truthy non-true value", authorize: () => "yes", message: /denied it/ },
    {
      name: "a rejection",
      authorize: () => Promise.reject(new Error("policy db down")),
      message: /failed: policy db down/,
    },
    {
      name: "a synchronous throw",
      authorize: () => {
        throw new Error("bug");
      },
      message: /failed: bug/,
    },
    { name: "a timeout", authorize: () => new Promise(() => {}), message: /did not answer within 20 ms/ },
  ];
  for (const { name, authorize, message } of policyCases) {
    test(`the policy answering ${name} means denied, and the drop never runs`, async () => {
      const f = fixture({ authorize: authorize as () => boolean, authorizeTimeoutMs: 20 });
      let ran = 0;
      const err = await rejection(f.guardedDrop(request, () => void ran++));
      assert.equal(err.code, "GD_DENIED");
      assert.match(err.message, message);
      assert.equal(ran, 0);
      assert.equal(await f.count(labels("denied")), 1);
    });
  }

  test("the policy's signal aborts on timeout", async () => {
    let signal: AbortSignal | undefined;
    const f = fixture({
      authorizeTimeoutMs: 10,
      authorize: (_req, s) => {
        signal = s;
        return new Promise(() => {});
      },
    });
    await rejection(f.guardedDrop(request, () => {}));
    assert.equal(signal?.aborted, true);
  });

  test("a budget that throws means rate_limited (fail-closed)", async () => {
    const f = fixture({ budget: { take: () => Promise.reject(new Error("redis down")) } });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_RATE_LIMITED");
    assert.equal(ran, 0);
  });

  test("the drop's own GD_REFUSED and GD_DENIED errors map to refused and denied; anything else to error", async () => {
    const f = fixture();
    const withCode = (code: string) => Object.assign(new Error(`has ${code}`), { code });
    assert.equal(
      (await rejection(f.guardedDrop(request, () => Promise.reject(withCode("GD_REFUSED"))))).outcome,
      "refused",
    );
    assert.equal(
      (await rejection(f.guardedDrop(request, () => Promise.reject(withCode("GD_DENIED"))))).outcome,
      "denied",
    );
    assert.equal(
      (await rejection(f.guardedDrop(request, () => Promise.reject(withCode("ECONNRESET"))))).outcome,
      "error",
    );
    assert.equal(
      (await rejection(f.guardedDrop(request, () => Promise.reject(new DOMException("stop", "AbortError"))))).outcome,
      "error",
    );
    const thrownSync = await rejection(f.guardedDrop(request, () => {
      throw new Error("sync throw");
    }));
    assert.equal(thrownSync.outcome, "error");
    assert.equal(f.failedRecords().length, 5);
  });

  test("an adapter error's kind is kept on the rejection", async () => {
    const f = fixture();
    const unavailable = Object.assign(new Error("connect ECONNREFUSED"), {
      code: "GD_BACKEND_UNAVAILABLE",
      kind: "unavailable",
    });
    const err = await rejection(f.guardedDrop(request, () => Promise.reject(unavailable)));
    assert.equal(err.outcome, "error");
    assert.equal(err.kind, "unavailable");
    assert.equal(err.cause, unavailable);
  });
});

describe("5. seven outcomes, each with its own error class and stable code", () => {
  test("every outcome is produced, and each error carries .outcome, .code and the drop id", async () => {
    let now = 0;
    const f = fixture({
      authorize: (req) => req.intent !== "deny",
      budget: { take: (req) => req.intent !== "limit" },
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => now },
    });
    const seen = new Map<string, Record<string, unknown>>();
    const record = async (p: Promise<unknown>) => {
      const err = await rejection(p);
      seen.set(String(err.outcome), err);
    };
    await f.guardedDrop({ ...request, resourceType: "redis" }, () => {});
    await record(f.guardedDrop({ ...request, token: "template1" }, () => {}));
    await record(f.guardedDrop({ ...request, intent: "deny" }, () => {}));
    await record(f.guardedDrop({ ...request, intent: "limit" }, () => {}));
    await record(f.guardedDrop(request, () => Promise.reject(new Error("boom"))));
    await record(f.guardedDrop(request, () => {}));
    const broken = createGuardedDrop({
      logger: {
        info() {
          throw new Error("x");
        },
        warn() {},
        error() {},
      },
      counter: { inc() {} },
    });
    await record(broken(request, () => {}));
    now = 0;
    assert.deepEqual(
      [...seen.keys()].sort(),
      DROP_OUTCOMES.filter((o) => o !== "ok").slice().sort(),
    );
    const codes = Object.fromEntries([...seen].map(([outcome, err]) => [outcome, err.code]));
    assert.deepEqual(codes, {
      refused: "GD_REFUSED",
      denied: "GD_DENIED",
      rate_limited: "GD_RATE_LIMITED",
      error: "GD_DROP_FAILED",
      breaker_open: "GD_BREAKER_OPEN",
      audit_failed: "GD_AUDIT_FAILED",
    });
    const names = new Set([...seen.values()].map((err) => err.name));
    assert.equal(names.size, 6, "one class per non-ok outcome");
    for (const err of seen.values()) {
      assert.ok(isDropError(err));
      assert.equal(typeof err.dropId, "string");
    }
  });

  test("isDropError classifies by code: another copy's error counts, a look-alike does not", () => {
    assert.equal(isDropError({ code: "GD_REFUSED", outcome: "refused" }), true);
    assert.equal(isDropError({ code: "GD_REFUSED", outcome: "denied" }), false);
    assert.equal(isDropError({ code: "ECONNREFUSED" }), false);
    assert.equal(isDropError(null), false);
  });
});

describe("6. nothing secret is ever written", () => {
  const secretMessages = [
    "connect failed: postgres://admin:hunter2@10.0.0.5:5432/db_acme42",
    "auth failed for redis://default:hunter2@cache:6379/0",
    "host=10.0.0.5 user=admin password=hunter2 dbname=x",
    'options {"password":"hunter2"}',
    "GET http://guest:hunter2@rabbit:15672/api/vhosts returned 401",
  ];
  for (const message of secretMessages) {
    test(`no credential from ${JSON.stringify(message.slice(0, 30))}… in the record, the rejection or its cause`, async () => {
      const f = fixture();
      const cause = new Error(message);
      const err = await rejection(f.guardedDrop(request, () => Promise.reject(cause)));
      const file = readFileSync(f.file, "utf8");
      assert.equal(f.failedRecords().length, 1);
      assert.ok(!file.includes("hunter2"), file);
      assert.ok(!err.message.includes("hunter2"), err.message);
      const errCause = err.cause as Error;
      assert.ok(!errCause.message.includes("hunter2"), errCause.message);
      assert.ok(!String(errCause.stack).includes("hunter2"));
      // pino's error serializer prints the whole chain; serialise it the same way.
      const serialized = JSON.stringify(pino.stdSerializers.err(err as Error));
      assert.ok(!serialized.includes("hunter2"), serialized);
    });
  }

  test("a credential inside a nested cause is scrubbed too", async () => {
    const f = fixture();
    const inner = new Error("dial postgres://u:hunter2@h/x");
    const outer = new Error("deprovision failed", { cause: inner });
    const err = await rejection(f.guardedDrop(request, () => Promise.reject(outer)));
    assert.ok(!JSON.stringify(pino.stdSerializers.err(err as Error)).includes("hunter2"));
  });

  test("a credential in a request field is scrubbed from the record", async () => {
    const f = fixture();
    await f.guardedDrop({ ...request, intent: "moved to postgres://u:hunter2@h/x" }, () => {});
    assert.ok(!readFileSync(f.file, "utf8").includes("hunter2"));
    assert.equal(f.dropRecords()[0]?.intent, "moved to postgres://***@h/x");
  });
});

describe("7. the circuit breaker: one per resource_type and backend", () => {
  test("5 consecutive failures open it for that key only; the drop is not called while open", async () => {
    const f = fixture();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("down"));
    };
    for (let i = 0; i < 5; i++) assert.equal((await rejection(f.guardedDrop(request, failing))).outcome, "error");
    const open = await rejection(f.guardedDrop(request, failing));
    assert.equal(open.outcome, "breaker_open");
    assert.equal(calls, 5);
    assert.equal(await f.count(labels("breaker_open")), 1);
    assert.equal(await f.count(labels("error")), 5);
    assert.equal(f.dropRecords().length, 6, "an open breaker still writes its record");
    await f.guardedDrop({ ...request, backend: "dedicated" }, () => {});
    await f.guardedDrop({ ...request, resourceType: "redis" }, () => {});
    assert.equal(await f.count(labels("ok", "postgres", "dedicated")), 1);
    assert.equal(await f.count(labels("ok", "redis", "shared")), 1);
  });

  test("after the cooldown exactly one half-open trial runs; its success closes the breaker", async () => {
    let now = 1_000_000;
    const f = fixture({ breaker: { now: () => now } });
    for (let i = 0; i < 5; i++) await rejection(f.guardedDrop(request, () => Promise.reject(new Error("down"))));
    now += 29_999;
    assert.equal((await rejection(f.guardedDrop(request, () => {}))).outcome, "breaker_open");
    now += 1;
    let release!: () => void;
    const trial = f.guardedDrop(request, () => new Promise<void>((resolve) => (release = resolve)));
    const concurrent = await rejection(f.guardedDrop(request, () => {}));
    assert.equal(concurrent.outcome, "breaker_open", "only one trial at a time");
    release();
    await trial;
    await f.guardedDrop(request, () => {});
    assert.equal(await f.count(labels("ok")), 2);
    assert.equal(await f.count(labels("breaker_open")), 2);
  });

  test("refusals and denials from the drop never open the breaker", async () => {
    const f = fixture();
    const refusal = () => Promise.reject(Object.assign(new Error("no"), { code: "GD_REFUSED" }));
    for (let i = 0; i < 10; i++) await rejection(f.guardedDrop(request, refusal));
    await f.guardedDrop(request, () => {});
    assert.equal(await f.count(labels("refused")), 10);
    assert.equal(await f.count(labels("breaker_open")), 0);
  });

  test("a replacement breaker (opossum-style) is used, and its open error maps to breaker_open", async () => {
    let fired = 0;
    const opossumLike = {
      fire<T>(fn: () => Promise<T>): Promise<T> {
        fired++;
        if (fired > 1) return Promise.reject(Object.assign(new Error("Breaker is open"), { code: "EOPENBREAKER" }));
        return fn();
      },
    };
    const keys: string[] = [];
    const f = fixture({
      breakerFor: (key) => {
        keys.push(`${key.resourceType}/${key.backend}`);
        return { execute: (fn) => opossumLike.fire(fn) };
      },
      isBreakerOpen: (err) => (err as { code?: string }).code === "EOPENBREAKER",
    });
    let ran = 0;
    await f.guardedDrop(request, () => void ran++);
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.outcome, "breaker_open");
    assert.equal(ran, 1);
    assert.deepEqual(keys, ["postgres/shared"], "one breaker per key, made once");
  });
});

describe("concurrency", () => {
  test("200 concurrent calls give exactly 200 records with unique drop_ids and a count of 200", async () => {
    const f = fixture();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        f.guardedDrop({ ...request, requestId: `req-${i}` }, async () => {
          await new Promise((resolve) => setTimeout(resolve, i % 7));
          return i;
        })),
    );
    assert.equal(results.length, 200);
    const records = f.dropRecords();
    assert.equal(records.length, 200);
    assert.equal(new Set(records.map((r) => r.drop_id)).size, 200);
    assert.equal(new Set(records.map((r) => r.request_id)).size, 200);
    assert.equal(await f.count(labels("ok")), 200);
    assert.equal(await f.total(), 200);
  });
});

describe("bad input: refused, with a message that names the field, and the drop never runs", () => {
  const base = request as unknown as Record<string, unknown>;
  const cases: { name: string; req: unknown; field: RegExp }[] = [
    { name: "missing token", req: { ...base, token: undefined }, field: /'token'/ },
    { name: "empty token", req: { ...base, token: "" }, field: /'token'/ },
    { name: "non-string token", req: { ...base, token: 42 }, field: /'token'/ },
    { name: "hostile token", req: { ...base, token: "x'; DROP DATABASE postgres; --" }, field: /naming token/ },
    { name: "reserved token", req: { ...base, token: "TEMPLATE0" }, field: /reserved/ },
    { name: "missing resourceType", req: { ...base, resourceType: undefined }, field: /'resourceType'/ },
    { name: "empty resourceType", req: { ...base, resourceType: "" }, field: /'resourceType'/ },
    { name: "missing requestId", req: { ...base, requestId: undefined }, field: /'requestId'/ },
    { name: "object requestId", req: { ...base, requestId: { id: 1 } }, field: /'requestId'/ },
    { name: "missing backend", req: { ...base, backend: undefined }, field: /'backend'/ },
    { name: "unknown backend", req: { ...base, backend: "SHARED" }, field: /'backend'/ },
    { name: "non-string caller", req: { ...base, caller: 7 }, field: /'caller'/ },
    {
      name: "non-string providerResourceId",
      req: { ...base, providerResourceId: null },
      field: /'providerResourceId'/,
    },
    { name: "non-string intent", req: { ...base, intent: ["x"] }, field: /'intent'/ },
    { name: "null request", req: null, field: /'token'/ },
    { name: "string request", req: "db_acme42", field: /'token'/ },
  ];
  for (const { name, req, field } of cases) {
    test(name, async () => {
      const f = fixture();
      let ran = 0;
      const err = await rejection(f.guardedDrop(req as DropRequest, () => void ran++));
      assert.equal(err.code, "GD_REFUSED");
      assert.match(err.message, field);
      assert.equal(ran, 0);
      assert.equal(f.dropRecords().length, 1, "the record is still written");
      assert.equal(f.failedRecords().length, 1);
      assert.equal(await f.total(), 1);
    });
  }

  test("a drop that is not a function is refused", async () => {
    const f = fixture();
    const err = await rejection(f.guardedDrop(request, "DROP DATABASE db_acme42" as never));
    assert.equal(err.code, "GD_REFUSED");
    assert.match(err.message, /'drop'/);
  });

  test("a hostile record field cannot flood the audit log", async () => {
    const f = fixture();
    await rejection(f.guardedDrop({ ...request, token: "x".repeat(100_000) }, () => {}));
    assert.equal(f.dropRecords()[0]?.token, "<100000 characters: longer than 512, not written>");
  });

  test("createGuardedDrop checks its options up front", () => {
    assert.throws(() => createGuardedDrop(undefined as never), /'options' must be an object/);
    assert.throws(
      () => createGuardedDrop({ logger: {} as never, counter: { inc() {} } }),
      /'logger.info' must be a function/,
    );
    assert.throws(
      () => createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: {} as never }),
      /'counter.inc' must be a function/,
    );
    assert.throws(
      () =>
        createGuardedDrop({
          logger: { info() {}, warn() {}, error() {} },
          counter: { inc() {} },
          authorizeTimeoutMs: 0,
        }),
      /'authorizeTimeoutMs' must be a positive finite number/,
    );
    assert.throws(
      () =>
        createGuardedDrop({
          logger: { info() {}, warn() {}, error() {} },
          counter: { inc() {} },
          breaker: { failureThreshold: 0 },
        }),
      /'failureThreshold' must be a positive integer/,
    );
  });
});

describe("hostile request objects", () => {
  test("a getter that throws: still one record, refused, and a rejection rather than a synchronous throw", async () => {
    const f = fixture();
    let ran = 0;
    const hostile = {
      get token(): string {
        throw new Error("boom from a getter, password=hunter2");
      },
    } as unknown as DropRequest;
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = f.guardedDrop(hostile, () => void ran++);
    });
    const err = await rejection(promise!);
    assert.equal(err.code, "GD_REFUSED");
    assert.match(err.message, /could not be read/);
    assert.ok(!err.message.includes("hunter2"));
    assert.equal(ran, 0);
    assert.equal(f.dropRecords().length, 1);
    assert.equal(f.dropRecords()[0]?.token, "unknown");
    assert.equal(await f.count(labels("refused", "unknown", "unknown")), 1);
  });

  test("a revoked proxy as the request is refused the same way", async () => {
    const f = fixture();
    const { proxy, revoke } = Proxy.revocable({ ...request }, {});
    revoke();
    const err = await rejection(f.guardedDrop(proxy, () => {}));
    assert.equal(err.code, "GD_REFUSED");
    assert.equal(f.dropRecords().length, 1);
  });
});

describe("review findings: secrets in odd places, and outcomes that must still be counted", () => {
  test("a secret in a property of a driver error (ioredis keeps AUTH's arguments) never reaches the rejection", async () => {
    const f = fixture();
    const driverError = Object.assign(new Error("WRONGPASS invalid username-password pair"), {
      command: { name: "auth", args: ["admin", "hunter2"] },
    });
    const adapterError = Object.assign(new Error('Cannot deprovision the Redis tenant "acme42" as AUTH failed'), {
      code: "GD_BACKEND_FAILED",
      kind: "failed",
      cause: driverError,
    });
    const err = await rejection(f.guardedDrop(request, () => Promise.reject(adapterError)));
    const { inspect } = await import("node:util");
    assert.ok(!inspect(err, { depth: 10 }).includes("hunter2"), inspect(err, { depth: 10 }));
    assert.ok(!JSON.stringify(pino.stdSerializers.errWithCause(err as Error)).includes("hunter2"));
    assert.equal(err.kind, "failed");
    assert.equal(((err.cause as Error).cause as Error).message, "WRONGPASS invalid username-password pair");
  });

  test("a connection string passed as token or backend is scrubbed from the failed record, the rejection and the counter", async () => {
    const f = fixture();
    const e1 = await rejection(f.guardedDrop({ ...request, token: "postgres://admin:hunter2@db/x" }, () => {}));
    const e2 = await rejection(
      f.guardedDrop({ ...request, backend: "redis://:hunter2@cache:6379" as "shared" }, () => {}),
    );
    assert.equal(e1.code, "GD_REFUSED");
    assert.equal(e2.code, "GD_REFUSED");
    assert.ok(!e1.message.includes("hunter2"), e1.message);
    assert.ok(!e2.message.includes("hunter2"), e2.message);
    assert.ok(!readFileSync(f.file, "utf8").includes("hunter2"));
    assert.ok(!(await f.registry.metrics()).includes("hunter2"));
    assert.equal(f.failedRecords().length, 2);
    assert.equal(await f.total(), 2);
  });

  test("an over-long field is not cut across a password: it is not written at all", async () => {
    const f = fixture();
    const intent = `${"x".repeat(480)} postgres://admin:hunter2hunter2hunter2@db/x`;
    await f.guardedDrop({ ...request, intent }, () => {});
    const file = readFileSync(f.file, "utf8");
    assert.ok(!file.includes("hunter"), "no part of the password");
    assert.equal(f.dropRecords()[0]?.intent, `<${intent.length} characters: longer than 512, not written>`);
  });

  test("a breakerFor that throws, or returns no execute: a counted error with its failed record", async () => {
    for (
      const breakerFor of [() => {
        throw new Error("no breaker here");
      }, () => ({}) as never]
    ) {
      const f = fixture({ breakerFor });
      let ran = 0;
      const err = await rejection(f.guardedDrop(request, () => void ran++));
      assert.equal(err.code, "GD_DROP_FAILED");
      assert.match(err.message, /circuit breaker failed/);
      assert.equal(ran, 0);
      assert.equal(await f.count(labels("error")), 1);
      assert.equal(f.failedRecords().length, 1);
    }
  });

  test("a replacement breaker whose execute returns a bare value: the outcome is still counted", async () => {
    const f = fixture({ breakerFor: () => ({ execute: (fn) => void fn() as never }) });
    let ran = 0;
    await f.guardedDrop(request, () => void ran++);
    assert.equal(ran, 1);
    assert.equal(await f.count(labels("ok")), 1);
  });

  test("an isNeutral that throws counts the error as a failure, and the outcome is counted", async () => {
    const f = fixture({
      breaker: {
        failureThreshold: 1,
        isNeutral: () => {
          throw new Error("bug");
        },
      },
    });
    const err = await rejection(f.guardedDrop(request, () => Promise.reject(new Error("down"))));
    assert.equal(err.outcome, "error");
    assert.equal((await rejection(f.guardedDrop(request, () => {}))).outcome, "breaker_open");
    assert.equal(await f.total(), 2);
  });

  test("a revoked Proxy thrown by the logger or by the drop: a counted rejection, never a synchronous throw", async () => {
    const f = fixture();
    const revoked = () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    };
    const counts: string[] = [];
    const throwingLogger = createGuardedDrop({
      logger: {
        info() {
          throw revoked();
        },
        warn() {},
        error() {},
      },
      counter: { inc: (l) => counts.push(l.outcome) },
    });
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = throwingLogger(request, () => {});
    });
    assert.equal((await rejection(promise!)).code, "GD_AUDIT_FAILED");
    assert.deepEqual(counts, ["audit_failed"]);
    const err = await rejection(f.guardedDrop(request, () => Promise.reject(revoked())));
    assert.equal(err.outcome, "error");
    assert.equal(await f.count(labels("error")), 1);
  });

  test("the policy sees the request as validated and recorded, frozen, whatever its getters do later", async () => {
    let seen: DropRequest | undefined;
    const f = fixture({
      authorize: (req) => {
        seen = req;
        return true;
      },
    });
    let reads = 0;
    const shifty = {
      ...request,
      get token() {
        return reads++ === 0 ? "acme42" : "postgres";
      },
    };
    await f.guardedDrop(shifty, () => {});
    assert.equal(seen?.token, "acme42");
    assert.ok(Object.isFrozen(seen));
    assert.equal(f.dropRecords()[0]?.token, "acme42");
  });

  test("a non-string resource type is recorded and counted alike", async () => {
    const f = fixture();
    await rejection(f.guardedDrop({ ...request, resourceType: 5 as unknown as string }, () => {}));
    assert.equal(f.dropRecords()[0]?.resource_type, "5");
    assert.equal(await f.count(labels("refused", "5")), 1);
  });
});
