/**
 * {@linkcode AsyncLoggerError}: the error of a logger whose writes land
 * later, given to `createGuardedDrop`.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";

/**
 * A pino logger whose destination is asynchronous (a transport, a SonicBoom
 * with `sync: false`, a multistream holding one) was given to
 * `createGuardedDrop`. Its `provisioner.drop` line may land after the drop,
 * or never, which breaks "no audit line, no drop". Build the logger with
 * `createAuditLogger` from `guarded-drop/pino`, or pass
 * `allowAsyncLogger: true` to accept the risk (a warning is then written).
 *
 * Its `.code` is `GD_ASYNC_LOGGER`. It is a `TypeError`, like every other
 * option that `createGuardedDrop` refuses.
 *
 * @example
 * ```ts
 * import { AsyncLoggerError, isAsyncLoggerError } from "guarded-drop";
 *
 * const err = new AsyncLoggerError("example");
 * console.log(err.code, isAsyncLoggerError(err)); // "GD_ASYNC_LOGGER true"
 * ```
 */
export class AsyncLoggerError extends TypeError {
  /** Always `GD_ASYNC_LOGGER`. */
  readonly code: "GD_ASYNC_LOGGER" = "GD_ASYNC_LOGGER";

  /**
   * Constructs a new instance.
   *
   * @param message What was refused, and how to fix it.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AsyncLoggerError";
  }
}

/**
 * Whether `err` is an {@linkcode AsyncLoggerError} from any copy of the
 * package. It checks `.code`, not `instanceof`, and never throws.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is `GD_ASYNC_LOGGER`.
 *
 * @example
 * ```ts
 * import { isAsyncLoggerError } from "guarded-drop";
 *
 * console.log(isAsyncLoggerError({ code: "GD_ASYNC_LOGGER" })); // true
 * ```
 */
export function isAsyncLoggerError(err: unknown): err is AsyncLoggerError {
  return readProperty(err, "code") === "GD_ASYNC_LOGGER";
}
