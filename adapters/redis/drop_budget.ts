/**
 * {@linkcode redisDropBudget}: a drop budget shared by every provisioner
 * replica that uses the same Redis.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import type { DropBudget, DropRequest, DropVerdict } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { describe } from "../_shared/_resolve_options.ts";
import { BudgetConnection, isClusterLost } from "./_budget_connection.ts";
import { type BudgetSettings, checkBudgetOptions } from "./_budget_options.ts";
import { CancelQueue } from "./_cancel_queue.ts";
import { classifyRedisError } from "./_connection.ts";
import { type EpochSeen, runTake, type ScriptLimit, type TakeReply } from "./_drop_budget_script.ts";

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
   * `rediss://` for TLS), or with `cluster`, one node of a Redis Cluster.
   * Its user needs no more than
   * `~<keyPrefix>* +evalsha +eval +time +zremrangebyscore +zcard +zrange +zadd +pexpire +exists +set +zrem +hget +hmget +hset +hdel +hincrby +info`
   * (and `+cluster` on a cluster). It is never written into an error.
   *
   * The budget is only as durable as this Redis: see the README's "Drop
   * budget" section (AOF with `appendfsync everysec` or `always`,
   * `maxmemory-policy noeviction`). A lost window is found and blocks drops
   * for a window; it is never granted twice.
   */
  url: string;
  /**
   * Whether `url` names one node of a Redis Cluster (`cluster_enabled:1`):
   * the budget then speaks through ioredis's Cluster client, which finds the
   * other nodes and follows the slot of the budget's keys (they all share
   * the hash tag `{budget}`, so one script can touch them together). The
   * URL must name database 0.
   *
   * NOTE: the URL is the one seed: when that node is down as the budget
   * connects, the take is unavailable (as `onUnavailable` says). Give a
   * name that always reaches a live node (DNS over the nodes, a load
   * balancer).
   *
   * @default {false}
   */
  cluster?: boolean;
  /** The limits, every one of which a drop must fit in. At least one. */
  limits: readonly DropLimit[];
  /**
   * The start of every key of the budget. Replicas that share a budget use
   * the same prefix. Each key then holds the hash tag `{budget}`, so that all
   * keys of one budget share a Cluster slot. A limit's key also names its
   * scope, max and window (`<prefix>{budget}:global:5per60000ms`), so that
   * two services whose limits differ never count in one set.
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
   * The same choice decides a take while a lost window blocks (see
   * {@linkcode redisDropBudget}): `deny` says no until a full window has
   * passed; `allow` charges and checks the new window as usual and lets
   * the drop go on with a warning.
   *
   * @default {"deny"}
   */
  onUnavailable?: "deny" | "allow";
  /**
   * Whether a Redis that started less than the longest window ago, and
   * holds no epoch of this budget, is a new deployment. By default it is
   * not: such a server may have restarted without persistence and lost
   * charges made before it started, which no process that starts now can
   * tell from first use. So every take says no (or goes on with a warning,
   * as `onUnavailable` says) until a full window has passed since the
   * server started. Set it only where a Redis never loses its data while
   * drops that count are made: tests and throwaway environments that start
   * a Redis and drop at once.
   *
   * It is this budget's own choice: the server keeps when it started, and
   * a budget that does not trust it is blocked there. A loss that a budget
   * saw (an epoch gone or changed, a count that went back, an evicted
   * window) blocks it whatever this says.
   *
   * @default {false}
   */
  trustFreshServer?: boolean;
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
 * **A lost window is never granted twice.** The same script keeps an epoch
 * hash beside the windows: an id made by the first take ever, a count of
 * charges that only grows, and when each window was last charged. Each
 * budget remembers the id and count it last saw. A take finds a loss when
 * the epoch is gone though this budget saw one (Redis restarted without
 * persistence, was flushed, or evicted it; or the URL now reaches another
 * server), when its id changed, when its count went back (a replica
 * promoted before it had every write), or when a window's set is gone
 * though it was charged within its window (evicted). Every take then says
 * no, `rate_limited` with the loss as its reason, until a full window (the
 * longest) has passed since the lost charges; a budget made later (a new
 * process) reads that block from the server too. With `onUnavailable:
 * "allow"`, drops go on through it with a warning.
 *
 * A process that never saw the old epoch (a new replica, or every replica
 * restarted) cannot tell a Redis that restarted empty from a new
 * deployment. So when the epoch is missing, the script reads when the
 * server started (INFO's `uptime_in_seconds`, only then) and keeps it in
 * the new epoch: on a server that started less than the longest window
 * ago, every budget's takes say no until a full window has passed since
 * it started (any charge a restart lost was made before that), unless
 * `trustFreshServer` is set. A server up for a window or more with no
 * epoch is a new deployment.
 *
 * NOTE: a `FLUSHALL` or an eviction of the epoch on a server up for a
 * window or more, or a failover to a replica up that long that missed
 * writes, is found only by a process that saw the old epoch: a process
 * that did not counts in a fresh window. Use `maxmemory-policy
 * noeviction`, deny `FLUSHALL` to every user of the budget's Redis, and AOF.
 *
 * The connection never queues and never retries: a take that Redis cannot
 * answer within `timeoutMs` ends then, as `onUnavailable` says. A broken
 * connection is replaced on the next take.
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
 *
 * @example On a Redis Cluster: any node's URL
 * ```ts
 * import { redisDropBudget } from "guarded-drop/adapters/redis";
 *
 * const budget = redisDropBudget({
 *   url: "redis://budget:secret@redis-cluster-0.internal:6379",
 *   cluster: true,
 *   limits: [{ scope: "global", max: 10, windowMs: 600_000 }],
 * });
 * await budget.close();
 * ```
 */
export function redisDropBudget(options: RedisDropBudgetOptions): RedisDropBudget {
  return new SharedDropBudget(checkBudgetOptions(options));
}

/** Why a take said no, or warned, while a lost window blocks. */
function lossMessage(lossLeftMs: number): string {
  return "the budget's window was lost (its Redis restarted without persistence, was flushed, evicted its keys, " +
    "or failed over to a replica that missed writes), or may have been (its Redis started less than a window ago " +
    `and holds no earlier epoch of the budget): a full window must pass before it counts again, ${lossLeftMs} ms from now`;
}

/** The budget {@linkcode redisDropBudget} returns. */
class SharedDropBudget implements RedisDropBudget {
  readonly #settings: BudgetSettings;
  readonly #connection: BudgetConnection;
  readonly #cancels: CancelQueue;
  /** The epoch this budget last saw: how it tells a lost window from first use. */
  #seen: EpochSeen = { id: "", seq: 0 };
  #closed = false;

  constructor(settings: BudgetSettings) {
    this.#settings = settings;
    this.#connection = new BudgetConnection({
      url: settings.url,
      cluster: settings.cluster,
      timeoutMs: settings.timeoutMs,
    });
    this.#cancels = new CancelQueue(this.#connection, settings.timeoutMs, settings.markMs);
  }

  /**
   * Checks and charges every limit, atomically: all are charged, or none.
   * It never rejects: every failure is a verdict with its reason.
   *
   * @example
   * ```ts
   * import { redisDropBudget } from "guarded-drop/adapters/redis";
   *
   * const budget = redisDropBudget({ url: "redis://127.0.0.1:6379", limits: [{ scope: "global", max: 5, windowMs: 60_000 }] });
   * // const verdict = await budget.take(request);  // { allowed: true } or { allowed: false, reason, retryAfterMs }
   * await budget.close();
   * ```
   */
  async take(req: DropRequest, signal?: AbortSignal): Promise<DropVerdict> {
    const resourceType = req?.resourceType;
    const token = typeof req?.token === "string" ? req.token : "unknown";
    if (this.#closed) return { allowed: false, reason: `${FACTORY} is closed` };
    if (typeof resourceType !== "string" || resourceType.length === 0) {
      return {
        allowed: false,
        reason: `the request has no resourceType to count it by: current value is ${describe(resourceType)}`,
      };
    }
    const { keys, limits, timeoutMs } = this.#settings;
    const scriptLimits: ScriptLimit[] = limits.map((limit) => ({ ...limit, key: keys.limit(limit, resourceType) }));
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
      const reply = await Promise.race([
        this.#connection.open().then((client) => {
          if (givenUp) throw new Error("the take was given up before it was sent");
          step = "EVALSHA";
          // Cancels still owed go first on this connection, so that this take counts without them.
          if (this.#cancels.size > 0) void this.#cancels.sendOn(client);
          sent = true;
          return runTake(client, {
            limits: scriptLimits,
            epochKey: keys.epoch,
            cancelKey: keys.cancelMark(member),
            member,
            seen: this.#seen,
            newEpochId: randomUUID(),
            lossMs: this.#settings.longestWindowMs,
            throughLoss: this.#settings.onUnavailable === "allow",
            trustFreshServer: this.#settings.trustFreshServer,
          });
        }),
        timedOut,
      ]);
      this.#see(reply.epoch);
      // The core's deadline aborts the signal when it has already said no.
      if (signal?.aborted) throw Object.assign(new Error("the take was aborted"), { code: "ETIMEDOUT" });
      return this.#verdictOf(reply, resourceType);
    } catch (err) {
      givenUp = true;
      const context: FailureContext = { action: "check", what: "the drop budget of", token };
      const error = isClusterLost(err)
        ? backendError("unavailable", context, `the cluster was lost at ${step}`, err)
        : classifyRedisError(context, step, err, timeoutMs);
      // A connection that broke or hung is not reused: the next take opens a new one.
      if (error.kind === "unavailable") this.#connection.discard();
      // Once sent, the script may have run, or may still run: undo it.
      if (sent) {
        this.#cancels.owe({
          member,
          limitKeys: scriptLimits.map((limit) => limit.key),
          epochKey: keys.epoch,
          cancelKey: keys.cancelMark(member),
        });
      }
      const charge = sent
        ? "it may have been charged on the server, and a cancel of that charge was sent"
        : "it was not charged";
      if (error.kind === "unavailable" && this.#settings.onUnavailable === "allow") {
        return { allowed: true, warning: `the drop went on (onUnavailable: "allow"); ${charge}: ${error.message}` };
      }
      return { allowed: false, reason: sent ? `${error.message} (${charge})` : error.message };
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Closes the connection, after a last bounded try of the cancels still
   * owed. Later takes say no.
   *
   * @example
   * ```ts
   * import { redisDropBudget } from "guarded-drop/adapters/redis";
   *
   * const budget = redisDropBudget({ url: "redis://127.0.0.1:6379", limits: [{ scope: "global", max: 5, windowMs: 60_000 }] });
   * await budget.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#cancels.close();
    this.#connection.close();
  }

  /** Remembers the newest epoch seen: a new id replaces the old; a count only grows. */
  #see(epoch: EpochSeen): void {
    if (epoch.id !== this.#seen.id) this.#seen = epoch;
    else if (epoch.seq > this.#seen.seq) this.#seen = epoch;
  }

  #verdictOf(reply: TakeReply, resourceType: string): DropVerdict {
    if (reply.status === "lost") {
      return { allowed: false, reason: lossMessage(reply.lossLeftMs), retryAfterMs: reply.lossLeftMs };
    }
    if (reply.status === "charged") {
      return reply.lossLeftMs > 0
        ? { allowed: true, warning: `the drop went on (onUnavailable: "allow"): ${lossMessage(reply.lossLeftMs)}` }
        : { allowed: true };
    }
    const reasons = reply.spent.map(({ index }) => {
      const limit = this.#settings.limits[index]!;
      const label = limit.scope === "global"
        ? "the global limit"
        : `the resource_type ${JSON.stringify(resourceType)} limit`;
      return `${label} is spent: max ${limit.max} per ${limit.windowMs} ms`;
    });
    return {
      allowed: false,
      reason: reasons.join("; "),
      // The drop can run only when every spent limit has a free slot again.
      retryAfterMs: Math.max(...reply.spent.map((s) => s.retryAfterMs)),
    };
  }
}
