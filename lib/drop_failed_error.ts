/**
 * {@linkcode DropFailedError}, the error of the `error` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * The drop callback threw. The cause is the original error; its message is scrubbed of credentials.
 *
 * Its `.code` is `GD_DROP_FAILED` and its `.outcome` is `error`.
 *
 * @example
 * ```ts
 * import { DropFailedError, isDropFailedError } from "guarded-drop";
 *
 * const err = new DropFailedError("example");
 * console.log(err.code, err.outcome, isDropFailedError(err)); // "GD_DROP_FAILED error true"
 * ```
 */
export class DropFailedError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_DROP_FAILED", message, "failed", options);
    this.name = "DropFailedError";
  }
}

/**
 * Whether `err` is a {@linkcode DropFailedError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_DROP_FAILED`.
 *
 * @example
 * ```ts
 * import { DropFailedError, isDropFailedError } from "guarded-drop";
 *
 * console.log(isDropFailedError(new DropFailedError("x"))); // true
 * console.log(isDropFailedError({ code: "GD_DROP_FAILED" })); // true: another copy's error
 * ```
 */
export function isDropFailedError(err: unknown): err is DropFailedError {
  return readProperty(err, "code") === "GD_DROP_FAILED";
}
