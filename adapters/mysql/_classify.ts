// Internal: MySQL and MariaDB errors, classified as unavailable or failed.

import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, networkCodeOf } from "../_shared/_errors.ts";

// Server and client error numbers that mean "the server cannot serve you
// now; retry later": 1040 too many connections, 1053 server shutdown, 1927
// connection killed (MariaDB), 2002/2003 cannot connect (socket, TCP),
// 2006 server gone away, 2013 connection lost during a query.
const UNAVAILABLE_ERRNOS: ReadonlySet<number> = new Set([1040, 1053, 1927, 2002, 2003, 2006, 2013]);

// mysql2's own codes for a socket that died or a query whose reply never came.
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_CONNECTION_KILLED",
]);

// Worth a retry, but about this tenant, not the server: 1205 lock wait
// timeout (a metadata lock held by another session), 1969 statement
// timeout (MariaDB max_statement_time), 3024 (MySQL max_execution_time).
const RETRYABLE_ERRNOS: ReadonlySet<number> = new Set([1205, 1969, 3024]);

/** The server's error number and symbol, when the error came from the server (or mysql2's client layer). */
export function mysqlCodesOf(err: unknown): { errno?: number; code?: string } {
  if (typeof err !== "object" || err === null) return {};
  const { errno, code } = err as { errno?: unknown; code?: unknown };
  const out: { errno?: number; code?: string } = {};
  if (typeof errno === "number" && errno > 0) out.errno = errno;
  if (typeof code === "string") out.code = code;
  return out;
}

/** Whether `err` is a client-side timeout without a network code (mysql2's own). */
function isTimeout(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" && /timed? ?out|timeout/i.test(message);
}

/** Whether a server error has this number. */
export function hasErrno(err: unknown, errno: number): boolean {
  return mysqlCodesOf(err).errno === errno;
}

/**
 * Classifies an error met at `step`: the errors above, a network error, a
 * connect timeout or a dropped connection are `unavailable`; any other
 * server error is `failed` (a lock or statement timeout says it is worth a
 * retry).
 */
export function classifyMysqlError(
  context: FailureContext,
  step: string,
  err: unknown,
  connectTimeoutMs: number,
): BackendError {
  const { errno, code } = mysqlCodesOf(err);
  const serverCode = errno !== undefined ? `${code ?? "ER"} ${errno}` : code;
  if ((errno !== undefined && UNAVAILABLE_ERRNOS.has(errno)) || (code !== undefined && UNAVAILABLE_CODES.has(code))) {
    return backendError("unavailable", context, `the server is unavailable (${serverCode} at ${step})`, err, {
      serverCode,
    });
  }
  const network = networkCodeOf(err);
  if (network !== undefined) {
    return backendError("unavailable", context, `the server is unreachable (${network} at ${step})`, err, {
      serverCode: network,
    });
  }
  if (step === "connect" && errno === undefined && isTimeout(err)) {
    return backendError("unavailable", context, `no connection was made within ${connectTimeoutMs} ms`, err);
  }
  if (step === "connect" && errno === undefined) {
    // Neither the network nor the server: the driver refused the connection
    // settings (an unknown ssl profile, a bad option in the URL). Retrying
    // cannot help, and the server is not to blame, so it never feeds the breaker.
    return backendError("failed", context, "the connection could not be set up with the given options", err);
  }
  if (errno !== undefined && RETRYABLE_ERRNOS.has(errno)) {
    return backendError(
      "failed",
      context,
      `${step} timed out waiting (${serverCode}); a retry finishes the deprovision`,
      err,
      {
        serverCode,
      },
    );
  }
  return backendError(
    "failed",
    context,
    serverCode === undefined ? `${step} failed` : `${step} failed with ${serverCode}`,
    err,
    {
      serverCode,
    },
  );
}
