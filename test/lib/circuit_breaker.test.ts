// The breaker's state machine under an injected clock (DESIGN §2 item 7).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, CircuitBreaker, isBreakerFailure, isNeutralBreakerError } from "../../lib/mod.ts";

function clock(start = 0) {
  const c = { now: start, tick: (ms: number) => void (c.now += ms) };
  return c;
}
const fail = () => Promise.reject(new Error("down"));
const succeed = () => Promise.resolve("up");
const refused = () => Promise.reject(Object.assign(new Error("no"), { code: "GD_REFUSED" }));
const denied = () => Promise.reject(Object.assign(new Error("no"), { code: "GD_DENIED" }));
const aborted = () => Promise.reject(new DOMException("cancelled", "AbortError"));

async function settle(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    const { code, name } = err as { code?: unknown; name?: string };
    return typeof code === "string" ? code : name ?? "failed";
  }
}

describe("CircuitBreaker", () => {
  test("opens after exactly failureThreshold consecutive failures (default 5)", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ now: () => c.now });
    for (let i = 0; i < 4; i++) await settle(breaker.execute(fail));
    assert.deepEqual(breaker.state, { value: "closed", failures: 4 });
    await settle(breaker.execute(fail));
    assert.deepEqual(breaker.state, { value: "open", openedAt: 0 });
  });

  test("a success resets the consecutive count", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    await settle(breaker.execute(fail));
    await settle(breaker.execute(fail));
    await breaker.execute(succeed);
    await settle(breaker.execute(fail));
    await settle(breaker.execute(fail));
    assert.equal(breaker.state.value, "closed");
  });

  test("open: rejects with GD_BREAKER_OPEN without calling fn, for the whole cooldown (default 30 s)", async () => {
    const c = clock(100);
    const breaker = new CircuitBreaker({ failureThreshold: 1, now: () => c.now });
    await settle(breaker.execute(fail));
    let calls = 0;
    const counted = () => {
      calls++;
      return succeed();
    };
    c.tick(29_999);
    assert.equal(await settle(breaker.execute(counted)), "GD_BREAKER_OPEN");
    assert.equal(calls, 0);
    c.tick(1);
    assert.equal(await settle(breaker.execute(counted)), "ok");
    assert.equal(calls, 1);
    assert.equal(breaker.state.value, "closed");
  });

  test("half-open allows exactly one trial; others are rejected while it is in flight", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: () => c.now });
    await settle(breaker.execute(fail));
    c.tick(10);
    let release!: () => void;
    let trialCalls = 0;
    const trial = breaker.execute(() => {
      trialCalls++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    assert.equal(breaker.state.value, "half_open");
    const others = await Promise.all([1, 2, 3].map(() => settle(breaker.execute(succeed))));
    assert.deepEqual(others, ["GD_BREAKER_OPEN", "GD_BREAKER_OPEN", "GD_BREAKER_OPEN"]);
    release();
    await trial;
    assert.equal(trialCalls, 1);
    assert.equal(breaker.state.value, "closed");
  });

  test("a failed trial opens the circuit again for a fresh cooldown", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: () => c.now });
    await settle(breaker.execute(fail));
    c.tick(15);
    await settle(breaker.execute(fail));
    assert.deepEqual(breaker.state, { value: "open", openedAt: 15 });
    c.tick(9);
    assert.equal(await settle(breaker.execute(succeed)), "GD_BREAKER_OPEN");
  });

  for (const [name, neutral] of [["AbortError", aborted], ["GD_REFUSED", refused], ["GD_DENIED", denied]] as const) {
    test(`${name} is neutral when closed: it neither counts nor resets`, async () => {
      const breaker = new CircuitBreaker({ failureThreshold: 3 });
      await settle(breaker.execute(fail));
      await settle(breaker.execute(fail));
      for (let i = 0; i < 10; i++) await settle(breaker.execute(neutral));
      assert.deepEqual(breaker.state, { value: "closed", failures: 2 });
      await settle(breaker.execute(fail));
      assert.equal(breaker.state.value, "open");
    });

    test(`${name} in the half-open trial frees the slot for the next caller`, async () => {
      const c = clock();
      const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: () => c.now });
      await settle(breaker.execute(fail));
      c.tick(10);
      assert.equal(await settle(breaker.execute(neutral)), name);
      assert.deepEqual(breaker.state, { value: "half_open", trial: undefined });
      assert.equal(await settle(breaker.execute(succeed)), "ok");
      assert.equal(breaker.state.value, "closed");
    });
  }

  test("a call that started before the circuit opened does not close it when it succeeds late", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    let release!: () => void;
    const slow = breaker.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await settle(breaker.execute(fail));
    assert.equal(breaker.state.value, "open");
    release();
    await slow;
    assert.equal(breaker.state.value, "open");
  });

  test("isNeutralBreakerError", () => {
    assert.equal(isNeutralBreakerError(Object.assign(new Error("x"), { code: "ABORT_ERR" })), true);
    assert.equal(isNeutralBreakerError(new Error("x")), false);
    assert.equal(isNeutralBreakerError("AbortError"), false);
  });

  test("options are checked up front", () => {
    assert.throws(
      () => new CircuitBreaker({ failureThreshold: 0 }),
      /'failureThreshold' must be a positive integer: current value is 0/,
    );
    assert.throws(() => new CircuitBreaker({ failureThreshold: 1.5 }), TypeError);
    assert.throws(() => new CircuitBreaker({ cooldownMs: -1 }), /'cooldownMs' must be a non-negative finite number/);
    assert.throws(() => new CircuitBreaker({ cooldownMs: Infinity }), TypeError);
  });
});

describe("CircuitBreaker: what counts as a failure", () => {
  const tenantFailure = () =>
    Promise.reject(new BackendError("failed", "tuple concurrently updated", { sqlState: "XX000" }));
  const serverDown = () => Promise.reject(new BackendError("unavailable", "connect ECONNREFUSED"));

  test("many failures of kind failed keep it closed, without counting", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    for (let i = 0; i < 50; i++) assert.equal(await settle(breaker.execute(tenantFailure)), "GD_BACKEND_FAILED");
    assert.deepEqual(breaker.state, { value: "closed", failures: 0 });
  });

  test("kind unavailable opens it; a kind-failed error in between neither counts nor resets", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    await settle(breaker.execute(serverDown));
    await settle(breaker.execute(serverDown));
    await settle(breaker.execute(tenantFailure));
    assert.deepEqual(breaker.state, { value: "closed", failures: 2 });
    await settle(breaker.execute(serverDown));
    assert.equal(breaker.state.value, "open");
  });

  test("a kind-failed half-open trial frees the slot; it does not re-open the circuit", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: () => c.now });
    await settle(breaker.execute(serverDown));
    c.tick(10);
    await settle(breaker.execute(tenantFailure));
    assert.deepEqual(breaker.state, { value: "half_open", trial: undefined });
  });

  test("isBreakerFailure: unavailable and unclassified errors count; failed and refused do not", () => {
    assert.equal(isBreakerFailure(new BackendError("unavailable", "x")), true);
    assert.equal(isBreakerFailure(new Error("plain")), true);
    assert.equal(isBreakerFailure("thrown string"), true);
    assert.equal(isBreakerFailure(new BackendError("failed", "x")), false);
    assert.equal(isBreakerFailure(Object.assign(new Error("x"), { kind: "refused" })), false);
    assert.equal(isBreakerFailure({ code: "GD_BACKEND_FAILED" }), false, "another copy's BackendError, by its code");
    assert.equal(isBreakerFailure({ code: "GD_BACKEND_UNAVAILABLE" }), true);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(isBreakerFailure(proxy), true, "a hostile value cannot vouch for the server");
  });

  test("isFailure replaces the rule; one that throws counts the error", async () => {
    const onlyUnavailable = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (err) => (err as { kind?: string }).kind === "unavailable",
    });
    await settle(onlyUnavailable.execute(fail));
    assert.equal(onlyUnavailable.state.value, "closed");
    await settle(onlyUnavailable.execute(serverDown));
    assert.equal(onlyUnavailable.state.value, "open");
    const throwing = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: () => {
        throw new Error("bug");
      },
    });
    await settle(throwing.execute(tenantFailure));
    assert.equal(throwing.state.value, "open");
    assert.throws(
      () => new CircuitBreaker({ isFailure: "no" as never }),
      /'isFailure' must be a function: current value is string/,
    );
  });

  test("isNeutral is asked first: a neutral error is never a failure", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, isFailure: () => true });
    await settle(breaker.execute(aborted));
    assert.deepEqual(breaker.state, { value: "closed", failures: 0 });
  });
});

describe("CircuitBreaker: the open-circuit error", () => {
  test("retryAfterMs is the time until the half-open trial, then until the running trial is given up; the message is the breaker's own", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000, now: () => c.now });
    await settle(breaker.execute(fail));
    await settle(breaker.execute(fail));
    c.tick(250);
    const open = await breaker.execute(succeed).catch((err: unknown) =>
      err as { code: string; retryAfterMs: number; message: string }
    );
    assert.equal(typeof open, "object");
    const err = open as { code: string; retryAfterMs: number; message: string };
    assert.equal(err.code, "GD_BREAKER_OPEN");
    assert.equal(err.retryAfterMs, 750);
    assert.equal(err.message, "The circuit is open; one trial is allowed in 750 ms");
    assert.doesNotMatch(err.message, /drop/i, "neutral: the core says what was not done");
    c.tick(750);
    let release!: () => void;
    const trial = breaker.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const busy = (await breaker.execute(succeed).catch((e: unknown) => e)) as { retryAfterMs: number };
    // Was 0, which told every other caller to retry at once while the trial ran.
    assert.equal(busy.retryAfterMs, 1000);
    release();
    await trial;
    assert.equal(breaker.state.value, "closed");
  });

  test("a trial that never settles is given up after trialTimeoutMs (default cooldownMs): the next caller gets the slot", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: () => c.now });
    await settle(breaker.execute(fail));
    c.tick(1000);
    void breaker.execute(() => new Promise<never>(() => {})); // the trial hangs for ever
    let calls = 0;
    const counted = () => {
      calls++;
      return succeed();
    };
    c.tick(999);
    const busy = (await breaker.execute(counted).catch((e: unknown) => e)) as { code: string; retryAfterMs: number };
    assert.equal(busy.code, "GD_BREAKER_OPEN");
    assert.equal(busy.retryAfterMs, 1);
    c.tick(1); // the trial is 1000 ms old: failed as of now, open again for a cooldown
    const reopened = (await breaker.execute(counted).catch((e: unknown) => e)) as {
      code: string;
      retryAfterMs: number;
    };
    assert.equal(reopened.code, "GD_BREAKER_OPEN");
    assert.equal(reopened.retryAfterMs, 1000);
    assert.deepEqual(breaker.state, { value: "open", openedAt: 2000 });
    assert.equal(calls, 0);
    c.tick(86_400_000); // a day later, the next caller's trial runs and closes the circuit
    assert.equal(await settle(breaker.execute(counted)), "ok");
    assert.equal(calls, 1);
    assert.equal(breaker.state.value, "closed");
  });

  test("a given-up trial that settles late changes nothing", async () => {
    const c = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, trialTimeoutMs: 50, now: () => c.now });
    await settle(breaker.execute(fail));
    c.tick(10);
    let release!: () => void;
    const stale = breaker.execute(() => new Promise<void>((resolve) => (release = resolve)));
    c.tick(49);
    assert.equal(await settle(breaker.execute(succeed)), "GD_BREAKER_OPEN");
    c.tick(11); // given up at 60, open until 70
    assert.equal(await settle(breaker.execute(succeed)), "ok");
    await settle(breaker.execute(fail));
    assert.equal(breaker.state.value, "open");
    release();
    await stale;
    assert.equal(breaker.state.value, "open", "the stale trial's success does not close the circuit");
    assert.throws(
      () => new CircuitBreaker({ trialTimeoutMs: 0 }),
      /'trialTimeoutMs' must be a positive finite number: current value is 0/,
    );
  });

  test("retryAfterMs is always within [1, cooldownMs]: a clock that went backwards restarts the cooldown", async () => {
    const c = clock(10_000);
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: () => c.now });
    await settle(breaker.execute(fail));
    c.now = 0; // the clock jumped back 10 s
    const back = (await breaker.execute(succeed).catch((e: unknown) => e)) as { retryAfterMs: number };
    assert.equal(back.retryAfterMs, 1000, "not 11000");
    c.tick(999.5);
    const soon = (await breaker.execute(succeed).catch((e: unknown) => e)) as { retryAfterMs: number };
    assert.equal(soon.retryAfterMs, 1, "a fraction of a ms is rounded up, never 0");
    c.tick(0.5);
    assert.equal(await settle(breaker.execute(succeed)), "ok", "one cooldown after the jump, not eleven");
  });

  for (
    const [name, reading] of [["NaN", NaN], ["undefined", undefined], ["a string", "1000"], [
      "a throw",
      "throw",
    ]] as const
  ) {
    test(`a clock answering ${name} keeps an open circuit open, and a running trial's slot held`, async () => {
      let now: unknown = 0;
      const breaker = new CircuitBreaker({
        failureThreshold: 1,
        cooldownMs: 1000,
        now: () => {
          if (now === "throw") throw new Error("clock broke");
          return now as number;
        },
      });
      await settle(breaker.execute(fail));
      let calls = 0;
      const counted = () => {
        calls++;
        return succeed();
      };
      now = reading;
      for (let i = 0; i < 3; i++) {
        const err = (await breaker.execute(counted).catch((e: unknown) => e)) as { code: string; retryAfterMs: number };
        assert.equal(err.code, "GD_BREAKER_OPEN");
        assert.equal(err.retryAfterMs, 1000);
      }
      assert.equal(calls, 0);
      now = 1000;
      void breaker.execute(() => new Promise<never>(() => {}));
      now = reading;
      const busy = (await breaker.execute(counted).catch((e: unknown) => e)) as { code: string; retryAfterMs: number };
      assert.equal(busy.code, "GD_BREAKER_OPEN");
      assert.ok(busy.retryAfterMs >= 1 && busy.retryAfterMs <= 1000);
      assert.equal(calls, 0);
    });
  }

  test("a failure seen while the clock gives no finite time opens the circuit for a cooldown from the next good reading", async () => {
    let now = NaN;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: () => now });
    await settle(breaker.execute(fail));
    assert.equal(breaker.state.value, "open");
    now = 5000;
    assert.equal(await settle(breaker.execute(succeed)), "GD_BREAKER_OPEN");
    now = 6000;
    assert.equal(await settle(breaker.execute(succeed)), "ok");
  });

  test("execute is the only way in: a function that throws synchronously is settled like a rejection", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    const thrown = breaker.execute(() => {
      throw new Error("sync");
    });
    assert.equal(await settle(thrown), "Error");
    assert.equal(breaker.state.value, "open");
  });
});
