/**
 * {@linkcode scrubError}: a thrown value made safe to hand back to callers
 * and to log.
 *
 * @module
 */

import { scrubbedMessage, scrubCredentials } from "./scrub_credentials.ts";

const MAX_CAUSE_DEPTH = 8;

/**
 * Returns `err` itself when nothing in its message, stack or cause chain
 * holds a credential, and otherwise a scrubbed copy of the chain (name,
 * code, kind, message, stack and cause are kept; other properties are not).
 * Callers log the errors guardedDrop and the adapters reject with, and
 * pino's error serializer prints the whole cause chain, so a cause must be
 * as clean as the message.
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
  if (typeof err !== "object" || err === null) {
    return typeof err === "string" ? scrubCredentials(err) : err;
  }
  if (depth >= MAX_CAUSE_DEPTH || isClean(err, 0)) return err;
  const source = err as { name?: unknown; code?: unknown; stack?: unknown; cause?: unknown; kind?: unknown };
  const copy = new Error(scrubbedMessage(err)) as Error & Record<string, unknown>;
  if (typeof source.name === "string") copy.name = source.name;
  if (typeof source.code === "string" || typeof source.code === "number") copy.code = source.code;
  if (typeof source.kind === "string") copy.kind = source.kind;
  copy.stack = typeof source.stack === "string" ? scrubCredentials(source.stack) : undefined;
  if (source.cause !== undefined) copy.cause = scrubError(source.cause, depth + 1);
  return copy;
}

function isClean(err: object, depth: number): boolean {
  const { message, stack, cause } = err as { message?: unknown; stack?: unknown; cause?: unknown };
  if (typeof message === "string" && scrubCredentials(message) !== message) return false;
  if (typeof stack === "string" && scrubCredentials(stack) !== stack) return false;
  if (cause === undefined || cause === null) return true;
  if (typeof cause === "string") return scrubCredentials(cause) === cause;
  if (typeof cause !== "object") return true;
  return depth < MAX_CAUSE_DEPTH && isClean(cause, depth + 1);
}
