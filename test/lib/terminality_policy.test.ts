// createTerminalityPolicy through a real guardedDrop: every intent rule with
// allowed and denied rows, and every way a lookup can fail. Counts of
// drops run, lookups made, records and counter values asserted.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createTerminalityPolicy,
  DEFAULT_TERMINALITY_RULES,
  type DropRequest,
  type ResourceLookup,
  type ResourceState,
  type TerminalityPolicyOptions,
} from "../../lib/mod.ts";
import { fixtureScope } from "../support/drop_kit.ts";

const NOW = Date.parse("2027-01-01T00:00:00Z");
const base: DropRequest = {
  token: "acme42",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-1",
  caller: "billing",
};

const fixture = fixtureScope();

function setup(
  lookupImpl: ResourceLookup,
  options: Partial<TerminalityPolicyOptions> = {},
  authorizeTimeoutMs?: number,
) {
  let lookups = 0;
  const lookup: ResourceLookup = (req, signal) => {
    lookups++;
    return lookupImpl(req, signal);
  };
  const authorize = createTerminalityPolicy({ lookup, now: () => NOW, ...options });
  const f = fixture({ authorize, ...(authorizeTimeoutMs !== undefined && { authorizeTimeoutMs }) });
  let drops = 0;
  return {
    f,
    lookups: () => lookups,
    drops: () => drops,
    async run(req: DropRequest): Promise<{ outcome: string; reason?: unknown }> {
      try {
        await f.guardedDrop(req, () => void drops++);
        return { outcome: "ok" };
      } catch (err) {
        const { outcome, reason } = err as { outcome: string; reason?: unknown };
        return { outcome, reason };
      }
    },
  };
}

const past = new Date(NOW - 1000);
const future = new Date(NOW + 1000);

describe("createTerminalityPolicy: the default rules", () => {
  const rows: [intent: string, resource: ResourceState, allowed: boolean][] = [
    ["customer_request", { status: "deleted" }, true],
    ["customer_request", { status: "deleting" }, true],
    ["customer_request", { status: "active" }, false],
    ["customer_request", { status: "DELETED" }, false],
    ["team_deleted", { status: "deleting" }, true],
    ["team_deleted", { status: "suspended" }, false],
    ["user_deleted", { status: "deleted" }, true],
    ["user_deleted", { status: "active" }, false],
    ["ttl_expired", { status: "active", expiresAt: past }, true],
    ["ttl_expired", { status: "active", expiresAt: future }, false],
    ["ttl_expired", { status: "active", expiresAt: new Date(NOW) }, false],
    ["ttl_expired", { status: "active", expiresAt: null }, false],
    ["ttl_expired", { status: "active" }, false],
    ["provision_rollback", { status: "provisioning" }, true],
    ["provision_rollback", { status: "failed" }, true],
    ["provision_rollback", { status: "active" }, false],
    ["quarantine_expired", { status: "deleted" }, true],
    ["quarantine_expired", { status: "deleting" }, false],
  ];
  for (const [intent, resource, allowed] of rows) {
    test(`${intent} on ${JSON.stringify(resource)}: ${allowed ? "ok" : "denied"}`, async () => {
      const s = setup(async () => resource);
      const result = await s.run({ ...base, intent });
      assert.equal(result.outcome, allowed ? "ok" : "denied", String(result.reason));
      assert.equal(s.drops(), allowed ? 1 : 0);
      assert.equal(s.lookups(), 1);
      assert.equal(s.f.failedRecords().length, allowed ? 0 : 1);
      if (!allowed) assert.equal(s.f.failedRecords()[0]?.reason, result.reason);
      assert.equal(
        await s.f.count({ resource_type: "postgres", backend: "shared", outcome: allowed ? "ok" : "denied" }),
        1,
      );
    });
  }

  test("the reason names the status and what the intent needs", async () => {
    const s = setup(async () => ({ status: "active" }));
    const result = await s.run({ ...base, intent: "customer_request" });
    assert.equal(result.reason, "resource status is 'active'; intent customer_request needs deleted or deleting");
    const expiry = setup(async () => ({ status: "active", expiresAt: future }));
    assert.equal(
      (await expiry.run({ ...base, intent: "ttl_expired" })).reason,
      "resource expires at 2027-01-01T00:00:01.000Z, not in the past; intent ttl_expired needs one in the past",
    );
  });

  test("an odd status is described, not pasted into the reason", async () => {
    const s = setup(async () => ({ status: 'x\'\n{"event":"forged"} password=hunter2' }));
    const { reason } = await s.run({ ...base, intent: "customer_request" });
    assert.match(String(reason), /^resource status is "x'\\n/);
    assert.ok(!String(reason).includes("hunter2"));
  });
});

describe("createTerminalityPolicy: denied without asking the lookup", () => {
  const rows: [string, DropRequest, RegExp][] = [
    ["no intent", base, /^the request has no intent; a drop needs one of customer_request, team_deleted/],
    ["an empty intent", { ...base, intent: "" }, /has no intent/],
    [
      "an unknown intent",
      { ...base, intent: "cleanup" },
      /^intent "cleanup" has no rule; the known intents are customer_request/,
    ],
    ["an intent from Object.prototype", { ...base, intent: "constructor" }, /intent "constructor" has no rule/],
  ];
  for (const [name, req, reason] of rows) {
    test(name, async () => {
      const s = setup(async () => ({ status: "deleted" }));
      const result = await s.run(req);
      assert.equal(result.outcome, "denied");
      assert.match(String(result.reason), reason);
      assert.equal(s.lookups(), 0);
      assert.equal(s.drops(), 0);
      assert.equal(s.f.failedRecords().length, 1);
    });
  }
});

describe("createTerminalityPolicy: the lookup fails closed", () => {
  const rows: [string, ResourceLookup, RegExp][] = [
    ["an unknown resource (undefined)", async () => undefined, /does not know the resource of token "acme42"/],
    ["null", async () => null as never, /does not know the resource/],
    ["a string", async () => "deleted" as never, /answered "deleted", which is not a resource state/],
    [
      "an object without status",
      async () => ({ state: "deleted" }) as never,
      /a status of undefined, which is not a resource state/,
    ],
    ["a numeric status", async () => ({ status: 3 }) as never, /a status of 3/],
    [
      "an expiresAt that is a string",
      async () => ({ status: "deleted", expiresAt: "2020-01-01" }) as never,
      /an expiresAt of "2020-01-01"/,
    ],
    ["an invalid Date", async () => ({ status: "deleted", expiresAt: new Date("nope") }), /an expiresAt of an object/],
    ["a Proxy whose getters throw", async () =>
      new Proxy({}, {
        get() {
          throw new Error("trap");
        },
      }) as never, /failed: trap|a status of undefined/],
    ["a rejection, with credentials", async () => {
      throw new Error("connect postgres://app:hunter2@platform-db/x failed");
    }, /^the resource lookup failed: connect postgres:\/\/\*\*\*@platform-db\/x failed$/],
    [
      "a synchronous throw",
      (() => {
        throw new Error("bug");
      }) as ResourceLookup,
      /the resource lookup failed: bug/,
    ],
  ];
  for (const [name, lookup, reason] of rows) {
    test(name, async () => {
      const s = setup(lookup);
      const result = await s.run({ ...base, intent: "customer_request" });
      assert.equal(result.outcome, "denied");
      assert.match(String(result.reason), reason);
      assert.equal(s.drops(), 0);
      assert.equal(s.lookups(), 1);
      assert.ok(!JSON.stringify(s.f.lines()).includes("hunter2"));
      assert.equal(await s.f.total(), 1);
    });
  }

  test("a lookup that outlives authorizeTimeoutMs is denied, and its signal aborts", async () => {
    let signal: AbortSignal | undefined;
    const s = setup(
      (_req, sig) => {
        signal = sig;
        return new Promise(() => {});
      },
      {},
      30,
    );
    const result = await s.run({ ...base, intent: "customer_request" });
    assert.equal(result.outcome, "denied");
    assert.equal(result.reason, "the policy did not answer within 30 ms");
    assert.equal(signal?.aborted, true);
    assert.equal(s.drops(), 0);
  });

  test("the lookup gets the validated request and the signal", async () => {
    let seen: DropRequest | undefined;
    const s = setup(async (req, signal) => {
      seen = req;
      assert.ok(signal instanceof AbortSignal);
      return { status: "deleted" };
    });
    await s.run({ ...base, intent: "customer_request", providerResourceId: "res-9" });
    assert.equal(seen?.token, "acme42");
    assert.equal(seen?.providerResourceId, "res-9");
    assert.ok(Object.isFrozen(seen));
  });
});

describe("createTerminalityPolicy: custom rules", () => {
  test("rules replace the defaults; spreading DEFAULT_TERMINALITY_RULES extends them", async () => {
    const replaced = setup(async () => ({ status: "deleted" }), {
      rules: { fraud_confirmed: { statuses: ["suspended"] } },
    });
    assert.equal((await replaced.run({ ...base, intent: "customer_request" })).outcome, "denied");
    const extended = setup(async () => ({ status: "suspended" }), {
      rules: { ...DEFAULT_TERMINALITY_RULES, fraud_confirmed: { statuses: ["suspended"] } },
    });
    assert.equal((await extended.run({ ...base, intent: "fraud_confirmed" })).outcome, "ok");
    assert.equal((await extended.run({ ...base, intent: "customer_request" })).outcome, "denied");
    assert.equal(extended.drops(), 1);
  });

  test("statuses and expired together: both must hold", async () => {
    const rules = { trial_ended: { statuses: ["trial"], expired: true as const } };
    const rows: [ResourceState, string][] = [
      [{ status: "trial", expiresAt: past }, "ok"],
      [{ status: "trial", expiresAt: future }, "denied"],
      [{ status: "paid", expiresAt: past }, "denied"],
    ];
    for (const [resource, outcome] of rows) {
      const s = setup(async () => resource, { rules });
      assert.equal((await s.run({ ...base, intent: "trial_ended" })).outcome, outcome, JSON.stringify(resource));
    }
  });

  test("a function rule: true allows, a string denies with that reason, anything else or a throw denies", async () => {
    const calls: [ResourceState, DropRequest, number][] = [];
    const rows: [unknown, string, RegExp | undefined][] = [
      [true, "ok", undefined],
      ["archived less than a day ago", "denied", /^archived less than a day ago$/],
      [false, "denied", /answered false, neither true nor a reason/],
      ["", "denied", /answered "", neither true nor a reason/],
      [{ allowed: true }, "denied", /answered an object/],
    ];
    for (const [answer, outcome, reason] of rows) {
      const s = setup(async () => ({ status: "archived" }), {
        rules: {
          archive_expired: (resource, req, now) => {
            calls.push([resource, req, now]);
            return answer as true;
          },
        },
      });
      const result = await s.run({ ...base, intent: "archive_expired" });
      assert.equal(result.outcome, outcome, String(answer));
      if (reason !== undefined) assert.match(String(result.reason), reason);
    }
    assert.equal(calls.length, rows.length);
    assert.deepEqual(calls[0]?.[0], { status: "archived", expiresAt: undefined });
    assert.equal(calls[0]?.[2], NOW);
    const throwing = setup(async () => ({ status: "archived" }), {
      rules: {
        x: () => {
          throw new Error("rule bug password=hunter2");
        },
      },
    });
    const result = await throwing.run({ ...base, intent: "x" });
    assert.equal(result.outcome, "denied");
    assert.equal(result.reason, "the rule of intent x failed: rule bug password=***");
  });

  test("the rules are copied: changing them afterwards cannot loosen the policy", async () => {
    const statuses = ["deleted"];
    const authorize = createTerminalityPolicy({
      lookup: async () => ({ status: "active" }),
      rules: { customer_request: { statuses } },
    });
    statuses.push("active");
    const verdict = await authorize({ ...base, intent: "customer_request" }, new AbortController().signal);
    assert.equal((verdict as { allowed: boolean }).allowed, false);
  });
});

describe("createTerminalityPolicy: bad options are a TypeError up front", () => {
  const lookup: ResourceLookup = async () => undefined;
  const rows: [string, unknown, RegExp][] = [
    ["no options", undefined, /'options' must be an object: current value is undefined/],
    ["no lookup", {}, /'lookup' must be a function: current value is undefined/],
    [
      "a lookup that is a string",
      { lookup: "SELECT status FROM resources" },
      /'lookup' must be a function: current value is "SELECT/,
    ],
    ["now not a function", { lookup, now: 5 }, /'now' must be a function: current value is 5/],
    ["rules an array", { lookup, rules: [] }, /'rules' must be an object: current value is an array/],
    [
      "a rule that is a string",
      { lookup, rules: { a: "deleted" } },
      /'rules.a' must be an object \{ statuses\?, expired\? \} or a function/,
    ],
    ["an empty rule", { lookup, rules: { a: {} } }, /'rules.a' must give 'statuses' or 'expired'/],
    [
      "empty statuses",
      { lookup, rules: { a: { statuses: [] } } },
      /'rules.a.statuses' must be a non-empty array of non-empty strings: current value is an array/,
    ],
    [
      "a status that is not a string",
      { lookup, rules: { a: { statuses: ["deleted", 1] } } },
      /'rules.a.statuses' must be a non-empty array/,
    ],
    [
      "expired false",
      { lookup, rules: { a: { expired: false } } },
      /'rules.a.expired' must be true when given: current value is false/,
    ],
    [
      "a misspelt key",
      { lookup, rules: { a: { status: ["deleted"] } } },
      /'rules.a' must have only 'statuses' and 'expired': current value also has "status"/,
    ],
  ];
  for (const [name, options, message] of rows) {
    test(name, () => {
      assert.throws(
        () => createTerminalityPolicy(options as TerminalityPolicyOptions),
        (err: Error) => err instanceof TypeError && message.test(err.message),
      );
    });
  }

  test("valid options build a policy", () => {
    assert.equal(typeof createTerminalityPolicy({ lookup }), "function");
    assert.equal(
      typeof createTerminalityPolicy({ lookup, rules: { a: { expired: true }, b: () => true } }),
      "function",
    );
  });
});

describe("createTerminalityPolicy: a bad clock or a lying Date fails closed", () => {
  const future = new Date(NOW + 86_400_000);
  const signal = new AbortController().signal;
  const ask = (now: () => unknown, expiresAt: unknown, intent = "ttl_expired") =>
    createTerminalityPolicy({
      lookup: async () => ({ status: "active", expiresAt } as ResourceState),
      now: now as () => number,
    })(
      { ...base, intent },
      signal,
    );

  for (
    const [name, now] of [
      ["NaN", () => NaN],
      ["undefined", () => undefined],
      ["a string", () => "2027-01-01"],
      ["Infinity", () => Infinity],
      ["a throw", () => {
        throw new Error("clock broke");
      }],
    ] as const
  ) {
    test(`a clock answering ${name} denies, even a future expiresAt or a status rule`, async () => {
      const verdict = await ask(now, future);
      assert.equal((verdict as { allowed: boolean }).allowed, false);
      assert.match((verdict as { reason: string }).reason, /the policy's clock/);
      const byStatus = await createTerminalityPolicy({
        lookup: async () => ({ status: "deleted" }),
        now: now as () => number,
      })(
        { ...base, intent: "customer_request" },
        signal,
      );
      assert.equal((byStatus as { allowed: boolean }).allowed, false);
    });
  }

  test("a Date subclass whose getTime lies cannot make a future expiry look past", async () => {
    class LyingDate extends Date {
      override getTime(): number {
        return 0;
      }
      override valueOf(): number {
        return 0;
      }
    }
    const verdict = await ask(() => NOW, new LyingDate(NOW + 86_400_000));
    assert.equal((verdict as { allowed: boolean }).allowed, false);
    assert.match((verdict as { reason: string }).reason, /not in the past/);
  });

  test("an object that only inherits from Date, or a Proxy of a Date, is not a Date", async () => {
    for (const fake of [Object.create(Date.prototype), new Proxy(new Date(0), {})]) {
      const verdict = await ask(() => NOW, fake);
      assert.equal((verdict as { allowed: boolean }).allowed, false);
      assert.match((verdict as { reason: string }).reason, /expiresAt of an object/);
    }
  });

  test("a past expiresAt with a good clock is still allowed", async () => {
    assert.deepEqual(await ask(() => NOW, new Date(NOW - 1)), { allowed: true });
  });
});
