/**
 * {@linkcode BreakerOpenError}, the error of the `breaker_open` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * Options of {@linkcode BreakerOpenError}.
 *
 * @example
 * ```ts
 * import type { BreakerOpenErrorOptions } from "guarded-drop";
 *
 * const options: BreakerOpenErrorOptions = { retryAfterMs: 30_000 };
 * ```
 */
export interface BreakerOpenErrorOptions extends DropErrorOptions {
  /** The time until the breaker allows its half-open trial, in ms. */
  retryAfterMs?: number;
}

/**
 * The circuit breaker is open for this resource type and backend, so the drop callback was not called.
 *
 * Its `.code` is `GD_BREAKER_OPEN` and its `.outcome` is `breaker_open`. The
 * built-in breaker sets `.retryAfterMs`, the time until its half-open trial,
 * or, while that trial is running, the time until the breaker gives it up
 * (the circuit may close sooner, as soon as the trial succeeds).
 *
 * @example
 * ```ts
 * import { BreakerOpenError, isBreakerOpenError } from "guarded-drop";
 *
 * const err = new BreakerOpenError("example", { retryAfterMs: 1000 });
 * console.log(err.code, err.outcome, err.retryAfterMs, isBreakerOpenError(err)); // "GD_BREAKER_OPEN breaker_open 1000 true"
 * ```
 */
export class BreakerOpenError extends DropError {
  /** The time until the half-open trial, in ms from when the error was made, when the breaker knows. */
  readonly retryAfterMs: number | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id, the kind and the retry delay.
   */
  constructor(message: string, options?: BreakerOpenErrorOptions) {
    super("GD_BREAKER_OPEN", message, "unavailable", options);
    this.name = "BreakerOpenError";
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * Whether `err` is a {@linkcode BreakerOpenError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_BREAKER_OPEN`.
 *
 * @example
 * ```ts
 * import { BreakerOpenError, isBreakerOpenError } from "guarded-drop";
 *
 * console.log(isBreakerOpenError(new BreakerOpenError("x"))); // true
 * console.log(isBreakerOpenError({ code: "GD_BREAKER_OPEN" })); // true: another copy's error
 * ```
 */
export function isBreakerOpenError(err: unknown): err is BreakerOpenError {
  return readProperty(err, "code") === "GD_BREAKER_OPEN";
}
