/**
 * {@linkcode createGuardedDrop}: the chokepoint every drop goes through.
 *
 * @module
 */

import type { AuditLogger, AuditStore, DropRecord } from "./audit.ts";
import { isDropAction } from "./drop_action.ts";
import {
  type BreakerExecutor,
  type BreakerKey,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from "./circuit_breaker.ts";
import type { DropCallback } from "./drop_callback.ts";
import type { DropCounter } from "./drop_counter.ts";
import type { DropError } from "./drop_error.ts";
import { DropFailedError } from "./drop_failed_error.ts";
import type { DropAuthorizer, DropBudget } from "./drop_policy.ts";
import type { DropRequest } from "./drop_request.ts";
import type { DropTracer } from "./drop_tracer.ts";
import { createNameRules, type NameRules } from "./name_rules.ts";
import { AsyncLoggerError } from "./async_logger_error.ts";
import { Breakers } from "./_breakers.ts";
import { describeAsyncDestination } from "./_async_destination.ts";
import { describeValue } from "./_describe_value.ts";
import { appendRecord, count, type DropSinks, settle, writeFailed, writeRecord, writeWarning } from "./_drop_sinks.ts";
import { newRecord, readRequest } from "./_drop_record.ts";
import { askPolicy, takeBudget } from "./_policy_steps.ts";
import { endSpan, inSpan, startSpan } from "./_span.ts";
import { isOwnError } from "./_own_errors.ts";
import { readProperty } from "./_read_property.ts";
import { validateRequest } from "./_validate_request.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/**
 * The function {@linkcode createGuardedDrop} returns. It resolves with the
 * drop callback's value when the drop succeeded, and rejects with a typed
 * {@linkcode DropError} otherwise.
 *
 * The drop-guard recognises calls of this type: a sanctioned deprovision
 * function may only be referenced inside the callback of such a call.
 *
 * @example
 * ```ts
 * import type { GuardedDrop } from "guarded-drop";
 *
 * async function dropTenant(guardedDrop: GuardedDrop, token: string): Promise<void> {
 *   await guardedDrop(
 *     { token, resourceType: "postgres", backend: "shared", requestId: "req-1", caller: "example" },
 *     async () => {},
 *   );
 * }
 * ```
 */
export interface GuardedDrop {
  <T>(request: DropRequest, drop: DropCallback<T>): Promise<T>;
}

/**
 * Options of {@linkcode createGuardedDrop}.
 *
 * @example With a durable store and a policy
 * ```ts
 * import type { GuardedDropOptions } from "guarded-drop";
 *
 * const options: GuardedDropOptions = {
 *   logger: console as unknown as GuardedDropOptions["logger"],
 *   counter: { inc() {} },
 *   auditStore: { append: async () => {} },
 *   authorize: (req) => req.caller === "billing",
 *   authorizeTimeoutMs: 500,
 * };
 * ```
 */
export interface GuardedDropOptions {
  /**
   * Where the records go. Its writes must be synchronous and throw on
   * failure (see `guarded-drop/pino`). A pino logger whose destination is
   * asynchronous is refused unless `allowAsyncLogger` is `true`.
   */
  logger: AuditLogger;
  /**
   * Accepts a pino logger whose destination is asynchronous: a transport
   * (`pino.transport()`), a SonicBoom with `sync: false`
   * (`pino.destination({ sync: false })`, or pino's default stdout), or a
   * multistream holding one. Its `provisioner.drop` line may then land after
   * the drop, or never (a crash, a full disk the worker swallows), so "no
   * audit line, no drop" no longer holds. When `true`, creation writes one
   * `provisioner.audit_logger.async` warning through the logger; when not,
   * creation throws an {@linkcode AsyncLoggerError}.
   *
   * @default {false}
   */
  allowAsyncLogger?: boolean;
  /** `provisioner_drop_total` (see `guarded-drop/prom-client`). */
  counter: DropCounter;
  /**
   * A durable store that must accept the record before the drop runs, and
   * is told the outcome afterwards when it has `settle`.
   *
   * @default {undefined: the logger alone}
   */
  auditStore?: AuditStore;
  /**
   * How long `auditStore.append` and `auditStore.settle` may take, in ms. An
   * append that takes longer means `audit_failed`; a settle that does is
   * reported through `logger.error`.
   *
   * @default {2000}
   */
  auditTimeoutMs?: number;
  /**
   * The deletion-intent policy (see `createTerminalityPolicy`). Fail-closed:
   * only `true` or `{ allowed: true }` lets the drop run.
   *
   * @default {undefined: no policy step}
   */
  authorize?: DropAuthorizer;
  /**
   * How long the policy may take, in ms, before the drop is denied. Its
   * signal aborts then.
   *
   * @default {2000}
   */
  authorizeTimeoutMs?: number;
  /**
   * The drop budget. Fail-closed: only `true` or `{ allowed: true }` lets
   * the drop run.
   *
   * @default {undefined: no budget step}
   */
  budget?: DropBudget;
  /**
   * How long `budget.take` may take, in ms, before the drop is rate-limited.
   * Its signal aborts then. A budget with its own answer for a slow store
   * (allow with a warning) must give it within this bound.
   *
   * @default {2000}
   */
  budgetTimeoutMs?: number;
  /**
   * Options of the built-in breaker. Ignored when `breakerFor` is given.
   * By default server-level trouble (`kind: "unavailable"`, or an
   * unclassified error) opens it, and a tenant's own failure
   * (`kind: "failed"`) does not; `isFailure` changes that.
   *
   * @default {{ failureThreshold: 5, cooldownMs: 30000, trialTimeoutMs: cooldownMs, now: Date.now, isNeutral: isNeutralBreakerError, isFailure: isBreakerFailure }}
   */
  breaker?: CircuitBreakerOptions;
  /**
   * Returns the breaker for a resource type and backend. It is called once
   * per key; the result is kept.
   *
   * @default {one built-in CircuitBreaker per key}
   */
  breakerFor?: (key: BreakerKey) => BreakerExecutor;
  /**
   * Recognises the open-circuit error of the breakers `breakerFor` returns
   * (opossum: `err.code === "EOPENBREAKER"`; cockatiel: `isBrokenCircuitError`).
   *
   * @default {(err) => err.code === "GD_BREAKER_OPEN"}
   */
  isBreakerOpen?: (err: unknown) => boolean;
  /**
   * The rules the request's token is checked with.
   *
   * @default {createNameRules()}
   */
  nameRules?: NameRules;
  /**
   * Traces every guardedDrop as one span (see `guarded-drop/opentelemetry`).
   * The span starts when the call starts, under the caller's active
   * context, the drop callback runs inside it, and it ends once the outcome
   * is known. A tracer that throws is reported through `logger.error` and
   * never changes the outcome.
   *
   * @default {undefined: no span}
   */
  tracer?: DropTracer;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * Builds the chokepoint every drop goes through. For every call, whatever
 * happens, it:
 *
 * 1. writes exactly one `provisioner.drop` record at level info (and appends
 *    it to the audit store) before anything destructive runs; a failed write
 *    means `audit_failed`, and the drop never runs;
 * 2. validates the request (`refused`), asks the policy (`denied`), takes
 *    from the budget (`rate_limited`), and runs the drop inside the circuit
 *    breaker (`breaker_open`, `ok`, `error`), in that order;
 * 3. on a non-ok outcome, writes one `provisioner.drop.failed` record at
 *    level warn;
 * 4. increments `provisioner_drop_total{resource_type,backend,outcome}`
 *    exactly once, and settles the store's record.
 *
 * @param options The logger, counter and optional store, policy, budget and
 * breaker.
 * @returns The guarded drop function.
 * @throws {AsyncLoggerError} If the logger is a pino logger with an
 * asynchronous destination and `allowAsyncLogger` is not `true`.
 * @throws {TypeError} If the logger or counter lacks a method, an option
 * has the wrong type, or a timeout is longer than 2147483647 ms (the longest
 * timer: a longer one would fire after 1 ms).
 *
 * @example Quick start
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 *
 * const lines: object[] = [];
 * const logger = { info: (o: object) => void lines.push(o), warn: (o: object) => void lines.push(o), error: (o: object) => void lines.push(o) };
 * const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} } });
 * await guardedDrop(
 *   { token: "acme42", providerResourceId: "res-1", resourceType: "postgres", backend: "shared", requestId: "req-1", caller: "example" },
 *   async () => {}, // () => adapter.deprovision("acme42")
 * );
 * console.log(lines.length); // 1: the provisioner.drop record
 * ```
 */
export function createGuardedDrop(options: GuardedDropOptions): GuardedDrop {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create guardedDrop as 'options' must be an object: current value is ${describeValue(options)}`,
    );
  }
  const { logger, counter, auditStore, authorize, budget } = options;
  for (const method of ["info", "warn", "error"] as const) requireFunction(`logger.${method}`, logger?.[method]);
  if (logger.isLevelEnabled !== undefined) requireFunction("logger.isLevelEnabled", logger.isLevelEnabled);
  requireFunction("counter.inc", counter?.inc);
  if (auditStore !== undefined) requireFunction("auditStore.append", auditStore?.append);
  if (auditStore?.settle !== undefined) requireFunction("auditStore.settle", auditStore.settle);
  if (authorize !== undefined) requireFunction("authorize", authorize);
  if (budget !== undefined) requireFunction("budget.take", budget?.take);
  const tracer = options.tracer;
  if (tracer !== undefined) requireFunction("tracer.startDrop", tracer?.startDrop);
  const authorizeTimeoutMs = positiveMs("authorizeTimeoutMs", options.authorizeTimeoutMs);
  const budgetTimeoutMs = positiveMs("budgetTimeoutMs", options.budgetTimeoutMs);
  const sinks: DropSinks = {
    logger,
    counter,
    auditStore,
    auditTimeoutMs: positiveMs("auditTimeoutMs", options.auditTimeoutMs),
  };
  if (options.nameRules !== undefined) {
    requireFunction("nameRules.checkNamingToken", options.nameRules?.checkNamingToken);
  }
  const nameRules = options.nameRules ?? createNameRules();
  const isBreakerOpen = options.isBreakerOpen ?? ((err: unknown) => readProperty(err, "code") === "GD_BREAKER_OPEN");
  const breakerFor = options.breakerFor ?? (() => new CircuitBreaker(options.breaker));
  if (options.breakerFor === undefined) new CircuitBreaker(options.breaker); // its options are checked up front
  const breakers = new Breakers(breakerFor, isBreakerOpen);
  // Last: its opt-in warning is written only when every other option is good.
  checkLoggerIsSync(logger, options.allowAsyncLogger);

  return async function guardedDrop<T>(req: DropRequest, drop: DropCallback<T>): Promise<T> {
    const given = readRequest(req);
    const record = newRecord(given);
    // Before the first await: the tracer sees the caller's active context.
    const span = startSpan(sinks, tracer, record);
    let appended = false;
    let value: T;
    try {
      // 1. The audit record, before anything else can happen: the log line, then the durable store.
      const written = writeRecord(sinks, record);
      if (written !== undefined) await written; // an async logger: its info must resolve first
      if (auditStore !== undefined) {
        await appendRecord(sinks, auditStore, record);
        appended = true;
      }
      // 2. Validation: a missing or malformed field, or a token that is not a tenant's.
      const request = validateRequest(given, drop, nameRules);
      // 3. The deletion-intent policy.
      if (authorize !== undefined) writeWarning(sinks, record, await askPolicy(authorize, authorizeTimeoutMs, request));
      // 4. The drop budget. A restore destroys nothing, so it never spends it.
      if (budget !== undefined && request.action !== "restore") {
        writeWarning(sinks, record, await takeBudget(budget, budgetTimeoutMs, request));
      }
      // 5. The circuit breaker, and the drop inside it.
      value = await breakers.run(request, record, inSpan(sinks, span, record, drop));
    } catch (err) {
      // Every step above throws its outcome's error, made by this copy; anything else is a bug, and still an outcome.
      const error = isOwnError(err)
        ? err as DropError
        : new DropFailedError(`Cannot drop as guardedDrop failed: ${scrubbedMessage(err)}`, { cause: scrubError(err) });
      error.dropId = record.drop_id;
      writeFailed(sinks, record, error);
      count(sinks, record, error.outcome, error);
      if (appended) await settle(sinks, record, error.outcome, error);
      endSpan(sinks, span, record, error.outcome, error);
      throw error;
    }
    // 6. The count, once the outcome is known, under the action the drop
    // reports having done (an adapter with retention quarantines).
    const done = reportedRecord(sinks, record, value);
    count(sinks, done, "ok");
    if (appended) await settle(sinks, done, "ok");
    endSpan(sinks, span, done, "ok");
    return value;
  };
}

/**
 * The record under the action the drop callback's value reports, when it
 * reports one that differs from the request's: a warning record says so,
 * and the count and the settled row carry what happened.
 */
function reportedRecord(sinks: DropSinks, record: DropRecord, value: unknown): DropRecord {
  const reported = readProperty(value, "action");
  if (!isDropAction(reported) || reported === record.action) return record;
  writeWarning(
    sinks,
    record,
    `the drop reported action '${reported}', not the request's '${record.action ?? "destroy"}'`,
  );
  return Object.freeze({ ...record, action: reported });
}

function requireFunction(option: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot create guardedDrop as '${option}' must be a function: current value is ${describeValue(value)}`,
    );
  }
}

/** Refuses a pino logger whose lines land later, or warns once when the caller opted in. */
function checkLoggerIsSync(logger: AuditLogger, allowAsyncLogger: unknown): void {
  if (allowAsyncLogger !== undefined && typeof allowAsyncLogger !== "boolean") {
    throw new TypeError(
      `Cannot create guardedDrop as 'allowAsyncLogger' must be a boolean: current value is ${
        describeValue(allowAsyncLogger)
      }`,
    );
  }
  const asyncDestination = describeAsyncDestination(logger);
  if (asyncDestination === undefined) return;
  if (allowAsyncLogger !== true) {
    throw new AsyncLoggerError(
      `Cannot create guardedDrop as 'logger' must write synchronously (a line that lands after the drop breaks "no audit line, no drop"): ` +
        `current value is a pino logger writing to ${asyncDestination}. Build it with createAuditLogger from "guarded-drop/pino", ` +
        `or pass allowAsyncLogger: true to accept the risk`,
    );
  }
  logger.warn(
    { event: "provisioner.audit_logger.async", destination: asyncDestination },
    "guardedDrop accepted an asynchronous audit logger (allowAsyncLogger: true): a provisioner.drop line may land after its drop, or never",
  );
}

/** The longest delay a timer takes: Node and browsers fire a longer one after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function positiveMs(option: string, value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Cannot create guardedDrop as '${option}' must be a positive finite number: current value is ${
        describeValue(value)
      }`,
    );
  }
  if (value > MAX_TIMER_MS) {
    throw new TypeError(
      `Cannot create guardedDrop as '${option}' must be at most ${MAX_TIMER_MS} ms (a longer timer fires at once): current value is ${
        describeValue(value)
      }`,
    );
  }
  return value;
}
