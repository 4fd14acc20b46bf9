// Internal: everything guardedDrop writes and counts. The audit record
// (step 1) throws AuditFailedError when it cannot be written: no audit line,
// no drop. Nothing else here throws: a reporting failure never changes the
// outcome, and it is never silent either. It goes to logger.error, to the
// console when that throws too, and onto the outcome's error as
// `suppressed`.

import type { AuditLogger, AuditStore, DropRecord } from "./audit.ts";
import type { DropCounter } from "./drop_counter.ts";
import type { DropError } from "./drop_error.ts";
import type { DropOutcome } from "./outcome.ts";
import { AuditFailedError } from "./audit_failed_error.ts";
import { withDeadline } from "./_deadline.ts";
import { failedRecord, labelsOf, warningRecord } from "./_drop_record.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/** The sinks a reporter writes to. */
export interface DropSinks {
  readonly logger: AuditLogger;
  readonly counter: DropCounter;
  readonly auditStore: AuditStore | undefined;
  readonly auditTimeoutMs: number;
}

/**
 * Writes the `provisioner.drop` record to the log.
 *
 * @throws {AuditFailedError} If the logger throws or has info disabled.
 */
export function writeRecord(sinks: DropSinks, record: DropRecord): void {
  const { logger } = sinks;
  try {
    if (logger.isLevelEnabled?.("info") === false) {
      throw new Error("the audit logger has level 'info' disabled, so the provisioner.drop record would be lost");
    }
    logger.info(record, "provisioner.drop");
  } catch (err) {
    throw auditFailed(err);
  }
}

/**
 * Appends the record to the durable store within `auditTimeoutMs`.
 *
 * @throws {AuditFailedError} If the append rejects or times out (its signal
 * then aborts).
 */
export async function appendRecord(sinks: DropSinks, store: AuditStore, record: DropRecord): Promise<void> {
  try {
    await withDeadline("the audit store", sinks.auditTimeoutMs, (signal) => store.append(record, signal));
  } catch (err) {
    throw auditFailed(err);
  }
}

function auditFailed(err: unknown): AuditFailedError {
  return new AuditFailedError(`Cannot drop as the audit record could not be written: ${scrubbedMessage(err)}`, {
    cause: scrubError(err),
  });
}

/** Writes a `provisioner.drop.failed` record. For audit_failed above all it is best effort: it never hides the error. */
export function writeFailed(sinks: DropSinks, record: DropRecord, error: DropError): void {
  try {
    sinks.logger.warn(failedRecord(record, error), "provisioner.drop.failed");
  } catch (err) {
    error.suppressed.push(err);
    report(sinks, record, "the provisioner.drop.failed record could not be written", err, error);
  }
}

/**
 * Writes a `provisioner.drop.warning` record when a policy or a budget
 * allowed with a warning. The drop's own record is already written: a lost
 * warning is reported, and the drop goes on.
 */
export function writeWarning(sinks: DropSinks, record: DropRecord, warning: string | undefined): void {
  if (warning === undefined) return;
  try {
    sinks.logger.warn(warningRecord(record, warning), "provisioner.drop.warning");
  } catch (err) {
    report(sinks, record, "the provisioner.drop.warning record could not be written", err, undefined);
  }
}

/** Increments `provisioner_drop_total` with the record's labels. */
export function count(sinks: DropSinks, record: DropRecord, outcome: DropOutcome, error?: DropError): void {
  try {
    sinks.counter.inc(labelsOf(record, outcome));
  } catch (err) {
    error?.suppressed.push(err);
    report(sinks, record, "provisioner_drop_total could not be incremented", err, error);
  }
}

/** Tells the store the outcome, within `auditTimeoutMs`, when it has `settle`. */
export async function settle(sinks: DropSinks, record: DropRecord, outcome: DropOutcome, error?: DropError): Promise<void> {
  const { auditStore } = sinks;
  if (auditStore?.settle === undefined) return;
  try {
    await withDeadline("the audit store's settle", sinks.auditTimeoutMs, (signal) => auditStore.settle!(record, outcome, error, signal));
  } catch (err) {
    report(sinks, record, "the audit store could not settle the record", err, error);
  }
}

function report(sinks: DropSinks, record: DropRecord, what: string, err: unknown, error: DropError | undefined): void {
  try {
    sinks.logger.error({ event: "provisioner.drop.report_failed", drop_id: record.drop_id, what, error: scrubbedMessage(err) }, what);
  } catch (loggerErr) {
    error?.suppressed.push(loggerErr);
    console.error(`guarded-drop: drop ${record.drop_id}: ${what}: ${scrubbedMessage(err)}; logger.error failed too: ${scrubbedMessage(loggerErr)}`);
  }
}
