// Internal: the Lua scripts of redisDropBudget, and how to call them.
//
// One script, so that checking and charging every limit is one atomic step
// on the server: two replicas can never both see the last free slot. The
// same step checks that the windows it reads are whole (see TAKE_SCRIPT).

import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** A connection the scripts run on: one node, or a Redis Cluster. */
export type BudgetClient = Redis | Cluster;

/**
 * KEYS: the sorted set of each limit (one member per drop it let through,
 * scored by the server's time in ms), then the budget's epoch hash, then
 * this take's cancel mark (see {@linkcode CANCEL_SCRIPT}).
 *
 * ARGV: [1] a member unique to this take; [2] the epoch id this client last
 * saw ('' when it has seen none); [3] the charge count it last saw; [4] a
 * new epoch id, used if the epoch must be created; [5] how long a loss
 * blocks, in ms (the longest window); [6] '1' when takes go on through a
 * loss (onUnavailable "allow"); [7] '1' when a young server is trusted
 * (trustFreshServer); then [8 + 2(i-1)] and [9 + 2(i-1)] are limit i's max
 * and window in ms.
 *
 * The epoch hash holds `id` (made once, by the first take ever, or the first
 * after a loss), `seq` (how many takes were charged in that epoch, only ever
 * growing), `started` (when the server that made the epoch started, by its
 * clock: TIME less INFO's `uptime_in_seconds`, read only then), `until` (no
 * take is charged before this server time, ms: set when a loss is found)
 * and, per limit key, `last:<key>` (when it was last charged).
 *
 * A server that started less than a window ago may have lost charges made
 * before it started, whether or not anyone saw its epoch: every such charge
 * was made before `started`, so none is still in a window after
 * `started + lossMs`. Until then every take is blocked, unless ARGV[7] says
 * this budget trusts a young server. That block is read from `started`
 * on each take, not written to `until`, so that it follows each budget's own
 * longest window and trust. It costs nothing later: INFO is read only when
 * the epoch is made. A server up for a window or more with no epoch is a
 * new deployment, or was flushed or evicted: only a client that saw the old
 * epoch can tell. A loss is found when:
 * - the hash is missing, and this client saw an epoch before: the server
 *   restarted without persistence, was flushed, evicted the hash, or is
 *   another server (a replica that never had it);
 * - the hash's id is not the one this client saw: the hash was lost and made
 *   again by a client that had seen none;
 * - its `seq` is below the one this client saw: a replica promoted before it
 *   had every write;
 * - a limit's set is missing while `last:<key>` says it was charged within
 *   its window: the set was evicted or deleted.
 * Then `until` becomes the end of a full window from the moment before
 * which the lost charges were made (now, or the epoch's creation when the
 * epoch changed), so the lost window is never granted a second time.
 * INFO in a script is allowed (Redis 7.0.15 checked): it reads the node
 * that owns the budget's slot, on a cluster too.
 *
 * The reply: { status, epoch id, seq, ms until the loss ends (0 if none),
 * then `i, retryAfterMs` for each spent limit }. status is 'charged',
 * 'spent', 'lost' (nothing charged), or 'cancelled' (the cancel mark was set
 * first). Under "allow", a loss does not stop the check: the reply is
 * 'charged' or 'spent' with the loss's ms.
 *
 * The clock is the server's TIME. A script that reads TIME and then writes
 * is replicated by its effects, which is the only mode since Redis 7 and the
 * default since 5; replicate_commands() turns it on for Redis 3.2 to 4.
 */
export const TAKE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local cancelKey = KEYS[#KEYS]
local epochKey = KEYS[#KEYS - 1]
local limits = #KEYS - 2
if redis.call('EXISTS', cancelKey) == 1 then return {'cancelled'} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local known, knownSeq, lossMs = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[5])
local epoch = redis.call('HMGET', epochKey, 'id', 'seq', 'until', 'started')
local id = epoch[1]
local seq = tonumber(epoch[2] or '0')
local untilMs = tonumber(epoch[3] or '0')
local started = tonumber(epoch[4] or '0')
local function lost(from)
  if from + lossMs > untilMs then untilMs = from + lossMs end
end
if not id then
  id = ARGV[4]
  seq = 0
  untilMs = 0
  local uptime = string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)')
  started = now - tonumber(uptime) * 1000
  redis.call('HSET', epochKey, 'id', id, 'seq', 0, 'created', now, 'started', started)
  if known ~= '' then lost(now) end
elseif known ~= '' and known ~= id then
  lost(tonumber(redis.call('HGET', epochKey, 'created') or now))
elseif known == id and knownSeq > seq then
  lost(now)
  seq = knownSeq
  redis.call('HSET', epochKey, 'seq', seq)
end
for i = 1, limits do
  local last = tonumber(redis.call('HGET', epochKey, 'last:' .. KEYS[i]) or '0')
  if last > now - tonumber(ARGV[9 + 2 * (i - 1)]) and redis.call('EXISTS', KEYS[i]) == 0 then
    lost(last)
  end
end
if untilMs > 0 then redis.call('HSET', epochKey, 'until', untilMs) end
local blockedUntil = untilMs
if ARGV[7] ~= '1' and started > 0 and started + lossMs > blockedUntil then blockedUntil = started + lossMs end
local lossLeft = 0
if blockedUntil > now then lossLeft = blockedUntil - now end
if lossLeft > 0 and ARGV[6] ~= '1' then return {'lost', id, seq, lossLeft} end
local reply = {'spent', id, seq, lossLeft}
for i = 1, limits do
  local key = KEYS[i]
  local max = tonumber(ARGV[8 + 2 * (i - 1)])
  local window = tonumber(ARGV[9 + 2 * (i - 1)])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= max then
    local freeing = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    reply[#reply + 1] = i
    reply[#reply + 1] = tonumber(freeing[2]) + window - now
  end
end
if #reply > 4 then return reply end
for i = 1, limits do
  local key = KEYS[i]
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, ARGV[9 + 2 * (i - 1)])
  redis.call('HSET', epochKey, 'last:' .. key, now)
end
seq = redis.call('HINCRBY', epochKey, 'seq', 1)
return {'charged', id, seq, lossLeft}
`;

const TAKE_SCRIPT_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");

/**
 * Undoes a take whose caller was told it did not count (it timed out, was
 * aborted, or its connection broke after the script was sent): the script may
 * have run, may run later (a paused server that wakes up, a delayed packet),
 * or may never run. KEYS are the take's limit keys, the epoch hash and its
 * cancel mark; ARGV[1] is its member, ARGV[2] how long the mark lives, in ms.
 *
 * It removes the member from every limit (a no-op when the take never ran
 * or was refused) and sets the mark, which {@linkcode TAKE_SCRIPT} checks
 * first: a take that arrives after its cancel charges nothing. So the order
 * of the two does not matter, and running it twice changes nothing. Each
 * set it changes has its `last:` field set back to its newest entry left,
 * or removed when none is left (Redis then deletes the set): `last:` must
 * stay the newest entry's time, or the set emptied later by its window
 * would be read as a loss. The epoch's `seq` keeps counting the undone
 * take: it only ever grows.
 */
export const CANCEL_SCRIPT = `
redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[2])
local epochKey = KEYS[#KEYS - 1]
for i = 1, #KEYS - 2 do
  local key = KEYS[i]
  if redis.call('ZREM', key, ARGV[1]) == 1 then
    local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    if newest[2] then
      redis.call('HSET', epochKey, 'last:' .. key, newest[2])
    else
      redis.call('HDEL', epochKey, 'last:' .. key)
    end
  end
end
return 1
`;

/** One limit as the script reads it. */
export interface ScriptLimit {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
}

/** What this client knows of the budget's epoch, sent with each take. */
export interface EpochSeen {
  /** The epoch id last seen, or '' before the first answer. */
  readonly id: string;
  /** The charge count last seen. */
  readonly seq: number;
}

/** A take as the script runs it. */
export interface TakeCall {
  readonly limits: readonly ScriptLimit[];
  readonly epochKey: string;
  readonly cancelKey: string;
  readonly member: string;
  readonly seen: EpochSeen;
  /** A new epoch id, used only if the epoch must be made. */
  readonly newEpochId: string;
  /** How long a loss blocks, in ms. */
  readonly lossMs: number;
  /** Whether takes go on through a loss (onUnavailable "allow"). */
  readonly throughLoss: boolean;
  /** Whether a server younger than a window, whose epoch this budget did not see made, is trusted as a new deployment. */
  readonly trustFreshServer: boolean;
}

/** A spent limit: its index in the list given, and when a slot frees. */
export interface SpentLimit {
  readonly index: number;
  readonly retryAfterMs: number;
}

/** The script's answer. */
export interface TakeReply {
  readonly status: "charged" | "spent" | "lost";
  /** The epoch as the server has it now. */
  readonly epoch: EpochSeen;
  /** How long the budget's found loss still blocks, in ms; 0 when there is none. */
  readonly lossLeftMs: number;
  /** The spent limits, when status is `spent`. */
  readonly spent: readonly SpentLimit[];
}

/**
 * Runs the take script: by its SHA, and with its text when the server does
 * not know it yet (NOSCRIPT after a restart or SCRIPT FLUSH). The command is
 * written to the connection before this returns, so a command sent on the
 * same connection earlier runs first.
 *
 * @throws {Error} If the take's cancel mark was set first, or the reply is not the script's.
 */
export async function runTake(client: BudgetClient, call: TakeCall): Promise<TakeReply> {
  const keys = [...call.limits.map((limit) => limit.key), call.epochKey, call.cancelKey];
  const args = [
    call.member,
    call.seen.id,
    String(call.seen.seq),
    call.newEpochId,
    String(call.lossMs),
    call.throughLoss ? "1" : "0",
    call.trustFreshServer ? "1" : "0",
    ...call.limits.flatMap((limit) => [String(limit.max), String(limit.windowMs)]),
  ];
  let reply: unknown;
  try {
    reply = await client.evalsha(TAKE_SCRIPT_SHA, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    reply = await client.eval(TAKE_SCRIPT, keys.length, ...keys, ...args);
  }
  if (!Array.isArray(reply)) throw new Error(`the budget script answered ${typeof reply}`);
  if (reply[0] === "cancelled") throw new Error("the take was cancelled before it ran");
  const status: unknown = reply[0];
  if ((status !== "charged" && status !== "spent" && status !== "lost") || reply.length < 4 || reply.length % 2 !== 0) {
    throw new Error(
      `the budget script answered a list of ${reply.length} starting with ${
        JSON.stringify(String(status)).slice(0, 40)
      }`,
    );
  }
  const spent: SpentLimit[] = [];
  for (let i = 4; i < reply.length; i += 2) {
    spent.push({ index: Number(reply[i]) - 1, retryAfterMs: Number(reply[i + 1]) });
  }
  return { status, epoch: { id: String(reply[1]), seq: Number(reply[2]) }, lossLeftMs: Number(reply[3]), spent };
}

/**
 * Sends the cancel script for one take. EVAL, not EVALSHA: a NOSCRIPT retry
 * would run after a command sent behind it on the same connection, and
 * cancels are rare.
 *
 * @param markMs How long the cancel mark lives, in ms.
 */
export async function runCancel(client: BudgetClient, cancel: OwedCancel, markMs: number): Promise<void> {
  const keys = [...cancel.limitKeys, cancel.epochKey, cancel.cancelKey];
  await client.eval(CANCEL_SCRIPT, keys.length, ...keys, cancel.member, String(markMs));
}

/** A take to undo: its member and the keys it may have charged. */
export interface OwedCancel {
  readonly member: string;
  readonly limitKeys: readonly string[];
  readonly epochKey: string;
  readonly cancelKey: string;
}
