// Internal: the drop of one tenant's database and role, on an admin
// connection that already holds the tenant's advisory lock. deprovision runs
// it on the tenant's names, and the purge on a quarantined copy's.

import type { Client } from "pg";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { withRetryable } from "./_classify.ts";
import { type Blockers, hasLocalDependencies, roleBlockers } from "./_role_dependencies.ts";
import { dropDatabase, dropRole, inspectTenant, revokeConnect, terminateBackends } from "./_statements.ts";

/** A database and a role to drop together. */
export interface TenantNames {
  readonly database: string;
  readonly role: string;
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
  { database, role }: TenantNames,
  dropDatabaseAttempts: number,
): Promise<void> {
  step("reading pg_database and pg_roles");
  const state = await inspectTenant(client, database, role);
  checkAdminDatabase(context, state.currentDatabase, database);
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
  await dropDatabase(client, database, dropDatabaseAttempts);
  step("reading pg_shdepend");
  const withOwned = await hasLocalDependencies(client, role);
  step(withOwned ? "DROP OWNED and DROP ROLE" : "DROP ROLE");
  await dropRole(client, role, withOwned);
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
