/**
 * {@linkcode verifyAuditChain}: re-computes the audit table's hash chain and
 * names the first row that was edited, deleted, inserted or reordered.
 *
 * @module
 */

import type { Client } from "pg";
import { type AuditRow, HASH_PATTERN } from "./_audit_chain.ts";
import { type ChainBreak, type ChainSource, checkChain } from "./_audit_check.ts";
import { type AuditConnectionOptions, resolveConnection, withClient } from "./_audit_connection.ts";
import { auditRowOf } from "./_audit_rows.ts";
import { auditTable, statementsOf } from "./_audit_table.ts";

export type { ChainBreak, ChainBreakKind } from "./_audit_check.ts";

/**
 * Options of {@linkcode verifyAuditChain}.
 *
 * @example
 * ```ts
 * import type { VerifyAuditChainOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: VerifyAuditChainOptions = {
 *   connectionString: "postgres://auditor@db.internal:5432/provisioner",
 *   expectHead: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
 * };
 * ```
 */
export interface VerifyAuditChainOptions extends AuditConnectionOptions {
  /**
   * A head hash stored elsewhere earlier (64 lower-case hex characters). The
   * chain must still hold a row with it: otherwise rows were cut from its
   * end, which the chain alone cannot show.
   *
   * @default {undefined: no anchor check}
   */
  expectHead?: string;
}

/**
 * What {@linkcode verifyAuditChain} found.
 *
 * @example
 * ```ts
 * import type { AuditChainReport } from "guarded-drop/adapters/postgres";
 *
 * function summary(report: AuditChainReport): string {
 *   return report.intact ? `intact, head ${report.head?.hash}` : `${report.break?.kind} at seq ${report.break?.seq}`;
 * }
 * ```
 */
export interface AuditChainReport {
  /** The table, as named. */
  readonly table: string;
  /** Whether every row re-computes and links, and the anchor (if given) was found. */
  readonly intact: boolean;
  /** How many rows were read: all of them when intact, up to the break otherwise. */
  readonly rows: number;
  /** The newest row, when the chain is intact; `null` for an empty table or a broken chain. Store its hash elsewhere. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  /** The first break, or `null`. */
  readonly break: ChainBreak | null;
  /** Where `expectHead` was found, or `null` when it was not given or not found. */
  readonly anchorSeq: number | null;
}

/** Rows read per statement: bounded memory whatever the table's size. */
const PAGE_SIZE = 1_000;

/**
 * Re-computes the chain of an audit table written by `postgresAuditStore`,
 * in one REPEATABLE READ snapshot, a page at a time, and names the first
 * break:
 *
 * - `edited`: a row's fields, seq, prev_hash or hash were changed (or the row
 *   before the named one was changed and its hash recomputed);
 * - `deleted`: a seq is missing, or the rows before one were removed and the
 *   rest renumbered;
 * - `inserted`: a row stands between a row and the row it is chained to;
 * - `reordered`: a row is chained to a row that comes after it;
 * - `truncated`: `expectHead` was given and no row has it.
 *
 * NOTE: rows deleted from the end of the chain leave a shorter chain that is
 * intact; only an anchor (`expectHead`, a head hash stored where the
 * database's admins cannot write) shows it. The same holds for a chain
 * rewritten from some row on with every hash recomputed.
 *
 * @param options The connection, the table and the optional anchor.
 * @returns The report; it does not throw for a broken chain.
 * @throws {TypeError} If an option is malformed.
 * @throws {Error} If the table cannot be read (server down, no such table,
 * no SELECT grant); the message holds no credential.
 *
 * @example Check the chain and keep the head
 * ```ts
 * import { verifyAuditChain } from "guarded-drop/adapters/postgres";
 *
 * const report = await verifyAuditChain({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
 * console.log(report.intact, report.head?.hash);
 * ```
 */
export async function verifyAuditChain(options: VerifyAuditChainOptions): Promise<AuditChainReport> {
  const what = "verify the audit chain";
  const resolved = resolveConnection(what, options);
  const table = auditTable(options.table, what);
  const { expectHead } = options;
  if (expectHead !== undefined && (typeof expectHead !== "string" || !HASH_PATTERN.test(expectHead))) {
    throw new TypeError(
      `Cannot verify the audit chain as 'expectHead' must be 64 lower-case hex characters: current value is ${
        typeof expectHead === "string" ? `a string of ${expectHead.length} characters` : typeof expectHead
      }`,
    );
  }
  const statements = statementsOf(table);
  return await withClient(resolved, `verify the audit table "${table.name}"`, async (client) => {
    // One snapshot for every page and look-up: rows appended meanwhile are
    // not half seen.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      const checked = await checkChain(tableSource(client, statements), expectHead);
      return {
        table: table.name,
        intact: checked.break === undefined,
        rows: checked.rows,
        head: checked.break === undefined ? checked.head ?? null : null,
        break: checked.break ?? null,
        anchorSeq: checked.anchorSeq ?? null,
      };
    } finally {
      await client.query("ROLLBACK").catch(() => {});
    }
  });
}

function tableSource(client: Client, statements: ReturnType<typeof statementsOf>): ChainSource {
  const one = async (text: string, values: unknown[]): Promise<AuditRow | undefined> => {
    const { rows } = await client.query(text, values);
    return rows.length === 0 ? undefined : auditRowOf(rows[0]);
  };
  return {
    async *rows() {
      let after = 0;
      for (;;) {
        const { rows } = await client.query(statements.page, [after, PAGE_SIZE]);
        for (const raw of rows) yield auditRowOf(raw);
        if (rows.length < PAGE_SIZE) return;
        after = Number((rows[rows.length - 1] as { seq: string }).seq);
      }
    },
    byHash: (hash) => one(statements.byHash, [hash]),
    after: (seq) => one(statements.after, [seq]),
  };
}
