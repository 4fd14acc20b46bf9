// Internal: MongoDB driver errors, classified as unavailable or failed.

import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, networkCodeOf } from "../_shared/_errors.ts";

// Driver errors that mean the server was not reached, or stopped answering.
// Matched by name, so that another copy of the driver is classified too.
const UNAVAILABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoOperationTimeoutError",
  "MongoTopologyClosedError",
  "MongoNotConnectedError",
  "MongoServerClosedError",
]);

// Server codes that mean "not now": 6 HostUnreachable, 7 HostNotFound,
// 89 NetworkTimeout, 91 ShutdownInProgress, 189 PrimarySteppedDown,
// 9001 SocketException, 10107 NotWritablePrimary, 11600
// InterruptedAtShutdown, 11602 InterruptedDueToReplStateChange, 13435
// NotPrimaryNoSecondaryOk, 13436 NotPrimaryOrSecondary.
const UNAVAILABLE_SERVER_CODES: ReadonlySet<number> = new Set([
  6,
  7,
  89,
  91,
  189,
  9001,
  10107,
  11600,
  11602,
  13435,
  13436,
]);

/** The server's numeric error code, when the error carries one. */
export function mongoCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Classifies an error met at `step`: server selection, network and timeout
 * errors, and the "not primary / shutting down" codes are `unavailable`;
 * any other error (Unauthorized, AuthenticationFailed…) is `failed`, with
 * the server's codeName as `serverCode`.
 */
export function classifyMongoError(
  context: FailureContext,
  step: string,
  err: unknown,
  connectTimeoutMs: number,
): BackendError {
  const { name, codeName } = (err ?? {}) as { name?: unknown; codeName?: unknown };
  const code = mongoCodeOf(err);
  const serverCode = typeof codeName === "string" ? codeName : code === undefined ? undefined : String(code);
  const labelled = typeof (err as { hasErrorLabel?: unknown } | null)?.hasErrorLabel === "function" &&
    (err as { hasErrorLabel(label: string): boolean }).hasErrorLabel("RetryableWriteError");
  if (
    (typeof name === "string" && UNAVAILABLE_ERROR_NAMES.has(name)) ||
    (code !== undefined && UNAVAILABLE_SERVER_CODES.has(code)) || labelled || networkCodeOf(err) !== undefined
  ) {
    const reason = name === "MongoServerSelectionError"
      ? `no server was selected within ${connectTimeoutMs} ms (at ${step})`
      : `the server is unavailable (${serverCode ?? String(name)} at ${step})`;
    return backendError("unavailable", context, reason, err, { serverCode });
  }
  return backendError("failed", context, `${step} failed`, err, { serverCode });
}
