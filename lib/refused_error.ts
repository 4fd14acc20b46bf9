/**
 * {@linkcode RefusedError}, the error of the `refused` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * The request was malformed, or it named a system or non-tenant target. Nothing was dropped.
 *
 * Its `.code` is `GD_REFUSED` and its `.outcome` is `refused`.
 *
 * @example
 * ```ts
 * import { RefusedError, isRefusedError } from "guarded-drop";
 *
 * const err = new RefusedError("example");
 * console.log(err.code, err.outcome, isRefusedError(err)); // "GD_REFUSED refused true"
 * ```
 */
export class RefusedError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_REFUSED", message, "refused", options);
    this.name = "RefusedError";
  }
}

/**
 * Whether `err` is a {@linkcode RefusedError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_REFUSED`.
 *
 * @example
 * ```ts
 * import { RefusedError, isRefusedError } from "guarded-drop";
 *
 * console.log(isRefusedError(new RefusedError("x"))); // true
 * console.log(isRefusedError({ code: "GD_REFUSED" })); // true: another copy's error
 * ```
 */
export function isRefusedError(err: unknown): err is RefusedError {
  return readProperty(err, "code") === "GD_REFUSED";
}
