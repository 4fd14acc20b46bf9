// Internal: the commands a Redis deprovision issues. Only the deprovision
// methods of the Redis deprovisioners call the destructive ones.

import type { Redis } from "ioredis";

// Everything Redis's glob matcher treats specially. Valid tokens hold none
// of these ([A-Za-z0-9._-]), but custom name rules might allow more, and a
// pattern must never widen to another tenant's keys.
const GLOB_SPECIAL = /[\\*?[\]^]/g;

/**
 * The SCAN pattern of a shared tenant's keys: the token, glob-escaped, then
 * `:*`. Anchored on the colon, so `abc:*` never matches `abcx:1`.
 */
export function tenantKeyPattern(token: string): string {
  return `${token.replace(GLOB_SPECIAL, "\\$&")}:*`;
}

/** Whether an ACL user exists. Nothing destructive. */
export async function aclUserExists(client: Redis, user: string): Promise<boolean> {
  return (await client.call("ACL", "GETUSER", user)) !== null;
}

/** Whether any key matches the pattern: SCANs until the first match. Nothing destructive. */
export async function anyKeyMatches(client: Redis, pattern: string, count: number): Promise<boolean> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", count);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== "0");
  return false;
}

/** How many keys every logical database of the server holds together (`INFO keyspace`). Nothing destructive. */
export async function serverKeyCount(client: Redis): Promise<number> {
  const info = await client.info("keyspace");
  let keys = 0;
  for (const match of info.matchAll(/^db\d+:keys=(\d+)/gm)) keys += Number(match[1]);
  return keys;
}

/**
 * The ACL users that are neither `default`, the tenant's user nor one of
 * `allowed`, with the connection's own user (`ACL WHOAMI`) among them when
 * `tenantShaped` says it looks like a tenant's user. Nothing destructive.
 *
 * The connection's own user is exempt only when it is not tenant-shaped: a
 * URL holding another tenant's credentials (`redis://ded_zz:…@`) points at
 * that tenant's server, and its user is the proof of that, not a licence to
 * FLUSHALL it.
 */
export async function unexpectedAclUsers(
  client: Redis,
  tenantUser: string,
  allowed: ReadonlySet<string>,
  tenantShaped: (user: string) => boolean,
): Promise<{ readonly users: string[]; readonly self: string }> {
  const [users, self] = await Promise.all([
    client.call("ACL", "USERS") as Promise<string[]>,
    client.call("ACL", "WHOAMI") as Promise<string>,
  ]);
  const exempt = (user: string) =>
    user === "default" || user === tenantUser || allowed.has(user) || (user === self && !tenantShaped(user));
  const others = users.filter((user) => !exempt(user));
  // ACL USERS lists every user, the connection's own too; the check does not
  // rely on that.
  if (!exempt(self) && !others.includes(self)) others.unshift(self);
  return { users: others, self };
}

/**
 * `ACL DELUSER`. Since Redis 7 it also disconnects every client
 * authenticated as the user, so no `CLIENT KILL USER` follows it (that
 * would answer "No such user" once the user is gone). Absent is fine.
 *
 * @sanctionedDrop
 */
export async function deleteAclUser(client: Redis, user: string): Promise<number> {
  return Number(await client.call("ACL", "DELUSER", user));
}

/**
 * Removes every key matching `pattern`: `SCAN cursor MATCH pattern COUNT
 * count`, and each batch of keys it returns goes in one `UNLINK`, sent right
 * before the next `SCAN` so that the two share a round trip. Never `KEYS`,
 * never `DEL`: the server stays responsive for the neighbours, and large
 * values are freed off the main thread.
 *
 * @sanctionedDrop
 */
export async function purgeKeys(client: Redis, pattern: string, count: number): Promise<number> {
  let removed = 0;
  let cursor = "0";
  let unlinking: Promise<number> | undefined;
  do {
    // Buffers: a key that is not UTF-8 must be unlinked under its own bytes.
    const [next, keys] = await client.scanBuffer(cursor, "MATCH", pattern, "COUNT", count);
    // Replies come in order, so the UNLINK sent before this SCAN has
    // answered already: awaiting it here costs nothing and surfaces its error.
    if (unlinking !== undefined) removed += await unlinking;
    unlinking = keys.length > 0 ? client.unlink(...keys) : undefined;
    // Handled here too: it may reject while the next SCAN is awaited, before
    // the await below; the await still sees the error.
    unlinking?.catch(() => {});
    cursor = String(next);
  } while (cursor !== "0");
  if (unlinking !== undefined) removed += await unlinking;
  return removed;
}

/**
 * `MULTI`, `FLUSHALL ASYNC`, `ACL DELUSER <user>`, `EXEC`: every key of
 * every logical database of the tenant's own server, freed in the
 * background, and the tenant's user with its connections, in one
 * transaction (with `more` users: the tenant's own quarantine marks, whose
 * copy the flush takes). No client can write between the two, and no crash can leave
 * the server empty with the user (the proof that it is the tenant's) gone
 * and data written after the flush: either both ran or neither did.
 *
 * @sanctionedDrop
 */
export async function flushServerAndDeleteUser(client: Redis, user: string, ...more: readonly string[]): Promise<void> {
  const replies = await client.multi().flushall("ASYNC").call("ACL", "DELUSER", user, ...more).exec();
  // A null EXEC reply means the transaction was aborted (a WATCH fired, or
  // the connection dropped): nothing ran, and that must not read as done.
  if (replies === null) throw new Error("EXECABORT the transaction of FLUSHALL and ACL DELUSER was aborted");
  for (const [err] of replies) if (err !== null) throw err;
}
