// Internal: the quarantine's flows, on an admin connection that already
// holds the tenant's advisory lock (the original database name's), so that
// a quarantine, a restore and a purge of one tenant never interleave.

import type { Client } from "pg";
import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { sqlStateOf, withRetryable } from "./_classify.ts";
import { checkAdminDatabase, dropTenant, failOnCaseVariants, failOnHolders, type TenantNames } from "./_drop_tenant.ts";
import {
  type CopyRow,
  listQuarantined,
  markQuarantine,
  nameTaken,
  parseMark,
  type QuarantineMark,
  quarantineName,
  readQuarantineSource,
  renameToQuarantine,
  restoreFromQuarantine,
  trustedMark,
} from "./_quarantine_statements.ts";
import { inspectTenant, terminateBackends } from "./_statements.ts";
import type { QuarantinedCopy } from "./postgres_quarantine.ts";

const DAY_MS = 86_400_000;
const NAME_ATTEMPTS = 5;

/** A copy and the mark it was read from. */
export interface MarkedCopy {
  readonly copy: QuarantinedCopy;
  readonly mark: QuarantineMark;
}

/**
 * Puts the tenant in quarantine: the mark (COMMENT ON) with what it had,
 * REVOKE CONNECT and NOLOGIN in one transaction; its sessions terminated;
 * the database and the role renamed to the quarantine name in another. A
 * mark left by an interrupted call is reused, with its name and time.
 *
 * @returns The mark, or `undefined` when the tenant has neither a database
 * nor a role under its names (gone, or quarantined already).
 *
 * @sanctionedDrop
 */
export async function quarantineTenant(
  client: Client,
  step: (name: string) => void,
  context: FailureContext,
  names: TenantNames,
  tenant: { readonly token: string; readonly backend: string; readonly at: Date },
  attempts: number,
): Promise<QuarantineMark | undefined> {
  step("reading pg_database and pg_roles");
  const state = await inspectTenant(client, names.database, names.role);
  checkAdminDatabase(context, state.currentDatabase, names.database);
  failOnCaseVariants(context, names, state);
  if (!state.databaseExists && !state.roleExists) return undefined;
  if (state.databaseExists) {
    step("reading pg_prepared_xacts and pg_subscription");
    await failOnHolders(client, context, names.database, "nothing was changed");
  }
  step("reading the tenant's comments, login and grants");
  const source = await readQuarantineSource(client, names.database, names.role);
  // The tenant's role owns its database and may COMMENT ON it, so a mark
  // there proves nothing while the role exists: only the role's comment,
  // which needs CREATEROLE, is trusted then. A database-only tenant's mark
  // is reused for what it recorded, under a fresh name and time, so that a
  // planted one can neither date the copy back nor name it.
  const call = { ...tenant, database: names.database, role: names.role };
  const fromRole = source.roleExists ? parseMark(source.roleComment) : undefined;
  const fromDatabase = source.roleExists ? undefined : parseMark(source.databaseComment);
  let mark: QuarantineMark | undefined;
  if (trustedMark(fromRole, call)) {
    // What exists now is what the rename will move.
    mark = { ...fromRole, had_database: source.databaseExists, had_role: source.roleExists };
  } else {
    const pending = trustedMark(fromDatabase, call) ? fromDatabase : undefined;
    step("choosing the quarantine name");
    let name = quarantineName(names.database, tenant.at);
    for (let attempt = 1; await nameTaken(client, name); attempt++) {
      if (attempt >= NAME_ATTEMPTS) {
        throw withRetryable(
          backendError("failed", context, `no free quarantine name was found in ${NAME_ATTEMPTS} tries`, undefined),
          true,
        );
      }
      name = quarantineName(names.database, tenant.at);
    }
    mark = {
      guarded_drop: "quarantine",
      v: 1,
      token: tenant.token,
      backend: tenant.backend,
      name,
      database: names.database,
      role: names.role,
      quarantined_at: tenant.at.toISOString(),
      had_database: source.databaseExists,
      had_role: source.roleExists,
      login: source.login,
      connect: pending?.connect ?? source.connect,
      members: source.members,
      database_comment: pending?.database_comment ?? source.databaseComment,
      role_comment: source.roleComment,
    };
  }
  step("COMMENT ON, REVOKE CONNECT and NOLOGIN");
  await markQuarantine(client, mark);
  step("pg_terminate_backend");
  await terminateBackends(client, names.database, names.role, (mark.members ?? []).map((m) => m.role));
  step("ALTER DATABASE and ALTER ROLE RENAME");
  try {
    await renameToQuarantine(client, mark, attempts);
  } catch (err) {
    if (sqlStateOf(err) === "55006") {
      await failOnHolders(client, context, names.database, "it is marked and locked out, not renamed");
    }
    throw err;
  }
  return mark;
}

/**
 * Groups the quarantined objects into copies, newest first (by quarantine
 * time, then by the later-made objects), keeping those whose mark `tokenOf`
 * accepts: it answers the tenant's token, derived from the original names
 * (never the mark's own `token` field), or `undefined`. A copy with a role
 * is described by the role's mark alone, which only CREATEROLE can write;
 * its database's comment, which the role could have written as its owner,
 * is used only for a copy without a role.
 */
export function copiesOf(
  rows: readonly CopyRow[],
  tokenOf: (mark: QuarantineMark) => string | undefined,
  retentionDays: number | undefined,
): MarkedCopy[] {
  const byName = new Map<
    string,
    { mark: QuarantineMark; fromRole: boolean; database: boolean; role: boolean; sizeBytes: number | null; oid: number }
  >();
  for (const row of rows) {
    const entry = byName.get(row.name) ??
      { mark: row.mark, fromRole: false, database: false, role: false, sizeBytes: null, oid: 0 };
    entry.oid = Math.max(entry.oid, row.oid);
    if (row.kind === "database") {
      entry.database = true;
      entry.sizeBytes = row.sizeBytes;
      if (!entry.fromRole) entry.mark = row.mark;
    } else {
      entry.role = true;
      entry.fromRole = true;
      entry.mark = row.mark;
    }
    byName.set(row.name, entry);
  }
  return [...byName.entries()]
    .flatMap(([name, entry]) => {
      const token = tokenOf(entry.mark);
      if (token === undefined) return [];
      const quarantinedAt = new Date(entry.mark.quarantined_at);
      return [{
        mark: entry.mark,
        oid: entry.oid,
        copy: {
          token,
          name,
          database: entry.database ? name : null,
          role: entry.role ? name : null,
          originalDatabase: entry.mark.database,
          originalRole: entry.mark.role,
          quarantinedAt,
          expiresAt: retentionDays === undefined ? null : new Date(quarantinedAt.getTime() + retentionDays * DAY_MS),
          sizeBytes: entry.sizeBytes,
        },
      }];
    })
    .sort((a, b) => b.copy.quarantinedAt.getTime() - a.copy.quarantinedAt.getTime() || b.oid - a.oid)
    .map(({ mark, copy }) => ({ mark, copy }));
}

/** The copies of one tenant, by its original names and backend: answers its token. */
export function ofTenant(
  names: TenantNames,
  token: string,
  backend: string,
): (mark: QuarantineMark) => string | undefined {
  return (
    mark,
  ) => (mark.database === names.database && mark.role === names.role && mark.backend === backend ? token : undefined);
}

/**
 * Brings back the tenant's newest copy under its original names. A
 * quarantine interrupted before its renames (the role carries this tenant's
 * mark under its own name) is undone in place instead. Refuses, with
 * nothing changed, when a database or role has those names otherwise, or
 * when there is no copy.
 */
export async function restoreTenant(
  client: Client,
  step: (name: string) => void,
  context: FailureContext,
  names: TenantNames,
  backend: string,
  retentionDays: number | undefined,
  attempts: number,
  now: number,
): Promise<QuarantinedCopy> {
  step("reading pg_database and pg_roles");
  const state = await inspectTenant(client, names.database, names.role);
  if (state.roleExists) {
    // A quarantine interrupted before its renames: the role's mark (which
    // only CREATEROLE can write) names this tenant. Undone in place.
    step("reading the tenant's comments");
    const source = await readQuarantineSource(client, names.database, names.role);
    const pending = parseMark(source.roleComment);
    const call = { token: context.token, backend, database: names.database, role: names.role, at: new Date(now) };
    if (trustedMark(pending, call)) {
      step("LOGIN, GRANT CONNECT and COMMENT ON back, in place");
      await restoreFromQuarantine(client, pending, attempts, true);
      return {
        token: context.token,
        name: pending.name,
        database: state.databaseExists ? names.database : null,
        role: names.role,
        originalDatabase: names.database,
        originalRole: names.role,
        quarantinedAt: new Date(pending.quarantined_at),
        expiresAt: retentionDays === undefined
          ? null
          : new Date(Date.parse(pending.quarantined_at) + retentionDays * DAY_MS),
        sizeBytes: null,
      };
    }
  }
  if (state.databaseExists || state.roleExists) {
    const taken = [
      state.databaseExists ? `database ${JSON.stringify(names.database)}` : undefined,
      state.roleExists ? `role ${JSON.stringify(names.role)}` : undefined,
    ].filter((part) => part !== undefined).join(" and ");
    throw new RefusedError(
      `Cannot restore ${context.what} ${JSON.stringify(context.token)} as its names must be free: current value is ` +
        `${taken} existing (the quarantined copies are kept; drop or rename those first)`,
    );
  }
  step("reading the quarantined copies");
  const newest = copiesOf(await listQuarantined(client), ofTenant(names, context.token, backend), retentionDays)[0];
  if (newest === undefined) {
    throw new RefusedError(
      `Cannot restore ${context.what} ${
        JSON.stringify(context.token)
      } as it must have a quarantined copy: current value is none`,
    );
  }
  step("ALTER DATABASE and ALTER ROLE RENAME back");
  await restoreFromQuarantine(client, newest.mark, attempts);
  return newest.copy;
}

/**
 * Drops one quarantined copy, when its objects still carry their marks (a
 * copy restored or purged since it was listed is left alone).
 *
 * @returns Whether anything was dropped.
 *
 * @sanctionedDrop
 */
export async function dropQuarantinedCopy(
  client: Client,
  step: (name: string) => void,
  context: FailureContext,
  copy: QuarantinedCopy,
  attempts: number,
): Promise<boolean> {
  step("reading the quarantined copies");
  const marked = (await listQuarantined(client)).filter((row) =>
    row.name === copy.name && row.mark.database === copy.originalDatabase && row.mark.role === copy.originalRole
  );
  if (marked.length === 0) return false;
  const state = await inspectTenant(client, copy.name, copy.name);
  const unmarked = (state.databaseExists && !marked.some((row) => row.kind === "database")) ||
    (state.roleExists && !marked.some((row) => row.kind === "role"));
  if (unmarked) {
    throw withRetryable(
      backendError(
        "failed",
        context,
        `the database or role named ${JSON.stringify(copy.name)} no longer carries its quarantine mark`,
        undefined,
      ),
      false,
    );
  }
  await dropTenant(client, step, context, { database: copy.name, role: copy.name }, attempts);
  return true;
}
