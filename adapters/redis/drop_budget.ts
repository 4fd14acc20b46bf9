/**
 * {@linkcode redisDropBudget}: a drop budget shared by every provisioner
 * replica that uses the same Redis.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { DropBudget, DropRequest, DropVerdict } from "../../lib/mod.ts";
import type { FailureContext } from "../_shared/_errors.ts";
import { checkConnectionUrl, REDIS_URL } from "../_shared/_connection_url.ts";
import { describe } from "../_shared/_resolve_options.ts";
import { classifyRedisError, closeRedis, openRedis } from "./_connection.ts";
import { cancelKeyOf, runCancel, runTake, type ScriptLimit } from "./_drop_budget_script.ts";

/**
 * One limit of a {@linkcode redisDropBudget}: at most `max` drops in any
 * `windowMs` (a sliding window), counted over every drop (`global`) or per
 * `resourceType` of the request (`resource_type`).
 *
 * @example At most 5 drops a minute in all, and 2 per resource type
 * ```ts
 * import type { DropLimit } from "guarded-drop/adapters/redis";
 *
 * const limits: DropLimit[] = [
 *   { scope: "global", max: 5, windowMs: 60_000 },
 *   { scope: "resource_type", max: 2, windowMs: 60_000 },
 * ];
 * ```
 */
export interface DropLimit {
  /** `global`: every drop counts; `resource_type`: each resource type has its own count. */
  readonly scope: "global" | "resource_type";
  /** How many drops the window holds: a positive integer. */
  readonly max: number;
  /** The window's length in ms: a positive integer. */
  readonly windowMs: number;
}

/**
 * Options of {@linkcode redisDropBudget}.
 *
 * @example
 * ```ts
 * import type { RedisDropBudgetOptions } from "guarded-drop/adapters/redis";
 *
 * const options: RedisDropBudgetOptions = {
 *   url: "redis://budget:secret@cache.internal:6379/0",
 *   limits: [{ scope: "global", max: 10, windowMs: 600_000 }],
 *   onUnavailable: "deny",
 * };
 * ```
 */
export interface RedisDropBudgetOptions {
  /**
   * The Redis every replica shares (`redis://[user:password@]host:port[/db]`,
   * `rediss://` for TLS). Its user needs no more than
   * `~<keyPrefix>* +evalsha +eval +time +zremrangebyscore +zcard +zrange +zadd +pexpire +exists +set +zrem +info`.
   * It is never written into an error.
   */
  url: string;
  /** The limits, every one of which a drop must fit in. At least one. */
  limits: readonly DropLimit[];
  /**
   * The start of every key of the budget. Replicas that share a budget use
   * the same prefix. Each key then holds the hash tag `{budget}`, so that the
   * keys of one take would share a Cluster slot.
   *
   * @default {"guarded-drop:"}
   */
  keyPrefix?: string;
  /**
   * What a take does when Redis cannot answer (unreachable, or slower than
   * `timeoutMs`): `deny` says no, and the drop is `rate_limited`; `allow`
   * lets the drop go on uncharged (a take that may have reached Redis is
   * cancelled), with a warning that guardedDrop writes as a
   * `provisioner.drop.warning` record. Any other failure (a script
   * error, a wrong key type, a read-only replica) always says no.
   *
   * @default {"deny"}
   */
  onUnavailable?: "deny" | "allow";
  /**
   * How long one take may take, in ms, connecting included. Keep it under
   * createGuardedDrop's `budgetTimeoutMs` (2000 by default), so that the
   * budget's own answer, and `onUnavailable`, decide a slow take.
   *
   * @default {1000}
   */
  timeoutMs?: number;
}

/**
 * A drop budget for `createGuardedDrop`, with its connection: close it when
 * the service stops.
 *
 * @example
 * ```ts
 * import type { RedisDropBudget } from "guarded-drop/adapters/redis";
 *
 * async function stop(budget: RedisDropBudget): Promise<void> {
 *   await budget.close();
 * }
 * ```
 */
export interface RedisDropBudget extends DropBudget {
  /**
   * Checks and charges every limit, atomically: all are charged, or none.
   * It never rejects: every failure is a verdict with its reason. When
   * `signal` aborts first, the answer is no.
   */
  take(req: DropRequest, signal?: AbortSignal): Promise<DropVerdict>;
  /** Closes the connection. Later takes say no. */
  close(): Promise<void>;
}

const FACTORY = "redisDropBudget";
const DEFAULT_KEY_PREFIX = "guarded-drop:";
const DEFAULT_TIMEOUT_MS = 1_000;
const SCOPES: ReadonlySet<string> = new Set(["global", "resource_type"]);
/** The shortest life of a cancel mark, in ms. */
const MIN_CANCEL_MARK_MS = 60_000;
/** The first and the longest pause between tries of the cancels still owed, in ms. */
const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** How many owed cancels are remembered; beyond, the oldest is forgotten (its charge ends with its window). */
const MAX_PENDING = 10_000;

/**
 * Builds a drop budget shared through Redis. Each `take` runs one Lua
 * script that, on the server, first checks every limit's sliding window (a
 * sorted set of the drops it let through, scored by the server's clock) and
 * then charges all of them, or, when any is spent, charges none. So replicas
 * that share the Redis share the budget exactly: N replicas racing for the
 * last slot let exactly one drop through.
 *
 * A spent budget answers `{ allowed: false, reason, retryAfterMs }`: which
 * limits are spent and when the window frees a slot, which guardedDrop turns
 * into a `rate_limited` RateLimitedError carrying both.
 *
 * The connection never queues and never retries: a take that Redis cannot
 * answer within `timeoutMs` ends then, as `onUnavailable` says. A broken
 * connection is replaced on the next take.
 *
 * NOTE: it connects to one Redis node (a standalone server or a primary),
 * not through a Redis Cluster client.
 *
 * A take whose caller was told it did not count (no answer within
 * `timeoutMs`, the signal aborted, the connection lost after the script was
 * sent) may still run on the server later, a paused Redis that wakes up. So
 * it is cancelled: a second script removes its entry and leaves a mark that
 * makes the late take charge nothing, whichever of the two runs first. The
 * cancel is sent at once on a new connection, retried with a growing pause
 * (up to 30 s), sent ahead of the next take on the same connection, and a
 * last time by `close()`; each try is bounded by `timeoutMs`.
 *
 * NOTE: a cancel that never gets through (the process ends first, or more
 * than 10 000 are owed) leaves the charge until its window ends, and a take
 * delayed past its mark's life (the longest window, a minute at least)
 * charges: both on the safe side, fewer drops, never more.
 *
 * @param options The Redis URL, the limits, the key prefix and what to do
 * when Redis is away.
 * @returns The budget, with `close()`.
 * @throws {TypeError} If `url` is not a redis:// or rediss:// URL with a host, `limits`
 * is empty or holds a limit whose scope is unknown or whose max or window is
 * not a positive integer (or repeats another's scope and window), or another
 * option has the wrong type.
 *
 * @example At most 10 drops in 10 minutes, and 3 per resource type
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { redisDropBudget } from "guarded-drop/adapters/redis";
 *
 * const logger = { info() {}, warn() {}, error() {} };
 * // No connection is made until the first take.
 * const budget = redisDropBudget({
 *   url: "redis://127.0.0.1:6379",
 *   limits: [
 *     { scope: "global", max: 10, windowMs: 600_000 },
 *     { scope: "resource_type", max: 3, windowMs: 600_000 },
 *   ],
 * });
 * const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} }, budget });
 * // await guardedDrop(request, () => adapter.deprovision(token));
 * await budget.close(); // on shutdown
 * ```
 */
export function redisDropBudget(options: RedisDropBudgetOptions): RedisDropBudget {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create ${FACTORY} as 'options' must be an object: current value is ${describe(options)}`);
  }
  const url = checkUrl(options.url);
  const limits = checkLimits(options.limits);
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== "string") {
    throw new TypeError(`Cannot create ${FACTORY} as 'keyPrefix' must be a string: current value is ${describe(keyPrefix)}`);
  }
  const onUnavailable = options.onUnavailable ?? "deny";
  if (onUnavailable !== "deny" && onUnavailable !== "allow") {
    throw new TypeError(
      `Cannot create ${FACTORY} as 'onUnavailable' must be "deny" or "allow": current value is ${describe(onUnavailable)}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`Cannot create ${FACTORY} as 'timeoutMs' must be a positive finite number: current value is ${describe(timeoutMs)}`);
  }
  // Computed once: only resource_type keys depend on the request.
  const base = `${keyPrefix}{budget}:`;
  const keyOf = (limit: DropLimit, resourceType: string) =>
    limit.scope === "global" ? `${base}global:${limit.windowMs}ms` : `${base}resource_type:${resourceType}:${limit.windowMs}ms`;
  const labelOf = (limit: DropLimit, resourceType: string) =>
    limit.scope === "global" ? "the global limit" : `the resource_type ${JSON.stringify(resourceType)} limit`;

  let client: Redis | undefined;
  let connecting: Promise<Redis> | undefined;
  let closed = false;
  // The cancel mark must outlive any delay a given-up take can still have:
  // a charge it would make lasts a window at most, so a window is enough,
  // and a minute at least for short windows.
  const markMs = Math.max(MIN_CANCEL_MARK_MS, ...limits.map((limit) => limit.windowMs));
  /** Takes whose caller was told they did not count, by member: their limit keys, until a cancel is confirmed. */
  const pending = new Map<string, readonly string[]>();
  let flushing: Promise<void> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelayMs = Math.max(MIN_RETRY_MS, timeoutMs);

  /** The connection, opened on first use and again after it broke. */
  function connection(): Promise<Redis> {
    if (client !== undefined && client.status === "ready") return Promise.resolve(client);
    if (client !== undefined) {
      closeRedis(client);
      client = undefined;
    }
    connecting ??= openRedis(url, { connectTimeoutMs: timeoutMs, operationTimeoutMs: timeoutMs }).then(
      (opened) => {
        connecting = undefined;
        if (closed) {
          closeRedis(opened);
          throw new Error("the budget was closed");
        }
        client = opened;
        return opened;
      },
      (err: unknown) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  }

  /**
   * Writes a cancel for every pending take to `redis`, before anything sent
   * after this call on the same connection, and forgets each once it is
   * confirmed. Resolves whether all were confirmed; never rejects.
   */
  function sendCancels(redis: Redis): Promise<boolean> {
    const sent = [...pending].map(([member, limitKeys]) =>
      runCancel(redis, limitKeys, cancelKeyOf(base, member), member, markMs).then(
        () => {
          pending.delete(member);
          return true;
        },
        () => false,
      )
    );
    return Promise.all(sent).then((confirmed) => confirmed.every(Boolean));
  }

  /** Sends the pending cancels now, on a connection of their own bound, and again later until they are confirmed. */
  function flushSoon(): void {
    if (closed || pending.size === 0 || flushing !== undefined) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    flushing = bounded(connection().then(sendCancels), timeoutMs)
      .catch(() => false)
      .then((confirmed) => {
        flushing = undefined;
        if (confirmed && pending.size === 0) {
          retryDelayMs = Math.max(MIN_RETRY_MS, timeoutMs);
          return;
        }
        if (!confirmed && client !== undefined && client.status === "ready") {
          // It hung on a connection that looked fine: do not reuse it.
          closeRedis(client);
          client = undefined;
        }
        if (closed) return;
        retryTimer = setTimeout(flushSoon, retryDelayMs);
        retryTimer.unref?.();
        retryDelayMs = Math.min(MAX_RETRY_MS, retryDelayMs * 2);
      });
  }

  /** Remembers a take its caller was told did not count, and cancels it. */
  function cancelLater(member: string, limitKeys: readonly string[]): void {
    if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
    pending.set(member, limitKeys);
    flushSoon();
  }

  async function take(req: DropRequest, signal?: AbortSignal): Promise<DropVerdict> {
    const resourceType = req?.resourceType;
    const token = typeof req?.token === "string" ? req.token : "unknown";
    if (closed) return { allowed: false, reason: `${FACTORY} is closed` };
    if (typeof resourceType !== "string" || resourceType.length === 0) {
      return { allowed: false, reason: `the request has no resourceType to count it by: current value is ${describe(resourceType)}` };
    }
    const scriptLimits: ScriptLimit[] = limits.map((limit) => ({ ...limit, key: keyOf(limit, resourceType) }));
    const member = randomUUID();
    let step = "connect";
    // Set when the caller is told no; a connection that opens later then sends nothing.
    let givenUp = false;
    let sent = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      const fail = (why: string) => {
        givenUp = true;
        reject(Object.assign(new Error(why), { code: "ETIMEDOUT" }));
      };
      timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      onAbort = () => fail("the take was aborted");
      if (signal?.aborted) onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const spent = await Promise.race([
        connection().then((redis) => {
          if (givenUp) throw new Error("the take was given up before it was sent");
          step = "EVALSHA";
          // Cancels still owed go first on this connection, so that this take counts without them.
          if (pending.size > 0) void sendCancels(redis);
          sent = true;
          return runTake(redis, scriptLimits, cancelKeyOf(base, member), member);
        }),
        timedOut,
      ]);
      // The core's deadline aborts the signal when it has already said no.
      if (signal?.aborted) throw Object.assign(new Error("the take was aborted"), { code: "ETIMEDOUT" });
      if (spent.length === 0) return { allowed: true };
      const reasons = spent.map(({ index }) => {
        const limit = limits[index]!;
        return `${labelOf(limit, resourceType)} is spent: max ${limit.max} per ${limit.windowMs} ms`;
      });
      return {
        allowed: false,
        reason: reasons.join("; "),
        // The drop can run only when every spent limit has a free slot again.
        retryAfterMs: Math.max(...spent.map((s) => s.retryAfterMs)),
      };
    } catch (err) {
      givenUp = true;
      const context: FailureContext = { action: "check", what: "the drop budget of", token };
      const error = classifyRedisError(context, step, err, timeoutMs);
      if (error.kind === "unavailable") {
        // A connection that broke or hung is not reused: the next take opens a new one.
        closeRedis(client);
        client = undefined;
      }
      // Once sent, the script may have run, or may still run: undo it.
      if (sent) cancelLater(member, scriptLimits.map((limit) => limit.key));
      const charge = sent ? "it may have been charged on the server, and a cancel of that charge was sent" : "it was not charged";
      if (error.kind === "unavailable" && onUnavailable === "allow") {
        return { allowed: true, warning: `the drop went on (onUnavailable: "allow"); ${charge}: ${error.message}` };
      }
      return { allowed: false, reason: sent ? `${error.message} (${charge})` : error.message };
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    await flushing;
    if (pending.size > 0) {
      // A last try, bounded, for the cancels still owed.
      const reuse = client !== undefined && client.status === "ready" ? client : undefined;
      const opening = reuse !== undefined ? Promise.resolve(reuse) : openRedis(url, { connectTimeoutMs: timeoutMs, operationTimeoutMs: timeoutMs });
      await bounded(opening.then(sendCancels), timeoutMs).catch(() => false);
      void opening.then((redis) => redis !== reuse && closeRedis(redis), () => {});
    }
    closeRedis(client);
    client = undefined;
  }

  return { take, close };
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
    throw new TypeError(`Cannot create ${FACTORY} as 'limits' must be a non-empty array: current value is ${
      Array.isArray(limits) ? "an empty array" : describe(limits)
    }`);
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
        throw new TypeError(`Cannot create ${FACTORY} as '${at}.${name}' must be a positive integer: current value is ${describe(value)}`);
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

/** `promise`, or a rejection once `ms` have passed: a wait that never hangs. */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
