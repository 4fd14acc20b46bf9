/**
 * {@linkcode DeniedError}, the error of the `denied` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * Options of {@linkcode DeniedError}.
 *
 * @example
 * ```ts
 * import type { DeniedErrorOptions } from "guarded-drop";
 *
 * const options: DeniedErrorOptions = { reason: "resource status is 'active'" };
 * ```
 */
export interface DeniedErrorOptions extends DropErrorOptions {
  /** Why the policy said no, as it said it (or a generic reason). It must not hold credentials. */
  reason?: string;
}

/**
 * The deletion-intent policy said no, failed or timed out. Nothing was dropped.
 *
 * Its `.code` is `GD_DENIED` and its `.outcome` is `denied`. Its `.reason`
 * says why; guardedDrop also writes it in the `provisioner.drop.failed`
 * record.
 *
 * @example
 * ```ts
 * import { DeniedError, isDeniedError } from "guarded-drop";
 *
 * const err = new DeniedError("example", { reason: "no intent" });
 * console.log(err.code, err.outcome, err.reason, isDeniedError(err)); // "GD_DENIED denied no intent true"
 * ```
 */
export class DeniedError extends DropError {
  /** Why the policy said no. guardedDrop always sets it. */
  readonly reason: string | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id, the kind and the reason.
   */
  constructor(message: string, options?: DeniedErrorOptions) {
    super("GD_DENIED", message, "refused", options);
    this.name = "DeniedError";
    this.reason = options?.reason;
  }
}

/**
 * Whether `err` is a {@linkcode DeniedError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
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
  return readProperty(err, "code") === "GD_DENIED";
}
