// Regression rows for a hostile review of the core: each test failed before
// its fix. In-memory sinks, so that a row shows exactly what was written.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createGuardedDrop,
  createNameRules,
  type DropRequest,
  type GuardedDropOptions,
  RefusedError,
} from "../../lib/mod.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

type Line = Record<string, unknown>;

function memorySinks() {
  const lines: Line[] = [];
  const errors: Line[] = [];
  const counts: Line[] = [];
  const logger = {
    info: (o: object) => void lines.push({ ...o }),
    warn: (o: object) => void lines.push({ ...o }),
    error: (o: object) => void errors.push({ ...o }),
  };
  const counter = { inc: (l: object) => void counts.push({ ...l }) };
  return { lines, errors, counts, logger, counter };
}

function setup(options: Partial<GuardedDropOptions> = {}, sinks = memorySinks()) {
  const guardedDrop = createGuardedDrop({ logger: sinks.logger, counter: sinks.counter, ...options });
  return { ...sinks, guardedDrop };
}

const request = (over: Partial<DropRequest> = {}): DropRequest => ({
  token: "acme42",
  providerResourceId: "res-1",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-1",
  caller: "test",
  ...over,
});

async function outcomeOf(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
    return { outcome: "ok" };
  } catch (err) {
    return err as Record<string, unknown>;
  }
}

describe("a hung half-open trial", () => {
  test("blocks the key only until trialTimeoutMs, with a real retryAfterMs, never for ever", async () => {
    let now = 0;
    const f = setup({ breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => now } });
    await outcomeOf(f.guardedDrop(request(), async () => {
      throw new Error("down");
    }));
    now = 1000;
    void f.guardedDrop(request(), () => new Promise<never>(() => {})).catch(() => {}); // the trial hangs
    await new Promise((resolve) => setImmediate(resolve));
    now = 1500;
    const busy = await outcomeOf(f.guardedDrop(request({ token: "other7" }), async () => 1));
    assert.equal(busy.outcome, "breaker_open");
    assert.equal(busy.retryAfterMs, 500);
    let ran = 0;
    now = 86_400_000;
    const later = await outcomeOf(f.guardedDrop(request({ token: "other7" }), async () => void ran++));
    assert.equal(later.outcome, "ok");
    assert.equal(ran, 1);
  });
});

describe("the failed record's error field", () => {
  test("a password with a '/' in a drop's error never reaches the record or the rejection", async () => {
    const f = setup();
    const err = await outcomeOf(f.guardedDrop(request(), async () => {
      throw new Error("connect postgres://app:hun/ter2@db:5432/x failed");
    }));
    const failed = f.lines.filter((l) => l.event === "provisioner.drop.failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.error, "connect postgres://***@db:5432/x failed");
    assert.doesNotMatch(JSON.stringify([f.lines, f.errors, err.message, (err.cause as Error).message]), /hun|ter2/);
  });

  test("a 5 MB message is cut: the record stays small and says so, and the drop settles fast", async () => {
    const f = setup();
    const started = performance.now();
    const err = await outcomeOf(f.guardedDrop(request(), async () => {
      throw new Error("row a-b ".repeat(625_000) + " key: x");
    }));
    // Fast means linear: quadratic work on 5 MB would take far past the slack.
    assert.ok(performance.now() - started < LOADED_MACHINE_SLACK_MS);
    assert.equal(err.outcome, "error");
    const failed = f.lines.filter((l) => l.event === "provisioner.drop.failed");
    assert.equal(failed.length, 1);
    const text = failed[0]!.error as string;
    assert.ok(text.length < 10_000, `${text.length} characters`);
    const dropped = Number(/\[cut: (\d+) more characters not shown\]$/.exec(text)?.[1]);
    assert.ok(dropped > 4_990_000, `the note says what was really dropped: ${dropped}`);
    assert.equal(text.match(/\[cut:/g)?.length, 1, "cut once, not again when the message is scrubbed again");
    assert.ok((err.message as string).length < 10_000);
  });
});

describe("a policy or a budget that rejects with a hostile value", () => {
  const hostile = (): [string, () => unknown][] => [
    ["a revoked Proxy", () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }],
    ["a Proxy whose getPrototypeOf throws", () =>
      new Proxy({}, {
        getPrototypeOf() {
          throw new Error("trap");
        },
      })],
    ["a Proxy whose every trap throws", () =>
      new Proxy(new Error("x"), {
        get() {
          throw new Error("get");
        },
        getPrototypeOf() {
          throw new Error("proto");
        },
        has() {
          throw new Error("has");
        },
      })],
  ];
  for (const [name, make] of hostile()) {
    test(`${name} from the policy is denied; from the budget, rate_limited; each counted once`, async () => {
      let drops = 0;
      const policy = setup({ authorize: () => Promise.reject(make()) });
      const denied = await outcomeOf(policy.guardedDrop(request(), async () => void drops++));
      assert.equal(denied.outcome, "denied");
      assert.deepEqual(policy.counts.map((c) => c.outcome), ["denied"]);
      const budget = setup({ budget: { take: () => Promise.reject(make()) } });
      const limited = await outcomeOf(budget.guardedDrop(request(), async () => void drops++));
      assert.equal(limited.outcome, "rate_limited");
      assert.deepEqual(budget.counts.map((c) => c.outcome), ["rate_limited"]);
      const thrown = setup({
        authorize: () => {
          throw make();
        },
      });
      assert.equal((await outcomeOf(thrown.guardedDrop(request(), async () => void drops++))).outcome, "denied");
      assert.equal(drops, 0);
    });
  }
});

describe("async sinks", () => {
  /** Runs `fn` and collects what Node would report as unhandled meanwhile. */
  async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => void seen.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await fn();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    return seen;
  }

  /** One drop through `f`: its outcome, and what went unhandled meanwhile. */
  async function watched(f: ReturnType<typeof setup>, drop: () => Promise<unknown>) {
    let outcome: unknown;
    const unhandled = await unhandledDuring(async () => {
      outcome = (await outcomeOf(f.guardedDrop(request(), drop))).outcome;
    });
    return { outcome, unhandled };
  }

  test("an async counter.inc that rejects is reported through logger.error, never unhandled", async () => {
    const sinks = memorySinks();
    sinks.counter.inc = (async () => {
      throw new Error("push failed");
    }) as never;
    const { outcome, unhandled } = await watched(setup({}, sinks), async () => "v");
    const f = { errors: sinks.errors };
    assert.equal(outcome, "ok");
    assert.deepEqual(unhandled, []);
    assert.equal(f.errors.length, 1);
    assert.equal(f.errors[0]!.what, "provisioner_drop_total could not be incremented");
    assert.equal(f.errors[0]!.error, "push failed");
  });

  test("an async warn that rejects is reported; an async error that rejects falls back to the console", async () => {
    const sinks = memorySinks();
    sinks.logger.warn = (async () => {
      throw new Error("warn async");
    }) as never;
    const { outcome, unhandled } = await watched(setup({}, sinks), async () => {
      throw new Error("x");
    });
    const f = { errors: sinks.errors };
    assert.equal(outcome, "error");
    assert.deepEqual(unhandled, []);
    assert.deepEqual(f.errors.map((e) => e.what), ["the provisioner.drop.failed record could not be written"]);

    const both = memorySinks();
    both.logger.warn = (async () => {
      throw new Error("warn async");
    }) as never;
    both.logger.error = (async () => {
      throw new Error("error async");
    }) as never;
    const g = setup({}, both);
    const printed: string[] = [];
    const original = console.error;
    console.error = (line: string) => void printed.push(line);
    try {
      const unhandledToo = await unhandledDuring(async () =>
        void (await outcomeOf(g.guardedDrop(request(), async () => {
          throw new Error("x");
        })))
      );
      assert.deepEqual(unhandledToo, []);
    } finally {
      console.error = original;
    }
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /could not be written: warn async; logger.error failed too: error async/);
  });

  test("an async info is awaited before the drop: a rejection or a hang is audit_failed, and the drop never runs", async () => {
    for (
      const info of [
        async () => {
          throw new Error("info async");
        },
        () => new Promise<never>(() => {}),
        () => ({
          get then() {
            throw new Error("then getter");
          },
        }),
      ]
    ) {
      const sinks = memorySinks();
      sinks.logger.info = info as never;
      const f = setup({ auditTimeoutMs: 50 }, sinks);
      let drops = 0;
      const err = await outcomeOf(f.guardedDrop(request(), async () => void drops++));
      assert.equal(err.outcome, "audit_failed");
      assert.equal(drops, 0);
      assert.deepEqual(f.counts.map((c) => c.outcome), ["audit_failed"]);
    }
    const sinks = memorySinks();
    const order: string[] = [];
    sinks.logger.info = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push("written");
    }) as never;
    const f = setup({}, sinks);
    await f.guardedDrop(request(), async () => void order.push("dropped"));
    assert.deepEqual(order, ["written", "dropped"]);
  });
});

describe("a console that throws too", () => {
  test("never turns a finished drop into a raw rejection: ok stays ok, error stays the drop's typed error", async () => {
    const original = console.error;
    console.error = () => {
      throw new Error("EPIPE stderr");
    };
    try {
      const sinks = memorySinks();
      sinks.counter.inc = () => {
        throw new Error("counter down");
      };
      sinks.logger.error = () => {
        throw new Error("logger.error down");
      };
      const f = setup({}, sinks);
      assert.equal(await f.guardedDrop(request(), async () => "v"), "v");

      const failing = memorySinks();
      failing.logger.warn = () => {
        throw new Error("warn down");
      };
      failing.logger.error = () => {
        throw new Error("logger.error down");
      };
      const g = setup({}, failing);
      const err = await outcomeOf(g.guardedDrop(request(), async () => {
        throw new Error("x");
      }));
      assert.equal(err.outcome, "error");
      assert.equal(err.code, "GD_DROP_FAILED");
      const suppressed = (err.suppressed as Error[]).map((e) => e.message);
      assert.deepEqual(suppressed, ["warn down", "logger.error down", "EPIPE stderr"]);
      assert.equal(failing.counts.length, 1);
    } finally {
      console.error = original;
    }
  });
});

describe("timeouts a timer cannot hold", () => {
  for (const option of ["auditTimeoutMs", "authorizeTimeoutMs", "budgetTimeoutMs"] as const) {
    test(`${option} above 2147483647 ms is refused at creation (a longer timer fires after 1 ms)`, () => {
      for (const value of [2 ** 31, 3e9, Number.MAX_SAFE_INTEGER]) {
        assert.throws(
          () => setup({ [option]: value }),
          (err: Error) =>
            err instanceof TypeError &&
            err.message ===
              `Cannot create guardedDrop as '${option}' must be at most 2147483647 ms (a longer timer fires at once): current value is ${value}`,
        );
      }
      assert.doesNotThrow(() => setup({ [option]: 2_147_483_647 }));
    });
  }

  test("an append slower than a 1 ms timer is not cut short by a huge bound", async () => {
    const f = setup({
      auditTimeoutMs: 2_147_483_647,
      auditStore: { append: () => new Promise<void>((resolve) => setTimeout(resolve, 20)) },
    });
    assert.equal(await f.guardedDrop(request(), async () => "v"), "v");
  });
});

describe("custom name rules", () => {
  const rulesThrowing = (make: () => unknown) => ({
    ...createNameRules(),
    checkNamingToken: () => {
      throw make();
    },
  });
  for (
    const [name, make] of [
      ["this copy's RefusedError", () => new RefusedError("bad token; tried postgres://admin:hunter2@db/x")],
      ["another copy's refusal", () => Object.assign(new Error("other copy password=hunter2"), { code: "GD_REFUSED" })],
      ["a plain error", () => new Error("lookup failed for redis://:hunter2@cache")],
      ["a revoked Proxy", () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      }],
    ] as const
  ) {
    test(`${name} thrown by nameRules is refused, scrubbed in the rejection, its cause and the record`, async () => {
      const f = setup({ nameRules: rulesThrowing(make) });
      const err = await outcomeOf(f.guardedDrop(request(), async () => {}));
      assert.equal(err.outcome, "refused");
      assert.equal(err.code, "GD_REFUSED");
      assert.deepEqual(f.counts.map((c) => c.outcome), ["refused"]);
      const failed = f.lines.filter((l) => l.event === "provisioner.drop.failed");
      assert.equal(failed.length, 1);
      assert.doesNotMatch(
        JSON.stringify([
          err.message,
          err.stack,
          (err.cause as Error | undefined)?.message,
          (err.cause as Error | undefined)?.stack,
          failed,
        ]),
        /hunter2/,
      );
    });
  }

  test("the built-in rules' own refusal is handed on as it is", async () => {
    const f = setup();
    const err = await outcomeOf(f.guardedDrop(request({ token: "postgres" }), async () => {}));
    assert.equal(err.outcome, "refused");
    assert.equal(err.cause, undefined);
  });
});

describe("low-severity findings", () => {
  test("the record is frozen: a logger that changes it changes nothing the store or the failed record sees", async () => {
    const sinks = memorySinks();
    const stored: unknown[] = [];
    sinks.logger.info = (o: object) => {
      sinks.lines.push({ ...o });
      try {
        (o as Record<string, unknown>).token = "MUTATED";
      } catch {
        // strict mode throws on a frozen object; a sloppy logger would fail silently
      }
    };
    const f = setup({ auditStore: { append: (r) => void stored.push(r.token) } }, sinks);
    await outcomeOf(f.guardedDrop(request(), async () => {
      throw new Error("x");
    }));
    assert.deepEqual(stored, ["acme42"]);
    const failed = f.lines.filter((l) => l.event === "provisioner.drop.failed");
    assert.equal(failed[0]!.token, "acme42");
  });

  test("isLevelEnabled that is not a function is refused at creation; only true means info is enabled", async () => {
    for (const value of [true, "info", 1]) {
      const sinks = memorySinks();
      Object.assign(sinks.logger, { isLevelEnabled: value });
      assert.throws(
        () => setup({}, sinks),
        /Cannot create guardedDrop as 'logger.isLevelEnabled' must be a function: current value is/,
      );
    }
    for (const answer of [0, undefined, "true", 1]) {
      const sinks = memorySinks();
      Object.assign(sinks.logger, { isLevelEnabled: () => answer });
      const f = setup({}, sinks);
      let drops = 0;
      const err = await outcomeOf(f.guardedDrop(request(), async () => void drops++));
      assert.equal(err.outcome, "audit_failed", `isLevelEnabled answering ${String(answer)}`);
      assert.equal(drops, 0);
    }
    const sinks = memorySinks();
    Object.assign(sinks.logger, { isLevelEnabled: (level: string) => level === "info" });
    assert.equal(await setup({}, sinks).guardedDrop(request(), async () => "v"), "v");
  });

  test("a replacement breaker that calls fn twice runs the drop once; the second call rejects", async () => {
    let drops = 0;
    const twice = {
      execute: async <T>(fn: () => Promise<T>) => {
        await fn();
        return await fn();
      },
    };
    const f = setup({ breakerFor: () => twice });
    const err = await outcomeOf(f.guardedDrop(request(), async () => void drops++));
    assert.equal(drops, 1);
    assert.equal(err.outcome, "error");
    assert.match(err.message as string, /already run once/);
    assert.deepEqual(f.counts.map((c) => c.outcome), ["error"]);
  });

  for (
    const resourceType of [
      "postgres ",
      " postgres",
      "post gres",
      "postgres\u200b",
      "postgres\u00a0",
      "postgres\n",
      "postgres\u0000",
      "\u202epostgres",
      "postgres\ufeff",
    ]
  ) {
    test(`resourceType ${JSON.stringify(resourceType)} is refused, before any breaker is made`, async () => {
      let made = 0;
      const f = setup({ breakerFor: () => (made++, { execute: (fn) => fn() }) });
      let drops = 0;
      const err = await outcomeOf(f.guardedDrop(request({ resourceType }), async () => void drops++));
      assert.equal(err.outcome, "refused");
      assert.match(err.message as string, /'resourceType' must hold no whitespace, control or invisible character/);
      assert.equal(drops, 0);
      assert.equal(made, 0);
      assert.equal(f.counts.length, 1);
    });
  }

  test("a plain resourceType is still allowed, any spelling", async () => {
    const f = setup();
    for (const resourceType of ["postgres", "Postgres", "my-store_2", "clickhouse.v2"]) {
      assert.equal(await f.guardedDrop(request({ resourceType }), async () => "v"), "v");
    }
  });
});

describe("hostile values where a value is described or read", () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };

  test("a policy or a budget resolving with a revoked Proxy is denied or rate_limited, not error", async () => {
    const policy = setup({ authorize: async () => revoked() as never });
    assert.equal((await outcomeOf(policy.guardedDrop(request(), async () => {}))).outcome, "denied");
    const budget = setup({ budget: { take: async () => revoked() as never } });
    assert.equal((await outcomeOf(budget.guardedDrop(request(), async () => {}))).outcome, "rate_limited");
  });

  test("a revoked Proxy as a request field is refused, not error", async () => {
    for (const field of ["backend", "token", "resourceType", "caller", "intent"] as const) {
      const f = setup();
      const err = await outcomeOf(f.guardedDrop(request({ [field]: revoked() as never }), async () => {}));
      assert.equal(err.outcome, "refused", field);
      assert.equal(f.counts.length, 1);
    }
  });

  test("nameRules without a checkNamingToken function is refused at creation", () => {
    assert.throws(
      () => setup({ nameRules: {} as never }),
      /Cannot create guardedDrop as 'nameRules.checkNamingToken' must be a function: current value is undefined/,
    );
  });
});
