// Internal: how adapters turn a driver's error into a classified BackendError.

import { BackendError, scrubbedMessage, scrubError } from "../../lib/mod.ts";

/**
 * The system error codes that mean the server could not be reached, or the
 * connection to it broke. A deprovision is idempotent, so a retry after one
 * of these is safe even if a statement had already run.
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const MAX_CAUSE_DEPTH = 8;

/**
 * The first network error code found on `err` or its cause chain (fetch
 * wraps the socket's error as `cause`; AggregateError holds one per address).
 */
export function networkCodeOf(err: unknown, depth = 0): string | undefined {
  if (typeof err !== "object" || err === null || depth >= MAX_CAUSE_DEPTH) return undefined;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && NETWORK_ERROR_CODES.has(code)) return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCodeOf(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCodeOf(cause, depth + 1);
}

/** Whether `err` is a timeout raised by an AbortSignal (`AbortSignal.timeout`). */
export function isTimeoutError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "TimeoutError";
}

/** What an adapter was doing when it failed, for the message. */
export interface FailureContext {
  /** The verb of the message: `deprovision`, `check`, and the PostgreSQL quarantine's `quarantine`, `restore`, `purge`. */
  readonly action: "deprovision" | "check" | "quarantine" | "restore" | "purge";
  /** "the PostgreSQL tenant", "the dedicated Redis tenant"… */
  readonly what: string;
  /** The (already checked) token. */
  readonly token: string;
}

/**
 * Builds the adapter's error, shaped like every message of the library:
 * `Cannot deprovision the PostgreSQL tenant "acme42" as <reason>: <driver message>`.
 * The driver's message is scrubbed of credentials, and so is the cause.
 */
export function backendError(
  kind: "unavailable" | "failed",
  context: FailureContext,
  reason: string,
  cause: unknown,
  codes: { serverCode?: string | undefined; sqlState?: string | undefined } = {},
): BackendError {
  const detail = cause === undefined ? "" : `: ${oneLine(scrubbedMessage(cause))}`;
  const options: { cause?: unknown; serverCode?: string; sqlState?: string } = {};
  if (cause !== undefined) options.cause = scrubError(cause);
  if (codes.serverCode !== undefined) options.serverCode = codes.serverCode;
  if (codes.sqlState !== undefined) options.sqlState = codes.sqlState;
  return new BackendError(
    kind,
    `Cannot ${context.action} ${context.what} ${JSON.stringify(context.token)} as ${reason}${detail}`,
    options,
  );
}

/** Keeps a server's message on one line and bounded, so that it cannot forge or flood a log line. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
