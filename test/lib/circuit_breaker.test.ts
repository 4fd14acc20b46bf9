// The breaker's state machine under an injected clock (DESIGN §2 item 7).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CircuitBreaker, isNeutralBreakerError } from "../../lib/mod.ts";

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
    assert.throws(() => new CircuitBreaker({ failureThreshold: 0 }), /'failureThreshold' must be a positive integer: current value is 0/);
    assert.throws(() => new CircuitBreaker({ failureThreshold: 1.5 }), TypeError);
    assert.throws(() => new CircuitBreaker({ cooldownMs: -1 }), /'cooldownMs' must be a non-negative finite number/);
    assert.throws(() => new CircuitBreaker({ cooldownMs: Infinity }), TypeError);
  });
});
