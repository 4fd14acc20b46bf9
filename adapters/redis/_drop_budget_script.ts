// Internal: the Lua script of redisDropBudget, and how to call it.
//
// One script, so that checking and charging every limit is one atomic step
// on the server: two replicas can never both see the last free slot.

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * KEYS[i] (all but the last) is the sorted set of limit i: one member per
 * drop it let through, scored by the server's time in ms. The last key is
 * this take's cancel mark (see {@linkcode CANCEL_SCRIPT}): when it exists, the
 * take was given up by its caller before it ran, and it charges nothing.
 * ARGV[1] is a member unique to this take; ARGV[2i] and ARGV[2i+1] are limit
 * i's max and window in ms.
 *
 * First every limit is checked (entries older than its window are removed
 * first: a sliding window), then, only when all have room, every limit is
 * charged. The reply is empty when the take was charged, and otherwise lists
 * `i, retryAfterMs` for each spent limit: the time until the entry whose
 * expiry frees a slot leaves the window.
 *
 * The clock is the server's TIME, not the callers': replicas whose clocks
 * disagree still share one window. A script that reads TIME and then writes
 * is replicated by its effects (the ZADD with its score), which is the only
 * mode since Redis 7 and the default since 5; replicate_commands() turns it
 * on for Redis 3.2 to 4 and is a no-op after.
 */
export const TAKE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
if redis.call('EXISTS', KEYS[#KEYS]) == 1 then return 'cancelled' end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local spent = {}
for i = 1, #KEYS - 1 do
  local key = KEYS[i]
  local max = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= max then
    local freeing = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    spent[#spent + 1] = i
    spent[#spent + 1] = tonumber(freeing[2]) + window - now
  end
end
if #spent > 0 then return spent end
for i = 1, #KEYS - 1 do
  local key = KEYS[i]
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, ARGV[2 * i + 1])
end
return spent
`;

const TAKE_SCRIPT_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");

/**
 * Undoes a take whose caller was told it did not count (it timed out, was
 * aborted, or its connection broke after the script was sent): the script may
 * have run, may run later (a paused server that wakes up, a delayed packet),
 * or may never run. KEYS are the take's limit keys and its cancel mark;
 * ARGV[1] is its member, ARGV[2] how long the mark lives, in ms.
 *
 * It removes the member from every limit (a no-op when the take never ran
 * or was refused) and sets the mark, which {@linkcode TAKE_SCRIPT} checks
 * first: a take that arrives after its cancel charges nothing. So the order
 * of the two does not matter, and running it twice changes nothing.
 */
export const CANCEL_SCRIPT = `
redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[2])
for i = 1, #KEYS - 1 do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
return 1
`;

/** The key of a take's cancel mark, under the budget's key base. */
export function cancelKeyOf(base: string, member: string): string {
  return `${base}cancelled:${member}`;
}

/** One limit as the script reads it. */
export interface ScriptLimit {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
}

/** A spent limit: its index in the list given, and when a slot frees. */
export interface SpentLimit {
  readonly index: number;
  readonly retryAfterMs: number;
}

/**
 * Runs the take script: by its SHA, and with its text when the server does
 * not know it yet (NOSCRIPT after a restart or SCRIPT FLUSH). The command is
 * written to the connection before this returns, so a command sent on the
 * same connection earlier runs first.
 *
 * @returns The spent limits; empty when every limit was charged.
 * @throws {Error} If the take's cancel mark was set first, or the reply is not the script's.
 */
export async function runTake(client: Redis, limits: readonly ScriptLimit[], cancelKey: string, member: string): Promise<SpentLimit[]> {
  const keys = [...limits.map((limit) => limit.key), cancelKey];
  const args = [member, ...limits.flatMap((limit) => [String(limit.max), String(limit.windowMs)])];
  let reply: unknown;
  try {
    reply = await client.evalsha(TAKE_SCRIPT_SHA, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    reply = await client.eval(TAKE_SCRIPT, keys.length, ...keys, ...args);
  }
  if (reply === "cancelled") throw new Error("the take was cancelled before it ran");
  if (!Array.isArray(reply) || reply.length % 2 !== 0) {
    throw new Error(`the budget script answered ${Array.isArray(reply) ? `a list of ${reply.length}` : typeof reply}`);
  }
  const spent: SpentLimit[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    spent.push({ index: Number(reply[i]) - 1, retryAfterMs: Number(reply[i + 1]) });
  }
  return spent;
}

/**
 * Sends the cancel script for one take. EVAL, not EVALSHA: a NOSCRIPT retry
 * would run after a command sent behind it on the same connection, and
 * cancels are rare.
 *
 * @param markMs How long the cancel mark lives, in ms.
 */
export async function runCancel(client: Redis, limitKeys: readonly string[], cancelKey: string, member: string, markMs: number): Promise<void> {
  await client.eval(CANCEL_SCRIPT, limitKeys.length + 1, ...limitKeys, cancelKey, member, String(markMs));
}
