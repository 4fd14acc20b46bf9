/**
 * {@linkcode AuditFailedError}, the error of the `audit_failed` outcome.
 *
 * @module
 */

import { DropError, type DropErrorOptions } from "./drop_error.ts";
import { readProperty } from "./_read_property.ts";

/**
 * The audit record could not be written, so nothing ran (no audit line, no drop).
 *
 * Its `.code` is `GD_AUDIT_FAILED` and its `.outcome` is `audit_failed`.
 *
 * @example
 * ```ts
 * import { AuditFailedError, isAuditFailedError } from "guarded-drop";
 *
 * const err = new AuditFailedError("example");
 * console.log(err.code, err.outcome, isAuditFailedError(err)); // "GD_AUDIT_FAILED audit_failed true"
 * ```
 */
export class AuditFailedError extends DropError {
  /**
   * Constructs a new instance.
   *
   * @param message What happened. It must not hold credentials.
   * @param options The cause, the drop id and the kind.
   */
  constructor(message: string, options?: DropErrorOptions) {
    super("GD_AUDIT_FAILED", message, "unavailable", options);
    this.name = "AuditFailedError";
  }
}

/**
 * Whether `err` is a {@linkcode AuditFailedError} from any copy of the package. It
 * checks `.code`, not `instanceof`, and never throws: a hostile value (a
 * Proxy whose getter throws) is simply not one.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_AUDIT_FAILED`.
 *
 * @example
 * ```ts
 * import { AuditFailedError, isAuditFailedError } from "guarded-drop";
 *
 * console.log(isAuditFailedError(new AuditFailedError("x"))); // true
 * console.log(isAuditFailedError({ code: "GD_AUDIT_FAILED" })); // true: another copy's error
 * ```
 */
export function isAuditFailedError(err: unknown): err is AuditFailedError {
  return readProperty(err, "code") === "GD_AUDIT_FAILED";
}
