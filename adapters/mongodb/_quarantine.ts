// Internal: the MongoDB quarantine's commands and its mark. The mark is a
// document in the platform's own database `guarded_drop` (collection
// `quarantine`, `_id` the tenant's database name): a tenant's user has roles
// on its own database only and can never write there. It records the
// user's roles, so that a restore grants exactly those back.

import type { MongoClient } from "mongodb";

/** Where the marks live: a database no tenant is granted. */
export const MARK_DATABASE = "guarded_drop";
export const MARK_COLLECTION = "quarantine";

/** A role as MongoDB names it. */
export interface RoleRef {
  readonly role: string;
  readonly db: string;
}

/** What a mark records. */
export interface MongodbMark {
  readonly _id: string;
  readonly guarded_drop: "quarantine";
  readonly v: 1;
  readonly token: string;
  readonly backend: string;
  readonly database: string;
  readonly user: string;
  readonly quarantined_at: string;
  readonly roles: readonly RoleRef[];
  /** Set once the quarantine has revoked every role: any role after it was granted since, by someone else. */
  readonly revoked?: boolean;
  /** Set by a restore before it grants: a restore killed midway is resumed, not refused. */
  readonly restoring?: boolean;
}

/** The tenant a command is about. */
export interface MongoTarget {
  readonly token: string;
  readonly backend: string;
  readonly database: string;
  readonly user: string;
}

const marks = (client: MongoClient) => client.db(MARK_DATABASE).collection<MongodbMark>(MARK_COLLECTION);

/** The mark, when it describes exactly this tenant; anything else is not trusted. */
export function trustedMark(value: unknown, target: MongoTarget): MongodbMark | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.guarded_drop !== "quarantine" || m.v !== 1 || m._id !== target.database) return undefined;
  if (
    m.token !== target.token || m.backend !== target.backend || m.database !== target.database || m.user !== target.user
  ) return undefined;
  if (typeof m.quarantined_at !== "string" || Number.isNaN(Date.parse(m.quarantined_at))) return undefined;
  if (!Array.isArray(m.roles) || !m.roles.every((r) => typeof r?.role === "string" && typeof r?.db === "string")) {
    return undefined;
  }
  if (
    (m.revoked !== undefined && typeof m.revoked !== "boolean") ||
    (m.restoring !== undefined && typeof m.restoring !== "boolean")
  ) return undefined;
  return value as MongodbMark;
}

export async function readMark(client: MongoClient, target: MongoTarget): Promise<MongodbMark | undefined> {
  return trustedMark(await marks(client).findOne({ _id: target.database }), target);
}

export async function listMarks(client: MongoClient): Promise<MongodbMark[]> {
  return await marks(client).find({ guarded_drop: "quarantine" }).toArray();
}

/** Writes the mark; a second writer of the same tenant finds it written (duplicate key) and keeps the first. */
export async function writeMark(client: MongoClient, mark: MongodbMark): Promise<void> {
  await marks(client).updateOne({ _id: mark._id }, { $setOnInsert: mark }, { upsert: true });
}

/** Records how far a quarantine or a restore got. */
export async function flagMark(
  client: MongoClient,
  database: string,
  flags: { revoked?: boolean; restoring?: boolean },
): Promise<void> {
  await marks(client).updateOne({ _id: database }, { $set: flags });
}

export async function removeMark(client: MongoClient, database: string): Promise<void> {
  await marks(client).deleteOne({ _id: database });
}

/** The user's roles now, or `undefined` when the user does not exist. */
export async function userRoles(client: MongoClient, user: string): Promise<RoleRef[] | undefined> {
  const answer = await client.db("admin").command({ usersInfo: { user, db: "admin" } });
  const found = Array.isArray(answer.users) ? answer.users[0] as { roles?: RoleRef[] } | undefined : undefined;
  return found === undefined ? undefined : (found.roles ?? []).map((r) => ({ role: r.role, db: r.db }));
}

export async function revokeRoles(client: MongoClient, user: string, roles: readonly RoleRef[]): Promise<void> {
  if (roles.length > 0) await client.db("admin").command({ revokeRolesFromUser: user, roles: [...roles] });
}

export async function grantRoles(client: MongoClient, user: string, roles: readonly RoleRef[]): Promise<void> {
  if (roles.length > 0) await client.db("admin").command({ grantRolesToUser: user, roles: [...roles] });
}

/** Ends the user's sessions and their operations (MongoDB 3.6+). */
export async function killUserSessions(client: MongoClient, user: string): Promise<void> {
  await client.db("admin").command({ killAllSessionsByPattern: [{ users: [{ user, db: "admin" }] }] });
}

/** Whether every role the user has now is one the mark recorded. */
export function withinRecorded(now: readonly RoleRef[], recorded: readonly RoleRef[]): boolean {
  const key = (r: RoleRef) => `${r.db}\u0000${r.role}`;
  const known = new Set(recorded.map(key));
  return now.every((r) => known.has(key(r)));
}
