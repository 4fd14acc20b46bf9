/**
 * The audit contract: the records a guarded drop writes, and the sinks it
 * writes them to.
 *
 * @module
 */

import type { DropError } from "./drop_error.ts";
import type { DropOutcome } from "./outcome.ts";

/**
 * The fields every record of one drop shares. Names are snake_case because
 * they are what log queries and SIEM rules are written against.
 *
 * @example
 * ```ts
 * import type { DropRecordFields } from "guarded-drop";
 *
 * const fields: DropRecordFields = {
 *   drop_id: "6f1c…", token: "acme42", provider_resource_id: "res-7f3a", resource_type: "postgres",
 *   backend: "shared", request_id: "req-0001", caller: "billing",
 * };
 * ```
 */
export interface DropRecordFields {
  /** Unique per guardedDrop call. Ties the record, the failed record and the error together. */
  readonly drop_id: string;
  /** The tenant's token. */
  readonly token: string;
  /** The provider's id of the resource dropped (the database, vhost or key prefix). */
  readonly provider_resource_id: string;
  /** The resource type of the drop (`postgres`, `redis`…). */
  readonly resource_type: string;
  /** `shared` or `dedicated`. */
  readonly backend: string;
  /** The request's id, as the caller gave it. */
  readonly request_id: string;
  /** `unknown` when the request had none. */
  readonly caller: string;
  /** The request's intent, when it had one. */
  readonly intent?: string;
  /**
   * What the call does: `destroy`, `quarantine` or `restore` (see
   * `DropAction`); the request's `action`, `destroy` when it had none. A
   * malformed one is written as given (the call is then `refused`).
   */
  readonly action?: string;
}

/**
 * The record written, at level info, before anything destructive runs.
 *
 * @example
 * ```ts
 * import type { DropRecord } from "guarded-drop";
 *
 * function isDropRecord(line: { event?: string }): line is DropRecord {
 *   return line.event === "provisioner.drop";
 * }
 * ```
 */
export interface DropRecord extends DropRecordFields {
  /** The record written before the drop runs. */
  readonly event: "provisioner.drop";
}

/**
 * The record written, at level warn, when the outcome is not `ok`.
 *
 * @example
 * ```ts
 * import type { DropFailedRecord } from "guarded-drop";
 *
 * function describe(record: DropFailedRecord): string {
 *   return `${record.drop_id} ended ${record.outcome}: ${record.error}`;
 * }
 * ```
 */
export interface DropFailedRecord extends DropRecordFields {
  /** The record written when the drop did not end ok. */
  readonly event: "provisioner.drop.failed";
  /** How the drop ended: never `ok`. */
  readonly outcome: Exclude<DropOutcome, "ok">;
  /** The error's message, scrubbed of credentials. */
  readonly error: string;
  /** Why the policy or the budget said no: on `denied` and `rate_limited`. */
  readonly reason?: string;
}

/**
 * The record written, at level warn, when a policy or a budget let the drop
 * proceed with a warning (a budget whose Redis is down, with
 * `onUnavailable: "allow"`). The drop then runs.
 *
 * @example
 * ```ts
 * import type { DropWarningRecord } from "guarded-drop";
 *
 * const describe = (record: DropWarningRecord) => `${record.drop_id} proceeded: ${record.warning}`;
 * ```
 */
export interface DropWarningRecord extends DropRecordFields {
  /** The record written when a drop proceeds with a warning. */
  readonly event: "provisioner.drop.warning";
  /** What the policy or the budget warned about, scrubbed of credentials. */
  readonly warning: string;
}

/**
 * The logger guardedDrop writes to: a pino logger fits, and so does any
 * object with these methods. Writes should be synchronous and throw on
 * failure for "no audit line, no drop" to hold; `guarded-drop/pino` builds
 * such a pino logger.
 *
 * The records it is given are frozen, as every sink sees the same object:
 * a logger that writes into one throws (in strict code), which is
 * `audit_failed` for the `provisioner.drop` record. Copy it first.
 *
 * An async logger is handled too. A promise (any thenable) from `info` is
 * awaited before the drop runs: it must resolve within `auditTimeoutMs`,
 * else the outcome is `audit_failed`. A promise from `warn` or `error`
 * (and from the counter's `inc`) is not awaited; its rejection is reported
 * through `logger.error` (or the console), never left unhandled.
 *
 * @example
 * ```ts
 * import type { AuditLogger } from "guarded-drop";
 *
 * const lines: object[] = [];
 * const memoryLogger: AuditLogger = {
 *   info: (obj) => void lines.push(obj),
 *   warn: (obj) => void lines.push(obj),
 *   error: (obj) => void lines.push(obj),
 * };
 * ```
 */
export interface AuditLogger {
  /** Writes an info line: `obj`'s fields, then `msg`. Must have written it when it returns. */
  info(obj: object, msg?: string): void;
  /** Writes a warning line: `obj`'s fields, then `msg`. */
  warn(obj: object, msg?: string): void;
  /** Writes an error line: `obj`'s fields, then `msg`. */
  error(obj: object, msg?: string): void;
  /** When given, it must be a function, and the audit write counts as failed unless it answers exactly `true` for `info`. */
  isLevelEnabled?(level: string): boolean;
}

/**
 * A durable audit store. guardedDrop writes to it after the log line and
 * before the drop, and tells it the outcome afterwards.
 *
 * - `append(record, signal)` must commit the record. A rejection, or no
 *   answer within `auditTimeoutMs` (the signal then aborts), means
 *   `audit_failed`: the drop never runs.
 * - `settle(record, outcome, error, signal)`, when the store has it, is
 *   called exactly once after the outcome is known, for every call whose
 *   append succeeded, and awaited (with the same bound) before guardedDrop
 *   settles. `error` is the {@linkcode DropError} of a non-ok outcome. Its
 *   failure or timeout is reported through `logger.error` and never changes
 *   the outcome.
 *
 * NOTE: an append that commits after its timeout leaves an intent row that
 * is never settled, although the drop never ran. That is what "in doubt"
 * means: a row with no settlement is either this or a crash mid-drop.
 *
 * @example An append-only table
 * ```ts
 * import type { AuditStore, DropRecord } from "guarded-drop";
 *
 * const rows: object[] = [];
 * const store: AuditStore = {
 *   append: async (record: DropRecord) => void rows.push(record),
 *   settle: async (record, outcome) => void rows.push({ drop_id: record.drop_id, outcome }),
 * };
 * ```
 */
export interface AuditStore {
  /** Commits the record before the drop. */
  append(record: DropRecord, signal?: AbortSignal): Promise<void> | void;
  /** Records the outcome of a call whose append succeeded. Optional. */
  settle?(record: DropRecord, outcome: DropOutcome, error?: DropError, signal?: AbortSignal): Promise<void> | void;
}
