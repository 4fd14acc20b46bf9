/**
 * {@linkcode resolveDrop}: an operator closes a drop in doubt, with a note,
 * by appending its settled row to the hash chain.
 *
 * @module
 */

import { RefusedError, scrubCredentials } from "../../lib/mod.ts";
import { describe } from "../_shared/_resolve_options.ts";
import { type AuditConnectionOptions, resolveConnection, withClient } from "./_audit_connection.ts";
import { storable } from "./_audit_chain.ts";
import { auditRowOf } from "./_audit_rows.ts";
import { auditTable, statementsOf } from "./_audit_table.ts";

/** The outcome written on an operator's resolution: not a drop outcome, so no alert on outcomes counts it. */
export const RESOLVED_OUTCOME = "resolved";

/** The longest note kept; a longer one is refused rather than cut. */
const MAX_NOTE_LENGTH = 2_000;

/**
 * Options of {@linkcode resolveDrop}.
 *
 * @example
 * ```ts
 * import type { ResolveOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: ResolveOptions = {
 *   connectionString: "postgres://postgres@127.0.0.1:5432/postgres",
 *   dropId: "0193a0c4-…",
 *   note: "checked by hand: db_acme42 is gone (INC-1234)",
 * };
 * ```
 */
export interface ResolveOptions extends AuditConnectionOptions {
  /** The `drop_id` of the drop in doubt. */
  dropId: string;
  /** Why it is closed: what the operator checked. Written in the row's `reason`. 1 to 2000 characters. */
  note: string;
  /**
   * Who closes it: the row's `caller`.
   *
   * @default {"guarded-drop audit resolve"}
   */
  caller?: string;
}

/**
 * What {@linkcode resolveDrop} wrote.
 *
 * @example
 * ```ts
 * import type { ResolvedDrop } from "guarded-drop/adapters/postgres";
 *
 * const show = (r: ResolvedDrop) => `${r.dropId} ${r.token} resolved`;
 * ```
 */
export interface ResolvedDrop {
  /** The drop's id, as in its audit records. */
  readonly dropId: string;
  /** The tenant's token. */
  readonly token: string;
  /** The resource type of the drop (`postgres`, `redis`…). */
  readonly resourceType: string;
  /** `shared` or `dedicated`. */
  readonly backend: string;
}

/**
 * Closes one drop in doubt: appends its `provisioner.drop.settled` row with
 * outcome `resolved` and the note as `reason`, chained like any other row,
 * so that `audit verify` still passes and the resolution is itself
 * tamper-evident. `pendingDrops` no longer lists it.
 *
 * NOTE: two resolutions of one drop racing each other write one row (the
 * append skips a second settled row of a drop_id); both resolve.
 *
 * @param options The connection, the table, the drop id and the note.
 * @returns The drop that was closed.
 * @throws {TypeError} If an option is malformed.
 * @throws {RefusedError} If no drop has that id, or it is settled already:
 * nothing is written.
 * @throws {Error} If the table cannot be read or written; the message holds no credential.
 *
 * @example Close a drop a crash left in doubt
 * ```ts
 * import { pendingDrops, resolveDrop } from "guarded-drop/adapters/postgres";
 *
 * const connectionString = "postgres://postgres@127.0.0.1:5432/postgres";
 * for (const drop of await pendingDrops({ connectionString })) {
 *   if (drop.resolvedBy === null) await resolveDrop({ connectionString, dropId: drop.drop_id, note: "checked: gone" });
 * }
 * ```
 */
export async function resolveDrop(options: ResolveOptions): Promise<ResolvedDrop> {
  const what = "resolve the drop";
  const resolved = resolveConnection(what, options);
  const table = auditTable(options.table, what);
  const { dropId, note } = options;
  if (typeof dropId !== "string" || dropId.length === 0 || dropId.length > 200) {
    throw new TypeError(
      `Cannot ${what} as 'dropId' must be a string of 1 to 200 characters: current value is ${describe(dropId)}`,
    );
  }
  if (typeof note !== "string" || note.trim().length === 0 || note.length > MAX_NOTE_LENGTH) {
    throw new TypeError(
      `Cannot ${what} as 'note' must be a non-blank string of at most ${MAX_NOTE_LENGTH} characters: current value is ${
        describe(note)
      }`,
    );
  }
  const caller = options.caller ?? "guarded-drop audit resolve";
  if (typeof caller !== "string" || caller.length === 0 || caller.length > 200) {
    throw new TypeError(
      `Cannot ${what} as 'caller' must be a string of 1 to 200 characters: current value is ${describe(caller)}`,
    );
  }
  const statements = statementsOf(table);
  // The refusals are thrown outside the connection: withClient describes
  // every error inside it as a failure to read the table.
  const done = await withClient(resolved, `resolve in the audit table "${table.name}"`, async (client) => {
    const { rows } = await client.query(statements.intentOf, [dropId]);
    const raw = rows[0] as Record<string, unknown> | undefined;
    if (raw === undefined) return "unknown" as const;
    if (raw.settled === true) return "settled" as const;
    const intent = auditRowOf(raw);
    await client.query(statements.append({
      event: "provisioner.drop.settled",
      drop_id: intent.drop_id,
      token: intent.token,
      provider_resource_id: intent.provider_resource_id,
      resource_type: intent.resource_type,
      backend: intent.backend,
      request_id: intent.request_id,
      caller: storable(scrubCredentials(caller)),
      intent: intent.intent,
      action: intent.action ?? null,
      outcome: RESOLVED_OUTCOME,
      error: null,
      reason: storable(scrubCredentials(note)),
    }));
    return { dropId: intent.drop_id, token: intent.token, resourceType: intent.resource_type, backend: intent.backend };
  });
  if (done === "unknown") {
    throw new RefusedError(
      `Cannot ${what} as 'dropId' must name a drop in the audit table: current value is ${
        JSON.stringify(dropId)
      }, which has no provisioner.drop row`,
    );
  }
  if (done === "settled") {
    throw new RefusedError(
      `Cannot ${what} as it must be in doubt: current value is ${JSON.stringify(dropId)}, which is settled already`,
    );
  }
  return done;
}
