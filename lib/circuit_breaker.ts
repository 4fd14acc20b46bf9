/**
 * The built-in circuit breaker: consecutive failures open it, a cooldown
 * later exactly one trial may run, and a success closes it again.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";
import { BreakerOpenError } from "./breaker_open_error.ts";
import { admit, CLOSED_TICKET, failed, OPEN, openError, succeeded, type Ticket } from "./_breaker_ticket.ts";

/**
 * Anything that runs a function under a breaker: this module's
 * {@linkcode CircuitBreaker}, an opossum breaker built as
 * `new CircuitBreaker((fn) => fn())` and wrapped as
 * `{ execute: (fn) => cb.fire(fn) }`, or a cockatiel policy.
 *
 * @example
 * ```ts
 * import type { BreakerExecutor } from "guarded-drop";
 *
 * const passThrough: BreakerExecutor = { execute: (fn) => fn() };
 * ```
 */
export interface BreakerExecutor {
  /** Runs `fn`, or rejects without calling it when the circuit is open. */
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Options of {@linkcode CircuitBreaker}.
 *
 * @example
 * ```ts
 * import type { CircuitBreakerOptions } from "guarded-drop";
 *
 * const options: CircuitBreakerOptions = { failureThreshold: 3, cooldownMs: 10_000 };
 * ```
 */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures that open the circuit.
   *
   * @default {5}
   */
  failureThreshold?: number;
  /**
   * How long the circuit stays open before one trial may run, in ms.
   *
   * @default {30000}
   */
  cooldownMs?: number;
  /**
   * The clock, in ms. Tests inject one; the harness uses real time.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Whether an error is neutral: it neither counts as a failure nor resets
   * the count, and a neutral half-open trial frees the trial slot.
   *
   * @default {isNeutralBreakerError}
   */
  isNeutral?: (err: unknown) => boolean;
}

/**
 * The state of a {@linkcode CircuitBreaker}.
 *
 * @example
 * ```ts
 * import { CircuitBreaker } from "guarded-drop";
 *
 * console.log(new CircuitBreaker().state.value); // "closed"
 * ```
 */
export type BreakerState =
  | { readonly value: "closed"; readonly failures: number }
  | { readonly value: "open"; readonly openedAt: number }
  | { readonly value: "half_open"; readonly trial: object | undefined };

/**
 * The default neutral results: a cancellation (`AbortError`, `ABORT_ERR`), a
 * refusal (`GD_REFUSED`) and a denial (`GD_DENIED`). None of them says
 * anything about the health of the backend.
 *
 * @param err A thrown value.
 * @returns Whether it is neutral.
 *
 * @example
 * ```ts
 * import { isNeutralBreakerError } from "guarded-drop";
 *
 * console.log(isNeutralBreakerError(new DOMException("stop", "AbortError"))); // true
 * console.log(isNeutralBreakerError(new Error("ECONNREFUSED"))); // false
 * ```
 */
export function isNeutralBreakerError(err: unknown): boolean {
  const name = readProperty(err, "name");
  const code = readProperty(err, "code");
  return name === "AbortError" || code === "ABORT_ERR" || code === "GD_REFUSED" || code === "GD_DENIED";
}

/**
 * A consecutive-failure circuit breaker with the seed's semantics.
 *
 * - Closed: calls run. `failureThreshold` consecutive failures open it.
 * - Open: calls reject with {@linkcode BreakerOpenError} without running,
 *   until `cooldownMs` has passed.
 * - Half-open: exactly one trial runs; every other call is rejected while it
 *   is in flight. A success closes the circuit, a failure opens it again, and
 *   a neutral result frees the slot for the next caller.
 *
 * @example Opening after failures
 * ```ts
 * import { CircuitBreaker } from "guarded-drop";
 *
 * let now = 0;
 * const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000, now: () => now });
 * const fail = () => Promise.reject(new Error("down"));
 * await breaker.execute(fail).catch(() => {});
 * await breaker.execute(fail).catch(() => {});
 * console.log(breaker.state.value); // "open"
 * now = 1000;
 * await breaker.execute(async () => "up");
 * console.log(breaker.state.value); // "closed"
 * ```
 */
export class CircuitBreaker implements BreakerExecutor {
  #state: BreakerState = { value: "closed", failures: 0 };
  readonly #failureThreshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #isNeutral: (err: unknown) => boolean;

  /**
   * Constructs a new instance.
   *
   * @param options Threshold, cooldown, clock and neutral-error test.
   * @throws {TypeError} If `failureThreshold` is not a positive integer, or
   * `cooldownMs` is not a non-negative finite number.
   */
  constructor(options: CircuitBreakerOptions = {}) {
    const { failureThreshold = 5, cooldownMs = 30_000, now = Date.now, isNeutral = isNeutralBreakerError } = options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
      throw new TypeError(
        `Cannot create a circuit breaker as 'failureThreshold' must be a positive integer: current value is ${failureThreshold}`,
      );
    }
    if (typeof cooldownMs !== "number" || !Number.isFinite(cooldownMs) || cooldownMs < 0) {
      throw new TypeError(
        `Cannot create a circuit breaker as 'cooldownMs' must be a non-negative finite number: current value is ${cooldownMs}`,
      );
    }
    if (typeof now !== "function") {
      throw new TypeError(`Cannot create a circuit breaker as 'now' must be a function: current value is ${typeof now}`);
    }
    if (typeof isNeutral !== "function") {
      throw new TypeError(`Cannot create a circuit breaker as 'isNeutral' must be a function: current value is ${typeof isNeutral}`);
    }
    this.#failureThreshold = failureThreshold;
    this.#cooldownMs = cooldownMs;
    this.#now = now;
    this.#isNeutral = isNeutral;
  }

  /** The current state. An open circuit whose cooldown has passed still reads `open` until a call arrives. */
  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Runs `fn` under the breaker.
   *
   * @param fn The guarded work.
   * @returns What `fn` resolves with.
   * @throws {BreakerOpenError} If the circuit is open, or half-open with its
   * trial in flight. `fn` is not called then.
   */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    const ticket = this[admit]();
    if (ticket === OPEN) return Promise.reject(this[openError]());
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (err) {
      pending = Promise.reject(err);
    }
    // `then` rather than an async function: one promise fewer per drop.
    return pending.then(
      (result) => {
        this[succeeded](ticket);
        return result;
      },
      (err: unknown) => {
        this[failed](ticket, err);
        throw err;
      },
    );
  }

  /**
   * Claims the right to run one call: a ticket to settle it with, or `OPEN`
   * when the call must be rejected. Internal: guardedDrop's built-in breaker
   * path uses it to settle the breaker and count the outcome in one step.
   *
   * @internal
   */
  [admit](): Ticket {
    const state = this.#state;
    switch (state.value) {
      case "closed":
        return CLOSED_TICKET;
      case "open": {
        if (this.#now() - state.openedAt < this.#cooldownMs) return OPEN;
        const trial = {};
        this.#state = { value: "half_open", trial };
        return trial;
      }
      case "half_open": {
        if (state.trial !== undefined) return OPEN;
        const trial = {};
        this.#state = { value: "half_open", trial };
        return trial;
      }
      default:
        throw new Error(`Unexpected circuit breaker state: ${JSON.stringify(state)}`);
    }
  }

  /** Settles a call that resolved. @internal */
  [succeeded](ticket: object): void {
    this.#onSuccess(ticket === CLOSED_TICKET ? undefined : ticket);
  }

  /** Settles a call that rejected: a failure, or neutral. @internal */
  [failed](ticket: object, err: unknown): void {
    const trial = ticket === CLOSED_TICKET ? undefined : ticket;
    let neutral = false;
    try {
      neutral = this.#isNeutral(err) === true;
    } catch {
      // A neutral-test that throws cannot vouch for the error: it counts.
    }
    if (neutral) this.#onNeutral(trial);
    else this.#onFailure(trial);
  }

  /** The error of a rejected call. @internal */
  [openError](): BreakerOpenError {
    return new BreakerOpenError(
      "Cannot drop as the circuit breaker is open after repeated failures of this resource type and backend",
    );
  }

  #onSuccess(trial: object | undefined): void {
    const state = this.#state;
    if (state.value === "closed") {
      if (state.failures !== 0) this.#state = { value: "closed", failures: 0 };
    } else if (state.value === "half_open" && trial !== undefined && state.trial === trial) {
      this.#state = { value: "closed", failures: 0 };
    }
    // A call that started before the circuit opened says nothing about now.
  }

  #onFailure(trial: object | undefined): void {
    const state = this.#state;
    if (state.value === "closed") {
      const failures = state.failures + 1;
      this.#state = failures >= this.#failureThreshold
        ? { value: "open", openedAt: this.#now() }
        : { value: "closed", failures };
    } else if (state.value === "half_open" && trial !== undefined && state.trial === trial) {
      this.#state = { value: "open", openedAt: this.#now() };
    }
  }

  #onNeutral(trial: object | undefined): void {
    const state = this.#state;
    if (state.value === "half_open" && trial !== undefined && state.trial === trial) {
      this.#state = { value: "half_open", trial: undefined };
    }
  }

}
