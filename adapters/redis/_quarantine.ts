// Internal: the Redis quarantine's flows, on an admin connection that holds
// the tenant's lock (`#gdq:lock:<user>`), so that a quarantine, a restore
// and a purge of one tenant never interleave.
//
// Shared: the mark (with the user's full rules) is written first; then the
// user is deleted, which cuts its clients; then the keys are renamed into
// `#gdq:d:<name>:`, batch by batch; then the mark says `quarantined`. A mark
// still `moving` or `restoring` is a call that was interrupted: the next
// deprovision finishes the quarantine, the next restore the way back.
//
// Dedicated: one transaction makes the mark user, disables `ded_<t>` and
// kills its clients; the data stays where it is.

import type { Redis } from "ioredis";
import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { consistentName, expiryOf, quarantineName } from "../_shared/_retention.ts";
import type { QuarantinedCopy } from "../postgres/postgres_quarantine.ts";
import { anyKeyMatches, deleteAclUser, purgeKeys, serverKeyCount, unexpectedAclUsers } from "./_commands.ts";
import {
  aclRules,
  atomically,
  canRewriteUsers,
  copyPrefix,
  deleteMark,
  MARK_USER_PREFIX,
  moveKeys,
  namespaceWriters,
  prefixPattern,
  readMarks,
  recreateUser,
  type RedisMark,
  ruleTokens,
  writeMark,
} from "./_quarantine_commands.ts";

const NAME_ATTEMPTS = 5;

/** A shared tenant: its token, user and key pattern. */
export interface SharedTenant {
  readonly token: string;
  readonly backend: string;
  readonly user: string;
  readonly pattern: string;
}

/** A copy and the mark it was read from. */
export interface MarkedCopy {
  readonly copy: QuarantinedCopy;
  readonly mark: RedisMark;
}

const isPending = (mark: RedisMark) => mark.state !== "quarantined";
const isTenants = (mark: RedisMark, tenant: SharedTenant) =>
  mark.user === tenant.user && mark.pattern === tenant.pattern && mark.backend === tenant.backend;

/**
 * Quarantines a shared tenant. Before a fresh quarantine, refuses (nothing
 * changed) when the tenant's user, or any tenant-shaped user, may write the
 * quarantine's namespace or rewrite users: its mark would not be out of a
 * tenant's reach.
 *
 * @returns The mark, or `undefined` when the tenant has neither a user nor a key.
 *
 * @sanctionedDrop
 */
export async function quarantineShared(
  client: Redis,
  step: (name: string) => void,
  context: FailureContext,
  tenant: SharedTenant,
  at: Date,
  scanCount: number,
  tenantShaped: (user: string) => boolean,
): Promise<RedisMark | undefined> {
  step("HGETALL #gdq:marks");
  const marks = await readMarks(client);
  let mark = marks.find((m) =>
    isPending(m) && isTenants(m, tenant) && consistentName(m.name, m.user, m.quarantined_at)
  );
  if (mark === undefined) {
    step("ACL LIST");
    const acl = (await aclRules(client, tenant.user)) ?? null;
    if (acl === null) {
      step("SCAN");
      if (!(await anyKeyMatches(client, tenant.pattern, scanCount))) return undefined;
    }
    step("ACL DRYRUN");
    // Every tenant's key patterns must miss the namespace; the tenant's own
    // user must not rewrite users either, or it could widen its patterns.
    // NOTE: a neighbour allowed ACL SETUSER could do the same; no tenant
    // of a server with quarantines may hold @admin.
    const users = ((await client.call("ACL", "USERS")) as string[]).filter((u) => u === tenant.user || tenantShaped(u));
    const writers = await namespaceWriters(client, users);
    if (acl !== null && !writers.includes(tenant.user) && (await canRewriteUsers(client, tenant.user))) {
      writers.unshift(tenant.user);
    }
    if (writers.length > 0) {
      throw backendError(
        "failed",
        context,
        `the users ${
          writers.slice(0, 5).map((u) => JSON.stringify(u)).join(", ")
        } may write the quarantine's keys ("#gdq:*") or ` +
          "rewrite users, so the mark would not be out of a tenant's reach: narrow their ACL; nothing was changed",
        undefined,
      );
    }
    let name = quarantineName(tenant.user, at);
    for (let attempt = 1; marks.some((m) => m.name === name); attempt++) {
      if (attempt >= NAME_ATTEMPTS) {
        throw backendError("failed", context, `no free quarantine name was found in ${NAME_ATTEMPTS} tries`, undefined);
      }
      name = quarantineName(tenant.user, at);
    }
    mark = {
      v: 1,
      name,
      backend: tenant.backend,
      token: tenant.token,
      user: tenant.user,
      pattern: tenant.pattern,
      quarantined_at: at.toISOString(),
      state: "moving",
      acl,
    };
    step("HSET #gdq:marks");
    await writeMark(client, mark);
  } else if (mark.state === "restoring") {
    mark = { ...mark, state: "moving" };
    await writeMark(client, mark);
  }
  step("ACL DELUSER");
  await deleteAclUser(client, tenant.user);
  step("SCAN and RENAMENX");
  const prefix = Buffer.from(copyPrefix(mark.name));
  await moveKeys(client, tenant.pattern, (key) => Buffer.concat([prefix, key]), scanCount);
  step("HSET #gdq:marks");
  const done: RedisMark = { ...mark, state: "quarantined" };
  await writeMark(client, done);
  return done;
}

/**
 * The trusted copies whose mark `tokenOf` accepts, newest first: a mark
 * whose quarantine name is the one made for its user at its time.
 */
export function sharedCopies(
  marks: readonly RedisMark[],
  tokenOf: (mark: RedisMark) => string | undefined,
  retentionDays: number | undefined,
): MarkedCopy[] {
  return marks
    .filter((mark) => consistentName(mark.name, mark.user, mark.quarantined_at))
    .flatMap((mark) => {
      const token = tokenOf(mark);
      if (token === undefined) return [];
      const quarantinedAt = new Date(mark.quarantined_at);
      const copy: QuarantinedCopy = {
        token,
        name: mark.name,
        database: copyPrefix(mark.name),
        role: null,
        originalDatabase: mark.pattern,
        originalRole: mark.user,
        quarantinedAt,
        expiresAt: expiryOf(quarantinedAt, retentionDays),
        sizeBytes: null,
      };
      return [{ mark, copy }];
    })
    .sort((a, b) =>
      b.copy.quarantinedAt.getTime() - a.copy.quarantinedAt.getTime() || (a.copy.name < b.copy.name ? 1 : -1)
    );
}

/**
 * Brings back a shared tenant's newest copy (an interrupted call's first):
 * its keys renamed back, then its user made again with its rules. Refuses,
 * with nothing changed, when the user exists or a key matches its pattern.
 */
export async function restoreShared(
  client: Redis,
  step: (name: string) => void,
  context: FailureContext,
  tenant: SharedTenant,
  retentionDays: number | undefined,
  scanCount: number,
): Promise<QuarantinedCopy> {
  step("HGETALL #gdq:marks");
  const copies = sharedCopies(
    await readMarks(client),
    (m) => (isTenants(m, tenant) ? tenant.token : undefined),
    retentionDays,
  );
  const chosen = copies.find((c) => isPending(c.mark)) ?? copies[0];
  if (chosen === undefined) {
    throw new RefusedError(
      `Cannot restore ${context.what} ${
        JSON.stringify(context.token)
      } as it must have a quarantined copy: current value is none`,
    );
  }
  step("ACL LIST");
  const current = await aclRules(client, tenant.user);
  const taken = (what: string) =>
    new RefusedError(
      `Cannot restore ${context.what} ${
        JSON.stringify(context.token)
      } as its names must be free: current value is ${what} ` +
        "existing (the quarantined copies are kept; delete those first)",
    );
  if (!isPending(chosen.mark)) {
    if (current !== undefined) throw taken(`the user ${JSON.stringify(tenant.user)}`);
    step("SCAN");
    if (await anyKeyMatches(client, tenant.pattern, scanCount)) {
      throw taken(`keys matching ${JSON.stringify(tenant.pattern)}`);
    }
  } else if (current !== undefined && current !== chosen.mark.acl) {
    throw taken(`the user ${JSON.stringify(tenant.user)}, with other rules than the copy's,`);
  }
  step("HSET #gdq:marks");
  await writeMark(client, { ...chosen.mark, state: "restoring" });
  step("SCAN and RENAMENX back");
  const prefix = Buffer.from(copyPrefix(chosen.mark.name));
  await moveKeys(client, prefixPattern(copyPrefix(chosen.mark.name)), (key) => key.subarray(prefix.length), scanCount);
  if (chosen.mark.acl !== null && current === undefined) {
    step("ACL SETUSER");
    await recreateUser(client, tenant.user, chosen.mark.acl);
  }
  step("HDEL #gdq:marks");
  await deleteMark(client, chosen.mark.name);
  return chosen.copy;
}

/**
 * Drops one shared copy, when its mark still says it is quarantined: its
 * keys (SCAN and UNLINK), then its mark.
 *
 * @returns Whether anything was dropped.
 *
 * @sanctionedDrop
 */
export async function dropSharedCopy(
  client: Redis,
  step: (name: string) => void,
  copy: QuarantinedCopy,
  scanCount: number,
): Promise<boolean> {
  step("HGETALL #gdq:marks");
  const mark = (await readMarks(client)).find((m) =>
    m.name === copy.name && m.state === "quarantined" && m.user === copy.originalRole
  );
  if (mark === undefined) return false;
  step("SCAN and UNLINK");
  await purgeKeys(client, prefixPattern(copyPrefix(mark.name)), scanCount);
  step("HDEL #gdq:marks");
  await deleteMark(client, mark.name);
  return true;
}

// ---------------------------------------------------------------------------
// Dedicated

/** A dedicated copy's mark, read from its mark user's name. */
export interface DedicatedMark {
  /** The mark user's own name. */
  readonly marker: string;
  readonly name: string;
  readonly user: string;
  /** Whether `ded_<t>` was enabled before: the restore enables it again only then. */
  readonly wasOn: boolean;
  readonly quarantinedAt: Date;
}

/** The mark user's name for a copy. */
function markerOf(name: string, user: string, wasOn: boolean): string {
  return `${MARK_USER_PREFIX}${name}~${user}~${wasOn ? "on" : "off"}`;
}

/** The mark a user's name holds, or `undefined` when it is not a consistent one. */
export function parseMarker(marker: string): DedicatedMark | undefined {
  if (!marker.startsWith(MARK_USER_PREFIX)) return undefined;
  const [name, user, state, ...rest] = marker.slice(MARK_USER_PREFIX.length).split("~");
  if (name === undefined || user === undefined || (state !== "on" && state !== "off") || rest.length > 0) {
    return undefined;
  }
  const stamp = /^q_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_/.exec(name);
  if (stamp === null) return undefined;
  const at = new Date(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}.000Z`);
  if (Number.isNaN(at.getTime()) || !consistentName(name, user, at.toISOString())) return undefined;
  return { marker, name, user, wasOn: state === "on", quarantinedAt: at };
}

/** The dedicated marks of `user` on the server, newest first. */
export async function dedicatedMarks(client: Redis, user?: string): Promise<DedicatedMark[]> {
  const users = (await client.call("ACL", "USERS")) as string[];
  return users
    .flatMap((u) => {
      const mark = parseMarker(u);
      return mark === undefined || (user !== undefined && mark.user !== user) ? [] : [mark];
    })
    .sort((a, b) => b.quarantinedAt.getTime() - a.quarantinedAt.getTime() || (a.name < b.name ? 1 : -1));
}

/** Whether an ACL rule line enables its user. */
export function enabled(rules: string): boolean {
  return ruleTokens(rules).includes("on");
}

/** A dedicated copy as the adapter lists it. */
export function dedicatedCopy(mark: DedicatedMark, token: string, retentionDays: number | undefined): QuarantinedCopy {
  return {
    token,
    name: mark.name,
    database: null,
    role: mark.user,
    originalDatabase: "*",
    originalRole: mark.user,
    quarantinedAt: mark.quarantinedAt,
    expiresAt: expiryOf(mark.quarantinedAt, retentionDays),
    sizeBytes: null,
  };
}

/**
 * Quarantines a dedicated tenant, in one transaction: the mark user made
 * (`off`, no password, no permission), `ded_<t>` disabled, its clients
 * killed. Stale marks of an enabled user (given back by hand) go in the same
 * transaction. Refuses, with nothing changed, when `ded_<t>` may rewrite
 * users (it could forge a mark), and, as `deprovision` does, a server with
 * keys and without `ded_<t>`.
 *
 * @returns The mark, or `undefined` when there is nothing to quarantine.
 *
 * @sanctionedDrop
 */
export async function quarantineDedicated(
  client: Redis,
  step: (name: string) => void,
  context: FailureContext,
  user: string,
  at: Date,
): Promise<DedicatedMark | undefined> {
  step("ACL LIST");
  const rules = await aclRules(client, user);
  if (rules === undefined) {
    step("INFO keyspace");
    const keys = await serverKeyCount(client);
    if (keys === 0) return undefined;
    throw new RefusedError(
      `Cannot quarantine ${context.what} ${JSON.stringify(context.token)} as its server must hold its ACL user ${
        JSON.stringify(user)
      }, ` +
        `the proof that it is the tenant's own: current value is no such user and ${keys} key${keys === 1 ? "" : "s"}`,
    );
  }
  step("ACL USERS");
  const marks = await dedicatedMarks(client, user);
  if (marks.length > 0 && !enabled(rules)) return marks[0];
  step("ACL DRYRUN");
  if (await canRewriteUsers(client, user)) {
    throw backendError(
      "failed",
      context,
      `the user ${
        JSON.stringify(user)
      } may rewrite users (ACL SETUSER), so it could forge its own quarantine mark: narrow its ACL; nothing was changed`,
      undefined,
    );
  }
  let name = quarantineName(user, at);
  for (let attempt = 1; marks.some((m) => m.name === name); attempt++) {
    if (attempt >= NAME_ATTEMPTS) {
      throw backendError("failed", context, `no free quarantine name was found in ${NAME_ATTEMPTS} tries`, undefined);
    }
    name = quarantineName(user, at);
  }
  const marker = markerOf(name, user, enabled(rules));
  step("MULTI ACL SETUSER, CLIENT KILL USER");
  await atomically(client, [
    ...marks.map((m) => ["ACL", "DELUSER", m.marker]),
    ["ACL", "SETUSER", marker, "reset"],
    ["ACL", "SETUSER", user, "off"],
    ["CLIENT", "KILL", "USER", user],
  ]);
  return parseMarker(marker);
}

/**
 * Gives a dedicated tenant back: one transaction enables `ded_<t>` (when it
 * was enabled) and deletes the mark user. Refuses, with nothing changed,
 * when `ded_<t>` is enabled already (given back, or a new tenant) or there
 * is no copy.
 *
 * @sanctionedDrop
 */
export async function restoreDedicated(
  client: Redis,
  step: (name: string) => void,
  context: FailureContext,
  user: string,
): Promise<DedicatedMark> {
  step("ACL USERS");
  const [newest, ...older] = await dedicatedMarks(client, user);
  if (newest === undefined) {
    throw new RefusedError(
      `Cannot restore ${context.what} ${
        JSON.stringify(context.token)
      } as it must have a quarantined copy: current value is none`,
    );
  }
  step("ACL LIST");
  const rules = await aclRules(client, user);
  if (rules === undefined) {
    throw backendError(
      "failed",
      context,
      `its user ${JSON.stringify(user)} is gone, so its quarantined server cannot be given back`,
      undefined,
    );
  }
  if (enabled(rules)) {
    throw new RefusedError(
      `Cannot restore ${context.what} ${
        JSON.stringify(context.token)
      } as its names must be free: current value is the user ` +
        `${JSON.stringify(user)} enabled`,
    );
  }
  step("MULTI ACL SETUSER, ACL DELUSER");
  await atomically(client, [
    ...(newest.wasOn ? [["ACL", "SETUSER", user, "on"]] : []),
    ...[newest, ...older].map((m) => ["ACL", "DELUSER", m.marker]),
  ]);
  return newest;
}

/**
 * Drops a dedicated copy: with the same proof as `deprovision` (`ded_<t>`
 * there, disabled, and no ACL user but the platform's), one transaction
 * runs `FLUSHALL ASYNC` and deletes `ded_<t>` and the mark user.
 *
 * @returns Whether anything was dropped (`false`: restored or purged meanwhile).
 *
 * @sanctionedDrop
 */
export async function dropDedicatedCopy(
  client: Redis,
  step: (name: string) => void,
  context: FailureContext,
  copy: QuarantinedCopy,
  allowed: ReadonlySet<string>,
  tenantShaped: (user: string) => boolean,
): Promise<boolean> {
  step("ACL USERS");
  const mark = (await dedicatedMarks(client, copy.originalRole)).find((m) => m.name === copy.name);
  if (mark === undefined) return false;
  step("ACL LIST");
  const rules = await aclRules(client, mark.user);
  if (rules === undefined || enabled(rules)) return false;
  const { users: others } = await unexpectedAclUsers(
    client,
    mark.user,
    new Set([...allowed, mark.marker]),
    tenantShaped,
  );
  if (others.length > 0) {
    throw new RefusedError(
      `Cannot purge ${context.what} ${
        JSON.stringify(context.token)
      } as its server must hold no other ACL users: current value is ` +
        `${
          others.slice(0, 5).map((u) => JSON.stringify(u)).join(", ")
        } (FLUSHALL there could wipe another tenant's data)`,
    );
  }
  step("MULTI FLUSHALL ASYNC, ACL DELUSER");
  await atomically(client, [["FLUSHALL", "ASYNC"], ["ACL", "DELUSER", mark.user], ["ACL", "DELUSER", mark.marker]]);
  return true;
}
