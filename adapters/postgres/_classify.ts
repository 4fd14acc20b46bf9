// Internal: PostgreSQL errors, classified as unavailable or failed.

import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, networkCodeOf } from "../_shared/_errors.ts";

// SQLSTATEs that mean "the server cannot serve you now; retry later":
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
// (starting up or in recovery) and 53300 too_many_connections. Class 08,
// connection exceptions, is matched by its prefix.
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300"]);

// pg's own messages when the socket dies or a client-side timeout fires;
// these errors carry no code.
const CONNECTION_LOST =
  /Connection terminated|timeout expired|Query read timeout|not queryable|connection is closed|Client has encountered a connection error/i;

/**
 * The SQLSTATE of a server error. pg's DatabaseError carries a `severity`,
 * which tells it from a socket error whose `code` (EPIPE) has five letters too.
 */
export function sqlStateOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, severity } = err as { code?: unknown; severity?: unknown };
  return typeof code === "string" && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Classifies an error met at `step`: class 08, 57P01/57P02/57P03, 53300, a
 * network error, a connect timeout or a dropped connection is
 * `unavailable`; any other server error is `failed`.
 */
export function classifyPostgresError(context: FailureContext, step: string, err: unknown, connectTimeoutMs: number): BackendError {
  const sqlState = sqlStateOf(err);
  if (sqlState !== undefined) {
    const unavailable = sqlState.startsWith("08") || UNAVAILABLE_SQLSTATES.has(sqlState);
    return backendError(
      unavailable ? "unavailable" : "failed",
      context,
      unavailable
        ? `the server is unavailable (SQLSTATE ${sqlState} at ${step})`
        : `${step} failed with SQLSTATE ${sqlState}`,
      err,
      { sqlState },
    );
  }
  const network = networkCodeOf(err);
  if (network !== undefined) {
    return backendError("unavailable", context, `the server is unreachable (${network} at ${step})`, err, { serverCode: network });
  }
  if (step === "connect") {
    // Before the server has said anything, whatever goes wrong (a timeout,
    // a reset, a TLS handshake cut short) means we could not reach it.
    return backendError("unavailable", context, `no connection was made within ${connectTimeoutMs} ms`, err);
  }
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === "string" && CONNECTION_LOST.test(message)) {
    return backendError("unavailable", context, `the connection was lost at ${step}`, err);
  }
  return backendError("failed", context, `${step} failed`, err);
}
