// Regression rows for a hostile review of the core: each test failed before
// its fix. In-memory sinks, so that a row shows exactly what was written.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createGuardedDrop, type DropRequest, type GuardedDropOptions } from "../../lib/mod.ts";

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
    await outcomeOf(f.guardedDrop(request(), async () => { throw new Error("down"); }));
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
