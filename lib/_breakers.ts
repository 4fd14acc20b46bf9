// Internal: step 5 of the contract, the drop inside its key's breaker. Every
// breaker, the built-in one or a replacement, is driven through execute().

import type { DropRecord } from "./audit.ts";
import type { BreakerExecutor, BreakerKey } from "./circuit_breaker.ts";
import type { DropCallback } from "./drop_callback.ts";
import { BreakerOpenError } from "./breaker_open_error.ts";
import { classifyError } from "./_classify_error.ts";

/** The breakers of one guardedDrop, one per resource type and backend. */
export class Breakers {
  // Made once per key and kept: the breaker's state is what makes it a breaker.
  readonly #byKey = new Map<string, BreakerExecutor>();
  readonly #breakerFor: (key: BreakerKey) => BreakerExecutor;
  readonly #isBreakerOpen: (err: unknown) => boolean;

  constructor(breakerFor: (key: BreakerKey) => BreakerExecutor, isBreakerOpen: (err: unknown) => boolean) {
    this.#breakerFor = breakerFor;
    this.#isBreakerOpen = isBreakerOpen;
  }

  /**
   * Runs the drop under the breaker of `key`.
   *
   * @throws {DropError} The classified error: `breaker_open` or a failed
   * breaker when the drop was not called (also when the breaker resolved
   * without calling it), else the drop's own outcome.
   */
  async run<T>(key: BreakerKey, record: DropRecord, drop: DropCallback<T>): Promise<T> {
    let called = false;
    let value: T;
    try {
      value = await this.#of(key).execute(async () => {
        // At most once per call: a replacement breaker that retries (or
        // calls fn twice) must not run a second drop under the one record.
        if (called) {
          throw new Error("the drop was already run once for this request; a breaker must call it at most once");
        }
        called = true;
        return await drop({ dropId: record.drop_id });
      });
    } catch (err) {
      throw classifyError(err, called, this.#isBreakerOpen);
    }
    // A replacement breaker can resolve without running the drop (opossum's
    // fallback does, while open): nothing was dropped, so it is no `ok`.
    if (!called) {
      throw new BreakerOpenError("Cannot drop as the circuit breaker resolved without calling the drop (a fallback?)");
    }
    return value;
  }

  #of({ resourceType, backend }: BreakerKey): BreakerExecutor {
    const key = `${backend}/${resourceType}`; // validated: backend has no "/"
    let breaker = this.#byKey.get(key);
    if (breaker === undefined) {
      breaker = this.#breakerFor({ resourceType, backend });
      if (typeof breaker?.execute !== "function") {
        throw new TypeError(
          `'breakerFor' returned no 'execute' function for ${JSON.stringify({ resourceType, backend })}`,
        );
      }
      this.#byKey.set(key, breaker);
    }
    return breaker;
  }
}
