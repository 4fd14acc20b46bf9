/**
 * {@linkcode RateLimitedError}, the error of the `rate_limited` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * Options of {@linkcode RateLimitedError}.
 *
 * @example
 * ```ts
 * import type { RateLimitedErrorOptions } from "guarded-drop";
 *
 * const options: RateLimitedErrorOptions = { reason: "global limit of 10 per 60000 ms spent", retryAfterMs: 1200 };
 * ```
 */
export interface RateLimitedErrorOptions extends DropErrorOptions {
  /** Which limit was spent, or why the budget failed. It must not hold credentials. */
  reason?: string;
  /** When a slot frees, in ms from now, when the budget knows. */
  retryAfterMs?: number;
}

/**
 * The drop budget said no or failed. Nothing was dropped.
 *
 * Its `.code` is `GD_RATE_LIMITED` and its `.outcome` is `rate_limited`. Its
 * `.reason` says which limit was spent, and `.retryAfterMs` when a slot
 * frees, when the budget said so.
 *
 * @example
 * ```ts
 * import { RateLimitedError, isRateLimitedError } from "guarded-drop";
 *
 * const err = new RateLimitedError("example", { retryAfterMs: 500 });
 * console.log(err.code, err.outcome, err.retryAfterMs, isRateLimitedError(err)); // "GD_RATE_LIMITED rate_limited 500 true"
 * ```
 */
export class RateLimitedError extends DropError {
  /** Which limit was spent, or why the budget failed. guardedDrop always sets it. */
  readonly reason: string | undefined;
  /** When a slot frees, in ms from when the error was made. */
  readonly retryAfterMs: number | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id, the kind, the reason and the retry delay.
   */
  constructor(message: string, options?: RateLimitedErrorOptions) {
    super("GD_RATE_LIMITED", message, "unavailable", options);
    this.name = "RateLimitedError";
    this.reason = options?.reason;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * Whether `err` is a {@linkcode RateLimitedError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
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
  return readProperty(err, "code") === "GD_RATE_LIMITED";
}
