/**
 * {@linkcode httpStatusOf} and {@linkcode grpcStatusOf}: the status a
 * service answers with for a guarded drop's outcome.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";

/**
 * A gRPC status code and its canonical name.
 *
 * @example
 * ```ts
 * import type { GrpcStatus } from "guarded-drop";
 *
 * const unavailable: GrpcStatus = { code: 14, name: "UNAVAILABLE" };
 * ```
 */
export interface GrpcStatus {
  /** The status's number. */
  readonly code: number;
  /** The status's name. */
  readonly name: string;
}

type StatusClass = "ok" | "denied" | "rate_limited" | "unavailable" | "refused" | "failed" | "unknown";

const HTTP: Readonly<Record<StatusClass, number>> = Object.freeze({
  ok: 200,
  denied: 403,
  rate_limited: 429,
  unavailable: 503,
  refused: 400,
  failed: 500,
  unknown: 500,
});

const GRPC: Readonly<Record<StatusClass, GrpcStatus>> = Object.freeze({
  ok: Object.freeze({ code: 0, name: "OK" }),
  denied: Object.freeze({ code: 7, name: "PERMISSION_DENIED" }),
  rate_limited: Object.freeze({ code: 8, name: "RESOURCE_EXHAUSTED" }),
  unavailable: Object.freeze({ code: 14, name: "UNAVAILABLE" }),
  refused: Object.freeze({ code: 3, name: "INVALID_ARGUMENT" }),
  failed: Object.freeze({ code: 13, name: "INTERNAL" }),
  unknown: Object.freeze({ code: 2, name: "UNKNOWN" }),
});

/**
 * Sorts a thrown value (or its absence) into one status class: by `.code`
 * first (two copies of the package agree on it), then by `.kind`.
 */
function classOf(err: unknown): StatusClass {
  if (err === undefined || err === null) return "ok";
  switch (readProperty(err, "code")) {
    case "GD_DENIED":
      return "denied";
    case "GD_RATE_LIMITED":
      return "rate_limited";
    case "GD_BREAKER_OPEN":
    case "GD_AUDIT_FAILED":
      return "unavailable";
    case "GD_REFUSED":
      return "refused";
  }
  // An `error` outcome, or an adapter's BackendError used on its own: its kind says.
  const kind = readProperty(err, "kind");
  if (kind === "unavailable" || kind === "refused" || kind === "failed") return kind;
  return "unknown";
}

/**
 * The HTTP status for a guarded drop's outcome.
 *
 * | outcome | status |
 * |---|---|
 * | no error (`undefined` or `null`): `ok` | 200 |
 * | `denied` | 403 |
 * | `rate_limited` | 429 |
 * | `breaker_open`, `audit_failed`, or `error` of kind `unavailable` | 503 |
 * | `refused`, or `error` of kind `refused` | 400 |
 * | `error` of kind `failed` | 500 |
 * | anything else (not a guarded-drop error, no known kind) | 500 |
 *
 * `rate_limited` and `breaker_open` errors carry `retryAfterMs` when it is
 * known: send it as `Retry-After` (in seconds, rounded up).
 *
 * @param err What the guarded drop rejected with, or `undefined` for a success.
 * @returns The HTTP status code.
 *
 * @example
 * ```ts
 * import { DeniedError, httpStatusOf } from "guarded-drop";
 *
 * console.log(httpStatusOf(new DeniedError("no"))); // 403
 * console.log(httpStatusOf(undefined)); // 200
 * ```
 */
export function httpStatusOf(err: unknown): number {
  return HTTP[classOf(err)];
}

/**
 * The gRPC status for a guarded drop's outcome: `denied` is
 * PERMISSION_DENIED (7), `rate_limited` RESOURCE_EXHAUSTED (8),
 * `breaker_open`, `audit_failed` and kind `unavailable` UNAVAILABLE (14),
 * `refused` INVALID_ARGUMENT (3), kind `failed` INTERNAL (13). No error is
 * OK (0); a value that is neither a guarded-drop error nor has a known kind
 * is UNKNOWN (2).
 *
 * @param err What the guarded drop rejected with, or `undefined` for a success.
 * @returns The code and its canonical name.
 *
 * @example
 * ```ts
 * import { grpcStatusOf, RateLimitedError } from "guarded-drop";
 *
 * console.log(grpcStatusOf(new RateLimitedError("spent"))); // { code: 8, name: "RESOURCE_EXHAUSTED" }
 * ```
 */
export function grpcStatusOf(err: unknown): GrpcStatus {
  return GRPC[classOf(err)];
}
