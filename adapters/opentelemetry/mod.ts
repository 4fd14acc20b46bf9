/**
 * `guarded-drop/opentelemetry`: one span of kind CLIENT per guardedDrop,
 * with OpenTelemetry's stable database semantic conventions, the drop id
 * and the outcome.
 *
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createDropTracer } from "guarded-drop/opentelemetry";
 *
 * const guardedDrop = createGuardedDrop({
 *   logger: { info() {}, warn() {}, error() {} },
 *   counter: { inc() {} },
 *   tracer: createDropTracer(),
 * });
 * ```
 *
 * `@opentelemetry/api` is an optional peer dependency: your own copy is
 * used, and the SDK you register receives the spans.
 *
 * @module
 */

export * from "./db_system_name.ts";
export * from "./drop_tracer.ts";
