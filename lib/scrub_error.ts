/**
 * {@linkcode scrubError}: a thrown value made safe to hand back to callers
 * and to log.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";
import { scrubbedMessage, scrubCredentials } from "./scrub_credentials.ts";

const MAX_CAUSE_DEPTH = 8;

/** Plain properties that say what failed and never hold data: kept on a copy. */
const SAFE_KEYS = [
  "name",
  "code",
  "kind",
  "outcome",
  "serverCode",
  "sqlState",
  "errno",
  "syscall",
  "retryable",
] as const;

/**
 * Returns `err` itself when it is one of this package's own errors (a
 * `GD_…` code) whose message, stack and cause chain hold no credential, and
 * otherwise a scrubbed copy: a plain `Error` with the scrubbed message and
 * stack, the properties that say what failed (name, code, kind, outcome,
 * serverCode, sqlState, errno, syscall, retryable), and the scrubbed cause.
 *
 * A driver's own error is always copied, never handed on: its other
 * properties can hold anything (ioredis keeps the AUTH command, password
 * included, on a failed login), and callers log the errors guardedDrop and
 * the adapters reject with, cause chain and all. Reading a property of a
 * hostile value (a revoked Proxy) never throws.
 *
 * @param err Any thrown value.
 * @param depth How deep in a cause chain this call is; leave it out.
 * @returns `err`, or a scrubbed copy of it.
 *
 * @example
 * ```ts
 * import { scrubError } from "guarded-drop";
 *
 * const safe = scrubError(new Error("dial postgres://app:hunter2@db/x", { cause: new Error("password=hunter2") })) as Error;
 * console.log(safe.message, (safe.cause as Error).message); // "dial postgres://***@db/x password=***"
 * ```
 */
export function scrubError(err: unknown, depth = 0): unknown {
  if ((typeof err !== "object" && typeof err !== "function") || err === null) {
    return typeof err === "string" ? scrubCredentials(err) : err;
  }
  const cause = readProperty(err, "cause");
  const safeCause = cause === undefined || depth >= MAX_CAUSE_DEPTH ? undefined : scrubError(cause, depth + 1);
  if (isOwnCleanError(err) && safeCause === cause) return err;
  return scrubbedCopy(err, safeCause);
}

function isOwnCleanError(err: object): boolean {
  try {
    if (!(err instanceof Error)) return false;
  } catch {
    return false; // a revoked Proxy throws even on instanceof
  }
  const code = readProperty(err, "code");
  if (typeof code !== "string" || !code.startsWith("GD_")) return false;
  const message = readProperty(err, "message");
  const stack = readProperty(err, "stack");
  return (typeof message !== "string" || scrubCredentials(message) === message) &&
    (typeof stack !== "string" || scrubCredentials(stack) === stack);
}

function scrubbedCopy(err: object, cause: unknown): Error {
  const copy = new Error(scrubbedMessage(err));
  const fields = copy as unknown as Record<string, unknown>;
  for (const key of SAFE_KEYS) {
    const value = readProperty(err, key);
    if (typeof value === "string") fields[key] = scrubCredentials(value);
    else if (typeof value === "number" || typeof value === "boolean") fields[key] = value;
  }
  const stack = readProperty(err, "stack");
  copy.stack = typeof stack === "string" ? scrubCredentials(stack) : undefined;
  if (cause !== undefined) fields.cause = cause;
  return copy;
}
