// Internal: redisDropBudget's options, checked up front, and the key of
// each thing the budget keeps in Redis.

import { checkConnectionUrl, REDIS_URL } from "../_shared/_connection_url.ts";
import { describe } from "../_shared/_resolve_options.ts";
import type { DropLimit, RedisDropBudgetOptions } from "./drop_budget.ts";

const FACTORY = "redisDropBudget";
const DEFAULT_KEY_PREFIX = "guarded-drop:";
const DEFAULT_TIMEOUT_MS = 1_000;
const SCOPES: ReadonlySet<string> = new Set(["global", "resource_type"]);
/** The shortest life of a cancel mark, in ms. */
const MIN_CANCEL_MARK_MS = 60_000;

/** The options, checked, with their defaults. */
export interface BudgetSettings {
  readonly url: string;
  readonly cluster: boolean;
  readonly limits: readonly DropLimit[];
  readonly keys: BudgetKeys;
  readonly onUnavailable: "deny" | "allow";
  readonly timeoutMs: number;
  /** Whether a server younger than the longest window, without the budget's epoch, is taken as a new deployment. */
  readonly trustFreshServer: boolean;
  /** The longest window: how long a found loss blocks. */
  readonly longestWindowMs: number;
  /** How long a cancel mark lives: longer than any delay a given-up take can still have. */
  readonly markMs: number;
}

/**
 * The budget's keys. Every one starts with the key prefix and then holds the
 * hash tag `{budget}`, so that on a Redis Cluster all of one budget's keys
 * share a slot and one script may touch them together. A limit's key names
 * everything that makes two limits different (scope, resource type, max,
 * window): two services that count differently never share a set.
 */
export class BudgetKeys {
  readonly #base: string;

  constructor(keyPrefix: string) {
    this.#base = `${keyPrefix}{budget}:`;
  }

  /** The sorted set of `limit`'s window, for a request of `resourceType`. */
  limit(limit: DropLimit, resourceType: string): string {
    const counted = `${limit.max}per${limit.windowMs}ms`;
    return limit.scope === "global"
      ? `${this.#base}global:${counted}`
      : `${this.#base}resource_type:${resourceType}:${counted}`;
  }

  /** The hash that tells a whole window from a lost one (see TAKE_SCRIPT). */
  get epoch(): string {
    return `${this.#base}epoch`;
  }

  /** The mark that makes a given-up take charge nothing. */
  cancelMark(member: string): string {
    return `${this.#base}cancelled:${member}`;
  }
}

/**
 * Checks every option; throws a TypeError that names the first wrong one.
 */
export function checkBudgetOptions(options: RedisDropBudgetOptions): BudgetSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'options' must be an object: current value is ${describe(options)}`,
    );
  }
  const url = checkUrl(options.url);
  const limits = checkLimits(options.limits);
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== "string") {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'keyPrefix' must be a string: current value is ${describe(keyPrefix)}`,
    );
  }
  const onUnavailable = options.onUnavailable ?? "deny";
  if (onUnavailable !== "deny" && onUnavailable !== "allow") {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'onUnavailable' must be "deny" or "allow": current value is ${
        describe(onUnavailable)
      }`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'timeoutMs' must be a positive finite number: current value is ${
        describe(timeoutMs)
      }`,
    );
  }
  const cluster = options.cluster ?? false;
  if (typeof cluster !== "boolean") {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'cluster' must be a boolean: current value is ${describe(cluster)}`,
    );
  }
  if (cluster && !/^\/?0?$/.test(new URL(url).pathname)) {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'url' must name database 0 when 'cluster' is true: a Redis Cluster has no other`,
    );
  }
  const trustFreshServer = options.trustFreshServer ?? false;
  if (typeof trustFreshServer !== "boolean") {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'trustFreshServer' must be a boolean: current value is ${
        describe(trustFreshServer)
      }`,
    );
  }
  const longestWindowMs = Math.max(...limits.map((limit) => limit.windowMs));
  return {
    url,
    cluster,
    limits,
    keys: new BudgetKeys(keyPrefix),
    onUnavailable,
    timeoutMs,
    trustFreshServer,
    longestWindowMs,
    // A charge a late take would make lasts a window at most: a window is
    // enough, and a minute at least for short windows.
    markMs: Math.max(MIN_CANCEL_MARK_MS, longestWindowMs),
  };
}

function checkUrl(url: unknown): string {
  if (typeof url !== "string" || url.length === 0) {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'url' must be a URL such as ${REDIS_URL.example}: current value is ${describe(url)}`,
    );
  }
  // Its host too: without one, ioredis would quietly use localhost, a budget
  // no other replica shares.
  checkConnectionUrl(FACTORY, "url", url, REDIS_URL);
  return url;
}

function checkLimits(limits: unknown): readonly DropLimit[] {
  if (!Array.isArray(limits) || limits.length === 0) {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'limits' must be a non-empty array: current value is ${
        Array.isArray(limits) ? "an empty array" : describe(limits)
      }`,
    );
  }
  const seen = new Map<string, number>();
  return Object.freeze(limits.map((limit: unknown, i): DropLimit => {
    const at = `limits[${i}]`;
    if (typeof limit !== "object" || limit === null) {
      throw new TypeError(`Cannot create ${FACTORY} as '${at}' must be an object: current value is ${describe(limit)}`);
    }
    const { scope, max, windowMs } = limit as Record<string, unknown>;
    if (typeof scope !== "string" || !SCOPES.has(scope)) {
      throw new TypeError(
        `Cannot create ${FACTORY} as '${at}.scope' must be "global" or "resource_type": current value is ${
          typeof scope === "string" && scope.length <= 40 ? JSON.stringify(scope) : describe(scope)
        }`,
      );
    }
    for (const [name, value] of [["max", max], ["windowMs", windowMs]] as const) {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
        throw new TypeError(
          `Cannot create ${FACTORY} as '${at}.${name}' must be a positive integer: current value is ${describe(value)}`,
        );
      }
    }
    const identity = `${scope}:${windowMs}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      throw new TypeError(
        `Cannot create ${FACTORY} as '${at}' must not repeat the scope and window of 'limits[${first}]': current value is ${scope} per ${windowMs} ms`,
      );
    }
    seen.set(identity, i);
    return Object.freeze({ scope: scope as DropLimit["scope"], max: max as number, windowMs: windowMs as number });
  }));
}
