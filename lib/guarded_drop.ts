/**
 * {@linkcode createGuardedDrop}: the chokepoint every drop goes through.
 *
 * @module
 */

import type { AuditLogger, AuditStore, DropFailedRecord, DropRecord } from "./audit.ts";
import { AuditFailedError } from "./audit_failed_error.ts";
import { BreakerOpenError } from "./breaker_open_error.ts";
import { admit, failed, OPEN, openError, succeeded } from "./_breaker_ticket.ts";
import { type BreakerExecutor, CircuitBreaker, type CircuitBreakerOptions } from "./circuit_breaker.ts";
import { DeniedError } from "./denied_error.ts";
import type { DropCounter } from "./drop_counter.ts";
import type { DropError } from "./drop_error.ts";
import { DropFailedError } from "./drop_failed_error.ts";
import type { DropAuthorizer, DropBudget } from "./drop_policy.ts";
import type { Backend, DropRequest } from "./drop_request.ts";
import { createNameRules, type NameRules } from "./name_rules.ts";
import type { DropOutcome } from "./outcome.ts";
import { RateLimitedError } from "./rate_limited_error.ts";
import { RefusedError } from "./refused_error.ts";
import { newDropId } from "./_drop_id.ts";
import { describeValue } from "./_describe_value.ts";
import { readProperty } from "./_read_property.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage, scrubCredentials } from "./scrub_credentials.ts";

/**
 * What the drop callback is given.
 *
 * @example
 * ```ts
 * import type { DropContext } from "guarded-drop";
 *
 * const drop = (ctx: DropContext) => console.log(`dropping under ${ctx.dropId}`);
 * ```
 */
export interface DropContext {
  /** The `drop_id` of the record that was written for this call. */
  readonly dropId: string;
}

/**
 * The destructive work. It runs only after the audit record is written and
 * every check passed.
 *
 * @example
 * ```ts
 * import type { DropCallback } from "guarded-drop";
 *
 * const drop: DropCallback<void> = async () => {
 *   // adapter.deprovision(token)
 * };
 * ```
 */
export type DropCallback<T> = (context: DropContext) => Promise<T> | T;

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
 * Which breaker a drop runs under: by default one per resource type and
 * backend.
 *
 * @example
 * ```ts
 * import type { BreakerKey } from "guarded-drop";
 *
 * const key: BreakerKey = { resourceType: "redis", backend: "dedicated" };
 * ```
 */
export interface BreakerKey {
  readonly resourceType: string;
  readonly backend: Backend;
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
  /** Where the records go. Its writes must be synchronous and throw on failure (see `guarded-drop/pino`). */
  logger: AuditLogger;
  /** `provisioner_drop_total` (see `guarded-drop/prom-client`). */
  counter: DropCounter;
  /**
   * A durable store that must accept the record before the drop runs.
   *
   * @default {undefined: the logger alone}
   */
  auditStore?: AuditStore;
  /**
   * The deletion-intent policy. Fail-closed: only `true` lets the drop run.
   *
   * @default {undefined: no policy step}
   */
  authorize?: DropAuthorizer;
  /**
   * How long the policy may take, in ms, before the drop is denied.
   *
   * @default {2000}
   */
  authorizeTimeoutMs?: number;
  /**
   * The drop budget. Fail-closed: only `true` lets the drop run.
   *
   * @default {undefined: no budget step}
   */
  budget?: DropBudget;
  /**
   * Options of the built-in breaker. Ignored when `breakerFor` is given.
   *
   * @default {{ failureThreshold: 5, cooldownMs: 30000, now: Date.now }}
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
}

/** Record fields longer than this are cut, so that a hostile value cannot flood the audit log. */
const MAX_FIELD_LENGTH = 512;
const DEFAULT_AUTHORIZE_TIMEOUT_MS = 2000;
const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * Builds the chokepoint every drop goes through. For every call, whatever
 * happens, it:
 *
 * 1. writes exactly one `provisioner.drop` record at level info before
 *    anything destructive runs (a failed write means `audit_failed`, and the
 *    drop never runs);
 * 2. validates the request (`refused`), asks the policy (`denied`), takes
 *    from the budget (`rate_limited`), and runs the drop inside the circuit
 *    breaker (`breaker_open`, `ok`, `error`), in that order;
 * 3. on a non-ok outcome, writes one `provisioner.drop.failed` record at
 *    level warn;
 * 4. increments `provisioner_drop_total{resource_type,backend,outcome}`
 *    exactly once.
 *
 * @param options The logger, counter and optional store, policy, budget and
 * breaker.
 * @returns The guarded drop function.
 * @throws {TypeError} If the logger or counter lacks a method, or an option
 * has the wrong type.
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
 *   async () => { /* adapter.deprovision("acme42") *\/ },
 * );
 * console.log(lines.length); // 1: the provisioner.drop record
 * ```
 */
export function createGuardedDrop(options: GuardedDropOptions): GuardedDrop {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create guardedDrop as 'options' must be an object: current value is ${String(options)}`);
  }
  const { logger, counter, auditStore, authorize, budget } = options;
  for (const method of ["info", "warn", "error"] as const) {
    if (typeof logger?.[method] !== "function") {
      throw new TypeError(`Cannot create guardedDrop as 'logger.${method}' must be a function: current value is ${typeof logger?.[method]}`);
    }
  }
  if (typeof counter?.inc !== "function") {
    throw new TypeError(`Cannot create guardedDrop as 'counter.inc' must be a function: current value is ${typeof counter?.inc}`);
  }
  if (auditStore !== undefined && typeof auditStore?.append !== "function") {
    throw new TypeError("Cannot create guardedDrop as 'auditStore.append' must be a function");
  }
  if (authorize !== undefined && typeof authorize !== "function") {
    throw new TypeError(`Cannot create guardedDrop as 'authorize' must be a function: current value is ${typeof authorize}`);
  }
  if (budget !== undefined && typeof budget?.take !== "function") {
    throw new TypeError("Cannot create guardedDrop as 'budget.take' must be a function");
  }
  const authorizeTimeoutMs = options.authorizeTimeoutMs ?? DEFAULT_AUTHORIZE_TIMEOUT_MS;
  if (!Number.isFinite(authorizeTimeoutMs) || authorizeTimeoutMs <= 0) {
    throw new TypeError(
      `Cannot create guardedDrop as 'authorizeTimeoutMs' must be a positive finite number: current value is ${authorizeTimeoutMs}`,
    );
  }
  const nameRules = options.nameRules ?? createNameRules();
  const isBreakerOpen = options.isBreakerOpen ?? ((err: unknown) => readProperty(err, "code") === "GD_BREAKER_OPEN");
  // Built once per key: the breaker's state is what makes it a breaker.
  const breakerFor = options.breakerFor ?? ((_key: BreakerKey) => new CircuitBreaker(options.breaker));
  if (options.breakerFor === undefined && options.breaker !== undefined) new CircuitBreaker(options.breaker); // validate up front
  // Two levels rather than one "type\0backend" key: building that string
  // on every call, and hashing it, was the largest cost of the hot path.
  const breakers = new Map<string, Map<string, BreakerExecutor>>();
  const builtInBreakers = options.breakerFor === undefined;
  // Decided at setup, as pino does: without the method there is nothing to ask per call.
  const infoEnabled = typeof logger.isLevelEnabled === "function"
    ? () => logger.isLevelEnabled!("info") !== false
    : () => true;

  function writeFailed(record: DropRecord, error: DropError): void {
    const failed: DropFailedRecord = {
      ...record,
      event: "provisioner.drop.failed",
      outcome: error.outcome,
      // Scrubbed again: an error a caller's code built may carry anything.
      error: scrubCredentials(error.message),
    };
    try {
      logger.warn(failed, "provisioner.drop.failed");
    } catch (err) {
      error.suppressed.push(err);
      report(record, "the provisioner.drop.failed record could not be written", err, error);
    }
  }

  function count(resourceType: string, backend: string, outcome: DropOutcome, error: DropError | undefined, record: DropRecord): void {
    try {
      counter.inc({ resource_type: resourceType, backend, outcome });
    } catch (err) {
      error?.suppressed.push(err);
      report(record, "provisioner_drop_total could not be incremented", err, error);
    }
  }

  // A reporting failure never changes the outcome, and it is never silent:
  // it goes to logger.error, and to the console when the logger throws too.
  function report(record: DropRecord, what: string, err: unknown, error: DropError | undefined): void {
    try {
      logger.error({ event: "provisioner.drop.report_failed", drop_id: record.drop_id, what, error: scrubbedMessage(err) }, what);
    } catch (loggerErr) {
      error?.suppressed.push(loggerErr);
      console.error(`guarded-drop: drop ${record.drop_id}: ${what}: ${scrubbedMessage(err)}; logger.error failed too: ${scrubbedMessage(loggerErr)}`);
    }
  }

  function fail(record: DropRecord, resourceType: string, backend: string, error: DropError): DropError {
    error.dropId = record.drop_id;
    writeFailed(record, error);
    count(resourceType, backend, error.outcome, error, record);
    return error;
  }

  async function authorized(req: DropRequest): Promise<DeniedError | undefined> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), authorizeTimeoutMs);
    });
    try {
      const verdict = await Promise.race([Promise.resolve().then(() => authorize!(req, controller.signal)), timeout]);
      if (verdict === TIMED_OUT) {
        controller.abort(new DOMException("The deletion-intent policy timed out", "TimeoutError"));
        return new DeniedError(`Cannot drop as the deletion-intent policy did not answer within ${authorizeTimeoutMs} ms`);
      }
      if (verdict !== true) return new DeniedError("Cannot drop as the deletion-intent policy denied it");
      return undefined;
    } catch (err) {
      return new DeniedError(`Cannot drop as the deletion-intent policy failed: ${scrubbedMessage(err)}`, {
        cause: scrubError(err),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async function budgetTaken(req: DropRequest): Promise<RateLimitedError | undefined> {
    try {
      if ((await budget!.take(req)) === true) return undefined;
      return new RateLimitedError("Cannot drop as the drop budget is spent");
    } catch (err) {
      return new RateLimitedError(`Cannot drop as the drop budget failed: ${scrubbedMessage(err)}`, {
        cause: scrubError(err),
      });
    }
  }

  function breakerOf(resourceType: string, backend: Backend): BreakerExecutor {
    let byBackend = breakers.get(resourceType);
    if (byBackend === undefined) breakers.set(resourceType, byBackend = new Map());
    let breaker = byBackend.get(backend);
    if (breaker === undefined) {
      breaker = breakerFor({ resourceType, backend });
      if (typeof breaker?.execute !== "function") {
        throw new TypeError(
          `Cannot drop as 'breakerFor' returned no 'execute' function for ${JSON.stringify({ resourceType, backend })}`,
        );
      }
      byBackend.set(backend, breaker);
    }
    return breaker;
  }

  function auditFailed(err: unknown): AuditFailedError {
    return new AuditFailedError(`Cannot drop as the audit record could not be written: ${scrubbedMessage(err)}`, {
      cause: scrubError(err),
    });
  }

  /** Step 5: the breaker, then the drop; counts the outcome either way. */
  function run<T>(
    record: DropRecord,
    resourceType: string,
    backend: string,
    key: BreakerKey,
    drop: DropCallback<T>,
  ): Promise<T> {
    let breaker: BreakerExecutor;
    try {
      breaker = breakerOf(key.resourceType, key.backend);
    } catch (err) {
      return Promise.reject(fail(record, resourceType, backend, classify(err, false, isBreakerOpen)));
    }
    // The built-in breaker is settled in the same reaction that counts the
    // outcome: one promise hop fewer than going through execute().
    if (builtInBreakers) return runUnderBuiltIn(breaker as CircuitBreaker, record, resourceType, backend, drop);
    let called = false;
    const context: DropContext = { dropId: record.drop_id };
    let pending: Promise<T>;
    try {
      // Promise.resolve: a replacement breaker whose execute() returns a bare
      // value must still end in a counted outcome.
      pending = Promise.resolve(breaker.execute(() => {
        called = true;
        // Not an async arrow: one promise fewer per drop. A synchronous throw
        // still becomes a rejection.
        try {
          return Promise.resolve(drop(context));
        } catch (err) {
          return Promise.reject(err);
        }
      }));
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (value) => {
        count(resourceType, backend, "ok", undefined, record);
        return value;
      },
      (err: unknown) => {
        throw fail(record, resourceType, backend, classify(err, called, isBreakerOpen));
      },
    );
  }

  function runUnderBuiltIn<T>(
    breaker: CircuitBreaker,
    record: DropRecord,
    resourceType: string,
    backend: string,
    drop: DropCallback<T>,
  ): Promise<T> {
    const ticket = breaker[admit]();
    if (ticket === OPEN) return Promise.reject(fail(record, resourceType, backend, breaker[openError]()));
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(drop({ dropId: record.drop_id }));
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (value) => {
        breaker[succeeded](ticket);
        count(resourceType, backend, "ok", undefined, record);
        return value;
      },
      (err: unknown) => {
        breaker[failed](ticket, err);
        throw fail(record, resourceType, backend, classify(err, true, isBreakerOpen));
      },
    );
  }

  /** Steps 1b–5 when a durable store, a policy or a budget is configured: each may wait. */
  async function checkedDrop<T>(
    record: DropRecord,
    resourceType: string,
    backend: string,
    given: GivenRequest,
    drop: DropCallback<T>,
  ): Promise<T> {
    if (auditStore !== undefined) {
      try {
        await auditStore.append(record);
      } catch (err) {
        throw fail(record, resourceType, backend, auditFailed(err));
      }
    }
    const problem = requestProblem(given, drop, nameRules);
    if (problem !== undefined) throw fail(record, resourceType, backend, problem);
    // The policy and the budget see what was validated and recorded, frozen:
    // never the caller's object again, whose getters could answer otherwise.
    const request = validatedRequest(given);
    if (authorize !== undefined) {
      const denied = await authorized(request);
      if (denied !== undefined) throw fail(record, resourceType, backend, denied);
    }
    if (budget !== undefined) {
      const limited = await budgetTaken(request);
      if (limited !== undefined) throw fail(record, resourceType, backend, limited);
    }
    return run(record, resourceType, backend, request, drop);
  }

  const waits = auditStore !== undefined || authorize !== undefined || budget !== undefined;

  // Not an async function: without a store, a policy or a budget every step
  // up to the breaker is synchronous, and skipping the async frame's own
  // promise and resumption is a measurable part of the chokepoint's cost.
  // Every failure still ends as a rejection, never a synchronous throw.
  return function guardedDrop<T>(req: DropRequest, drop: DropCallback<T>): Promise<T> {
    const given = readRequest(req);
    const record = newRecord(given);
    // The labels are the record's fields, "unknown" when empty: computed once.
    const resourceType = record.resource_type || "unknown";
    const backend = record.backend || "unknown";

    try {
      // 1. The audit record, before anything else can happen.
      try {
        if (!infoEnabled()) {
          throw new Error("the audit logger has level 'info' disabled, so the provisioner.drop record would be lost");
        }
        logger.info(record, "provisioner.drop");
      } catch (err) {
        return Promise.reject(fail(record, resourceType, backend, auditFailed(err)));
      }
      if (waits) return checkedDrop(record, resourceType, backend, given, drop);
      // 2. Request validation; 3 and 4 (policy, budget) are not configured.
      const problem = requestProblem(given, drop, nameRules);
      if (problem !== undefined) return Promise.reject(fail(record, resourceType, backend, problem));
      // Validated: both are strings, and backend is "shared" or "dedicated".
      return run(record, resourceType, backend, given as BreakerKey, drop);
    } catch (err) {
      // Nothing above should throw; if it does, the caller still gets a
      // rejection, never a synchronous throw.
      return Promise.reject(err);
    }
  };
}

function classify(err: unknown, called: boolean, isBreakerOpen: (err: unknown) => boolean): DropError {
  const message = scrubbedMessage(err);
  const cause = scrubError(err);
  if (!called) {
    let open = false;
    try {
      open = isBreakerOpen(err) === true;
    } catch {
      // A test that throws recognises nothing: the breaker failed.
    }
    if (open) return new BreakerOpenError(message, { cause });
    // The breaker itself failed before the drop could run.
    return new DropFailedError(`Cannot drop as the circuit breaker failed: ${message}`, { cause });
  }
  const code = readProperty(err, "code");
  if (code === "GD_REFUSED") return new RefusedError(message, { cause });
  if (code === "GD_DENIED") return new DeniedError(message, { cause });
  const kind = readProperty(err, "kind");
  return new DropFailedError(message, {
    cause,
    kind: kind === "unavailable" || kind === "refused" ? kind : "failed",
  });
}

/** The request's fields as given, read once: a getter cannot answer differently later. */
type GivenRequest = Partial<Record<keyof DropRequest, unknown>> & { readonly unreadable?: { readonly error: unknown } };

function readRequest(req: unknown): GivenRequest {
  if (typeof req !== "object" || req === null) return {};
  try {
    const r = req as Record<keyof DropRequest, unknown>;
    return {
      token: r.token,
      providerResourceId: r.providerResourceId,
      resourceType: r.resourceType,
      backend: r.backend,
      requestId: r.requestId,
      caller: r.caller,
      intent: r.intent,
    };
  } catch (err) {
    // A hostile request (a getter that throws, a revoked proxy) still gets its
    // record, with "unknown" fields, and is refused.
    return { unreadable: { error: err } };
  }
}

/** The request as validated, frozen, for the policy and the budget. */
function validatedRequest(given: GivenRequest): DropRequest {
  const request: { -readonly [K in keyof DropRequest]: DropRequest[K] } = {
    token: given.token as string,
    resourceType: given.resourceType as string,
    backend: given.backend as Backend,
    requestId: given.requestId as string,
  };
  if (given.providerResourceId !== undefined) request.providerResourceId = given.providerResourceId as string;
  if (given.caller !== undefined) request.caller = given.caller as string;
  if (given.intent !== undefined) request.intent = given.intent as string;
  return Object.freeze(request);
}

function newRecord(given: GivenRequest): DropRecord {
  const record: { -readonly [K in keyof DropRecord]: DropRecord[K] } = {
    event: "provisioner.drop",
    drop_id: newDropId(),
    token: fieldOf(given.token, "unknown"),
    provider_resource_id: fieldOf(given.providerResourceId, ""),
    resource_type: fieldOf(given.resourceType, "unknown"),
    backend: fieldOf(given.backend, "unknown"),
    request_id: fieldOf(given.requestId, "unknown"),
    caller: fieldOf(given.caller, "unknown") || "unknown",
  };
  if (given.intent !== undefined) record.intent = fieldOf(given.intent, "unknown");
  return record;
}

/**
 * A record field or a counter label: what was given, made safe to write.
 *
 * NOTE: a value longer than 512 characters is not written at all, only its
 * length. Cutting it would be unsafe (a cut between a password and its "@"
 * hides the password from the scrubber), and scrubbing a huge hostile value
 * on the hot path would not be bounded.
 */
function fieldOf(value: unknown, missing: string): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") text = String(value);
  else return missing;
  if (text.length > MAX_FIELD_LENGTH) return `<${text.length} characters: longer than ${MAX_FIELD_LENGTH}, not written>`;
  // The scrubbing regexes only run on text that could hold a credential at all.
  return mayHoldCredential(text) ? scrubCredentials(text) : text;
}

/**
 * Whether a text has a ":", "=" or "@", without which none of the credential
 * forms can occur. A plain loop: on short fields it measured faster than one
 * regex test, and it runs seven times per drop.
 */
function mayHoldCredential(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3a || code === 0x3d || code === 0x40) return true;
  }
  return false;
}


function requestProblem(given: GivenRequest, drop: unknown, nameRules: NameRules): RefusedError | undefined {
  if (given.unreadable !== undefined) {
    const { error } = given.unreadable;
    return new RefusedError(`Cannot drop as the request could not be read: ${scrubbedMessage(error)}`, {
      cause: scrubError(error),
    });
  }
  if (typeof drop !== "function") {
    return new RefusedError(`Cannot drop as 'drop' must be a function: current value is ${describeValue(drop)}`);
  }
  // Written out field by field rather than looped over a list of names: this
  // runs on every drop, and the loop cost more than the checks.
  if (!isNonEmptyString(given.token)) return notNonEmpty("token", given.token);
  if (!isNonEmptyString(given.resourceType)) return notNonEmpty("resourceType", given.resourceType);
  if (!isNonEmptyString(given.requestId)) return notNonEmpty("requestId", given.requestId);
  if (given.backend !== "shared" && given.backend !== "dedicated") {
    return new RefusedError(
      `Cannot drop as 'backend' must be "shared" or "dedicated": current value is ${describeValue(given.backend)}`,
    );
  }
  if (given.providerResourceId !== undefined && typeof given.providerResourceId !== "string") {
    return notString("providerResourceId", given.providerResourceId);
  }
  if (given.caller !== undefined && typeof given.caller !== "string") return notString("caller", given.caller);
  if (given.intent !== undefined && typeof given.intent !== "string") return notString("intent", given.intent);
  try {
    nameRules.checkNamingToken(given.token);
  } catch (err) {
    if (readProperty(err, "code") === "GD_REFUSED") return err as RefusedError;
    return new RefusedError(`Cannot drop as the token check failed: ${scrubbedMessage(err)}`, { cause: scrubError(err) });
  }
  return undefined;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function notNonEmpty(field: string, value: unknown): RefusedError {
  return new RefusedError(`Cannot drop as '${field}' must be a non-empty string: current value is ${describeValue(value)}`);
}

function notString(field: string, value: unknown): RefusedError {
  return new RefusedError(`Cannot drop as '${field}' must be a string when given: current value is ${describeValue(value)}`);
}

