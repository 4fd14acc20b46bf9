/**
 * {@linkcode pendingDrops}: the drops in doubt, with an intent row and no
 * settled row.
 *
 * @module
 */

import type { DropRecordFields } from "../../lib/mod.ts";
import { type AuditConnectionOptions, resolveConnection, withClient } from "./_audit_connection.ts";
import { auditRowOf } from "./_audit_rows.ts";
import { auditTable, statementsOf } from "./_audit_table.ts";

/**
 * A drop whose outcome was never recorded: its `provisioner.drop` row has no
 * `provisioner.drop.settled` row.
 *
 * @example
 * ```ts
 * import type { PendingDrop } from "guarded-drop/adapters/postgres";
 *
 * const line = (drop: PendingDrop) => `${drop.recorded_at} ${drop.drop_id} ${drop.resource_type}/${drop.backend} ${drop.token}`;
 * ```
 */
export interface PendingDrop extends Omit<DropRecordFields, "intent"> {
  /** The intent row's seq. */
  readonly seq: number;
  /** When the intent row was written (ISO 8601, UTC, milliseconds). */
  readonly recorded_at: string;
  /** The request's intent, or `null` when it had none. */
  readonly intent: string | null;
}

/**
 * Lists the drops in doubt, oldest first: each has an intent row and no
 * settled row. Such a drop may have run or not: the process ended (a crash,
 * a kill, a deploy) between the intent and the outcome, or the settle
 * failed. Check each resource, then finish or re-run the drop.
 *
 * NOTE: a drop that is still running is listed too; so is an append that
 * committed while the core had already given up on it (it outlived
 * `auditTimeoutMs`), whose drop never ran.
 *
 * @param options The connection and the table.
 * @returns The pending drops, by seq.
 * @throws {TypeError} If an option is malformed.
 * @throws {Error} If the table cannot be read; the message holds no credential.
 *
 * @example List the drops a crash left in doubt
 * ```ts
 * import { pendingDrops } from "guarded-drop/adapters/postgres";
 *
 * for (const drop of await pendingDrops({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" })) {
 *   console.log(drop.drop_id, drop.token);
 * }
 * ```
 */
export async function pendingDrops(options: AuditConnectionOptions): Promise<PendingDrop[]> {
  const what = "list the pending drops";
  const resolved = resolveConnection(what, options);
  const table = auditTable(options.table, what);
  const statements = statementsOf(table);
  return await withClient(resolved, `read the audit table "${table.name}"`, async (client) => {
    const { rows } = await client.query(statements.pending);
    return rows.map((raw) => {
      const row = auditRowOf(raw);
      return {
        seq: row.seq,
        recorded_at: row.recorded_at,
        drop_id: row.drop_id,
        token: row.token,
        provider_resource_id: row.provider_resource_id,
        resource_type: row.resource_type,
        backend: row.backend,
        request_id: row.request_id,
        caller: row.caller,
        intent: row.intent,
      };
    });
  });
}
