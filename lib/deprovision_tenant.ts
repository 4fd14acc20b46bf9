/**
 * {@linkcode deprovisionTenant}: one tenant, across all its backends, each
 * through its own guarded drop.
 *
 * @module
 */

import type { Deprovisioner } from "./deprovisioner.ts";
import type { DropError } from "./drop_error.ts";
import type { GuardedDrop } from "./guarded_drop.ts";
import type { DropOutcome } from "./outcome.ts";
import { describeValue } from "./_describe_value.ts";
import { readProperty } from "./_read_property.ts";
import { isDropError } from "./drop_error.ts";
import { httpStatusOf } from "./status.ts";

/**
 * Options of {@linkcode deprovisionTenant}.
 *
 * @example
 * ```ts
 * import type { DeprovisionTenantOptions, Deprovisioner, GuardedDrop } from "guarded-drop";
 *
 * declare const guardedDrop: GuardedDrop;
 * declare const adapters: Deprovisioner[];
 * const options: DeprovisionTenantOptions = {
 *   guardedDrop, adapters, token: "acme42", requestId: "req-1", caller: "billing",
 *   intent: "customer_request", providerResourceIds: { postgres: "res-pg-1", redis: "res-redis-1" },
 *   deadlineMs: 20_000, maxRetryWaitMs: 2_000,
 * };
 * ```
 */
export interface DeprovisionTenantOptions {
  /** The chokepoint: every backend is one guardedDrop call, with its own record, count and breaker. */
  guardedDrop: GuardedDrop;
  /** The tenant's backends, one adapter each. */
  adapters: readonly Deprovisioner[];
  /** The tenant's naming token. */
  token: string;
  /** The request's id, shared by every backend's record (and every retry's). */
  requestId: string;
  /** Who asked: written in every record. @default {undefined: "unknown"} */
  caller?: string;
  /** Why: passed to the deletion-intent policy of every backend. @default {undefined: no intent} */
  intent?: string;
  /**
   * The provider resource id of every backend, when they share one. A
   * backend named in `providerResourceIds` uses that instead.
   *
   * @default {undefined}
   */
  providerResourceId?: string;
  /**
   * The provider resource id of each backend, by its `resourceType` (what
   * the terminality policy looks up: each backend is its own resource).
   *
   * @default {{}}
   */
  providerResourceIds?: Readonly<Record<string, string>>;
  /**
   * How long the whole deletion may take, in ms: the name check, every
   * attempt and every wait. A drop still running when it passes is reported
   * as `deadline_exceeded` (it goes on; its record tells its outcome by
   * `drop_id`), and no new attempt starts.
   *
   * @default {30000}
   */
  deadlineMs?: number;
  /**
   * The longest wait before a retry, in ms. A backend that asks for longer
   * (`retryAfterMs` of a spent budget or an open breaker) is not waited
   * for: the result carries its `retryAfterMs` for a `Retry-After`.
   *
   * @default {5000}
   */
  maxRetryWaitMs?: number;
  /**
   * Attempts per backend, the first included. Only retryable outcomes are
   * retried: `rate_limited`, `breaker_open`, `audit_failed`, and `error` of
   * kind `unavailable`.
   *
   * @default {3}
   */
  maxAttempts?: number;
}

/**
 * What happened to one backend: a guarded drop's outcome, or `skipped` (no
 * drop ran: another backend refused the token's names), or
 * `deadline_exceeded` (a drop was still running, or none could start).
 *
 * @example
 * ```ts
 * import type { TenantBackendOutcome } from "guarded-drop";
 *
 * const outcome: TenantBackendOutcome = "skipped";
 * ```
 */
export type TenantBackendOutcome = DropOutcome | "skipped" | "deadline_exceeded";

/**
 * One backend's result.
 *
 * @example
 * ```ts
 * import type { TenantBackendResult } from "guarded-drop";
 *
 * const result: TenantBackendResult = { resourceType: "redis", backend: "shared", outcome: "ok", attempts: 1, dropId: "d1" };
 * ```
 */
export interface TenantBackendResult {
  /** The adapter's `resourceType`. */
  readonly resourceType: string;
  /** The adapter's `backend`. */
  readonly backend: string;
  /** What happened to this backend. */
  readonly outcome: TenantBackendOutcome;
  /** Guarded drops made for this backend (0 when it was skipped). */
  readonly attempts: number;
  /** The `drop_id` of the last attempt (earlier ones: search the audit log by `request_id`). */
  readonly dropId?: string;
  /** How long the backend asked to wait before another attempt, when it did. */
  readonly retryAfterMs?: number;
  /** The error of a non-ok outcome: a `DropError`, or the adapter's refusal of the names. */
  readonly error?: Error;
}

/**
 * The result of {@linkcode deprovisionTenant}: one answer for the tenant.
 *
 * @example
 * ```ts
 * import type { TenantDeprovisionResult } from "guarded-drop";
 *
 * function retryAfterHeader(result: TenantDeprovisionResult): string | undefined {
 *   return result.retryAfterMs === undefined ? undefined : String(Math.ceil(result.retryAfterMs / 1000));
 * }
 * ```
 */
export interface TenantDeprovisionResult {
  /** Whether every backend's outcome is `ok`. */
  readonly ok: boolean;
  /**
   * The HTTP status: 200 when every backend is `ok`; otherwise that of the
   * failure a retry cannot cure (400, 403, 500), else of a retryable one
   * (429, 503); 504 when only the deadline stopped it.
   */
  readonly status: number;
  /** The longest wait a retryable failure asked for, when the status is a retryable one: send it as `Retry-After`. */
  readonly retryAfterMs?: number;
  /** Each backend's result, in the order of `adapters`. */
  readonly backends: readonly TenantBackendResult[];
}

const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_MAX_RETRY_WAIT_MS = 5_000;
const DEFAULT_MAX_ATTEMPTS = 3;
/** The first backoff when a retryable failure gives no `retryAfterMs`; it doubles each attempt. */
const BASE_BACKOFF_MS = 250;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Deprovisions one tenant across its backends, each in its own guarded drop
 * (its own record, count, breaker and `drop_id`, all under one
 * `requestId`), side by side: one backend's failure does not stop the
 * others, and every drop is idempotent, so repeating the whole call with
 * the same `requestId` is safe.
 *
 * 1. **Names first.** Every adapter checks the token's names (its
 *    `exists(token)`, which refuses a hostile or reserved name before any
 *    I/O) before any backend drops anything. When one refuses, none runs:
 *    the refusing backends are `refused`, the others `skipped`, so a tenant
 *    is never left half deleted by a token one backend will not take.
 *    A backend that cannot be reached for the check is not a refusal: its
 *    drop then reports what is wrong.
 * 2. **Drops**, with `intent` and the backend's `providerResourceId`, so a
 *    terminality policy can allow them.
 * 3. **Retries** of what a retry can cure (`rate_limited`, `breaker_open`,
 *    `audit_failed`, `error` of kind `unavailable`), up to `maxAttempts`,
 *    after the longest `retryAfterMs` asked (else a backoff), but never a
 *    wait longer than `maxRetryWaitMs` or past the deadline: then the result
 *    carries `retryAfterMs` instead. `refused`, `denied` and kind `failed`
 *    are never retried.
 * 4. **A deadline** over all of it.
 *
 * NOTE: the names check uses `exists`, which talks to the server once the
 * names pass; a policy that denies one backend and allows another still
 * leaves the allowed one dropped (each backend is its own resource).
 *
 * @param options The chokepoint, the adapters, the request's fields, and the bounds.
 * @returns One result per backend, and the tenant's status.
 * @throws {TypeError} If an option is malformed (nothing is checked or dropped then).
 *
 * @example
 * ```ts
 * import { createGuardedDrop, deprovisionTenant, type Deprovisioner } from "guarded-drop";
 *
 * const memory = new Set(["acme42"]);
 * const cache: Deprovisioner = {
 *   resourceType: "redis", backend: "shared",
 *   deprovision: async (token) => void memory.delete(token),
 *   exists: async (token) => memory.has(token),
 *   close: async () => {},
 * };
 * const guardedDrop = createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } });
 * const result = await deprovisionTenant({ guardedDrop, adapters: [cache], token: "acme42", requestId: "req-1", caller: "example" });
 * console.log(result.status, result.backends[0]?.outcome); // 200 "ok"
 * ```
 */
export async function deprovisionTenant(options: DeprovisionTenantOptions): Promise<TenantDeprovisionResult> {
  const checked = checkOptions(options);
  const { guardedDrop, adapters, token } = checked;
  const deadline = startDeadline(checked.deadlineMs);
  try {
    // 1. Every backend's names, before any backend drops.
    const refusals = await checkNames(adapters, token, deadline);
    if (refusals === "deadline") return summarize(adapters.map((a) => resultOf(a, "deadline_exceeded", 0)));
    if (refusals.some((r) => r !== undefined)) {
      return summarize(
        adapters.map((a, i) =>
          refusals[i] === undefined ? resultOf(a, "skipped", 0) : resultOf(a, "refused", 0, { error: refusals[i] })
        ),
      );
    }
    // 2 and 3. The drops, and the retries of what a retry can cure.
    const results: TenantBackendResult[] = adapters.map((a) => resultOf(a, "deadline_exceeded", 0));
    let pending = adapters.map((_, i) => i);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const round = await Promise.all(pending.map((i) => dropOne(checked, adapters[i]!, attempt, deadline)));
      round.forEach((result, k) => (results[pending[k]!] = result));
      const again = pending.filter((i) => isRetryable(results[i]!));
      if (again.length === 0 || attempt >= checked.maxAttempts) break;
      const wait = Math.max(...again.map((i) => results[i]!.retryAfterMs ?? BASE_BACKOFF_MS * 2 ** (attempt - 1)));
      if (wait > checked.maxRetryWaitMs || wait >= deadline.remainingMs()) break; // the caller gets retryAfterMs instead
      if (!(await deadline.sleep(wait))) break;
      pending = again;
    }
    return summarize(results);
  } finally {
    deadline.clear();
  }
}

interface CheckedOptions
  extends Required<Pick<DeprovisionTenantOptions, "guardedDrop" | "adapters" | "token" | "requestId">> {
  readonly caller: string | undefined;
  readonly intent: string | undefined;
  readonly providerResourceId: string | undefined;
  readonly providerResourceIds: Readonly<Record<string, string>>;
  readonly deadlineMs: number;
  readonly maxRetryWaitMs: number;
  readonly maxAttempts: number;
}

function fail(option: string, must: string, value: unknown): never {
  throw new TypeError(
    `Cannot deprovision the tenant as '${option}' must be ${must}: current value is ${describeValue(value)}`,
  );
}

function checkOptions(options: DeprovisionTenantOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) fail("options", "an object", options);
  const { guardedDrop, adapters, token, requestId, caller, intent, providerResourceId } = options;
  if (typeof guardedDrop !== "function") fail("guardedDrop", "a function (createGuardedDrop's)", guardedDrop);
  if (!Array.isArray(adapters) || adapters.length === 0) {
    fail("adapters", "a non-empty array of Deprovisioners", adapters);
  }
  adapters.forEach((adapter, i) => {
    if (typeof adapter?.deprovision !== "function" || typeof adapter?.exists !== "function") {
      fail(`adapters[${i}]`, "a Deprovisioner (deprovision and exists)", adapter);
    }
  });
  for (const [name, value] of [["token", token], ["requestId", requestId]] as const) {
    if (typeof value !== "string" || value === "") fail(name, "a non-empty string", value);
  }
  for (
    const [name, value] of [["caller", caller], ["intent", intent], ["providerResourceId", providerResourceId]] as const
  ) {
    if (value !== undefined && typeof value !== "string") fail(name, "a string", value);
  }
  const ids = options.providerResourceIds ?? {};
  if (typeof ids !== "object" || ids === null || Object.values(ids).some((id) => typeof id !== "string")) {
    fail("providerResourceIds", "an object of strings by resource type", ids);
  }
  return {
    guardedDrop,
    adapters,
    token,
    requestId,
    caller,
    intent,
    providerResourceId,
    providerResourceIds: ids,
    deadlineMs: positive("deadlineMs", options.deadlineMs, DEFAULT_DEADLINE_MS),
    maxRetryWaitMs: positive("maxRetryWaitMs", options.maxRetryWaitMs, DEFAULT_MAX_RETRY_WAIT_MS, true),
    maxAttempts: attempts(options.maxAttempts),
  };
}

function positive(option: string, value: unknown, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed) ||
    value > MAX_TIMER_MS
  ) {
    fail(option, `a ${zeroAllowed ? "non-negative" : "positive"} number of ms, at most ${MAX_TIMER_MS}`, value);
  }
  return value;
}

function attempts(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_ATTEMPTS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail("maxAttempts", "a positive integer", value);
  }
  return value;
}

/** The one timer of a deletion: how much time is left, a sleep it cuts short, and a promise that settles when it passes. */
interface Deadline {
  remainingMs(): number;
  /** Resolves `true` after `ms`, or `false` when the deadline passes first. */
  sleep(ms: number): Promise<boolean>;
  readonly passed: Promise<"deadline">;
  clear(): void;
}

function startDeadline(ms: number): Deadline {
  const end = Date.now() + ms;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let onPassed: (value: "deadline") => void = () => {};
  const passed = new Promise<"deadline">((resolve) => (onPassed = resolve));
  timers.add(setTimeout(() => onPassed("deadline"), ms));
  return {
    remainingMs: () => Math.max(0, end - Date.now()),
    sleep: (wait) =>
      Promise.race([
        new Promise<boolean>((resolve) => timers.add(setTimeout(() => resolve(true), wait))),
        passed.then(() => false),
      ]),
    passed,
    clear: () => timers.forEach((timer) => clearTimeout(timer)),
  };
}

/** Each adapter's refusal of the token's names (`undefined`: not refused), or "deadline" when the checks outlived it. */
async function checkNames(
  adapters: readonly Deprovisioner[],
  token: string,
  deadline: Deadline,
): Promise<(Error | undefined)[] | "deadline"> {
  const checks = Promise.all(adapters.map(async (adapter) => {
    try {
      await adapter.exists(token);
      return undefined;
    } catch (err) {
      // Only a refusal stops the deletion: an unreachable server is for the drop to report.
      return readProperty(err, "code") === "GD_REFUSED" ? err as Error : undefined;
    }
  }));
  return await Promise.race([checks, deadline.passed]);
}

function resultOf(
  adapter: Deprovisioner,
  outcome: TenantBackendOutcome,
  attempts: number,
  more: Partial<TenantBackendResult> = {},
): TenantBackendResult {
  return { resourceType: adapter.resourceType, backend: adapter.backend, outcome, attempts, ...more };
}

/** One guarded drop of one backend, cut short (not cancelled) by the deadline. It never rejects. */
async function dropOne(
  options: CheckedOptions,
  adapter: Deprovisioner,
  attempt: number,
  deadline: Deadline,
): Promise<TenantBackendResult> {
  const { guardedDrop, token, requestId, caller, intent } = options;
  const providerResourceId = options.providerResourceIds[adapter.resourceType] ?? options.providerResourceId;
  let dropId: string | undefined;
  const drop = guardedDrop(
    {
      token,
      resourceType: adapter.resourceType,
      backend: adapter.backend,
      requestId,
      ...(caller === undefined ? {} : { caller }),
      ...(intent === undefined ? {} : { intent }),
      ...(providerResourceId === undefined ? {} : { providerResourceId }),
    },
    ({ dropId: id }) => {
      dropId = id;
      return adapter.deprovision(token);
    },
  ).then(
    () => resultOf(adapter, "ok", attempt, { dropId }),
    (err: unknown) => {
      if (!isDropError(err)) {
        return resultOf(adapter, "error", attempt, {
          dropId,
          error: err instanceof Error ? err : new Error(String(err)),
        });
      }
      const retryAfterMs = readProperty(err, "retryAfterMs");
      return resultOf(adapter, err.outcome, attempt, {
        dropId: err.dropId ?? dropId,
        error: err,
        ...(typeof retryAfterMs === "number" ? { retryAfterMs } : {}),
      });
    },
  );
  const first = await Promise.race([drop, deadline.passed]);
  return first === "deadline"
    ? resultOf(adapter, "deadline_exceeded", attempt, dropId === undefined ? {} : { dropId })
    : first;
}

/** Worth another attempt: nothing was dropped, or the server was not there. Never a refusal or a denial. */
function isRetryable(result: TenantBackendResult): boolean {
  switch (result.outcome) {
    case "rate_limited":
    case "breaker_open":
    case "audit_failed":
      return true;
    case "error":
      return (result.error as DropError | undefined)?.kind === "unavailable";
    default:
      return false;
  }
}

function summarize(backends: TenantBackendResult[]): TenantDeprovisionResult {
  const failed = backends.filter((r) => r.outcome !== "ok" && r.outcome !== "skipped");
  if (failed.length === 0) return { ok: true, status: 200, backends };
  const withError = failed.filter((r) => r.error !== undefined);
  const decisive = withError.find((r) => !isRetryable(r)) ?? withError[0];
  if (decisive === undefined) return { ok: false, status: 504, backends }; // only the deadline stopped it
  const waits = withError.filter(isRetryable).flatMap((r) => (r.retryAfterMs === undefined ? [] : [r.retryAfterMs]));
  return {
    ok: false,
    status: httpStatusOf(decisive.error),
    ...(isRetryable(decisive) && waits.length > 0 ? { retryAfterMs: Math.max(...waits) } : {}),
    backends,
  };
}
