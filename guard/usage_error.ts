/**
 * {@linkcode GuardUsageError}: a usage or config error (exit code 2).
 *
 * @module
 */

/**
 * The guard could not run as asked: a bad argument, an unreadable or invalid
 * config file (an unknown key is one), a broken tsconfig, or nothing to
 * scan. The CLI exits with code 2.
 *
 * Its `.code` is `GD_GUARD_USAGE`.
 *
 * @example
 * ```ts
 * import { GuardUsageError, isGuardUsageError } from "guarded-drop/guard";
 *
 * const err = new GuardUsageError("Cannot scan as no file was found");
 * console.log(err.code, isGuardUsageError(err)); // "GD_GUARD_USAGE true"
 * ```
 */
export class GuardUsageError extends Error {
  /** Always `GD_GUARD_USAGE`. */
  readonly code = "GD_GUARD_USAGE";

  /**
   * Constructs a new instance.
   *
   * @param message What is wrong and how to fix it.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GuardUsageError";
  }
}

/**
 * Whether `err` is a {@linkcode GuardUsageError} from any copy of the
 * package. It checks `.code`, not `instanceof`.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_GUARD_USAGE`.
 *
 * @example
 * ```ts
 * import { isGuardUsageError } from "guarded-drop/guard";
 *
 * console.log(isGuardUsageError({ code: "GD_GUARD_USAGE" })); // true
 * ```
 */
export function isGuardUsageError(err: unknown): err is GuardUsageError {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "GD_GUARD_USAGE";
}
