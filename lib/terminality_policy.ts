/**
 * {@linkcode createTerminalityPolicy}: a deletion-intent policy that lets a
 * drop run only when the platform's own source of truth says the resource
 * is meant to go.
 *
 * @module
 */

import type { DropAuthorizer, DropVerdict } from "./drop_policy.ts";
import type { DropRequest } from "./drop_request.ts";
import { describeValue } from "./_describe_value.ts";
import { readProperty } from "./_read_property.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/**
 * The platform's own view of a resource, as its lookup returns it.
 *
 * @example
 * ```ts
 * import type { ResourceState } from "guarded-drop";
 *
 * const state: ResourceState = { status: "deleted", expiresAt: null };
 * ```
 */
export interface ResourceState {
  /** The platform's status of the resource (`active`, `deleting`, `deleted`…). Compared exactly. */
  readonly status: string;
  /** When the resource expires, for intents that need it expired. */
  readonly expiresAt?: Date | null;
}

/**
 * Finds the resource a drop request names in the platform's source of
 * truth: `undefined` when it does not know it. It should honour the signal,
 * which aborts when guardedDrop's `authorizeTimeoutMs` passes.
 *
 * @example
 * ```ts
 * import type { ResourceLookup, ResourceState } from "guarded-drop";
 *
 * const table = new Map<string, ResourceState>([["acme42", { status: "deleted" }]]);
 * const lookup: ResourceLookup = async (req) => table.get(req.token);
 * ```
 */
export type ResourceLookup = (req: DropRequest, signal: AbortSignal) => Promise<ResourceState | undefined>;

/**
 * What one intent may drop.
 *
 * - An object: `statuses` lists the statuses the resource must have, and
 *   `expired: true` needs its `expiresAt` in the past. When both are given,
 *   both must hold. At least one is required.
 * - A function of the resource, the request and the time (ms): it returns
 *   `true` to allow, or a string that says why not. Anything else, or a
 *   throw, denies.
 *
 * @example
 * ```ts
 * import type { TerminalityRule } from "guarded-drop";
 *
 * const trialEnded: TerminalityRule = { statuses: ["trial_ended"], expired: true };
 * const archivedLongAgo: TerminalityRule = (resource, _req, now) =>
 *   resource.status === "archived" && resource.expiresAt != null && resource.expiresAt.getTime() < now - 86_400_000
 *     ? true
 *     : "an archived resource is dropped a day after its expiry";
 * ```
 */
export type TerminalityRule =
  | { readonly statuses?: readonly string[]; readonly expired?: true }
  | ((resource: ResourceState, req: DropRequest, now: number) => true | string);

/**
 * The default rules, one per well-known intent.
 *
 * | intent | the resource must |
 * |---|---|
 * | `customer_request`, `team_deleted`, `user_deleted` | have status `deleted` or `deleting` |
 * | `ttl_expired` | have `expiresAt` in the past |
 * | `provision_rollback` | have status `provisioning` or `failed` |
 * | `quarantine_expired` | have status `deleted` |
 * | `quarantine_restore` | have status `deleted`, `deleting` or `restoring` (a restore: the platform takes it back) |
 *
 * @example Extending the defaults
 * ```ts
 * import { createTerminalityPolicy, DEFAULT_TERMINALITY_RULES } from "guarded-drop";
 *
 * const authorize = createTerminalityPolicy({
 *   lookup: async () => ({ status: "suspended" }),
 *   rules: { ...DEFAULT_TERMINALITY_RULES, fraud_confirmed: { statuses: ["suspended"] } },
 * });
 * ```
 */
export const DEFAULT_TERMINALITY_RULES: Readonly<Record<string, TerminalityRule>> = Object.freeze({
  customer_request: Object.freeze({ statuses: Object.freeze(["deleted", "deleting"]) }),
  team_deleted: Object.freeze({ statuses: Object.freeze(["deleted", "deleting"]) }),
  user_deleted: Object.freeze({ statuses: Object.freeze(["deleted", "deleting"]) }),
  ttl_expired: Object.freeze({ expired: true as const }),
  provision_rollback: Object.freeze({ statuses: Object.freeze(["provisioning", "failed"]) }),
  quarantine_expired: Object.freeze({ statuses: Object.freeze(["deleted"]) }),
  quarantine_restore: Object.freeze({ statuses: Object.freeze(["deleted", "deleting", "restoring"]) }),
});

/**
 * Options of {@linkcode createTerminalityPolicy}.
 *
 * @example
 * ```ts
 * import type { TerminalityPolicyOptions } from "guarded-drop";
 *
 * const options: TerminalityPolicyOptions = { lookup: async () => undefined, now: () => Date.parse("2027-01-01") };
 * ```
 */
export interface TerminalityPolicyOptions {
  /** Reads the resource from the platform's source of truth. */
  lookup: ResourceLookup;
  /**
   * The rule of each intent. It *replaces* the defaults: spread
   * {@linkcode DEFAULT_TERMINALITY_RULES} into it to extend them. An intent
   * without a rule is denied.
   *
   * @default {DEFAULT_TERMINALITY_RULES}
   */
  rules?: Readonly<Record<string, TerminalityRule>>;
  /**
   * The clock, in ms, for `expiresAt`. A clock that throws or answers
   * anything but a finite number denies every drop (fail-closed).
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/**
 * Builds a deletion-intent policy for `createGuardedDrop({ authorize })`. A
 * drop runs only when its request has an intent with a rule, the lookup
 * finds the resource, and the rule allows the resource's state. Otherwise it
 * is `denied`, and the reason says why, in the error and the
 * `provisioner.drop.failed` record:
 *
 * - no intent, or an intent without a rule (the lookup is not asked);
 * - a resource the lookup does not know (`undefined`), or an answer that is
 *   not a `{ status, expiresAt? }`;
 * - a lookup that rejects (its message scrubbed of credentials);
 * - a resource the rule does not allow, e.g. "resource status is 'active';
 *   intent customer_request needs deleted or deleting".
 *
 * A lookup that outlives guardedDrop's `authorizeTimeoutMs` is denied by
 * guardedDrop, which aborts the signal it passed on.
 *
 * @param options The lookup, the rules and the clock.
 * @returns The `authorize` option of `createGuardedDrop`.
 * @throws {TypeError} If `lookup` or `now` is not a function, or a rule is
 * malformed.
 *
 * @example Deny the drop of an active resource
 * ```ts
 * import { createGuardedDrop, createTerminalityPolicy, isDeniedError } from "guarded-drop";
 *
 * const authorize = createTerminalityPolicy({ lookup: async () => ({ status: "active" }) });
 * const lines: object[] = [];
 * const logger = { info: (o: object) => void lines.push(o), warn: (o: object) => void lines.push(o), error: (o: object) => void lines.push(o) };
 * const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} }, authorize });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: "postgres", backend: "shared", requestId: "r1", intent: "customer_request" },
 *     async () => {},
 *   );
 * } catch (err) {
 *   if (isDeniedError(err)) console.log(err.reason); // "resource status is 'active'; intent customer_request needs deleted or deleting"
 * }
 * ```
 */
export function createTerminalityPolicy(options: TerminalityPolicyOptions): DropAuthorizer {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create a terminality policy as 'options' must be an object: current value is ${describeValue(options)}`,
    );
  }
  const { lookup, rules = DEFAULT_TERMINALITY_RULES, now = Date.now } = options;
  if (typeof lookup !== "function") {
    throw new TypeError(
      `Cannot create a terminality policy as 'lookup' must be a function: current value is ${describeValue(lookup)}`,
    );
  }
  if (typeof now !== "function") {
    throw new TypeError(
      `Cannot create a terminality policy as 'now' must be a function: current value is ${describeValue(now)}`,
    );
  }
  const checked = checkRules(rules);
  const known = checked.size > 0 ? [...checked.keys()].join(", ") : "(none: no intent has a rule)";

  return async function authorize(req: DropRequest, signal: AbortSignal): Promise<DropVerdict> {
    const intent = req.intent;
    if (intent === undefined || intent === "") return denied(`the request has no intent; a drop needs one of ${known}`);
    const rule = checked.get(intent);
    if (rule === undefined) {
      return denied(`intent ${describeValue(intent)} has no rule; the known intents are ${known}`);
    }
    let answer: unknown;
    try {
      answer = await lookup(req, signal);
    } catch (err) {
      return denied(`the resource lookup failed: ${scrubbedMessage(err)}`);
    }
    if (answer === undefined || answer === null) {
      return denied(`the resource lookup does not know the resource of token ${describeValue(req.token)}`);
    }
    const read = readResource(answer);
    if (typeof read === "string") return denied(read);
    // Fail-closed on a bad clock: NaN compares false with everything, so an
    // expiry check against it would pass.
    const time = readClock(now);
    if (typeof time === "string") return denied(time);
    const problem = ruleProblem(rule, intent, read, req, time);
    return problem === undefined ? { allowed: true } : denied(problem);
  };
}

function denied(reason: string): DropVerdict {
  return { allowed: false, reason };
}

/** The clock's reading, or why it cannot be used. */
function readClock(now: () => number): number | string {
  let time: unknown;
  try {
    time = now();
  } catch (err) {
    return `the policy's clock failed: ${scrubbedMessage(err)}`;
  }
  if (typeof time !== "number" || !Number.isFinite(time)) {
    return `the policy's clock answered ${describeValue(time)}, not a finite number of ms`;
  }
  return time;
}

/** A resource state as read: its expiry read once, as a number, from the Date's own time value. */
interface ReadResource {
  readonly state: ResourceState;
  readonly expiresAtMs: number | undefined;
}

/** The lookup's answer as a resource state, or why it is not one. Every read is guarded. */
function readResource(answer: unknown): ReadResource | string {
  const shape = "which is not a resource state { status: string, expiresAt?: Date | null }";
  if (typeof answer !== "object") return `the resource lookup answered ${describeValue(answer)}, ${shape}`;
  const status = readProperty(answer, "status");
  const expiresAt = readProperty(answer, "expiresAt");
  if (typeof status !== "string") return `the resource lookup answered a status of ${describeValue(status)}, ${shape}`;
  if (expiresAt === undefined || expiresAt === null) {
    return { state: { status, expiresAt: expiresAt as null | undefined }, expiresAtMs: undefined };
  }
  const expiresAtMs = timeOfDate(expiresAt);
  if (expiresAtMs === undefined) {
    return `the resource lookup answered an expiresAt of ${describeValue(expiresAt)}, ${shape}`;
  }
  return { state: { status, expiresAt: expiresAt as Date }, expiresAtMs };
}

/**
 * The time value of a real, valid Date, read once with Date's own getter: a
 * subclass that overrides `getTime`, a Proxy or an object that only
 * inherits from Date.prototype cannot make an expiry look past.
 */
function timeOfDate(value: unknown): number | undefined {
  let ms: number;
  try {
    ms = Date.prototype.getTime.call(value);
  } catch {
    return undefined; // not a Date at all
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** Why `rule` does not allow `resource`, or `undefined` when it does. */
function ruleProblem(
  rule: TerminalityRule,
  intent: string,
  read: ReadResource,
  req: DropRequest,
  now: number,
): string | undefined {
  const resource = read.state;
  if (typeof rule === "function") {
    let answer: unknown;
    try {
      answer = rule(resource, req, now);
    } catch (err) {
      return `the rule of intent ${intent} failed: ${scrubbedMessage(err)}`;
    }
    if (answer === true) return undefined;
    if (typeof answer === "string" && answer.length > 0) return answer;
    return `the rule of intent ${intent} answered ${describeValue(answer)}, neither true nor a reason`;
  }
  if (rule.statuses !== undefined && !rule.statuses.includes(resource.status)) {
    return `resource status is ${quoted(resource.status)}; intent ${intent} needs ${rule.statuses.join(" or ")}`;
  }
  if (rule.expired === true) {
    const expiresAtMs = read.expiresAtMs;
    if (expiresAtMs === undefined) return `resource has no expiresAt; intent ${intent} needs one in the past`;
    if (!(expiresAtMs < now)) {
      return `resource expires at ${
        new Date(expiresAtMs).toISOString()
      }, not in the past; intent ${intent} needs one in the past`;
    }
  }
  return undefined;
}

/** `'active'` for a plain status; anything odd (long, quotes, control characters) is described instead. */
function quoted(status: string): string {
  return /^[\w .:-]{0,64}$/.test(status) ? `'${status}'` : describeValue(status);
}

/** Checks the rules up front, and copies them: a caller's later change cannot loosen the policy. */
function checkRules(rules: unknown): ReadonlyMap<string, TerminalityRule> {
  if (typeof rules !== "object" || rules === null || Array.isArray(rules)) {
    throw new TypeError(
      `Cannot create a terminality policy as 'rules' must be an object: current value is ${describeValue(rules)}`,
    );
  }
  const checked = new Map<string, TerminalityRule>();
  for (const [intent, rule] of Object.entries(rules)) {
    const where = `Cannot create a terminality policy as 'rules.${intent}`;
    if (typeof rule === "function") {
      checked.set(intent, rule as TerminalityRule);
      continue;
    }
    if (typeof rule !== "object" || rule === null || Array.isArray(rule)) {
      throw new TypeError(
        `${where}' must be an object { statuses?, expired? } or a function: current value is ${describeValue(rule)}`,
      );
    }
    const { statuses, expired, ...rest } = rule as { statuses?: unknown; expired?: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new TypeError(
        `${where}' must have only 'statuses' and 'expired': current value also has ${describeValue(extra[0])}`,
      );
    }
    if (statuses !== undefined) {
      if (
        !Array.isArray(statuses) || statuses.length === 0 ||
        !statuses.every((s) => typeof s === "string" && s.length > 0)
      ) {
        throw new TypeError(
          `${where}.statuses' must be a non-empty array of non-empty strings: current value is ${
            describeValue(statuses)
          }`,
        );
      }
    }
    if (expired !== undefined && expired !== true) {
      throw new TypeError(`${where}.expired' must be true when given: current value is ${describeValue(expired)}`);
    }
    if (statuses === undefined && expired === undefined) {
      throw new TypeError(
        `${where}' must give 'statuses' or 'expired': current value is an empty rule, which would allow everything`,
      );
    }
    checked.set(
      intent,
      Object.freeze({
        ...(statuses !== undefined && { statuses: Object.freeze([...(statuses as string[])]) }),
        ...(expired === true && { expired: true as const }),
      }),
    );
  }
  return checked;
}
