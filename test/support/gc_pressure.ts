/**
 * Forced garbage collections while a test waits: a bound that rests on
 * something the collector may take (a signal only weakly held) breaks under
 * them, where a quiet test run would hide it.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A running series of forced collections. */
export interface GcPressure {
  /** Stops the collections and returns how many ran. */
  stop(): number;
}

/**
 * `gc()`, exposed in this process even when node was started without
 * `--expose-gc`: the flag set at run time applies to contexts made after it.
 */
export function exposedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Runs a full collection every `everyMs` until stopped. */
export function startGcPressure(everyMs = 5): GcPressure {
  const gc = exposedGc();
  let runs = 0;
  const timer = setInterval(() => {
    gc();
    runs++;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return runs;
    },
  };
}

/**
 * Runs `work` under forced collections; resolves with its result and the
 * number of collections that ran while it waited.
 *
 * One collection is forced synchronously right after `work()` has returned
 * its promise: the call has started and is waiting, so whatever its bound
 * rests on (a signal, a timer) already exists and is exposed to the
 * collector. That one runs whatever the machine's load, so `collections` is
 * at least 1 by construction; one more runs on each tick of an `everyMs`
 * timer, as many as the machine's scheduling allows (a loaded machine runs
 * far fewer than one per `everyMs`, so a test must not count on them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { underGcPressure } from "./gc_pressure.ts";
 *
 * const { result, collections } = await underGcPressure(() => new Promise((resolve) => setTimeout(() => resolve("done"), 50)));
 * assert.equal(result, "done");
 * assert.ok(collections >= 1);
 * ```
 */
export async function underGcPressure<T>(
  work: () => Promise<T>,
  everyMs = 5,
): Promise<{ result: T; collections: number }> {
  const gc = exposedGc();
  const pending = work();
  gc();
  const pressure = startGcPressure(everyMs);
  try {
    const result = await pending;
    return { result, collections: 1 + pressure.stop() };
  } finally {
    pressure.stop();
  }
}
