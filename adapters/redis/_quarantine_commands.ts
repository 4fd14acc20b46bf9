// Internal: the commands of the Redis quarantine.
//
// Everything the quarantine writes lives under the namespace `#gdq:`, which
// no tenant key pattern `<t>:*` can match (a token never starts with `#`),
// and which every quarantine checks, with ACL DRYRUN, that the tenant's
// user (and every other tenant-shaped user) cannot write:
//
// - `#gdq:marks`: a hash, one field per copy (its quarantine name), whose
//   value is the mark as JSON (shared tenants);
// - `#gdq:d:<name>:<original key>`: a quarantined key (shared tenants);
// - `#gdq:lock:<user>`: the tenant's lock, with an expiry.
//
// A dedicated tenant owns every key of its server, so its mark is an ACL
// user instead, `gd-quarantine~<name>~<user>~<on|off>`, which only an admin
// can make: a tenant that can run ACL SETUSER is refused a quarantine.

import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { sleep } from "../_shared/_errors.ts";

/** The namespace of everything the quarantine writes in a tenant's logical database. */
export const QUARANTINE_NAMESPACE = "#gdq:";
/** The hash of the shared tenants' marks. */
export const MARKS_KEY = `${QUARANTINE_NAMESPACE}marks`;
/** The prefix of a dedicated tenant's mark user. */
export const MARK_USER_PREFIX = "gd-quarantine~";

/** The prefix of a shared copy's keys. */
export function copyPrefix(name: string): string {
  return `${QUARANTINE_NAMESPACE}d:${name}:`;
}

// Everything Redis's glob matcher treats specially.
const GLOB_SPECIAL = /[\\*?[\]^]/g;

/** A SCAN pattern matching every key that starts with `prefix`. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(GLOB_SPECIAL, "\\$&")}*`;
}

/** The states of a mark: a quarantine or a restore under way, or a finished copy. */
export type RedisMarkState = "moving" | "quarantined" | "restoring";

/** A shared tenant's mark, a field of `#gdq:marks`. */
export interface RedisMark {
  readonly v: 1;
  readonly name: string;
  readonly backend: string;
  readonly token: string;
  readonly user: string;
  /** The SCAN pattern of the tenant's keys. */
  readonly pattern: string;
  /** ISO 8601, UTC. */
  readonly quarantined_at: string;
  readonly state: RedisMarkState;
  /**
   * The user's rules as `ACL LIST` printed them after `user <name> `,
   * password hashes included, or `null` when the tenant had no user.
   */
  readonly acl: string | null;
}

/** Every well-formed mark of `#gdq:marks`. */
export async function readMarks(client: Redis): Promise<RedisMark[]> {
  const fields = await client.hgetall(MARKS_KEY);
  return Object.entries(fields).flatMap(([name, json]) => {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return [];
    }
    const mark = value as Partial<RedisMark> | null;
    if (typeof mark !== "object" || mark === null || mark.v !== 1 || mark.name !== name) return [];
    const strings = [mark.backend, mark.token, mark.user, mark.pattern, mark.quarantined_at].every((s) =>
      typeof s === "string"
    );
    const state = mark.state === "moving" || mark.state === "quarantined" || mark.state === "restoring";
    if (!strings || !state || !(mark.acl === null || typeof mark.acl === "string")) return [];
    return [mark as RedisMark];
  });
}

/** Writes (or replaces) a mark. */
export async function writeMark(client: Redis, mark: RedisMark): Promise<void> {
  await client.hset(MARKS_KEY, mark.name, JSON.stringify(mark));
}

/** Deletes a mark: the copy it described is restored or purged. */
export async function deleteMark(client: Redis, name: string): Promise<void> {
  await client.hdel(MARKS_KEY, name);
}

/** The user's rules as `ACL LIST` prints them, after `user <name> `; `undefined` when there is no such user. */
export async function aclRules(client: Redis, user: string): Promise<string | undefined> {
  const lines = (await client.call("ACL", "LIST")) as string[];
  const head = `user ${user} `;
  return lines.find((line) => line.startsWith(head))?.slice(head.length);
}

/** The tokens of an ACL rule line: split on spaces, a selector `( … )` kept whole. */
export function ruleTokens(rules: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of rules) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === " " && depth === 0) {
      if (current !== "") tokens.push(current);
      current = "";
    } else current += char;
  }
  if (current !== "") tokens.push(current);
  return tokens;
}

/**
 * Makes the (absent) user again exactly: `ACL SETUSER <user> <rules…>` (not
 * `reset`, which adds `sanitize-payload`), then checks that `ACL LIST`
 * prints the same rules.
 *
 * @throws {Error} When the server prints other rules than the mark's.
 */
export async function recreateUser(client: Redis, user: string, rules: string): Promise<void> {
  await client.call("ACL", "SETUSER", user, ...ruleTokens(rules));
  const now = await aclRules(client, user);
  if (now !== rules) throw new Error(`the user ${JSON.stringify(user)} was made with other rules than its mark's`);
}

/**
 * The users, among `users`, whose key patterns reach the quarantine's
 * namespace (`ACL DRYRUN <user> HSET #gdq:marks …` answers OK). Nothing
 * destructive.
 */
export async function namespaceWriters(client: Redis, users: readonly string[]): Promise<string[]> {
  const replies = await Promise.all(
    users.map((user) => client.call("ACL", "DRYRUN", user, "HSET", MARKS_KEY, "f", "v")),
  );
  return users.filter((_, i) => replies[i] === "OK");
}

/** Whether the user may rewrite users (`ACL DRYRUN <user> ACL SETUSER …`). */
export async function canRewriteUsers(client: Redis, user: string): Promise<boolean> {
  return (await client.call("ACL", "DRYRUN", user, "ACL", "SETUSER", `${user}-probe`)) === "OK";
}

/** How many keys one RENAMENX script moves: about 0.1 ms of the server's time, so a neighbour waits no longer. */
export const MOVE_SCRIPT_KEYS = 100;

// RENAMENX of KEYS[i] to KEYS[n + i], i = 1..n, in one script: one command
// on the wire instead of n, which is what made the client, and through it
// the neighbours of the quarantine, wait (a pipeline of 1,000 RENAMENX costs
// the client far more than the server). A key SCAN returned twice is gone
// already ("no such key") and skipped; a new name that is taken stops the
// script there, with that key and the rest left where they were. Answers
// { moved, index of the refused key or 0 }.
const MOVE_SCRIPT = `
local n = #KEYS / 2
local moved = 0
for i = 1, n do
  local reply = redis.pcall('RENAMENX', KEYS[i], KEYS[n + i])
  if type(reply) == 'table' and reply.err then
    if not string.find(string.lower(reply.err), 'no such key', 1, true) then return reply end
  elseif reply == 0 then
    return { moved, i }
  else
    moved = moved + 1
  end
end
return { moved, 0 }`;
const MOVE_SCRIPT_SHA = createHash("sha1").update(MOVE_SCRIPT).digest("hex");

/** Runs the move script by its SHA1, and by its text when the server does not know it yet (NOSCRIPT). */
async function runMoveScript(
  client: Redis,
  sources: readonly Buffer[],
  targets: readonly Buffer[],
): Promise<[number, number]> {
  const keys = sources.length + targets.length;
  try {
    return (await client.evalsha(MOVE_SCRIPT_SHA, keys, ...sources, ...targets)) as [number, number];
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    return (await client.eval(MOVE_SCRIPT, keys, ...sources, ...targets)) as [number, number];
  }
}

/**
 * Renames every key that matches `pattern` to `rename(key)`: SCAN batches
 * of `count`, each batch's keys moved by scripts of at most
 * {@link MOVE_SCRIPT_KEYS} RENAMENX, sent together with the next SCAN (one
 * round trip per batch, as the purge does). Each script runs for about
 * 0.1 ms, and the server answers neighbours between them; no MULTI.
 * RENAMENX keeps the key's type, value and TTL, and never overwrites. A key
 * SCAN returns twice is skipped (no such key); a key whose new name is taken
 * fails the call, with the key left where it was. A call cut anywhere leaves
 * every key either under its old name or under its new one, so running it
 * again finishes the move. Binary-safe: keys are Buffers.
 *
 * @returns How many keys moved.
 */
export async function moveKeys(
  client: Redis,
  pattern: string,
  rename: (key: Buffer) => Buffer,
  count: number,
): Promise<number> {
  let moved = 0;
  let cursor = "0";
  let moving: Promise<number> | undefined;
  do {
    const [next, keys] = await client.scanBuffer(cursor, "MATCH", pattern, "COUNT", count);
    // Replies come in order: the scripts sent before this SCAN have answered.
    if (moving !== undefined) moved += await moving;
    moving = keys.length > 0 ? moveBatch(client, keys, rename) : undefined;
    // Handled here too: it may reject while the next SCAN is awaited.
    moving?.catch(() => {});
    cursor = String(next);
  } while (cursor !== "0");
  if (moving !== undefined) moved += await moving;
  return moved;
}

/** Sends one batch's scripts at once, and sums what they moved; the first refusal fails it. */
async function moveBatch(client: Redis, keys: readonly Buffer[], rename: (key: Buffer) => Buffer): Promise<number> {
  const scripts: Promise<[number, number]>[] = [];
  for (let start = 0; start < keys.length; start += MOVE_SCRIPT_KEYS) {
    const sources = keys.slice(start, start + MOVE_SCRIPT_KEYS);
    const targets = sources.map(rename);
    scripts.push(runMoveScript(client, sources, targets));
  }
  // Every script is awaited below unless an earlier one fails: that one's error wins.
  for (const script of scripts) script.catch(() => {});
  let moved = 0;
  let refused: Buffer | undefined;
  for (const [i, script] of scripts.entries()) {
    const [count, at] = await script;
    moved += count;
    if (at > 0) refused ??= rename(keys[i * MOVE_SCRIPT_KEYS + at - 1]!);
  }
  if (refused !== undefined) {
    throw new Error(`the key ${JSON.stringify(refused.toString())} exists already, so its key was not moved`);
  }
  return moved;
}

// Deletes the lock only when it is still ours.
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
// Extends the lock only when it is still ours.
const EXTEND =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

/** A held tenant lock. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes the tenant's lock `#gdq:lock:<user>` (SET NX PX), polling every 20
 * to 150 ms for at most `waitMs`, and keeps extending it while held, so
 * that a quarantine, a restore and a purge of one tenant, in any number of
 * processes, never interleave. A process that dies holding it frees it
 * when it expires, after `ttlMs`.
 *
 * @returns The lock, or `undefined` when it was not free within `waitMs`.
 */
export async function takeLock(
  client: Redis,
  user: string,
  waitMs: number,
  ttlMs: number,
): Promise<HeldLock | undefined> {
  const key = `${QUARANTINE_NAMESPACE}lock:${user}`;
  const owner = randomBytes(16).toString("hex");
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await client.set(key, owner, "PX", ttlMs, "NX")) === "OK") break;
    if (Date.now() >= deadline) return undefined;
    await sleep(20 + Math.random() * 130);
  }
  const timer = setInterval(() => {
    client.eval(EXTEND, 1, key, owner, ttlMs).catch(() => {});
  }, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await client.eval(RELEASE, 1, key, owner).catch(() => {});
    },
  };
}

/**
 * `MULTI`, each command, `EXEC`: the commands run together or not at all.
 *
 * @sanctionedDrop
 */
export async function atomically(client: Redis, commands: readonly (readonly string[])[]): Promise<void> {
  const multi = client.multi();
  for (const [name, ...args] of commands) multi.call(name!, ...args);
  const replies = await multi.exec();
  if (replies === null) throw new Error("the transaction was aborted");
  for (const [err] of replies) if (err !== null) throw err;
}
