/**
 * The built-in circuit breaker: consecutive failures open it, a cooldown
 * later exactly one trial may run, and a success closes it again.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";
import { BreakerOpenError } from "./breaker_open_error.ts";
import type { Backend } from "./drop_request.ts";

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
 * Which breaker a drop runs under: by default one per resource type and
 * backend.
 *
 * @example
 * ```ts
 * import type { BreakerKey } from "guarded-drop";
 *
 * const key: BreakerKey = { resourceType: "redis", backend: "dedicated" };
 * ```
 */
export interface BreakerKey {
  /** The resource type the breaker counts (`postgres`, `redis`…). */
  readonly resourceType: string;
  /** The backend the breaker counts. */
  readonly backend: Backend;
}

/**
 * Options of {@linkcode CircuitBreaker}.
 *
 * @example Only unreachable servers open it
 * ```ts
 * import type { CircuitBreakerOptions } from "guarded-drop";
 *
 * const options: CircuitBreakerOptions = {
 *   failureThreshold: 3,
 *   cooldownMs: 10_000,
 *   isFailure: (err) => (err as { kind?: string }).kind === "unavailable",
 * };
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
   * How long a half-open trial may hold the one trial slot, in ms. A trial
   * still running after that counts as failed: the circuit re-opens as of
   * that moment, and once its cooldown has passed the next caller gets the
   * slot. A drop that never settles cannot block every tenant's drops of
   * its key for ever. The trial itself is not cancelled: its late result is
   * ignored.
   *
   * @default {cooldownMs, or 30000 when cooldownMs is 0}
   */
  trialTimeoutMs?: number;
  /**
   * The clock, in ms. Tests inject one; the harness uses real time. A
   * reading that is not a finite number (or a throw) keeps an open circuit
   * open; a reading earlier than the opening restarts the cooldown from it.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Whether an error is neutral: it neither counts as a failure nor resets
   * the count, and a neutral half-open trial frees the trial slot. It is
   * asked first, so a neutral error is never a failure.
   *
   * @default {isNeutralBreakerError}
   */
  isNeutral?: (err: unknown) => boolean;
  /**
   * Whether an error that is not neutral says the backend is in trouble, and
   * counts toward opening the circuit (cockatiel's `handleWhen`). An error
   * for which it answers `false` is treated as neutral. One that throws
   * counts as a failure.
   *
   * @default {isBreakerFailure}
   */
  isFailure?: (err: unknown) => boolean;
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
 * The default failure rule: every error counts toward opening the circuit,
 * except one whose `kind` is `failed` or `refused` (or whose code is
 * `GD_BACKEND_FAILED`).
 *
 * - `kind: "unavailable"` (a refused connection, a timeout, a server that
 *   went away) is server-level trouble: it counts.
 * - `kind: "failed"` is a failure caused by one tenant's own state (a lock,
 *   a dependent object, a concurrent change): the server answered, so it
 *   must not block every other tenant's drops. It does not count.
 * - An unclassified error (a plain `Error`, a driver's raw error, a thrown
 *   string) counts: nothing says the server is well, so the breaker protects
 *   it. Adapters classify their errors with `BackendError`.
 *
 * @param err A thrown value that is not neutral.
 * @returns Whether it counts as a failure.
 *
 * @example
 * ```ts
 * import { BackendError, isBreakerFailure } from "guarded-drop";
 *
 * console.log(isBreakerFailure(new BackendError("unavailable", "ECONNREFUSED"))); // true
 * console.log(isBreakerFailure(new BackendError("failed", "tuple concurrently updated"))); // false
 * console.log(isBreakerFailure(new Error("something else"))); // true
 * ```
 */
export function isBreakerFailure(err: unknown): boolean {
  const kind = readProperty(err, "kind");
  if (kind === "failed" || kind === "refused") return false;
  // A BackendError's code says the same as its kind, should a copy have lost the kind.
  return readProperty(err, "code") !== "GD_BACKEND_FAILED";
}

/**
 * A consecutive-failure circuit breaker with the seed's semantics.
 *
 * - Closed: calls run. `failureThreshold` consecutive failures open it; a
 *   success resets the count.
 * - Open: calls reject with {@linkcode BreakerOpenError} without running,
 *   until `cooldownMs` has passed.
 * - Half-open: exactly one trial runs; every other call is rejected while it
 *   is in flight. A success closes the circuit, a failure opens it again, and
 *   a neutral result frees the slot for the next caller. A trial still in
 *   flight after `trialTimeoutMs` counts as failed.
 *
 * Which errors are failures is `isNeutral` and `isFailure`; by default,
 * server-level trouble counts and a tenant's own failure does not (see
 * {@linkcode isBreakerFailure}).
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
  readonly #trialTimeoutMs: number;
  /** When the current half-open trial started, on the breaker's clock. */
  #trialStartedAt = 0;
  readonly #now: () => number;
  readonly #isNeutral: (err: unknown) => boolean;
  readonly #isFailure: (err: unknown) => boolean;

  /**
   * Constructs a new instance.
   *
   * @param options Threshold, cooldown, clock and the error rules.
   * @throws {TypeError} If `failureThreshold` is not a positive integer,
   * `cooldownMs` is not a non-negative finite number, `trialTimeoutMs` is
   * not a positive finite number, or `now`, `isNeutral`
   * or `isFailure` is not a function.
   */
  constructor(options: CircuitBreakerOptions = {}) {
    const {
      failureThreshold = 5,
      cooldownMs = 30_000,
      trialTimeoutMs,
      now = Date.now,
      isNeutral = isNeutralBreakerError,
      isFailure = isBreakerFailure,
    } = options;
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
    if (
      trialTimeoutMs !== undefined &&
      (typeof trialTimeoutMs !== "number" || !Number.isFinite(trialTimeoutMs) || trialTimeoutMs <= 0)
    ) {
      throw new TypeError(
        `Cannot create a circuit breaker as 'trialTimeoutMs' must be a positive finite number: current value is ${trialTimeoutMs}`,
      );
    }
    for (const [option, value] of [["now", now], ["isNeutral", isNeutral], ["isFailure", isFailure]] as const) {
      if (typeof value !== "function") {
        throw new TypeError(
          `Cannot create a circuit breaker as '${option}' must be a function: current value is ${typeof value}`,
        );
      }
    }
    this.#failureThreshold = failureThreshold;
    this.#cooldownMs = cooldownMs;
    this.#trialTimeoutMs = trialTimeoutMs ?? (cooldownMs > 0 ? cooldownMs : 30_000);
    this.#now = now;
    this.#isNeutral = isNeutral;
    this.#isFailure = isFailure;
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
   * trial in flight. `fn` is not called then. Its `retryAfterMs` is the time
   * until the half-open trial, or, while one is in flight, until it is given
   * up.
   */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const trial = this.#admit();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (this.#counts(err)) this.#onFailure(trial);
      else this.#onNeutral(trial);
      throw err;
    }
    this.#onSuccess(trial);
    return result;
  }

  /**
   * Lets one call in, or throws the open-circuit error. Returns the call's
   * half-open trial token, or `undefined` for a call admitted while closed.
   */
  #admit(): object | undefined {
    const state = this.#state;
    switch (state.value) {
      case "closed":
        return undefined;
      case "open": {
        const now = this.#time();
        // A clock that gives no finite time cannot say the cooldown passed: still open.
        if (now === undefined) {
          throw this.#openError("The circuit is open; the clock gives no finite time", this.#cooldownMs);
        }
        // A clock that went backwards (or an opening without a finite time)
        // restarts the cooldown from now: never longer than one cooldown.
        if (!(state.openedAt <= now)) this.#state = { value: "open", openedAt: now };
        const left = (this.#state as { openedAt: number }).openedAt + this.#cooldownMs - now;
        if (left > 0) {
          throw this.#openError(`The circuit is open; one trial is allowed in ${this.#retryAfter(left)} ms`, left);
        }
        return this.#startTrial(now);
      }
      case "half_open": {
        const now = this.#time();
        if (state.trial === undefined) {
          if (now === undefined) {
            throw this.#openError("The circuit is half-open; the clock gives no finite time", this.#cooldownMs);
          }
          return this.#startTrial(now);
        }
        if (now === undefined) {
          throw this.#openError(
            "The circuit is half-open and its one trial is still running; the clock gives no finite time",
            this.#cooldownMs,
          );
        }
        if (!(this.#trialStartedAt <= now)) this.#trialStartedAt = now;
        const boundAt = this.#trialStartedAt + this.#trialTimeoutMs;
        const left = boundAt - now;
        if (left > 0) {
          throw this.#openError(
            `The circuit is half-open and its one trial is still running; it is given up in ${
              this.#retryAfter(left)
            } ms`,
            left,
          );
        }
        // The trial outlived its bound: it counts as failed at that moment,
        // and the circuit is open again from then, so that a hung drop cannot
        // hold the slot for ever.
        this.#state = { value: "open", openedAt: boundAt };
        return this.#admit();
      }
      default:
        throw new Error(`Unexpected circuit breaker state: ${JSON.stringify(state)}`);
    }
  }

  #startTrial(now: number): object {
    const trial = {};
    this.#trialStartedAt = now;
    this.#state = { value: "half_open", trial };
    return trial;
  }

  /** The clock's reading, or `undefined` when it throws or gives no finite number. */
  #time(): number | undefined {
    let now: unknown;
    try {
      now = this.#now();
    } catch {
      return undefined;
    }
    return typeof now === "number" && Number.isFinite(now) ? now : undefined;
  }

  /** A wait, in whole ms, within [1, cooldownMs]: never "now" while the circuit is busy, never more than one cooldown. */
  #retryAfter(ms: number): number {
    return Math.min(Math.max(Math.ceil(ms), 1), Math.max(this.#cooldownMs, 1));
  }

  #openError(message: string, waitMs: number): BreakerOpenError {
    return new BreakerOpenError(message, { retryAfterMs: this.#retryAfter(waitMs) });
  }

  /** Whether a rejection counts toward opening: not neutral, and a failure. A rule that throws cannot vouch for the error. */
  #counts(err: unknown): boolean {
    try {
      return this.#isNeutral(err) !== true && this.#isFailure(err) !== false;
    } catch {
      return true;
    }
  }

  // A settlement only applies to the state the call was admitted in: a call
  // that started before the circuit opened says nothing about now, and only
  // the current trial can close or re-open a half-open circuit.

  #onSuccess(trial: object | undefined): void {
    const state = this.#state;
    switch (state.value) {
      case "closed":
        if (state.failures !== 0) this.#state = { value: "closed", failures: 0 };
        return;
      case "half_open":
        if (trial !== undefined && state.trial === trial) this.#state = { value: "closed", failures: 0 };
        return;
      case "open":
        return;
      default:
        throw new Error(`Unexpected circuit breaker state: ${JSON.stringify(state)}`);
    }
  }

  #onFailure(trial: object | undefined): void {
    const state = this.#state;
    switch (state.value) {
      case "closed": {
        const failures = state.failures + 1;
        this.#state = failures >= this.#failureThreshold
          ? { value: "open", openedAt: this.#time() ?? Number.NaN }
          : { value: "closed", failures };
        return;
      }
      case "half_open":
        if (trial !== undefined && state.trial === trial) {
          this.#state = { value: "open", openedAt: this.#time() ?? Number.NaN };
        }
        return;
      case "open":
        return;
      default:
        throw new Error(`Unexpected circuit breaker state: ${JSON.stringify(state)}`);
    }
  }

  #onNeutral(trial: object | undefined): void {
    const state = this.#state;
    if (state.value === "half_open" && trial !== undefined && state.trial === trial) {
      this.#state = { value: "half_open", trial: undefined };
    }
  }
}
