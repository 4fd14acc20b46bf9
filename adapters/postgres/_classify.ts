// Internal: PostgreSQL errors, classified as unavailable or failed.

import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, networkCodeOf } from "../_shared/_errors.ts";

// SQLSTATEs that mean "the server cannot serve you now; retry later":
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
// (starting up or in recovery) and 53300 too_many_connections. Class 08,
// connection exceptions, is matched by its prefix.
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300"]);

// SQLSTATEs of a tenant's own, passing state: a retry can succeed without
// anyone's help, so the error says `retryable`, and they stay `failed`
// because they say nothing about the server's health. 57014
// query_canceled (statement_timeout, which also bounds the wait for the
// tenant's lock), 55P03 lock_not_available (lock_timeout), 55006
// object_in_use after the retries, 40001 and 40P01 (serialisation failure,
// deadlock) and XX000 (a catalog row changed under a concurrent DDL, "tuple
// concurrently updated") left after the re-checks.
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(["57014", "55P03", "55006", "40001", "40P01", "XX000"]);

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
 * A classified error with whether the same call, made again, can succeed
 * without an operator: every `unavailable` one, and the passing SQLSTATEs
 * above. guardedDrop keeps the adapter's error as its `cause`.
 */
export type PostgresBackendError = BackendError & { readonly retryable: boolean };

/** Marks `err` with `retryable`, as an own enumerable property. */
export function withRetryable(err: BackendError, retryable: boolean): PostgresBackendError {
  Object.defineProperty(err, "retryable", { value: retryable, enumerable: true });
  return err as PostgresBackendError;
}

/**
 * Classifies an error met at `step`: class 08, 57P01/57P02/57P03, 53300, a
 * network error, a connect timeout or a dropped connection is
 * `unavailable`; any other server error is `failed`. Each is marked
 * `retryable` when it is `unavailable` or one of the passing SQLSTATEs.
 */
export function classifyPostgresError(
  context: FailureContext,
  step: string,
  err: unknown,
  connectTimeoutMs: number,
): PostgresBackendError {
  const classified = classify(context, step, err, connectTimeoutMs);
  const sqlState = classified.sqlState;
  return withRetryable(
    classified,
    classified.kind === "unavailable" || (sqlState !== undefined && RETRYABLE_SQLSTATES.has(sqlState)),
  );
}

function classify(context: FailureContext, step: string, err: unknown, connectTimeoutMs: number): BackendError {
  const sqlState = sqlStateOf(err);
  if (sqlState !== undefined) {
    const unavailable = sqlState.startsWith("08") || UNAVAILABLE_SQLSTATES.has(sqlState);
    return backendError(
      unavailable ? "unavailable" : "failed",
      context,
      unavailable
        ? `the server is unavailable (SQLSTATE ${sqlState} at ${step})`
        : `${step} failed with SQLSTATE ${sqlState}${
          sqlState === "57014" ? " (a statement timeout; a retry can succeed)" : ""
        }`,
      withDetail(err),
      { sqlState },
    );
  }
  const network = networkCodeOf(err);
  if (network !== undefined) {
    return backendError("unavailable", context, `the server is unreachable (${network} at ${step})`, err, {
      serverCode: network,
    });
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

/**
 * The server's message with its DETAIL, which is where PostgreSQL names the
 * databases that still hold a role's objects (2BP01): it is kept, on one
 * line, and scrubbed with the message by backendError.
 */
function withDetail(err: unknown): unknown {
  const { message, detail, code, severity, name, stack } = err as Record<string, unknown>;
  if (typeof detail !== "string" || detail.length === 0 || typeof message !== "string") return err;
  return Object.assign(new Error(`${message} (DETAIL: ${detail})`), { code, severity, name, stack });
}
