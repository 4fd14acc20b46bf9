// guarded-drop/opentelemetry with the real SDK: exactly one CLIENT span per
// guardedDrop, a child of the caller's active span, with the stable database
// attributes, the drop id and the outcome; status ERROR and error.type on
// every non-ok outcome; a driver's span inside the drop is its child; a
// tracer that throws never changes the outcome.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { context, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createGuardedDrop, type DropOutcome, type DropRequest, type GuardedDropOptions } from "../../../lib/mod.ts";
import { createDropTracer, dbSystemNameOf, dropSpanAttributes } from "../../../adapters/opentelemetry/mod.ts";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const appTracer = provider.getTracer("provisioner-app");
const contextManager = new AsyncLocalStorageContextManager();

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(async () => {
  context.disable();
  await provider.shutdown();
});

const request: DropRequest = {
  token: "acme42",
  providerResourceId: "res-1",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-otel",
  caller: "billing",
  intent: "customer_request",
};
const quietLogger = { info() {}, warn() {}, error() {} };

/** Runs one guardedDrop under a parent span; the finished spans, the drop's span and the parent. */
async function traced(
  options: Partial<GuardedDropOptions>,
  drop: () => unknown,
  req: DropRequest = request,
): Promise<
  { outcome: DropOutcome; code?: string; dropSpan: ReadableSpan; parent: ReadableSpan; spans: ReadableSpan[] }
> {
  exporter.reset();
  const guardedDrop = createGuardedDrop({
    logger: quietLogger,
    counter: { inc() {} },
    tracer: createDropTracer({ tracerProvider: provider }),
    ...options,
  });
  const result = await appTracer.startActiveSpan(
    "POST /tenants/:id/deprovision",
    { kind: SpanKind.SERVER },
    async (parent) => {
      try {
        await guardedDrop(req, async () => await drop());
        return { outcome: "ok" as DropOutcome };
      } catch (err) {
        return { outcome: (err as { outcome: DropOutcome }).outcome, code: (err as { code: string }).code };
      } finally {
        parent.end();
      }
    },
  );
  const spans = exporter.getFinishedSpans();
  const dropSpans = spans.filter((s) => s.instrumentationScope.name === "guarded-drop");
  assert.equal(dropSpans.length, 1, "exactly one span per guardedDrop");
  const parent = spans.find((s) => s.name === "POST /tenants/:id/deprovision")!;
  return { ...result, dropSpan: dropSpans[0]!, parent, spans };
}

describe("createDropTracer", () => {
  test("ok: one CLIENT span, a child of the caller's active span, with the database attributes and the drop id", async () => {
    const { outcome, dropSpan, parent } = await traced({}, () => undefined);
    assert.equal(outcome, "ok");
    assert.equal(dropSpan.kind, SpanKind.CLIENT);
    assert.equal(dropSpan.name, "deprovision acme42");
    assert.equal(dropSpan.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(dropSpan.spanContext().traceId, parent.spanContext().traceId);
    const dropId = String(dropSpan.attributes["guarded_drop.drop_id"]);
    assert.ok(dropId.length > 0 && dropId !== "undefined");
    assert.deepEqual(dropSpan.attributes, {
      "db.system.name": "postgresql",
      "db.namespace": "acme42",
      "db.operation.name": "deprovision",
      "guarded_drop.drop_id": dropId,
      "guarded_drop.backend": "shared",
      "guarded_drop.request_id": "req-otel",
      "guarded_drop.caller": "billing",
      "guarded_drop.outcome": "ok",
    });
    assert.equal(dropSpan.status.code, SpanStatusCode.UNSET);
    assert.ok(dropSpan.ended);
  });

  test("the drop id on the span is the one the audit record and the error carry", async () => {
    const ids: string[] = [];
    const logger = { info: (o: object) => void ids.push((o as { drop_id: string }).drop_id), warn() {}, error() {} };
    const { dropSpan } = await traced({ logger }, () => undefined);
    assert.deepEqual(ids, [dropSpan.attributes["guarded_drop.drop_id"]]);
  });

  test("a span started inside the drop callback (a driver's) is the drop span's child", async () => {
    const { dropSpan, spans } = await traced({}, async () => {
      const query = appTracer.startSpan("DROP DATABASE", { kind: SpanKind.CLIENT });
      await new Promise((resolve) => setImmediate(resolve));
      query.end();
    });
    const query = spans.find((s) => s.name === "DROP DATABASE")!;
    assert.equal(query.parentSpanContext?.spanId, dropSpan.spanContext().spanId);
  });

  const failures: {
    outcome: DropOutcome;
    code: string;
    options: Partial<GuardedDropOptions>;
    drop?: () => unknown;
    req?: DropRequest;
  }[] = [
    {
      outcome: "error",
      code: "GD_DROP_FAILED",
      options: {},
      drop: () => Promise.reject(Object.assign(new Error("disk gone"), { kind: "failed" })),
    },
    { outcome: "refused", code: "GD_REFUSED", options: {}, req: { ...request, token: "postgres" } },
    { outcome: "denied", code: "GD_DENIED", options: { authorize: () => false } },
    { outcome: "rate_limited", code: "GD_RATE_LIMITED", options: { budget: { take: () => false } } },
    {
      outcome: "breaker_open",
      code: "GD_BREAKER_OPEN",
      options: {
        breakerFor: () => ({
          execute: () => Promise.reject(Object.assign(new Error("open"), { code: "EOPENBREAKER" })),
        }),
        isBreakerOpen: (e) => (e as { code?: string }).code === "EOPENBREAKER",
      },
    },
    {
      outcome: "audit_failed",
      code: "GD_AUDIT_FAILED",
      options: {
        logger: {
          info: () => {
            throw new Error("EPIPE");
          },
          warn() {},
          error() {},
        },
      },
    },
  ];
  for (const failure of failures) {
    test(`${failure.outcome}: one span, status ERROR, error.type ${failure.code}, guarded_drop.outcome ${failure.outcome}`, async () => {
      let ran = 0;
      const { outcome, code, dropSpan, parent } = await traced(failure.options, () => {
        ran++;
        return failure.drop?.();
      }, failure.req);
      assert.equal(outcome, failure.outcome);
      assert.equal(code, failure.code);
      assert.equal(dropSpan.parentSpanContext?.spanId, parent.spanContext().spanId);
      assert.equal(dropSpan.attributes["guarded_drop.outcome"], failure.outcome);
      assert.equal(dropSpan.attributes["error.type"], failure.code);
      assert.equal(dropSpan.status.code, SpanStatusCode.ERROR);
      assert.ok(dropSpan.status.message !== undefined && dropSpan.status.message.length > 0);
      assert.equal(ran, failure.outcome === "error" ? 1 : 0);
    });
  }

  test("an error message with a credential reaches the span scrubbed", async () => {
    const { dropSpan } = await traced(
      {},
      () => Promise.reject(new Error("connect to postgres://admin:s3cret@db:5432/x failed")),
    );
    assert.doesNotMatch(String(dropSpan.status.message), /s3cret/);
  });

  test("a tracer that throws never changes the outcome; the failure is reported through logger.error", async () => {
    const reports: string[] = [];
    const logger = { info() {}, warn() {}, error: (o: object) => void reports.push((o as { what: string }).what) };
    for (
      const tracer of [
        {
          startDrop: () => {
            throw new Error("exporter down");
          },
        },
        {
          startDrop: () => ({
            end: () => {
              throw new Error("end failed");
            },
          }),
        },
        {
          startDrop: () => ({
            run: () => {
              throw new Error("no context");
            },
            end() {},
          }),
        },
      ]
    ) {
      let ran = 0;
      const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} }, tracer });
      assert.equal(await guardedDrop(request, () => (ran++, "dropped")), "dropped");
      assert.equal(ran, 1);
    }
    assert.deepEqual(reports, [
      "the drop's span could not be started",
      "the drop's span could not be ended",
      "the drop's span could not run the drop in its context",
    ]);
  });

  test("bad options are refused with a TypeError", () => {
    assert.throws(() => createDropTracer({ tracer: {} as never }), {
      name: "TypeError",
      message: /'tracer' must be an OpenTelemetry Tracer/,
    });
    assert.throws(() => createDropTracer({ tracerProvider: {} as never }), {
      name: "TypeError",
      message: /'tracerProvider' must be/,
    });
    assert.throws(() => createGuardedDrop({ logger: quietLogger, counter: { inc() {} }, tracer: {} as never }), {
      message: /'tracer.startDrop' must be a function/,
    });
  });
});

describe("dbSystemNameOf and dropSpanAttributes", () => {
  test("maps the adapters' resource types, and passes any other through", () => {
    const mapped = Object.fromEntries(
      ["postgres", "mysql", "redis", "mongodb", "rabbitmq", "nats", "clickhouse"].map((t) => [t, dbSystemNameOf(t)]),
    );
    assert.deepEqual(mapped, {
      postgres: "postgresql",
      mysql: "mysql",
      redis: "redis",
      mongodb: "mongodb",
      rabbitmq: "rabbitmq",
      nats: "nats",
      clickhouse: "clickhouse",
    });
    assert.equal(dbSystemNameOf("toString"), "toString", "no prototype key leaks in");
  });

  test("no secret field: the attributes are the record's own names", () => {
    const attributes = dropSpanAttributes({
      event: "provisioner.drop",
      drop_id: "d1",
      token: "acme42",
      provider_resource_id: "res-1",
      resource_type: "redis",
      backend: "dedicated",
      request_id: "r1",
      caller: "ops",
    });
    assert.deepEqual(Object.keys(attributes).sort(), [
      "db.namespace",
      "db.operation.name",
      "db.system.name",
      "guarded_drop.backend",
      "guarded_drop.caller",
      "guarded_drop.drop_id",
      "guarded_drop.request_id",
    ]);
  });
});
