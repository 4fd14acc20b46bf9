// Internal: the tenant's advisory lock. Every call that changes a tenant
// (deprovision, quarantine, restore, the purge of a copy) holds it, so that
// two of them never interleave their catalog updates: concurrent REVOKEs or
// DROPs of one tenant otherwise fail with XX000 "tuple concurrently updated"
// or "cache lookup failed". It is a session lock on the admin connection,
// keyed on the tenant's database name in the adapter's namespace, so it is
// shared by every process and replica that talks to the same server.

import type { Client } from "pg";
import { sleep } from "../_shared/_errors.ts";

/**
 * The lock's first key: one namespace for guarded-drop, so that the
 * application's own advisory locks on `hashtext(name)` never collide.
 */
const NAMESPACE = "guarded-drop/postgres";

/** How long to wait between two tries of the lock: jittered, so that waiters do not try in step. */
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 150;

/**
 * How long a call waits for the tenant's lock: 30 s, or 4 × the adapter's
 * `operationTimeoutMs` when that is longer. It is separate from, and larger
 * than, `operationTimeoutMs`, which bounds each statement: the holder runs
 * several statements, and any number of callers may be queued behind it.
 */
export function lockWaitMs(operationTimeoutMs: number): number {
  return Math.max(30_000, 4 * operationTimeoutMs);
}

/** Why the wait for the lock ended without it. */
export class LockWaitExpired extends Error {
  constructor(readonly waitedMs: number) {
    super(`the tenant's advisory lock was held by another call for more than ${waitedMs} ms`);
  }
}

/**
 * Takes the tenant's lock, trying `pg_try_advisory_lock` again with a short
 * jittered sleep until `budgetMs` has passed (then LockWaitExpired): each
 * try is a statement that returns at once, so the wait is never cut by
 * `statement_timeout`. Between tries, `done` (when given) is asked whether
 * the call has nothing left to do, such as a deprovision whose tenant
 * another call has just removed: it then answers "done" without the lock.
 *
 * NOTE: `hashtext` is 32 bits, so two tenants can share a key; they then
 * wait for each other, which costs time and never correctness.
 *
 * NOTE: a session lock needs a real session: a pooler in transaction mode
 * (PgBouncer) could hand the connection, and the lock, to another client.
 */
export async function lockTenant(
  client: Client,
  database: string,
  budgetMs: number,
  done?: () => Promise<boolean>,
): Promise<"locked" | "done"> {
  const started = Date.now();
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext($1), pg_catalog.hashtext($2)) AS locked",
      [NAMESPACE, database],
    );
    if (rows[0]?.locked === true) return "locked";
    if (done !== undefined && await done()) return "done";
    if (Date.now() - started >= budgetMs) throw new LockWaitExpired(budgetMs);
    await sleep(POLL_MIN_MS + Math.random() * (POLL_MAX_MS - POLL_MIN_MS));
  }
}

/**
 * Releases the tenant's lock. The session ends right after, which releases
 * it too, so a failure here is ignored.
 */
export async function unlockTenant(client: Client, database: string): Promise<void> {
  await client
    .query("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext($1), pg_catalog.hashtext($2))", [
      NAMESPACE,
      database,
    ])
    .catch(() => {});
}
