/**
 * {@linkcode createDropTracer}: one OpenTelemetry span of kind CLIENT per
 * guardedDrop.
 *
 * @module
 */

import {
  type Context,
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { DropError, DropOutcome, DropRecord, DropSpan, DropTracer } from "../../lib/mod.ts";
import { dbSystemNameOf } from "./db_system_name.ts";

/** The instrumentation scope name of the spans. */
const TRACER_NAME = "guarded-drop";
/**
 * `db.operation.name` of every span: one guardedDrop deprovisions a tenant
 * with several statements (DROP DATABASE, DROP ROLE, DEL…), which a driver's
 * own instrumentation records as child spans.
 */
const OPERATION_NAME = "deprovision";

/**
 * Options of {@linkcode createDropTracer}.
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import type { DropTracerOptions } from "guarded-drop/opentelemetry";
 *
 * const options: DropTracerOptions = { tracer: trace.getTracer("provisioner") };
 * ```
 */
export interface DropTracerOptions {
  /**
   * The tracer the spans are started with.
   *
   * @default {(tracerProvider ?? trace).getTracer("guarded-drop")}
   */
  tracer?: Tracer;
  /**
   * The provider the tracer comes from, when `tracer` is not given.
   *
   * @default {the global provider (`trace`)}
   */
  tracerProvider?: TracerProvider;
}

/**
 * The attributes a span starts with: OpenTelemetry's stable database
 * semantic conventions plus the drop id.
 *
 * - `db.system.name`: from the resource type (`postgres` is `postgresql`,
 *   see {@linkcode dbSystemNameOf});
 * - `db.namespace`: the tenant's naming token, the name the audit record
 *   carries (never a secret: it is in every log line of the drop);
 * - `db.operation.name`: `deprovision`;
 * - `guarded_drop.drop_id`, `guarded_drop.backend`, `guarded_drop.request_id`
 *   and `guarded_drop.caller`: as in the audit record.
 *
 * @param record The `provisioner.drop` record.
 * @returns The attributes.
 *
 * @example
 * ```ts
 * import { dropSpanAttributes } from "guarded-drop/opentelemetry";
 *
 * const attributes = dropSpanAttributes({
 *   event: "provisioner.drop", drop_id: "d1", token: "acme42", provider_resource_id: "", resource_type: "postgres",
 *   backend: "shared", request_id: "r1", caller: "billing",
 * });
 * console.log(attributes["db.system.name"]); // "postgresql"
 * ```
 */
export function dropSpanAttributes(record: DropRecord): Record<string, string> {
  return {
    "db.system.name": dbSystemNameOf(record.resource_type),
    "db.namespace": record.token,
    "db.operation.name": OPERATION_NAME,
    "guarded_drop.drop_id": record.drop_id,
    "guarded_drop.backend": record.backend,
    "guarded_drop.request_id": record.request_id,
    "guarded_drop.caller": record.caller,
  };
}

/**
 * Builds the `tracer` option of `createGuardedDrop` on `@opentelemetry/api`.
 * Each guardedDrop is one span of kind CLIENT:
 *
 * - started when the call starts, under the caller's active context (so it
 *   is a child of the request's server span);
 * - named `deprovision <token>` (`{db.operation.name} {db.namespace}`);
 * - with {@linkcode dropSpanAttributes}, and at its end
 *   `guarded_drop.outcome`;
 * - the drop callback runs in its context, so a driver's spans are its
 *   children;
 * - on a non-ok outcome: status ERROR with the error's (scrubbed) message,
 *   and `error.type` set to the error's stable code (`GD_DENIED`,
 *   `GD_BREAKER_OPEN`, `GD_DROP_FAILED`…).
 *
 * With no SDK registered, `@opentelemetry/api` hands out no-op spans: the
 * cost is a few object allocations per drop.
 *
 * @param options The tracer or the provider.
 * @returns The `tracer` option.
 * @throws {TypeError} If `tracer` has no `startSpan`, or `tracerProvider`
 * no `getTracer`.
 *
 * @example
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
 */
export function createDropTracer(options: DropTracerOptions = {}): DropTracer {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create a drop tracer as 'options' must be an object: current value is ${String(options)}`,
    );
  }
  if (options.tracer !== undefined && typeof options.tracer?.startSpan !== "function") {
    throw new TypeError(
      "Cannot create a drop tracer as 'tracer' must be an OpenTelemetry Tracer: current value has no startSpan()",
    );
  }
  if (options.tracerProvider !== undefined && typeof options.tracerProvider?.getTracer !== "function") {
    throw new TypeError(
      "Cannot create a drop tracer as 'tracerProvider' must be an OpenTelemetry TracerProvider: current value has no getTracer()",
    );
  }
  const tracer = options.tracer ?? (options.tracerProvider ?? trace).getTracer(TRACER_NAME);
  return {
    startDrop(record: DropRecord): DropSpan {
      const parent = context.active();
      const span = tracer.startSpan(
        `${OPERATION_NAME} ${record.token}`,
        { kind: SpanKind.CLIENT, attributes: dropSpanAttributes(record) },
        parent,
      );
      const inSpan: Context = trace.setSpan(parent, span);
      return {
        run: <T>(fn: () => T): T => context.with(inSpan, fn),
        end(outcome: DropOutcome, error?: DropError): void {
          span.setAttribute("guarded_drop.outcome", outcome);
          if (outcome !== "ok") {
            span.setAttribute("error.type", error?.code ?? outcome);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? outcome });
          }
          span.end();
        },
      };
    },
  };
}
