/**
 * The base of the typed errors a guarded drop rejects with.
 *
 * Classify by `.code`, never by `instanceof`: an application can hold two
 * copies of this package (a library of yours bundles one, say), and their
 * classes differ while their codes agree.
 *
 * @module
 */

import type { DropOutcome } from "./outcome.ts";
import { markOwnError } from "./_own_errors.ts";
import { readProperty } from "./_read_property.ts";

/**
 * The stable code of each non-ok outcome's error.
 *
 * @example
 * ```ts
 * import type { DropErrorCode } from "guarded-drop";
 *
 * const code: DropErrorCode = "GD_REFUSED";
 * ```
 */
export type DropErrorCode =
  | "GD_DROP_FAILED"
  | "GD_BREAKER_OPEN"
  | "GD_REFUSED"
  | "GD_DENIED"
  | "GD_RATE_LIMITED"
  | "GD_AUDIT_FAILED";

/**
 * The outcome behind each {@linkcode DropErrorCode}.
 *
 * @example
 * ```ts
 * import { OUTCOME_OF_CODE } from "guarded-drop";
 *
 * console.log(OUTCOME_OF_CODE.GD_DENIED); // "denied"
 * ```
 */
export const OUTCOME_OF_CODE: Readonly<Record<DropErrorCode, Exclude<DropOutcome, "ok">>> = Object
  .freeze({
    GD_DROP_FAILED: "error",
    GD_BREAKER_OPEN: "breaker_open",
    GD_REFUSED: "refused",
    GD_DENIED: "denied",
    GD_RATE_LIMITED: "rate_limited",
    GD_AUDIT_FAILED: "audit_failed",
  });

/**
 * How a caller should treat a failure: `unavailable` (retry later),
 * `refused` (fix the request) or `failed`. For the status itself use
 * `httpStatusOf` / `grpcStatusOf`, which also tell `denied` (403) and
 * `rate_limited` (429) apart from the rest of their kind.
 *
 * @example
 * ```ts
 * import type { ErrorKind } from "guarded-drop";
 *
 * const kind: ErrorKind = "unavailable";
 * ```
 */
export type ErrorKind = "unavailable" | "refused" | "failed";

/**
 * Options of {@linkcode DropError}.
 *
 * @example
 * ```ts
 * import type { DropErrorOptions } from "guarded-drop";
 *
 * const options: DropErrorOptions = { cause: new Error("boom"), dropId: "0f3c" };
 * ```
 */
export interface DropErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** The `drop_id` of the audit record of the call that failed. */
  dropId?: string;
  /** How the caller should treat it. Defaults to the class's own kind. */
  kind?: ErrorKind;
}

/**
 * The base of every non-ok outcome's error. It carries `.outcome`, a stable
 * `.code` and the `.dropId` of the call's audit record.
 *
 * @example Classifying by code
 * ```ts
 * import { createGuardedDrop, isDropError } from "guarded-drop";
 *
 * const lines: unknown[] = [];
 * const logger = { info: (o: object) => lines.push(o), warn: (o: object) => lines.push(o), error: (o: object) => lines.push(o) };
 * const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} } });
 * try {
 *   await guardedDrop({ token: "", resourceType: "postgres", backend: "shared", requestId: "r1" }, () => {});
 * } catch (err) {
 *   if (isDropError(err)) console.log(err.code, err.outcome); // "GD_REFUSED refused"
 * }
 * ```
 */
export class DropError extends Error {
  /** The outcome this error stands for; never `ok`. */
  readonly outcome: Exclude<DropOutcome, "ok">;
  /** The stable code. Classify by it. */
  readonly code: DropErrorCode;
  /** How the caller should treat it, for a gRPC or HTTP status. */
  readonly kind: ErrorKind;
  /** The `drop_id` of the audit record, once the call has one. */
  dropId: string | undefined;
  /**
   * Errors met while reporting this outcome (a counter or a failed-record
   * write that threw). They never replace the outcome, and they are never
   * dropped silently: they are here.
   */
  readonly suppressed: unknown[] = [];

  /**
   * Constructs a new instance.
   *
   * @param code The stable code.
   * @param message The message. It must not hold credentials.
   * @param kind The default kind of the subclass.
   * @param options The cause, the drop id and the kind.
   */
  constructor(code: DropErrorCode, message: string, kind: ErrorKind, options?: DropErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DropError";
    this.code = code;
    this.outcome = OUTCOME_OF_CODE[code];
    this.kind = options?.kind ?? kind;
    this.dropId = options?.dropId;
    markOwnError(this);
  }
}

/**
 * Whether `err` is a guarded-drop outcome error, from this copy of the
 * package or any other.
 *
 * @param err The value to check.
 * @returns `true` when `err` has a known `.code` and the matching `.outcome`.
 * It never throws: a hostile value (a Proxy whose getter throws) is not one.
 *
 * @example
 * ```ts
 * import { isDropError, RefusedError } from "guarded-drop";
 *
 * console.log(isDropError(new RefusedError("no"))); // true
 * console.log(isDropError(new Error("no"))); // false
 * ```
 */
export function isDropError(err: unknown): err is DropError {
  const code = readProperty(err, "code");
  return typeof code === "string" && Object.hasOwn(OUTCOME_OF_CODE, code) &&
    OUTCOME_OF_CODE[code as DropErrorCode] === readProperty(err, "outcome");
}
