// Internal: the drop of one tenant's database and role, on an admin
// connection that already holds the tenant's advisory lock. deprovision runs
// it on the tenant's names, and the purge on a quarantined copy's.

import type { Client } from "pg";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { sqlStateOf, withRetryable } from "./_classify.ts";
import { type Blockers, hasLocalDependencies, roleBlockers } from "./_role_dependencies.ts";
import {
  databaseHolders,
  dropDatabase,
  dropRole,
  inspectTenant,
  revokeConnect,
  type TenantState,
  terminateBackends,
} from "./_statements.ts";

/** A database and a role to drop together. */
export interface TenantNames {
  readonly database: string;
  readonly role: string;
  /**
   * Whether the platform's names are lower case (`mixedCaseTokens` other
   * than "exact"): a name that differs only in case is then one the
   * platform may have meant, and the call fails rather than leave it.
   */
  readonly caseInsensitive?: boolean;
}

/**
 * Reads the catalog; fails (`failed`, nothing changed) when the role owns
 * objects or holds privileges that these steps cannot clear; REVOKE
 * CONNECT; terminates the backends; checks the role again; DROP DATABASE IF
 * EXISTS … WITH (FORCE) (retried on 55006); DROP OWNED BY (only for what is
 * left in the admin database) and DROP ROLE IF EXISTS in one transaction.
 * Idempotent.
 *
 * @sanctionedDrop
 */
export async function dropTenant(
  client: Client,
  step: (name: string) => void,
  context: FailureContext,
  names: TenantNames,
  dropDatabaseAttempts: number,
): Promise<void> {
  const { database, role } = names;
  step("reading pg_database and pg_roles");
  const state = await inspectTenant(client, database, role);
  checkAdminDatabase(context, state.currentDatabase, database);
  failOnCaseVariants(context, names, state);
  if (state.databaseExists) {
    step("reading pg_prepared_xacts and pg_subscription");
    await failOnHolders(client, context, database, "nothing was changed");
  }
  if (state.roleExists) {
    step("reading pg_shdepend");
    failOnBlockers(context, role, await roleBlockers(client, role, database), "nothing was changed");
  }
  if (state.databaseExists) {
    step("REVOKE CONNECT");
    await revokeConnect(client, database, state.roleExists ? role : undefined);
  }
  step("pg_terminate_backend");
  await terminateBackends(client, database, role);
  if (state.roleExists) {
    // Its sessions are gone now; one of them may have made something
    // elsewhere since the first read.
    step("reading pg_shdepend");
    failOnBlockers(context, role, await roleBlockers(client, role, database), "nothing was dropped");
  }
  step("DROP DATABASE");
  try {
    await dropDatabase(client, database, dropDatabaseAttempts);
  } catch (err) {
    // One made since the first check: a retry could not succeed either.
    if (sqlStateOf(err) === "55006") {
      await failOnHolders(client, context, database, "its CONNECT was revoked and its sessions ended");
    }
    throw err;
  }
  step("reading pg_shdepend");
  const withOwned = await hasLocalDependencies(client, role);
  step(withOwned ? "DROP OWNED and DROP ROLE" : "DROP ROLE");
  await dropRole(client, role, withOwned);
}

/**
 * Fails, `failed` and not retryable, when a prepared transaction or a
 * subscription holds the tenant's database (see databaseHolders): no retry
 * can drop or rename it until an operator commits or rolls back the one
 * (COMMIT PREPARED / ROLLBACK PREPARED) or drops the other.
 */
export async function failOnHolders(
  client: Client,
  context: FailureContext,
  database: string,
  changed: string,
): Promise<void> {
  const holders = await databaseHolders(client, database);
  if (holders.length === 0) return;
  throw withRetryable(
    backendError(
      "failed",
      context,
      `its database ${JSON.stringify(database)} is held by ${
        holders.join(", ")
      }, which no retry can end, so ${changed}: ` +
        `COMMIT PREPARED or ROLLBACK PREPARED the transaction, or DROP SUBSCRIPTION, and retry`,
      undefined,
      { sqlState: "55006" },
    ),
    false,
  );
}

/** Fails, not retryable, when the admin connection is to the tenant's own database. */
export function checkAdminDatabase(context: FailureContext, currentDatabase: string, database: string): void {
  if (currentDatabase !== database) return;
  throw withRetryable(
    backendError(
      "failed",
      context,
      "the admin connection is to the tenant's own database: connect to a maintenance database such as postgres",
      undefined,
    ),
    false,
  );
}

/**
 * Fails, not retryable and with nothing changed, when a database or role
 * differs from the tenant's names only in case and the names are case
 * insensitive: the platform may have meant it, so the tenant must not be
 * reported gone while it exists.
 */
export function failOnCaseVariants(context: FailureContext, names: TenantNames, state: TenantState): void {
  if (names.caseInsensitive !== true || state.caseVariants.length === 0) return;
  throw withRetryable(
    backendError(
      "failed",
      context,
      `${state.caseVariants.join(" and ")} ${state.caseVariants.length === 1 ? "differs" : "differ"} from its names ` +
        `(${JSON.stringify(names.database)}, ${JSON.stringify(names.role)}) only in case, so nothing was changed: ` +
        `PostgreSQL keeps quoted names as given, and the platform may have meant ${
          state.caseVariants.length === 1 ? "it" : "them"
        }. ` +
        `Drop it by its exact name (name rules made with mixedCaseTokens: "exact"), or rename it`,
      undefined,
    ),
    false,
  );
}

/** Fails, `failed` and not retryable, when the role cannot be cleared; the message names each place. */
function failOnBlockers(context: FailureContext, role: string, blockers: Blockers | undefined, changed: string): void {
  if (blockers === undefined) return;
  const where = blockers.databases.length === 0
    ? "the places named"
    : blockers.databases.map((name) => JSON.stringify(name)).join(", ");
  throw withRetryable(
    backendError(
      "failed",
      context,
      `its role ${JSON.stringify(role)} still owns objects or holds privileges outside its own database and the ` +
        `admin database (${blockers.places.join("; ")}), so ${changed}: reassign or drop them there ` +
        `(REASSIGN OWNED / DROP OWNED in ${where}) and retry`,
      undefined,
      { sqlState: "2BP01" },
    ),
    false,
  );
}
