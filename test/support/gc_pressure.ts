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

/** Runs `work` under {@linkcode startGcPressure}; resolves with its result and the number of collections. */
export async function underGcPressure<T>(work: () => Promise<T>, everyMs = 5): Promise<{ result: T; collections: number }> {
  const pressure = startGcPressure(everyMs);
  try {
    const result = await work();
    return { result, collections: pressure.stop() };
  } finally {
    pressure.stop();
  }
}
