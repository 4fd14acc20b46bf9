/**
 * {@linkcode BackendError}, what an adapter's deprovision throws when the
 * server is unreachable or the statement fails.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";
import type { ErrorKind } from "./drop_error.ts";

/**
 * The stable codes of {@linkcode BackendError}.
 *
 * @example
 * ```ts
 * import type { BackendErrorCode } from "guarded-drop";
 *
 * const code: BackendErrorCode = "GD_BACKEND_UNAVAILABLE";
 * ```
 */
export type BackendErrorCode = "GD_BACKEND_UNAVAILABLE" | "GD_BACKEND_FAILED";

/**
 * Options of {@linkcode BackendError}.
 *
 * @example
 * ```ts
 * import type { BackendErrorOptions } from "guarded-drop";
 *
 * const options: BackendErrorOptions = { cause: new Error("ECONNREFUSED"), sqlState: "08006" };
 * ```
 */
export interface BackendErrorOptions {
  /** The driver's original error. Its message may hold a host name, never a password: adapters scrub it. */
  cause?: unknown;
  /** The server's own error code (a SQLSTATE, a Redis error prefix, an HTTP status), when it gave one. */
  serverCode?: string;
  /** A PostgreSQL SQLSTATE, when the server gave one. */
  sqlState?: string;
}

/**
 * An adapter's failure, classified so that a caller can map it to a gRPC or
 * HTTP status. `kind` is `unavailable` (retry later) or `failed`; a refused
 * target is a {@linkcode RefusedError} instead.
 *
 * guardedDrop maps it to the `error` outcome and keeps its `kind` on the
 * {@linkcode DropFailedError} it rejects with.
 *
 * @example
 * ```ts
 * import { BackendError, isBackendError } from "guarded-drop";
 *
 * const err = new BackendError("unavailable", "Cannot deprovision as the server refused the connection");
 * console.log(isBackendError(err), err.kind, err.code); // true "unavailable" "GD_BACKEND_UNAVAILABLE"
 * ```
 */
export class BackendError extends Error {
  /** `GD_BACKEND_UNAVAILABLE` or `GD_BACKEND_FAILED`. */
  readonly code: BackendErrorCode;
  /** `unavailable` or `failed`. */
  readonly kind: Exclude<ErrorKind, "refused">;
  /** The server's own error code, when it gave one. */
  readonly serverCode: string | undefined;
  /** A PostgreSQL SQLSTATE, when the server gave one. */
  readonly sqlState: string | undefined;

  /**
   * Constructs a new instance.
   *
   * @param kind `unavailable` or `failed`.
   * @param message What happened. It must not hold credentials.
   * @param options The cause and the server's code.
   */
  constructor(kind: Exclude<ErrorKind, "refused">, message: string, options?: BackendErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BackendError";
    this.kind = kind;
    this.code = kind === "unavailable" ? "GD_BACKEND_UNAVAILABLE" : "GD_BACKEND_FAILED";
    this.serverCode = options?.serverCode ?? options?.sqlState;
    this.sqlState = options?.sqlState;
  }
}

/**
 * Whether `err` is a {@linkcode BackendError} from any copy of the package.
 *
 * @param err The value to check.
 * @returns `true` when `err.code` is one of the backend codes.
 *
 * @example
 * ```ts
 * import { BackendError, isBackendError } from "guarded-drop";
 *
 * console.log(isBackendError(new BackendError("failed", "x"))); // true
 * ```
 */
export function isBackendError(err: unknown): err is BackendError {
  const code = readProperty(err, "code");
  return code === "GD_BACKEND_UNAVAILABLE" || code === "GD_BACKEND_FAILED";
}

/**
 * How a caller should treat any error a drop produced: `refused` for a
 * refusal or denial, `unavailable` for an unreachable server, an open
 * breaker, a spent budget or a failed audit write, and `failed` otherwise.
 *
 * @param err Any thrown value.
 * @returns Its {@linkcode ErrorKind}.
 *
 * For an HTTP or gRPC status use `httpStatusOf` / `grpcStatusOf`, which
 * also tell `denied` and `rate_limited` apart.
 *
 * @example Retry or not
 * ```ts
 * import { BackendError, errorKindOf } from "guarded-drop";
 *
 * const retry = errorKindOf(new BackendError("unavailable", "down")) === "unavailable";
 * console.log(retry); // true
 * ```
 */
export function errorKindOf(err: unknown): ErrorKind {
  const kind = readProperty(err, "kind");
  if (kind === "unavailable" || kind === "refused" || kind === "failed") return kind;
  const code = readProperty(err, "code");
  if (code === "GD_REFUSED" || code === "GD_DENIED") return "refused";
  return "failed";
}
