// Internal: the span of one guardedDrop, around the optional tracer. Like
// the counter, a tracer is an observer: whatever it throws is reported and
// never changes the outcome or stops the drop.

import type { DropRecord } from "./audit.ts";
import type { DropCallback } from "./drop_callback.ts";
import type { DropError } from "./drop_error.ts";
import type { DropSpan, DropTracer } from "./drop_tracer.ts";
import type { DropOutcome } from "./outcome.ts";
import { type DropSinks, report } from "./_drop_sinks.ts";

/** The started span, or `undefined` when there is no tracer or it failed to start one. */
export function startSpan(sinks: DropSinks, tracer: DropTracer | undefined, record: DropRecord): DropSpan | undefined {
  if (tracer === undefined) return undefined;
  try {
    const span = tracer.startDrop(record);
    if (typeof span?.end !== "function") {
      throw new TypeError("'tracer.startDrop' returned no span with an 'end' function");
    }
    return span;
  } catch (err) {
    report(sinks, record, "the drop's span could not be started", err, undefined);
    return undefined;
  }
}

/**
 * The drop callback, run inside the span's context when the span has `run`.
 * A `run` that throws before calling the drop is reported, and the drop runs
 * outside the span's context.
 */
export function inSpan<T>(
  sinks: DropSinks,
  span: DropSpan | undefined,
  record: DropRecord,
  drop: DropCallback<T>,
): DropCallback<T> {
  if (span?.run === undefined) return drop;
  const run = span.run.bind(span);
  return (context) => {
    let called = false;
    try {
      return run(() => {
        called = true;
        return drop(context);
      });
    } catch (err) {
      if (called) throw err; // the drop's own error
      report(sinks, record, "the drop's span could not run the drop in its context", err, undefined);
      return drop(context);
    }
  };
}

/** Ends the span with the outcome; a failure is reported, never thrown. */
export function endSpan(
  sinks: DropSinks,
  span: DropSpan | undefined,
  record: DropRecord,
  outcome: DropOutcome,
  error?: DropError,
): void {
  if (span === undefined) return;
  try {
    span.end(outcome, error);
  } catch (err) {
    error?.suppressed.push(err);
    report(sinks, record, "the drop's span could not be ended", err, error);
  }
}
