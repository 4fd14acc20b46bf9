/**
 * Matching what the working tree has against what a base revision has, as
 * multisets: an item is new only when the head has more of its kind than the
 * base.
 *
 * @module
 */

/** Something found in the head or in the base. */
export interface Occurrence {
  /** What makes two occurrences the same thing (never the line number). */
  readonly key: string;
  /** Its file, relative to the guard's working directory. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** The text around it, normalised: among equal keys, matching context wins. */
  readonly context?: readonly string[];
}

// A mismatching context line weighs more than any distance in lines.
const CONTEXT_WEIGHT = 1e9;

/**
 * The head occurrences that the base does not account for. Two identical
 * occurrences in the head and one in the base leave one unmatched.
 *
 * Each base occurrence accounts for at most one head occurrence with the same
 * key: first within the same file (the nearest by context, then by line),
 * then in any file, so that a renamed file's items are not new while a copy
 * of one into a second file is.
 *
 * @param head The head's occurrences.
 * @param base The base's occurrences.
 * @returns The unmatched head occurrences, in their given order.
 */
export function unmatched<T extends Occurrence>(head: readonly T[], base: readonly Occurrence[]): T[] {
  const baseByKey = new Map<string, Occurrence[]>();
  for (const item of base) baseByKey.set(item.key, [...(baseByKey.get(item.key) ?? []), item]);
  const matched = new Set<T>();
  const headByKey = new Map<string, T[]>();
  for (const item of head) headByKey.set(item.key, [...(headByKey.get(item.key) ?? []), item]);
  for (const [key, heads] of headByKey) {
    const bases = baseByKey.get(key);
    if (bases === undefined) continue;
    const used = new Set<Occurrence>();
    for (const sameFile of [true, false]) {
      const pairs: { h: T; b: Occurrence; score: number }[] = [];
      for (const h of heads) {
        if (matched.has(h)) continue;
        for (const b of bases) {
          if (used.has(b) || (sameFile && b.file !== h.file)) continue;
          pairs.push({ h, b, score: score(h, b) });
        }
      }
      pairs.sort((x, y) => x.score - y.score);
      for (const { h, b } of pairs) {
        if (matched.has(h) || used.has(b)) continue;
        matched.add(h);
        used.add(b);
      }
    }
  }
  return head.filter((item) => !matched.has(item));
}

function score(h: Occurrence, b: Occurrence): number {
  const a = h.context ?? [];
  const c = b.context ?? [];
  let mismatches = 0;
  for (let i = 0; i < Math.max(a.length, c.length); i++) if (a[i] !== c[i]) mismatches++;
  return mismatches * CONTEXT_WEIGHT + Math.abs(h.line - b.line);
}
