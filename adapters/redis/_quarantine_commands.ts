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

import { randomBytes } from "node:crypto";
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
    const strings = [mark.backend, mark.token, mark.user, mark.pattern, mark.quarantined_at].every((s) => typeof s === "string");
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
  const replies = await Promise.all(users.map((user) => client.call("ACL", "DRYRUN", user, "HSET", MARKS_KEY, "f", "v")));
  return users.filter((_, i) => replies[i] === "OK");
}

/** Whether the user may rewrite users (`ACL DRYRUN <user> ACL SETUSER …`). */
export async function canRewriteUsers(client: Redis, user: string): Promise<boolean> {
  return (await client.call("ACL", "DRYRUN", user, "ACL", "SETUSER", `${user}-probe`)) === "OK";
}

/**
 * Renames every key that matches `pattern` to `rename(key)`, a SCAN batch
 * at a time, each batch's RENAMENX pipelined in one round trip: the server
 * answers neighbours between batches. RENAMENX keeps the key's type, value
 * and TTL, and never overwrites. A key SCAN returns twice is skipped (no
 * such key); a key whose new name is taken fails the call, with the key
 * left where it was. Binary-safe: keys are Buffers.
 *
 * @returns How many keys moved.
 */
export async function moveKeys(client: Redis, pattern: string, rename: (key: Buffer) => Buffer, count: number): Promise<number> {
  let moved = 0;
  let cursor = "0";
  do {
    const [next, keys] = await client.scanBuffer(cursor, "MATCH", pattern, "COUNT", count);
    if (keys.length > 0) {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.renamenx(key, rename(key));
      const replies = (await pipeline.exec()) ?? [];
      for (const [i, [err, reply]] of replies.entries()) {
        if (err !== null) {
          if (/no such key/i.test(err.message)) continue;
          throw err;
        }
        if (reply === 0) throw new Error(`the key ${JSON.stringify(rename(keys[i]!).toString())} exists already, so its key was not moved`);
        moved++;
      }
    }
    cursor = String(next);
  } while (cursor !== "0");
  return moved;
}

// Deletes the lock only when it is still ours.
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
// Extends the lock only when it is still ours.
const EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

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
export async function takeLock(client: Redis, user: string, waitMs: number, ttlMs: number): Promise<HeldLock | undefined> {
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
