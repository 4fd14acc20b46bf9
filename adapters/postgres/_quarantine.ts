// Internal: the quarantine's flows, on an admin connection that already
// holds the tenant's advisory lock (the original database name's), so that
// a quarantine, a restore and a purge of one tenant never interleave.

import type { Client } from "pg";
import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { withRetryable } from "./_classify.ts";
import { checkAdminDatabase, dropTenant, failOnCaseVariants, type TenantNames } from "./_drop_tenant.ts";
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
  step("reading the tenant's comments, login and grants");
  const source = await readQuarantineSource(client, names.database, names.role);
  const pending = [parseMark(source.databaseComment), parseMark(source.roleComment)]
    .find((mark) => mark !== undefined && mark.database === names.database && mark.role === names.role);
  let mark = pending;
  if (mark === undefined) {
    step("choosing the quarantine name");
    let name = quarantineName(names.database, tenant.at);
    for (let attempt = 1; await nameTaken(client, name); attempt++) {
      if (attempt >= NAME_ATTEMPTS) {
        throw withRetryable(backendError("failed", context, `no free quarantine name was found in ${NAME_ATTEMPTS} tries`, undefined), true);
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
      connect: source.connect,
      database_comment: source.databaseComment,
      role_comment: source.roleComment,
    };
  } else {
    // What exists now is what the rename will move.
    mark = { ...mark, had_database: source.databaseExists, had_role: source.roleExists };
  }
  step("COMMENT ON, REVOKE CONNECT and NOLOGIN");
  await markQuarantine(client, mark);
  step("pg_terminate_backend");
  await terminateBackends(client, names.database, names.role);
  step("ALTER DATABASE and ALTER ROLE RENAME");
  await renameToQuarantine(client, mark, attempts);
  return mark;
}

/**
 * Groups the quarantined objects into copies, newest first (by quarantine
 * time, then by the later-made objects), keeping those whose mark `accept`s.
 */
export function copiesOf(rows: readonly CopyRow[], accept: (mark: QuarantineMark) => boolean, retentionDays: number | undefined): MarkedCopy[] {
  const byName = new Map<string, { mark: QuarantineMark; database: boolean; role: boolean; sizeBytes: number | null; oid: number }>();
  for (const row of rows) {
    if (!accept(row.mark)) continue;
    const entry = byName.get(row.name) ?? { mark: row.mark, database: false, role: false, sizeBytes: null, oid: 0 };
    entry.oid = Math.max(entry.oid, row.oid);
    if (row.kind === "database") {
      entry.database = true;
      entry.sizeBytes = row.sizeBytes;
      entry.mark = row.mark;
    } else {
      entry.role = true;
    }
    byName.set(row.name, entry);
  }
  return [...byName.entries()]
    .map(([name, entry]) => {
      const quarantinedAt = new Date(entry.mark.quarantined_at);
      return {
        mark: entry.mark,
        oid: entry.oid,
        copy: {
          token: entry.mark.token,
          name,
          database: entry.database ? name : null,
          role: entry.role ? name : null,
          originalDatabase: entry.mark.database,
          originalRole: entry.mark.role,
          quarantinedAt,
          expiresAt: retentionDays === undefined ? null : new Date(quarantinedAt.getTime() + retentionDays * DAY_MS),
          sizeBytes: entry.sizeBytes,
        },
      };
    })
    .sort((a, b) => b.copy.quarantinedAt.getTime() - a.copy.quarantinedAt.getTime() || b.oid - a.oid)
    .map(({ mark, copy }) => ({ mark, copy }));
}

/** The copies of one tenant, by its original names. */
export function ofTenant(names: TenantNames): (mark: QuarantineMark) => boolean {
  return (mark) => mark.database === names.database && mark.role === names.role;
}

/**
 * Brings back the tenant's newest copy under its original names. Refuses,
 * with nothing changed, when a database or role has those names, or when
 * there is no copy.
 */
export async function restoreTenant(
  client: Client,
  step: (name: string) => void,
  context: FailureContext,
  names: TenantNames,
  retentionDays: number | undefined,
  attempts: number,
): Promise<QuarantinedCopy> {
  step("reading pg_database and pg_roles");
  const state = await inspectTenant(client, names.database, names.role);
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
  const newest = copiesOf(await listQuarantined(client), ofTenant(names), retentionDays)[0];
  if (newest === undefined) {
    throw new RefusedError(
      `Cannot restore ${context.what} ${JSON.stringify(context.token)} as it must have a quarantined copy: current value is none`,
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
  const marked = (await listQuarantined(client)).filter((row) => row.name === copy.name && row.mark.database === copy.originalDatabase);
  if (marked.length === 0) return false;
  const state = await inspectTenant(client, copy.name, copy.name);
  const unmarked = (state.databaseExists && !marked.some((row) => row.kind === "database")) ||
    (state.roleExists && !marked.some((row) => row.kind === "role"));
  if (unmarked) {
    throw withRetryable(
      backendError("failed", context, `the database or role named ${JSON.stringify(copy.name)} no longer carries its quarantine mark`, undefined),
      false,
    );
  }
  await dropTenant(client, step, context, { database: copy.name, role: copy.name }, attempts);
  return true;
}
