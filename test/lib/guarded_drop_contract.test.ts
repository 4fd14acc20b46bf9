// The contract additions: the audit store's bound and settle, the policy's
// and the budget's verdicts, the warning record, retryAfterMs on an open
// breaker, and the breaker's failure rule through guardedDrop. On a real
// pino file and a real prom-client registry; counts asserted throughout.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, createGuardedDrop, type DropError, type DropOutcome, type DropRecord } from "../../lib/mod.ts";
import type { AuditFixture } from "../support/audit_fixture.ts";
import { fixtureScope, labels, rejection, sampleRequest } from "../support/drop_kit.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

const request = sampleRequest;
const fixture = fixtureScope();

const never = () => new Promise<never>(() => {});
const reports = (f: AuditFixture) => f.lines().filter((l) => l.event === "provisioner.drop.report_failed");

describe("auditTimeoutMs: a bound on the audit store", () => {
  test("an append that never resolves: audit_failed within the bound, the drop never runs, the failed record is written", async () => {
    let signal: AbortSignal | undefined;
    let settles = 0;
    const f = fixture({
      auditTimeoutMs: 50,
      auditStore: {
        append: (_record, s) => {
          signal = s;
          return never();
        },
        settle: () => void settles++,
      },
    });
    let ran = 0;
    const started = Date.now();
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    // The message names the 50 ms bound (the default would say 2000 ms); the
    // time only has to tell a bound from a hang (the append never resolves).
    assert.ok(Date.now() - started < 50 + LOADED_MACHINE_SLACK_MS, "settled within a bound");
    assert.equal(err.code, "GD_AUDIT_FAILED");
    assert.match(err.message, /audit store did not answer within 50 ms/);
    assert.equal(ran, 0);
    assert.equal(signal?.aborted, true, "append's signal aborts on timeout");
    assert.equal(f.dropRecords().length, 1);
    assert.equal(f.failedRecords().length, 1);
    assert.equal(f.failedRecords()[0]?.outcome, "audit_failed");
    assert.equal(await f.count(labels("audit_failed")), 1);
    assert.equal(await f.total(), 1);
    assert.equal(settles, 0, "nothing to settle: the append did not succeed");
  });

  test("an append within the bound lets the drop run, with a signal that is not aborted", async () => {
    let signal: AbortSignal | undefined;
    const f = fixture({
      auditTimeoutMs: 1000,
      auditStore: {
        append: async (_record, s) => {
          signal = s;
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      },
    });
    let ran = 0;
    await f.guardedDrop(request, () => void ran++);
    assert.equal(ran, 1);
    assert.equal(signal?.aborted, false);
    assert.equal(await f.count(labels("ok")), 1);
  });

  test("a bad auditTimeoutMs, authorizeTimeoutMs or budgetTimeoutMs is a TypeError up front", () => {
    const base = { logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } };
    for (const option of ["auditTimeoutMs", "authorizeTimeoutMs", "budgetTimeoutMs"]) {
      for (const value of [0, -1, Number.NaN, Infinity, "100"]) {
        assert.throws(
          () => createGuardedDrop({ ...base, [option]: value }),
          (err: Error) =>
            err instanceof TypeError &&
            err.message.includes(`'${option}' must be a positive finite number: current value is`),
          `${option} = ${String(value)}`,
        );
      }
    }
    assert.throws(
      () => createGuardedDrop({ ...base, auditStore: { append() {}, settle: "yes" as never } }),
      /'auditStore.settle' must be a function: current value is "yes"/,
    );
  });
});

describe("auditStore.settle: once, after the outcome is known", () => {
  function settlingStore(settleImpl?: (record: DropRecord, outcome: DropOutcome, error?: DropError) => unknown) {
    const events: string[] = [];
    const settled: { dropId: string; outcome: DropOutcome; code: unknown }[] = [];
    return {
      events,
      settled,
      store: {
        append: (record: DropRecord) => void events.push(`append ${record.drop_id}`),
        settle: (record: DropRecord, outcome: DropOutcome, error?: DropError) => {
          events.push(`settle ${record.drop_id} ${outcome}`);
          settled.push({ dropId: record.drop_id, outcome, code: error?.code });
          return settleImpl?.(record, outcome, error) as Promise<void>;
        },
      },
    };
  }

  test("ok: append, drop, then settle, awaited before guardedDrop resolves", async () => {
    let settledLate = false;
    const { events, settled, store } = settlingStore(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      settledLate = true;
    });
    const f = fixture({ auditStore: store });
    const value = await f.guardedDrop(request, ({ dropId }) => {
      events.push(`drop ${dropId}`);
      return "dropped";
    });
    assert.equal(value, "dropped");
    assert.equal(settledLate, true, "settle was awaited");
    const dropId = f.dropRecords()[0]?.drop_id;
    assert.deepEqual(events, [`append ${dropId}`, `drop ${dropId}`, `settle ${dropId} ok`]);
    assert.deepEqual(settled, [{ dropId, outcome: "ok", code: undefined }]);
  });

  test("every non-ok outcome after a successful append is settled exactly once, with its error", async () => {
    let now = 0;
    const { settled, store } = settlingStore();
    const f = fixture({
      auditStore: store,
      authorize: (req) => req.intent !== "deny",
      budget: { take: (req) => req.intent !== "limit" },
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => now },
    });
    await rejection(f.guardedDrop({ ...request, token: "" }, () => {}));
    await rejection(f.guardedDrop({ ...request, intent: "deny" }, () => {}));
    await rejection(f.guardedDrop({ ...request, intent: "limit" }, () => {}));
    await rejection(f.guardedDrop(request, () => Promise.reject(new Error("boom"))));
    await rejection(f.guardedDrop(request, () => {}));
    assert.deepEqual(settled.map((s) => [s.outcome, s.code]), [
      ["refused", "GD_REFUSED"],
      ["denied", "GD_DENIED"],
      ["rate_limited", "GD_RATE_LIMITED"],
      ["error", "GD_DROP_FAILED"],
      ["breaker_open", "GD_BREAKER_OPEN"],
    ]);
    assert.equal(new Set(settled.map((s) => s.dropId)).size, 5);
    assert.equal(await f.total(), 5);
  });

  test("a store whose append fails is never settled", async () => {
    const { settled, store } = settlingStore();
    const f = fixture({ auditStore: { ...store, append: () => Promise.reject(new Error("down")) } });
    await rejection(f.guardedDrop(request, () => {}));
    assert.equal(settled.length, 0);
    assert.equal(await f.count(labels("audit_failed")), 1);
  });

  const failures: [string, () => unknown][] = [
    ["rejects", () => Promise.reject(new Error("settle down, password=hunter2"))],
    ["throws", () => {
      throw new Error("settle bug");
    }],
    ["never answers", never],
  ];
  for (const [name, impl] of failures) {
    test(`a settle that ${name} never changes the outcome or the count, and is reported through logger.error`, async () => {
      const { settled, store } = settlingStore(impl);
      const f = fixture({ auditStore: store, auditTimeoutMs: 50 });
      assert.equal(await f.guardedDrop(request, () => "dropped"), "dropped");
      const err = await rejection(f.guardedDrop(request, () => Promise.reject(new Error("boom"))));
      assert.equal(err.outcome, "error");
      assert.equal(settled.length, 2);
      assert.equal(await f.count(labels("ok")), 1);
      assert.equal(await f.count(labels("error")), 1);
      assert.equal(await f.total(), 2);
      const lines = reports(f);
      assert.equal(lines.length, 2);
      assert.equal(lines[0]?.level, 50);
      assert.match(String(lines[0]?.what), /could not settle/);
      assert.ok(!JSON.stringify(lines).includes("hunter2"));
    });
  }
});

test("settle gets a signal that aborts when it outlives auditTimeoutMs", async () => {
  let signal: AbortSignal | undefined;
  const f = fixture({
    auditTimeoutMs: 30,
    auditStore: {
      append() {},
      settle: (_record, _outcome, _error, s) => {
        signal = s;
        return never();
      },
    },
  });
  await f.guardedDrop(request, () => {});
  assert.equal(signal?.aborted, true);
  assert.equal(reports(f).length, 1);
  assert.equal(await f.count(labels("ok")), 1);
});

describe("verdicts: the policy", () => {
  test("{ allowed: false, reason } is denied; the reason is in the error, its message and the failed record", async () => {
    const f = fixture({ authorize: () => ({ allowed: false, reason: "resource status is 'active'" }) });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_DENIED");
    assert.equal(err.reason, "resource status is 'active'");
    assert.match(err.message, /denied it: resource status is 'active'/);
    assert.equal(f.failedRecords()[0]?.reason, "resource status is 'active'");
    assert.equal(ran, 0);
    assert.equal(await f.count(labels("denied")), 1);
  });

  test("{ allowed: true } and true let the drop run", async () => {
    for (const answer of [true, { allowed: true }, Promise.resolve({ allowed: true, reason: "ignored" })]) {
      const f = fixture({ authorize: () => answer });
      let ran = 0;
      await f.guardedDrop(request, () => void ran++);
      assert.equal(ran, 1);
      assert.equal(f.failedRecords().length, 0);
      assert.equal(await f.count(labels("ok")), 1);
    }
  });

  const notVerdicts: [string, unknown, RegExp][] = [
    ["a string", "yes", /answered "yes", which is neither a boolean nor a verdict/],
    ["a number", 1, /answered 1, which is neither/],
    ["null", null, /answered null, which is neither/],
    ["undefined", undefined, /answered undefined, which is neither/],
    ["an array", [true], /answered an array, which is neither/],
    ["an object without allowed", { ok: true }, /'allowed' is undefined, not a boolean/],
    ["allowed as a string", { allowed: "true" }, /'allowed' is "true", not a boolean/],
    ["false", false, /the policy answered false/],
    ["a verdict without a reason", { allowed: false }, /the policy gave no reason/],
    // Awaiting it reads `then`, which throws: a failed policy, still denied.
    [
      "a Proxy whose getters throw",
      new Proxy({}, {
        get() {
          throw new Error("trap");
        },
      }),
      /the policy failed: trap/,
    ],
  ];
  for (const [name, answer, reason] of notVerdicts) {
    test(`the policy answering ${name} is denied, with a reason that says so`, async () => {
      const f = fixture({ authorize: () => answer as boolean });
      let ran = 0;
      const err = await rejection(f.guardedDrop(request, () => void ran++));
      assert.equal(err.code, "GD_DENIED");
      assert.match(String(err.reason), reason);
      assert.match(String(f.failedRecords()[0]?.reason), reason);
      assert.equal(ran, 0);
      assert.equal(await f.count(labels("denied")), 1);
    });
  }

  test("a rejection and a timeout are denied with a reason; credentials are scrubbed from it", async () => {
    const failing = fixture({
      authorize: () => Promise.reject(new Error("lookup postgres://app:hunter2@db/x failed")),
    });
    const e1 = await rejection(failing.guardedDrop(request, () => {}));
    assert.equal(e1.reason, "the policy failed: lookup postgres://***@db/x failed");
    assert.ok(!JSON.stringify(failing.lines()).includes("hunter2"));
    const slow = fixture({ authorize: never, authorizeTimeoutMs: 20 });
    const e2 = await rejection(slow.guardedDrop(request, () => {}));
    assert.equal(e2.reason, "the policy did not answer within 20 ms");
    assert.equal(slow.failedRecords()[0]?.reason, "the policy did not answer within 20 ms");
  });

  test("a policy that allows with a warning: the drop runs and one warning record is written", async () => {
    const f = fixture({ authorize: () => ({ allowed: true, warning: "lookup degraded" }) });
    let ran = 0;
    await f.guardedDrop(request, () => void ran++);
    assert.equal(ran, 1);
    const warnings = f.lines().filter((l) => l.event === "provisioner.drop.warning");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.warning, "lookup degraded");
  });
});

describe("verdicts: the budget", () => {
  test("{ allowed: false, reason, retryAfterMs } is rate_limited with .reason and .retryAfterMs", async () => {
    const f = fixture({
      budget: { take: async () => ({ allowed: false, reason: "global: 10 per 60000 ms spent", retryAfterMs: 1200 }) },
    });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_RATE_LIMITED");
    assert.equal(err.reason, "global: 10 per 60000 ms spent");
    assert.equal(err.retryAfterMs, 1200);
    assert.match(err.message, /global: 10 per 60000 ms spent/);
    assert.equal(f.failedRecords()[0]?.reason, "global: 10 per 60000 ms spent");
    assert.equal(ran, 0);
    assert.equal(await f.count(labels("rate_limited")), 1);
  });

  test("a retryAfterMs that is not a non-negative finite number is left out", async () => {
    for (const retryAfterMs of [-1, Number.NaN, "1200", Infinity]) {
      const f = fixture({
        budget: { take: () => ({ allowed: false, reason: "spent", retryAfterMs: retryAfterMs as number }) },
      });
      const err = await rejection(f.guardedDrop(request, () => {}));
      assert.equal(err.retryAfterMs, undefined, String(retryAfterMs));
    }
  });

  test("{ allowed: true, warning }: a provisioner.drop.warning record at warn, and the drop runs", async () => {
    const f = fixture({
      budget: {
        take: () => ({ allowed: true, warning: "budget store redis://:hunter2@cache:6379 unreachable; allowed" }),
      },
    });
    let ran = 0;
    await f.guardedDrop(request, () => void ran++);
    assert.equal(ran, 1);
    const warnings = f.lines().filter((l) => l.event === "provisioner.drop.warning");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.level, 40);
    assert.equal(warnings[0]?.warning, "budget store redis://***@cache:6379 unreachable; allowed");
    assert.equal(warnings[0]?.drop_id, f.dropRecords()[0]?.drop_id);
    assert.equal(warnings[0]?.token, "acme42");
    assert.equal(f.dropRecords().length, 1);
    assert.equal(f.failedRecords().length, 0);
    assert.equal(await f.count(labels("ok")), 1);
    assert.equal(await f.total(), 1);
  });

  test("a warning record that cannot be written is reported, and the drop still runs", async () => {
    const f = fixture();
    const logger = {
      info: (o: object, m?: string) => f.logger.info(o, m),
      warn(o: object, m?: string) {
        if (m === "provisioner.drop.warning") throw new Error("warn broken");
        f.logger.warn(o, m);
      },
      error: (o: object, m?: string) => f.logger.error(o, m),
    };
    const counts: string[] = [];
    const guardedDrop = createGuardedDrop({
      logger,
      counter: { inc: (l) => counts.push(l.outcome) },
      budget: { take: () => ({ allowed: true, warning: "w" }) },
    });
    let ran = 0;
    await guardedDrop(request, () => void ran++);
    assert.equal(ran, 1);
    assert.deepEqual(counts, ["ok"]);
    assert.equal(reports(f).length, 1);
  });

  test("a string, or an object without allowed, is rate_limited with a reason that says so", async () => {
    for (
      const [answer, reason] of [["ok", /answered "ok", which is neither/], [{}, /'allowed' is undefined/]] as const
    ) {
      const f = fixture({ budget: { take: () => answer as never } });
      let ran = 0;
      const err = await rejection(f.guardedDrop(request, () => void ran++));
      assert.equal(err.code, "GD_RATE_LIMITED");
      assert.match(String(err.reason), reason);
      assert.equal(ran, 0);
    }
  });

  test("a budget that never answers is rate_limited within budgetTimeoutMs, and its signal aborts", async () => {
    let signal: AbortSignal | undefined;
    const f = fixture({
      budgetTimeoutMs: 20,
      budget: {
        take: (_req, s) => {
          signal = s;
          return never();
        },
      },
    });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.code, "GD_RATE_LIMITED");
    assert.equal(err.reason, "the budget did not answer within 20 ms");
    assert.equal(signal?.aborted, true);
    assert.equal(ran, 0);
    assert.equal(await f.count(labels("rate_limited")), 1);
  });
});

describe("the breaker through guardedDrop", () => {
  test("breaker_open carries retryAfterMs, the time until the half-open trial, then until the running trial is given up", async () => {
    let now = 0;
    const f = fixture({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => now } });
    await rejection(f.guardedDrop(request, () => Promise.reject(new Error("down"))));
    now = 400;
    const open = await rejection(f.guardedDrop(request, () => {}));
    assert.equal(open.code, "GD_BREAKER_OPEN");
    assert.equal(open.retryAfterMs, 600);
    assert.match(open.message, /^Cannot drop as the circuit breaker rejected the call: /);
    now = 1000;
    let release!: () => void;
    const trial = f.guardedDrop(request, () => new Promise<void>((resolve) => (release = resolve)));
    const busy = await rejection(f.guardedDrop(request, () => {}));
    // Was 0, which told every waiting caller to retry at once; now the trial's bound (trialTimeoutMs = cooldownMs).
    assert.equal(busy.retryAfterMs, 1000);
    release();
    await trial;
    assert.equal(await f.count(labels("breaker_open")), 2);
    assert.equal(await f.count(labels("ok")), 1);
  });

  test("a tenant's own failures (kind failed) never open it; server-level trouble (kind unavailable) does", async () => {
    const f = fixture();
    let calls = 0;
    const ownState = () => {
      calls++;
      return Promise.reject(new BackendError("failed", "tuple concurrently updated", { sqlState: "XX000" }));
    };
    for (let i = 0; i < 20; i++) assert.equal((await rejection(f.guardedDrop(request, ownState))).outcome, "error");
    assert.equal(calls, 20, "every drop was called");
    assert.equal(await f.count(labels("breaker_open")), 0);
    await f.guardedDrop({ ...request, token: "neighbour7" }, () => {});
    assert.equal(await f.count(labels("ok")), 1, "the next tenant's drop runs");

    const down = () => {
      calls++;
      return Promise.reject(new BackendError("unavailable", "connect ECONNREFUSED 10.0.0.5:5432"));
    };
    calls = 0;
    for (let i = 0; i < 5; i++) await rejection(f.guardedDrop(request, down));
    const open = await rejection(f.guardedDrop({ ...request, token: "neighbour7" }, down));
    assert.equal(open.outcome, "breaker_open");
    assert.equal(calls, 5);
    assert.equal(await f.count(labels("error")), 25);
    assert.equal(await f.count(labels("breaker_open")), 1);
  });

  test("isFailure replaces the rule: here only unavailable counts, and a plain Error does not", async () => {
    const f = fixture({
      breaker: { failureThreshold: 2, isFailure: (err) => (err as { kind?: string }).kind === "unavailable" },
    });
    for (let i = 0; i < 5; i++) await rejection(f.guardedDrop(request, () => Promise.reject(new Error("plain"))));
    assert.equal(await f.count(labels("breaker_open")), 0);
    for (let i = 0; i < 2; i++) {
      await rejection(f.guardedDrop(request, () => Promise.reject(new BackendError("unavailable", "down"))));
    }
    assert.equal((await rejection(f.guardedDrop(request, () => {}))).outcome, "breaker_open");
  });
});

describe("a replacement breaker that resolves without calling the drop", () => {
  test("is breaker_open, never ok: nothing was dropped (opossum's fallback does this while open)", async () => {
    const f = fixture({ breakerFor: () => ({ execute: async () => "fallback value" as never }) });
    let ran = 0;
    const err = await rejection(f.guardedDrop(request, () => void ran++));
    assert.equal(err.outcome, "breaker_open");
    assert.match(err.message, /resolved without calling the drop/);
    assert.equal(ran, 0);
    assert.equal(await f.count(labels("ok")), 0);
    assert.equal(await f.count(labels("breaker_open")), 1);
    assert.equal(f.failedRecords().length, 1);
  });
});

describe("a realistic request", () => {
  test("a UUID token and a gRPC peer caller are written as given", async () => {
    const f = fixture();
    const token = "0b7c6a9e-3f1d-4c2a-9b8e-5d4f3a2b1c0d";
    await f.guardedDrop({
      ...request,
      token,
      caller: "10.0.0.7:5544",
      requestId: "5e1f0c4d-8a2b-4f6e-9c3d-7b1a0e2f4d6c",
    }, () => {});
    const [record] = f.dropRecords();
    assert.equal(record?.token, token);
    assert.equal(record?.caller, "10.0.0.7:5544");
    assert.equal(await f.count(labels("ok")), 1);
  });

  test("a caller with credentials beside host:port is scrubbed", async () => {
    const f = fixture();
    await f.guardedDrop({ ...request, caller: "admin:hunter2@10.0.0.7:5544" }, () => {});
    assert.equal(f.dropRecords()[0]?.caller, "***@10.0.0.7:5544");
  });

  test("a missing providerResourceId is written as an empty string", async () => {
    const f = fixture();
    const { providerResourceId: _p, ...without } = request;
    await f.guardedDrop(without, () => {});
    assert.equal(f.dropRecords()[0]?.provider_resource_id, "");
  });
});
