/**
 * The tracing contract: one span per guardedDrop. `guarded-drop/opentelemetry`
 * builds a {@linkcode DropTracer} on `@opentelemetry/api`; the core imports
 * nothing.
 *
 * @module
 */

import type { DropRecord } from "./audit.ts";
import type { DropError } from "./drop_error.ts";
import type { DropOutcome } from "./outcome.ts";

/**
 * The span of one guardedDrop, as the tracer gave it.
 *
 * @example
 * ```ts
 * import type { DropSpan } from "guarded-drop";
 *
 * const span: DropSpan = {
 *   run: (fn) => fn(),
 *   end: (outcome, error) => console.log(outcome, error?.code),
 * };
 * ```
 */
export interface DropSpan {
  /**
   * Runs the drop callback inside the span's context, so that the spans of
   * the database driver's own instrumentation are its children. Optional.
   */
  run?<T>(fn: () => T): T;
  /**
   * Ends the span, exactly once per guardedDrop, after the outcome is known.
   * `error` is the {@linkcode DropError} of a non-ok outcome.
   */
  end(outcome: DropOutcome, error?: DropError): void;
}

/**
 * What guardedDrop traces with (option `tracer`). `startDrop` is called
 * exactly once per guardedDrop, synchronously when the call starts, so the
 * tracer sees the caller's active context; it is given the
 * `provisioner.drop` record (the fields of the audit line, never a secret).
 *
 * A tracer that throws (in `startDrop`, `run` before the drop, or `end`)
 * never changes the outcome and never stops the drop: the failure is
 * reported through `logger.error`, and the drop goes on untraced.
 *
 * @example A tracer that logs span durations
 * ```ts
 * import type { DropTracer } from "guarded-drop";
 *
 * const tracer: DropTracer = {
 *   startDrop(record) {
 *     const started = performance.now();
 *     return { end: (outcome) => console.log(record.drop_id, outcome, performance.now() - started) };
 *   },
 * };
 * ```
 */
export interface DropTracer {
  /** Starts the span of one guardedDrop. */
  startDrop(record: DropRecord): DropSpan;
}
