/**
 * {@linkcode BreakerOpenError}, the error of the `breaker_open` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";

/**
 * The circuit breaker is open for this resource type and backend, so the drop callback was not called.
 *
 * Its `.code` is `GD_BREAKER_OPEN` and its `.outcome` is `breaker_open`.
 *
 * @example
 * ```ts
 * import { BreakerOpenError, isBreakerOpenError } from "guarded-drop";
 *
 * const err = new BreakerOpenError("example");
 * console.log(err.code, err.outcome, isBreakerOpenError(err)); // "GD_BREAKER_OPEN breaker_open true"
 * ```
 */
export class BreakerOpenError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_BREAKER_OPEN", message, "unavailable", options);
    this.name = "BreakerOpenError";
  }
}

/**
 * Whether `err` is a {@linkcode BreakerOpenError} from any copy of the package. It
 * checks `.code`, not `instanceof`.
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
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "GD_BREAKER_OPEN";
}
