// Internal: walks the chain in seq order and names the first break, as
// CloudTrail's digest validation names a modified, deleted or out-of-order
// file. Reads rows through a source, so that a table of any size is checked
// one page at a time.

import { type AuditRow, chainHash, GENESIS_HASH } from "./_audit_chain.ts";

/** What was done to the chain. */
export type ChainBreakKind = "edited" | "deleted" | "inserted" | "reordered" | "truncated";

/** The first break found. */
export interface ChainBreak {
  /** What is wrong with the chain at this row. */
  readonly kind: ChainBreakKind;
  /** The seq of the row named: the edited, inserted or misplaced row, or the first missing seq. */
  readonly seq: number;
  /** The named row's drop_id, or `null` when the row is gone. */
  readonly drop_id: string | null;
  /** One sentence: what does not match. */
  readonly detail: string;
}

/** Where the rows come from. */
export interface ChainSource {
  /** Every row, in seq order. */
  rows(): AsyncIterable<AuditRow>;
  /** The row with the lowest seq whose stored hash is `hash`. */
  byHash(hash: string): Promise<AuditRow | undefined>;
  /** The row with the lowest seq above `seq`. */
  after(seq: number): Promise<AuditRow | undefined>;
}

/** The outcome of a walk. */
export interface ChainCheck {
  /** How many rows were read before the walk stopped (all of them when intact). */
  readonly rows: number;
  /** The last row read: the head when intact. */
  readonly head: { readonly seq: number; readonly hash: string } | undefined;
  /** The first break, when there is one. */
  readonly break: ChainBreak | undefined;
  /** Where the expected head was found, when one was given and found. */
  readonly anchorSeq: number | undefined;
}

/**
 * Walks the chain and stops at the first break. With `expectHead`, a chain
 * that never reaches that hash is `truncated`: rows were cut from the tail
 * (or the whole chain was rewritten) since the hash was stored elsewhere.
 */
export async function checkChain(source: ChainSource, expectHead?: string): Promise<ChainCheck> {
  let previous: AuditRow | undefined;
  let current: AuditRow | undefined;
  let rows = 0;
  let anchorSeq: number | undefined;
  const step = async (row: AuditRow, next: AuditRow | undefined): Promise<ChainBreak | undefined> => {
    rows++;
    const found = await breakAt(source, previous, row, next);
    if (found === undefined && row.hash === expectHead && anchorSeq === undefined) anchorSeq = row.seq;
    previous = row;
    return found;
  };
  // One row of look-ahead: an inserted row is recognised by its successor
  // being chained to the row before it.
  for await (const next of source.rows()) {
    if (current !== undefined) {
      const found = await step(current, next);
      if (found !== undefined) return { rows, head: headOf(current), break: found, anchorSeq };
    }
    current = next;
  }
  if (current !== undefined) {
    const found = await step(current, undefined);
    if (found !== undefined) return { rows, head: headOf(current), break: found, anchorSeq };
  }
  if (expectHead !== undefined && anchorSeq === undefined) {
    const last = previous;
    return {
      rows,
      head: last === undefined ? undefined : headOf(last),
      anchorSeq,
      break: {
        kind: "truncated",
        seq: last === undefined ? 0 : last.seq,
        drop_id: last?.drop_id ?? null,
        detail: `no row has the expected head hash ${expectHead}: rows were deleted from the end of the chain, ` +
          `or the chain was rewritten, since that hash was stored`,
      },
    };
  }
  return { rows, head: previous === undefined ? undefined : headOf(previous), break: undefined, anchorSeq };
}

function headOf(row: AuditRow): { seq: number; hash: string } {
  return { seq: row.seq, hash: row.hash };
}

/** Whether `row` follows `previous` correctly, and if not, the most likely cause. */
async function breakAt(
  source: ChainSource,
  previous: AuditRow | undefined,
  row: AuditRow,
  next: AuditRow | undefined,
): Promise<ChainBreak | undefined> {
  const expectedPrev = previous?.hash ?? GENESIS_HASH;
  const expectedSeq = (previous?.seq ?? 0) + 1;
  const selfConsistent = safeHash(row.prev_hash, row) === row.hash;
  const linked = row.prev_hash === expectedPrev;
  if (linked && selfConsistent && row.seq === expectedSeq) return undefined;
  const named = (kind: ChainBreakKind, at: AuditRow, detail: string): ChainBreak => ({
    kind,
    seq: at.seq,
    drop_id: at.drop_id,
    detail,
  });
  const where = (at: AuditRow) => `seq ${at.seq} (drop_id ${at.drop_id})`;

  if (linked) {
    return row.seq === expectedSeq
      ? named(
        "edited",
        row,
        `the fields of ${where(row)} do not hash to its stored hash: a field or the hash was changed`,
      )
      : named(
        "edited",
        row,
        `${where(row)} is chained to seq ${expectedSeq - 1} but numbered ${row.seq}: its seq was changed`,
      );
  }
  if (row.seq === expectedSeq && safeHash(expectedPrev, row) === row.hash) {
    return named(
      "edited",
      row,
      `the prev_hash of ${where(row)} was changed: its fields hash correctly from the row before it`,
    );
  }
  const twin = await source.byHash(row.hash);
  if (twin !== undefined && twin.seq < row.seq) {
    return named("inserted", row, `${where(row)} is a copy of seq ${twin.seq}: it has the same hash`);
  }
  if (row.prev_hash === GENESIS_HASH) {
    // Chained as the first row but not first: something was put before it.
    const first = await source.after(0);
    if (first !== undefined && first.seq < row.seq) {
      return named(
        "inserted",
        first,
        `${where(row)} is chained as the first row, so the rows from ${where(first)} on were inserted before it`,
      );
    }
  }
  const predecessor = row.prev_hash === GENESIS_HASH ? undefined : await source.byHash(row.prev_hash);
  if (predecessor !== undefined && predecessor.seq > row.seq) {
    return named(
      "reordered",
      row,
      `${where(row)} is chained to seq ${predecessor.seq}, which comes after it: rows were reordered`,
    );
  }
  if (predecessor !== undefined && previous !== undefined && predecessor.seq < previous.seq) {
    if (hashesAt(row, predecessor.seq + 1)) {
      // A genuine row, once numbered right after its predecessor: what
      // stands between them now was put there.
      const first = await source.after(predecessor.seq);
      const at = first ?? row;
      return named(
        "inserted",
        at,
        `${where(row)} is chained to seq ${predecessor.seq}, so the rows from ${where(at)} on were inserted after it`,
      );
    }
    return named(
      "inserted",
      row,
      `${where(row)} claims seq ${predecessor.seq} as its predecessor but was never numbered after it: a forged row`,
    );
  }
  if (next !== undefined && next.prev_hash === expectedPrev) {
    return named(
      "inserted",
      row,
      `${where(row)} was inserted: the row after it, seq ${next.seq}, is chained to the row before it`,
    );
  }
  if (row.seq > expectedSeq) {
    const missing = row.seq - expectedSeq === 1 ? `seq ${expectedSeq} is` : `seq ${expectedSeq}–${row.seq - 1} are`;
    return {
      kind: "deleted",
      seq: expectedSeq,
      drop_id: null,
      detail:
        `${missing} missing: ${previous === undefined ? "the chain starts" : `${where(previous)} is followed`} by ${
          where(row)
        }, ` +
        `which is chained to a row no longer in the table`,
    };
  }
  if (previous === undefined) {
    return {
      kind: "deleted",
      seq: row.seq,
      drop_id: null,
      detail: `rows before ${
        where(row)
      } are missing: it is chained to a row no longer in the table, and the chain was renumbered`,
    };
  }
  if (selfConsistent) {
    // The row is intact and chained to a hash no row has any longer: the
    // row before it was changed and its hash recomputed, or replaced.
    return named(
      "edited",
      previous,
      `${where(row)} is chained to a hash no row has: ${where(previous)} was changed and its hash ` +
        `recomputed, or replaced`,
    );
  }
  if (renumberedFrom(row) !== undefined) {
    return {
      kind: "deleted",
      seq: row.seq,
      drop_id: null,
      detail:
        `a row before ${where(row)} was deleted and the rows after it renumbered: it was seq ${
          renumberedFrom(row)
        }, and is ` +
        `chained to a row no longer in the table`,
    };
  }
  return named(
    "inserted",
    row,
    `${where(row)} is chained to a hash no row has, and hashes to its own hash under no seq: a forged row`,
  );
}

/** How far back a renumbering is searched for: a hash per try, only on a broken chain. */
const MAX_RENUMBERING = 100_000;

/** Whether the row's fields hash to its stored hash when numbered `seq`. */
function hashesAt(row: AuditRow, seq: number): boolean {
  return safeHash(row.prev_hash, { ...row, seq }) === row.hash;
}

/** The seq a genuine row had before rows before it were deleted and the rest renumbered down. */
function renumberedFrom(row: AuditRow): number | undefined {
  for (let shift = 1; shift <= MAX_RENUMBERING; shift++) {
    if (hashesAt(row, row.seq + shift)) return row.seq + shift;
  }
  return undefined;
}

/** The row's hash from a given predecessor, or "" when a forged value cannot be hashed at all. */
function safeHash(prevHash: string, row: AuditRow): string {
  try {
    return chainHash(prevHash, row);
  } catch {
    return "";
  }
}
