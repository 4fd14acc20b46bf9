/**
 * {@linkcode pendingDrops}: the drops in doubt, with an intent row and no
 * settled row, and which of them a later drop resolved.
 *
 * @module
 */

import { type DropAction, type DropRecordFields, isDropAction } from "../../lib/mod.ts";
import { describe } from "../_shared/_resolve_options.ts";
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
export interface PendingDrop extends Omit<DropRecordFields, "intent" | "action"> {
  /** The intent row's seq. */
  readonly seq: number;
  /** When the intent row was written (ISO 8601, UTC, milliseconds). */
  readonly recorded_at: string;
  /** The request's intent, or `null` when it had none. */
  readonly intent: string | null;
  /** What the drop set out to do: `destroy`, `quarantine` or `restore`. */
  readonly action: DropAction;
  /**
   * The `drop_id` of a later drop of the same resource (token, resource
   * type, backend and provider resource id) that settled `ok`, which
   * resolves this one: the resource's fate is known. `null` while it is in
   * doubt.
   */
  readonly resolvedBy: string | null;
}

/**
 * Options of {@linkcode pendingDrops}: the connection, and a time window.
 *
 * @example
 * ```ts
 * import type { PendingOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: PendingOptions = { connectionString: "postgres://postgres@127.0.0.1:5432/postgres", since: new Date("2026-12-01T00:00:00Z") };
 * ```
 */
export interface PendingOptions extends AuditConnectionOptions {
  /**
   * Only drops whose intent row was written at or after this time.
   *
   * @default {undefined: every drop}
   */
  since?: Date;
}

/**
 * Lists the drops in doubt, oldest first: each has an intent row and no
 * settled row. One that a later `ok` drop of the same resource resolves
 * is listed with `resolvedBy`; one an operator closed with
 * {@linkcode resolveDrop} has a settled row and is not listed. Such a drop may have run or not: the process ended (a crash,
 * a kill, a deploy) between the intent and the outcome, or the settle
 * failed. Check each resource, then finish or re-run the drop.
 *
 * NOTE: a drop that is still running is listed too; so is an append that
 * committed while the core had already given up on it (it outlived
 * `auditTimeoutMs`), whose drop never ran.
 *
 * @param options The connection, the table, and `since`.
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
export async function pendingDrops(options: PendingOptions): Promise<PendingDrop[]> {
  const what = "list the pending drops";
  const resolved = resolveConnection(what, options);
  const since = options.since;
  if (since !== undefined && (!(since instanceof Date) || Number.isNaN(since.getTime()))) {
    throw new TypeError(`Cannot ${what} as 'since' must be a valid Date: current value is ${describe(since)}`);
  }
  const table = auditTable(options.table, what);
  const statements = statementsOf(table);
  return await withClient(resolved, `read the audit table "${table.name}"`, async (client) => {
    const { rows } = await client.query(statements.pending, [since?.toISOString() ?? null]);
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
        action: isDropAction(row.action) ? row.action : "destroy",
        resolvedBy: typeof raw.resolved_by === "string" ? raw.resolved_by : null,
      };
    });
  });
}
