// Internal: the steps of one MySQL/MariaDB deprovision, in order. Every
// check that a retry cannot cure runs before the first step that changes
// anything (ACCOUNT LOCK, KILL, DROP): a call that fails there leaves the
// tenant whole, able to log in, and a retry after the operator's fix
// finishes it.

import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import {
  definerDependencies,
  dropDatabase,
  dropUser,
  inspectTenant,
  killSessions,
  lockAccounts,
  type MysqlSession,
  type MysqlTenantState,
  probeDatabaseName,
  takeTenantLock,
} from "./_statements.ts";

/** The tenant's names, and whether names that differ only in case may be the tenant's. */
export interface MysqlTenantNames {
  readonly database: string;
  readonly user: string;
  /**
   * Whether the platform's names are lower case (the name rules refuse
   * tokens with upper-case letters), so that a name differing only in case
   * may be what the platform meant: the call then fails, nothing changed.
   */
  readonly caseInsensitive: boolean;
}

/** What bounds the steps. */
export interface MysqlDropLimits {
  /** How long to wait for the tenant's GET_LOCK, in ms. */
  readonly lockTimeoutMs: number;
  /** The GET_LOCK key of the tenant. */
  readonly lockKey: string;
}

/**
 * Drops the tenant's database and user under its GET_LOCK:
 *
 * 1. reads the catalog (the database, the user's hosts, a role with its
 *    name, the case variants);
 * 2. refuses, nothing changed: an admin connection on the tenant's database,
 *    a role named like the user, a case variant, a quoted name the server
 *    reads as another, objects the user is the DEFINER of in another
 *    database;
 * 3. ACCOUNT LOCK at every host, KILL the sessions, DROP DATABASE IF EXISTS,
 *    DROP USER IF EXISTS at every host;
 * 4. reads the catalog again: a tenant still there is `failed`, never gone.
 *
 * @sanctionedDrop
 */
export async function dropTenant(
  conn: MysqlSession,
  step: (name: string) => void,
  context: FailureContext,
  names: MysqlTenantNames,
  limits: MysqlDropLimits,
): Promise<void> {
  const { database, user } = names;
  step("GET_LOCK");
  if (!(await takeTenantLock(conn, limits.lockKey, limits.lockTimeoutMs))) {
    throw backendError(
      "failed",
      context,
      `another deprovision of the tenant held its lock for ${limits.lockTimeoutMs} ms; a retry finishes the deprovision`,
      undefined,
    );
  }
  step("reading mysql.user and information_schema");
  const state = await inspectTenant(conn, database, user);
  await checkNothingBlocks(conn, step, context, names, state);
  if (state.hosts.length > 0) {
    step("ALTER USER ACCOUNT LOCK");
    await lockAccounts(conn, user, state.hosts);
  }
  step("KILL");
  await killSessions(conn, database, user, state.foldsNames);
  step("DROP DATABASE");
  await dropDatabase(conn, database);
  step("DROP USER");
  await dropUser(conn, user, state.hosts);
  step("reading mysql.user and information_schema");
  const after = await inspectTenant(conn, database, user);
  const variants = names.caseInsensitive ? after.caseVariants : [];
  if (after.databaseExists || after.hosts.length > 0 || after.roleExists || variants.length > 0) {
    // Made again meanwhile (an account at another host, by a platform
    // that does not hold the tenant's lock): never report the tenant gone.
    const left = [
      ...(after.databaseExists ? [`the database ${JSON.stringify(database)}`] : []),
      ...after.hosts.map((host) => `the user ${JSON.stringify(`${user}@${host}`)}`),
      ...(after.roleExists ? [`a role named ${JSON.stringify(user)}`] : []),
      ...variants,
    ];
    throw backendError(
      "failed",
      context,
      `the tenant still exists after the drop (${left.join(", ")}); a retry drops what was made meanwhile`,
      undefined,
    );
  }
}

/**
 * Whether `state` says the tenant (or a name the platform may have meant)
 * still exists: what `exists()` answers.
 */
export function tenantExists(names: MysqlTenantNames, state: MysqlTenantState): boolean {
  return state.databaseExists || state.hosts.length > 0 || state.roleExists ||
    (names.caseInsensitive && state.caseVariants.length > 0);
}

/**
 * Every check that a retry cannot cure, before anything changes. Each
 * failure is `failed`, says that nothing was changed, and what to do.
 */
async function checkNothingBlocks(
  conn: MysqlSession,
  step: (name: string) => void,
  context: FailureContext,
  names: MysqlTenantNames,
  state: MysqlTenantState,
): Promise<void> {
  const { database, user } = names;
  if (state.currentDatabase !== null && sameDatabase(state, state.currentDatabase, database)) {
    throw nothingChanged(
      context,
      "the admin connection's default database is the tenant's own: connect without a database, or to another one",
    );
  }
  if (state.roleExists) {
    // A MariaDB role with the user's name: DROP USER does not take it,
    // and dropping a role takes privileges from whoever was granted it.
    throw nothingChanged(
      context,
      `a role named ${JSON.stringify(user)} exists (MariaDB's mysql.user lists it with is_role = 'Y'): ` +
        "remove or rename that role before the tenant can be deprovisioned; nothing was dropped",
    );
  }
  if (names.caseInsensitive && state.caseVariants.length > 0) {
    const many = state.caseVariants.length > 1;
    throw nothingChanged(
      context,
      `${state.caseVariants.join(" and ")} ${many ? "differ" : "differs"} from its names ` +
        `(${JSON.stringify(database)}, ${JSON.stringify(user)}) only in case, so nothing was changed: MySQL keeps ` +
        `user names${
          state.foldsNames ? "" : " and, with lower_case_table_names = 0, database names"
        } as given, and the ` +
        `platform may have meant ${many ? "them" : "it"}. Drop ${many ? "them" : "it"} by ${
          many ? "their" : "its"
        } exact ` +
        `name (name rules made with mixedCaseTokens: "exact"), or rename ${many ? "them" : "it"}`,
    );
  }
  if (state.databaseExists) {
    step("SHOW CREATE DATABASE");
    await probeDatabaseName(conn, database, state.foldsNames);
  }
  if (state.hosts.length > 0) {
    step("reading definers");
    const holders = await definerDependencies(conn, database, user);
    if (holders.length > 0) {
      throw nothingChanged(
        context,
        `the user ${JSON.stringify(user)} is the DEFINER of views, routines, triggers or events in other databases ` +
          `(${
            holders.map((db) => JSON.stringify(db)).join(", ")
          }): give them another definer or drop them first; nothing was dropped`,
      );
    }
  }
}

function nothingChanged(context: FailureContext, why: string): BackendError {
  return backendError("failed", context, why, undefined);
}

function sameDatabase(state: MysqlTenantState, a: string, b: string): boolean {
  return state.foldsNames ? a.toLowerCase() === b.toLowerCase() : a === b;
}
