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
import { describeValue } from "./_describe_value.ts";
import { actionLabelsOf, failedRecord, labelsOf, warningRecord } from "./_drop_record.ts";
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
 * When the logger has `isLevelEnabled`, only `isLevelEnabled("info") ===
 * true` lets the write go on: `false`, `0`, `undefined` or anything else
 * means the record may be lost, and the outcome is `audit_failed`.
 *
 * A logger whose `info` returns a promise (or any thenable) has not written
 * the record until it settles: it must resolve within `auditTimeoutMs`, and
 * a rejection or a timeout is `audit_failed`, as for the audit store. Only
 * then does the drop run. A synchronous logger (pino) returns nothing, and
 * nothing is awaited.
 *
 * @returns A promise to await when `info` returned a thenable, else `undefined`.
 * @throws {AuditFailedError} If the logger throws or has info disabled.
 */
export function writeRecord(sinks: DropSinks, record: DropRecord): Promise<void> | undefined {
  const { logger } = sinks;
  let written: unknown;
  try {
    // Fail-closed: only `true` (what pino answers) says info is written; a 0, an undefined or a promise does not.
    if (logger.isLevelEnabled !== undefined) {
      const enabled: unknown = logger.isLevelEnabled("info");
      if (enabled !== true) {
        throw new Error(
          `the audit logger has level 'info' disabled (isLevelEnabled("info") answered ${
            describeValue(enabled)
          }, not true), so the provisioner.drop record would be lost`,
        );
      }
    }
    written = logger.info(record, "provisioner.drop");
    if (!mayBeThenable(written)) return undefined;
  } catch (err) {
    throw auditFailed(err);
  }
  return awaitInfo(sinks, written);
}

async function awaitInfo(sinks: DropSinks, written: unknown): Promise<void> {
  try {
    // Resolving it reads its `then` as a promise would: a getter that throws rejects.
    await withDeadline("the audit logger's info", sinks.auditTimeoutMs, () => Promise.resolve(written));
  } catch (err) {
    throw auditFailed(err);
  }
}

/** An object or function may be a thenable; anything else is a plain return value. */
function mayBeThenable(value: unknown): boolean {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/**
 * Reports a late rejection of a sink that returned a promise (an async
 * `warn`, `error` or `inc`): it is reported, never left unhandled, which
 * would crash Node.
 */
function catchLate(sinks: DropSinks, record: DropRecord, what: string, returned: unknown): void {
  if (!mayBeThenable(returned)) return;
  Promise.resolve(returned).then(undefined, (err: unknown) => report(sinks, record, what, err, undefined));
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
    const what = "the provisioner.drop.failed record could not be written";
    catchLate(sinks, record, what, sinks.logger.warn(failedRecord(record, error), "provisioner.drop.failed"));
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
    const what = "the provisioner.drop.warning record could not be written";
    catchLate(sinks, record, what, sinks.logger.warn(warningRecord(record, warning), "provisioner.drop.warning"));
  } catch (err) {
    report(sinks, record, "the provisioner.drop.warning record could not be written", err, undefined);
  }
}

/** Increments `provisioner_drop_total` with the record's labels. */
export function count(sinks: DropSinks, record: DropRecord, outcome: DropOutcome, error?: DropError): void {
  try {
    catchLate(
      sinks,
      record,
      "provisioner_drop_total could not be incremented",
      sinks.counter.inc(labelsOf(record, outcome)),
    );
  } catch (err) {
    error?.suppressed.push(err);
    report(sinks, record, "provisioner_drop_total could not be incremented", err, error);
  }
  if (sinks.counter.incAction === undefined) return;
  const what = "the action counter could not be incremented";
  try {
    catchLate(sinks, record, what, sinks.counter.incAction(actionLabelsOf(record, outcome)));
  } catch (err) {
    error?.suppressed.push(err);
    report(sinks, record, what, err, error);
  }
}

/** Tells the store the outcome, within `auditTimeoutMs`, when it has `settle`. */
export async function settle(
  sinks: DropSinks,
  record: DropRecord,
  outcome: DropOutcome,
  error?: DropError,
): Promise<void> {
  const { auditStore } = sinks;
  if (auditStore?.settle === undefined) return;
  try {
    await withDeadline(
      "the audit store's settle",
      sinks.auditTimeoutMs,
      (signal) => auditStore.settle!(record, outcome, error, signal),
    );
  } catch (err) {
    report(sinks, record, "the audit store could not settle the record", err, error);
  }
}

/** Reports a failure of a sink or observer through `logger.error`, else the console; it never throws. */
export function report(
  sinks: DropSinks,
  record: DropRecord,
  what: string,
  err: unknown,
  error: DropError | undefined,
): void {
  const line = { event: "provisioner.drop.report_failed", drop_id: record.drop_id, what, error: scrubbedMessage(err) };
  let returned: unknown;
  try {
    returned = sinks.logger.error(line, what);
  } catch (loggerErr) {
    error?.suppressed.push(loggerErr);
    toConsole(record, what, err, loggerErr, error);
    return;
  }
  // An async logger.error that rejects: the console is the last place left.
  if (mayBeThenable(returned)) {
    Promise.resolve(returned).then(
      undefined,
      (loggerErr: unknown) => toConsole(record, what, err, loggerErr, undefined),
    );
  }
}

/**
 * The last resort. A console that throws too (a closed stderr: EPIPE) is
 * kept on the outcome's error as `suppressed`, and goes no further: a
 * report must never turn a finished drop into a rejection.
 */
function toConsole(
  record: DropRecord,
  what: string,
  err: unknown,
  loggerErr: unknown,
  error: DropError | undefined,
): void {
  try {
    console.error(
      `guarded-drop: drop ${record.drop_id}: ${what}: ${scrubbedMessage(err)}; logger.error failed too: ${
        scrubbedMessage(loggerErr)
      }`,
    );
  } catch (consoleErr) {
    error?.suppressed.push(consoleErr);
  }
}
