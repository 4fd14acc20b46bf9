// Internal: the MySQL/MariaDB quarantine's flows, on an admin session that
// already holds the tenant's lock (GET_LOCK on the original names' key), so
// that a quarantine, a restore and a purge of one tenant never interleave.
//
// A mark in state `moving` or `restoring` is a call that was interrupted:
// the next deprovision finishes the quarantine, the next restore finishes
// the way back. Every step skips what is already done.

import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { consistentName, expiryOf, quarantineName } from "../_shared/_retention.ts";
import type { QuarantinedCopy } from "../postgres/postgres_quarantine.ts";
import {
  createCopySchema,
  deleteMark,
  dropCopy,
  dropEmptySchema,
  ensureMarkTable,
  insertMark,
  markWriters,
  moveObjects,
  type MysqlMark,
  nameTaken,
  type QuarantineSession,
  readDetail,
  readMarks,
  recreateDatabase,
  renameAccounts,
  schemaExists,
  schemaObjects,
  setAccountLock,
  setMarkState,
} from "./_quarantine_statements.ts";
import { definerDependencies, inspectTenant, killSessions } from "./_statements.ts";

const NAME_ATTEMPTS = 5;

/** The tenant a call is about. */
export interface MysqlTenant {
  readonly token: string;
  readonly backend: string;
  readonly database: string;
  readonly user: string;
}

/** A copy and the mark it was read from. */
export interface MarkedCopy {
  readonly copy: QuarantinedCopy;
  readonly mark: MysqlMark;
}

const isPending = (mark: MysqlMark) => mark.state !== "quarantined";
const isTenants = (mark: MysqlMark, tenant: MysqlTenant) =>
  mark.database === tenant.database && mark.user === tenant.user && mark.backend === tenant.backend;

/**
 * Puts the tenant in quarantine. A fresh one records everything in a new
 * mark first; a pending mark of the tenant (an interrupted call) is
 * finished with its name and time. When a fresh quarantine cannot move
 * something intact, everything is put back and the mark deleted: nothing
 * is changed, and the call fails.
 *
 * @returns The mark, or `undefined` when the tenant has neither a database
 * nor a user (gone, or quarantined already).
 *
 * @sanctionedDrop
 */
export async function quarantineTenant(
  conn: QuarantineSession,
  step: (name: string) => void,
  context: FailureContext,
  tenant: MysqlTenant,
  at: Date,
): Promise<MysqlMark | undefined> {
  step("reading mysql.user and information_schema");
  const state = await inspectTenant(conn, tenant.database, tenant.user);
  if (state.currentDatabase !== null && state.currentDatabase === tenant.database) {
    throw backendError(
      "failed",
      context,
      "the admin connection's default database is the tenant's own: connect without a database",
      undefined,
    );
  }
  step("reading the quarantine marks");
  const pending = (await readMarks(conn)).find((mark) => isPending(mark) && isTenants(mark, tenant));
  if (pending !== undefined) {
    if (pending.state === "restoring") await setMarkState(conn, pending.name, "moving");
    await moveIntoCopy(conn, step, pending, state.foldsNames);
    return pending;
  }
  if (!state.databaseExists && state.hosts.length === 0) return undefined;
  const unchanged = "; nothing was changed";
  if (state.roleExists) {
    throw backendError(
      "failed",
      context,
      `a role named ${JSON.stringify(tenant.user)} exists: drop or rename it first${unchanged}`,
      undefined,
    );
  }
  if (state.hosts.length > 0) {
    step("reading definers");
    // The tenant's own earlier copies hold objects it defined: they are not another database's.
    const copies = new Set((await readMarks(conn)).map((mark) => mark.name));
    const holders = (await definerDependencies(conn, tenant.database, tenant.user)).filter((db) => !copies.has(db));
    if (holders.length > 0) {
      throw backendError(
        "failed",
        context,
        `the user ${JSON.stringify(tenant.user)} is the DEFINER of objects in other databases ` +
          `(${holders.map((db) => JSON.stringify(db)).join(", ")}), which its rename would break${unchanged}`,
        undefined,
      );
    }
    step("reading the user's privileges");
    const writers = await markWriters(conn, tenant.user);
    if (writers.length > 0) {
      throw backendError(
        "failed",
        context,
        `the user ${JSON.stringify(tenant.user)} holds global privileges or privileges on the schema "guarded_drop" ` +
          `(at ${
            writers.map((h) => JSON.stringify(h)).join(", ")
          }), so it could write its own quarantine mark${unchanged}`,
        undefined,
      );
    }
  }
  step("reading the tenant's definitions");
  let detail;
  try {
    detail = await readDetail(conn, state.databaseExists ? tenant.database : null, tenant.user);
  } catch (err) {
    if ((err as { errno?: unknown }).errno !== undefined) throw err;
    throw backendError("failed", context, `${(err as Error).message}${unchanged}`, undefined);
  }
  step("choosing the quarantine name");
  let name = quarantineName(tenant.database, at);
  for (let attempt = 1; await nameTaken(conn, name); attempt++) {
    if (attempt >= NAME_ATTEMPTS) {
      throw backendError("failed", context, `no free quarantine name was found in ${NAME_ATTEMPTS} tries`, undefined);
    }
    name = quarantineName(tenant.database, at);
  }
  step("CREATE TABLE guarded_drop.quarantine");
  await ensureMarkTable(conn);
  const mark: MysqlMark = {
    name,
    backend: tenant.backend,
    token: tenant.token,
    database: tenant.database,
    user: tenant.user,
    quarantinedAt: at.toISOString(),
    state: "moving",
    detail,
  };
  step("INSERT INTO guarded_drop.quarantine");
  await insertMark(conn, mark);
  try {
    await moveIntoCopy(conn, step, mark, state.foldsNames);
  } catch (err) {
    // Only what the server refused (an object that cannot be made in the
    // copy) is put back: a lost connection leaves the mark pending, and the
    // next call finishes the quarantine.
    if (typeof (err as { errno?: unknown }).errno !== "number" || (err as { fatal?: unknown }).fatal === true) {
      throw err;
    }
    try {
      await moveBack(conn, step, mark);
    } catch (undo) {
      throw backendError(
        "failed",
        context,
        `the tenant could not be moved into quarantine intact, and putting it back failed too (a retry of the ` +
          `deprovision finishes the quarantine, a restore puts it back): ${(err as Error).message}`,
        undo,
      );
    }
    throw backendError(
      "failed",
      context,
      `the tenant could not be moved into quarantine intact; everything was put back${unchanged}`,
      err,
    );
  }
  return mark;
}

/**
 * The quarantine's steps after the mark: lock the accounts, kill the
 * sessions, make the copy schema, move everything into it, drop the
 * emptied database, rename the accounts, and mark the copy finished.
 *
 * @sanctionedDrop
 */
async function moveIntoCopy(
  conn: QuarantineSession,
  step: (name: string) => void,
  mark: MysqlMark,
  foldsNames: boolean,
): Promise<void> {
  const { detail } = mark;
  step("ALTER USER ACCOUNT LOCK");
  for (const { host } of detail.hosts) await setAccountLock(conn, mark.user, host, true);
  step("KILL");
  await killSessions(conn, mark.database, mark.user, foldsNames);
  if (detail.createDatabase !== null) {
    if (await schemaExists(conn, mark.database)) {
      step("reading information_schema");
      const present = await schemaObjects(conn, mark.database);
      const known = new Set([
        ...detail.tables,
        ...detail.views.map((v) => v.name),
        ...detail.routines.map((r) => `${r.kind} ${r.name}`),
        ...detail.triggers.map((t) => t.name),
        ...detail.events.map((e) => e.name),
      ]);
      const unknown = [
        ...present.tables,
        ...present.unmovable,
        ...present.views,
        ...present.routines,
        ...present.triggers,
        ...present.events,
      ]
        .filter((name) => !known.has(name));
      if (unknown.length > 0) {
        throw new Error(
          `the database holds objects its quarantine mark does not list: ${unknown.slice(0, 10).join(", ")}`,
        );
      }
      step("CREATE DATABASE");
      await createCopySchema(conn, mark.name, detail);
      await moveObjects(conn, detail, mark.database, mark.name, true, step);
      step("DROP DATABASE (emptied)");
      await dropEmptySchema(conn, mark.database);
    }
  }
  step("RENAME USER");
  await renameAccounts(conn, mark.user, mark.name, detail.hosts.map((h) => h.host));
  step("UPDATE guarded_drop.quarantine");
  await setMarkState(conn, mark.name, "quarantined");
}

/**
 * The way back: the database made again from its own text, everything
 * moved back and made from its original definition, the copy schema
 * dropped once empty, the accounts renamed back and unlocked where they
 * were unlocked, and the mark deleted last.
 *
 * @sanctionedDrop
 */
async function moveBack(conn: QuarantineSession, step: (name: string) => void, mark: MysqlMark): Promise<void> {
  const { detail } = mark;
  step("UPDATE guarded_drop.quarantine");
  await setMarkState(conn, mark.name, "restoring");
  // The user first, still locked: a view is made only when its definer
  // may read what it reads, through the user's grants on its database.
  step("RENAME USER");
  await renameAccounts(conn, mark.name, mark.user, detail.hosts.map((h) => h.host));
  if (detail.createDatabase !== null) {
    step("CREATE DATABASE");
    await recreateDatabase(conn, mark.database, detail);
    if (await schemaExists(conn, mark.name)) {
      await moveObjects(conn, detail, mark.name, mark.database, false, step);
      step("DROP DATABASE (emptied)");
      await dropEmptySchema(conn, mark.name);
    }
  }
  step("ALTER USER ACCOUNT UNLOCK");
  for (const { host, locked } of detail.hosts) await setAccountLock(conn, mark.user, host, locked);
  step("DELETE FROM guarded_drop.quarantine");
  await deleteMark(conn, mark.name);
}

/** The quarantine schemas and accounts on the server, by name. */
export interface CopyCatalog {
  readonly schemas: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
}

/** Reads which quarantine schemas and accounts exist. Nothing destructive. */
export async function readCopyCatalog(conn: QuarantineSession): Promise<CopyCatalog> {
  const schemas = await conn.query<{ name: string }>(
    "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'q\\_%'",
  );
  const accounts = await conn.query<{ name: string }>(
    "SELECT DISTINCT User AS name FROM mysql.user WHERE User LIKE 'q\\_%'",
  );
  return {
    schemas: new Set(schemas.map((r) => String(r.name))),
    accounts: new Set(accounts.map((r) => String(r.name))),
  };
}

/**
 * Whether a mark is trusted as a copy: its name is one the quarantine made
 * for its original database at its time, and the copy it describes is
 * there (its schema when it had a database, its accounts when it had a
 * user). A pending mark is trusted on its name alone: its objects are
 * still moving.
 */
function trusted(mark: MysqlMark, catalog: CopyCatalog): boolean {
  if (!consistentName(mark.name, mark.database, mark.quarantinedAt)) return false;
  if (isPending(mark)) return true;
  const schemaOk = mark.detail.createDatabase === null || catalog.schemas.has(mark.name);
  const accountsOk = mark.detail.hosts.length === 0 || catalog.accounts.has(mark.name);
  return schemaOk && accountsOk;
}

/**
 * The trusted copies whose mark `tokenOf` accepts (it answers the token,
 * derived from the original names), newest first.
 */
export function copiesOf(
  marks: readonly MysqlMark[],
  catalog: CopyCatalog,
  tokenOf: (mark: MysqlMark) => string | undefined,
  retentionDays: number | undefined,
): MarkedCopy[] {
  return marks
    .filter((mark) => trusted(mark, catalog))
    .flatMap((mark) => {
      const token = tokenOf(mark);
      if (token === undefined) return [];
      const quarantinedAt = new Date(mark.quarantinedAt);
      const copy: QuarantinedCopy = {
        token,
        name: mark.name,
        database: mark.detail.createDatabase === null ? null : mark.name,
        role: mark.detail.hosts.length === 0 ? null : mark.name,
        originalDatabase: mark.database,
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
 * Brings back the tenant's newest copy (an interrupted quarantine or
 * restore first). Refuses, with nothing changed, when the database or an
 * account has the original names, or when there is no copy.
 *
 * @sanctionedDrop
 */
export async function restoreTenant(
  conn: QuarantineSession,
  step: (name: string) => void,
  context: FailureContext,
  tenant: MysqlTenant,
  retentionDays: number | undefined,
): Promise<QuarantinedCopy> {
  step("reading the quarantined copies");
  const marks = await readMarks(conn);
  const copies = copiesOf(
    marks,
    await readCopyCatalog(conn),
    (mark) => (isTenants(mark, tenant) ? tenant.token : undefined),
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
  if (!isPending(chosen.mark)) {
    step("reading mysql.user and information_schema");
    const state = await inspectTenant(conn, tenant.database, tenant.user);
    if (state.databaseExists || state.hosts.length > 0 || state.roleExists) {
      const taken = [
        ...(state.databaseExists ? [`database ${JSON.stringify(tenant.database)}`] : []),
        ...state.hosts.map((host) => `user ${JSON.stringify(`${tenant.user}@${host}`)}`),
        ...(state.roleExists ? [`role ${JSON.stringify(tenant.user)}`] : []),
      ].join(" and ");
      throw new RefusedError(
        `Cannot restore ${context.what} ${JSON.stringify(context.token)} as its names must be free: current value is ` +
          `${taken} existing (the quarantined copies are kept; drop or rename those first)`,
      );
    }
  }
  await moveBack(conn, step, chosen.mark);
  return chosen.copy;
}

/**
 * Drops one quarantined copy, when its mark still says it is quarantined
 * (a copy restored or purged since it was listed is left alone), and
 * deletes the mark last.
 *
 * @returns Whether anything was dropped.
 *
 * @sanctionedDrop
 */
export async function dropQuarantinedCopy(
  conn: QuarantineSession,
  step: (name: string) => void,
  copy: QuarantinedCopy,
): Promise<boolean> {
  step("reading the quarantined copies");
  const mark = (await readMarks(conn)).find((m) =>
    m.name === copy.name && m.state === "quarantined" && m.database === copy.originalDatabase &&
    m.user === copy.originalRole
  );
  if (mark === undefined) return false;
  step("DROP DATABASE and DROP USER");
  await dropCopy(conn, mark.name);
  step("DELETE FROM guarded_drop.quarantine");
  await deleteMark(conn, mark.name);
  return true;
}
