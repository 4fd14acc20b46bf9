/**
 * {@linkcode RateLimitedError}, the error of the `rate_limited` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";

/**
 * The drop budget said no or failed. Nothing was dropped.
 *
 * Its `.code` is `GD_RATE_LIMITED` and its `.outcome` is `rate_limited`.
 *
 * @example
 * ```ts
 * import { RateLimitedError, isRateLimitedError } from "guarded-drop";
 *
 * const err = new RateLimitedError("example");
 * console.log(err.code, err.outcome, isRateLimitedError(err)); // "GD_RATE_LIMITED rate_limited true"
 * ```
 */
export class RateLimitedError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_RATE_LIMITED", message, "unavailable", options);
    this.name = "RateLimitedError";
  }
}

/**
 * Whether `err` is a {@linkcode RateLimitedError} from any copy of the package. It
 * checks `.code`, not `instanceof`.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_RATE_LIMITED`.
 *
 * @example
 * ```ts
 * import { RateLimitedError, isRateLimitedError } from "guarded-drop";
 *
 * console.log(isRateLimitedError(new RateLimitedError("x"))); // true
 * console.log(isRateLimitedError({ code: "GD_RATE_LIMITED" })); // true: another copy's error
 * ```
 */
export function isRateLimitedError(err: unknown): err is RateLimitedError {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "GD_RATE_LIMITED";
}
