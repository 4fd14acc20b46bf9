/**
 * {@linkcode DeniedError}, the error of the `denied` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";

/**
 * The deletion-intent policy said no, failed or timed out. Nothing was dropped.
 *
 * Its `.code` is `GD_DENIED` and its `.outcome` is `denied`.
 *
 * @example
 * ```ts
 * import { DeniedError, isDeniedError } from "guarded-drop";
 *
 * const err = new DeniedError("example");
 * console.log(err.code, err.outcome, isDeniedError(err)); // "GD_DENIED denied true"
 * ```
 */
export class DeniedError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_DENIED", message, "refused", options);
    this.name = "DeniedError";
  }
}

/**
 * Whether `err` is a {@linkcode DeniedError} from any copy of the package. It
 * checks `.code`, not `instanceof`.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_DENIED`.
 *
 * @example
 * ```ts
 * import { DeniedError, isDeniedError } from "guarded-drop";
 *
 * console.log(isDeniedError(new DeniedError("x"))); // true
 * console.log(isDeniedError({ code: "GD_DENIED" })); // true: another copy's error
 * ```
 */
export function isDeniedError(err: unknown): err is DeniedError {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "GD_DENIED";
}
