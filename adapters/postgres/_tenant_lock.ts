// Internal: the tenant's advisory lock. Every call that changes a tenant
// (deprovision, quarantine, restore, the purge of a copy) holds it, so that
// two of them never interleave their catalog updates: concurrent REVOKEs or
// DROPs of one tenant otherwise fail with XX000 "tuple concurrently updated"
// or "cache lookup failed". It is a session lock on the admin connection,
// keyed on the tenant's database name in the adapter's namespace, so it is
// shared by every process and replica that talks to the same server.

import type { Client } from "pg";

/**
 * The lock's first key: one namespace for guarded-drop, so that the
 * application's own advisory locks on `hashtext(name)` never collide.
 */
const NAMESPACE = "guarded-drop/postgres";

/**
 * Waits for the tenant's lock. The wait is bounded by the session's
 * `statement_timeout` (the adapter's `operationTimeoutMs`): a lock held past
 * it fails with 57014, which is `failed` and `retryable`, never a hang.
 *
 * NOTE: `hashtext` is 32 bits, so two tenants can share a key; they then
 * wait for each other, which costs time and never correctness.
 *
 * NOTE: a session lock needs a real session: a pooler in transaction mode
 * (PgBouncer) could hand the connection, and the lock, to another client.
 */
export async function lockTenant(client: Client, database: string): Promise<void> {
  await client.query("SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtext($1), pg_catalog.hashtext($2))", [NAMESPACE, database]);
}

/**
 * Releases the tenant's lock. The session ends right after, which releases
 * it too, so a failure here is ignored.
 */
export async function unlockTenant(client: Client, database: string): Promise<void> {
  await client
    .query("SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext($1), pg_catalog.hashtext($2))", [NAMESPACE, database])
    .catch(() => {});
}
