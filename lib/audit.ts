/**
 * The audit contract: the records a guarded drop writes, and the sinks it
 * writes them to.
 *
 * @module
 */

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
  readonly token: string;
  readonly provider_resource_id: string;
  readonly resource_type: string;
  readonly backend: string;
  readonly request_id: string;
  /** `unknown` when the request had none. */
  readonly caller: string;
  /** The request's intent, when it had one. */
  readonly intent?: string;
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
  readonly event: "provisioner.drop.failed";
  readonly outcome: Exclude<DropOutcome, "ok">;
  /** The error's message, scrubbed of credentials. */
  readonly error: string;
}

/**
 * The logger guardedDrop writes to: a pino logger fits, and so does any
 * object with these methods. Writes must be synchronous and throw on failure
 * for "no audit line, no drop" to hold; `guarded-drop/pino` builds such a
 * pino logger.
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
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** When it reports `false` for `info`, the audit write counts as failed. */
  isLevelEnabled?(level: string): boolean;
}

/**
 * A durable audit store, written after the log line and before the drop.
 * A rejection means `audit_failed`: the drop never runs.
 *
 * @example An append-only table
 * ```ts
 * import type { AuditStore, DropRecord } from "guarded-drop";
 *
 * const rows: DropRecord[] = [];
 * const store: AuditStore = { append: async (record) => void rows.push(record) };
 * ```
 */
export interface AuditStore {
  append(record: DropRecord): Promise<void> | void;
}
