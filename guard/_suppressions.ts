/**
 * `// drop-guard-ignore-next-line <rule-id> -- <reason>` comments.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

/** The directive a suppression comment starts with. */
export const SUPPRESSION_DIRECTIVE = "drop-guard-ignore-next-line";

/** A suppression comment. */
export interface Suppression {
  /** 1-based line of the comment. */
  readonly line: number;
  /** 1-based column of the comment. */
  readonly column: number;
  /** The comment's node range, for fingerprints. */
  readonly pos: number;
  readonly end: number;
  /** The rule ids it names. */
  readonly ruleIds: readonly string[];
  /** The reason after `--`; empty when missing. */
  readonly reason: string;
  /** The last day it holds (`until=2027-03-31`), when it has an expiry. */
  readonly until?: string;
  /** What is wrong with it; a suppression with problems suppresses nothing. */
  readonly problems: readonly string[];
}

/**
 * The suppression comments of a file. Only real `//` comments count: the
 * directive inside a string or a block comment is text, not a directive.
 *
 * @param file The file.
 * @param ruleIds The rule ids that exist.
 * @returns The suppressions, in file order.
 */
export function findSuppressions(
  file: ts.SourceFile,
  ruleIds: ReadonlySet<string>,
  today: string = utcDay(new Date()),
): Suppression[] {
  const suppressions: Suppression[] = [];
  const text = file.text;
  for (let at = text.indexOf(SUPPRESSION_DIRECTIVE); at !== -1; at = text.indexOf(SUPPRESSION_DIRECTIVE, at + 1)) {
    const comment = lineCommentAt(file, at);
    if (comment === undefined) continue;
    const body = text.slice(comment.pos + 2, comment.end).trim();
    if (!body.startsWith(SUPPRESSION_DIRECTIVE)) continue;
    const rest = body.slice(SUPPRESSION_DIRECTIVE.length);
    if (rest.length > 0 && !/^\s/.test(rest)) continue; // another word, e.g. drop-guard-ignore-next-lines
    const separator = rest.search(/(?:^|\s)--(?:\s|$)/);
    const idsText = separator === -1 ? rest : rest.slice(0, separator);
    const reason = separator === -1 ? "" : rest.slice(separator).replace(/^\s*--/, "").trim();
    const words = idsText.split(/[\s,]+/).filter((id) => id.length > 0);
    const ids = words.filter((word) => !word.startsWith(EXPIRY_PREFIX));
    const expiries = words.filter((word) => word.startsWith(EXPIRY_PREFIX)).map((word) =>
      word.slice(EXPIRY_PREFIX.length)
    );
    const problems: string[] = [];
    const until = expiries[0];
    if (expiries.length > 1) problems.push("has more than one expiry: write one until=YYYY-MM-DD");
    if (until !== undefined) {
      if (!isCalendarDay(until)) problems.push(`has an unreadable expiry '${until}': write until=YYYY-MM-DD`);
      else if (until < today) {
        problems.push(`expired on ${until}: fix the finding, or renew the suppression with a new date and reason`);
      }
    }
    if (ids.length === 0) problems.push("names no rule id");
    for (const id of ids) if (!ruleIds.has(id)) problems.push(`names an unknown rule id '${id}'`);
    if (reason.length === 0) problems.push("gives no reason: write `-- <reason>` after the rule id");
    const { line, character } = file.getLineAndCharacterOfPosition(comment.pos);
    suppressions.push({
      line: line + 1,
      column: character + 1,
      pos: comment.pos,
      end: comment.end,
      ruleIds: ids,
      reason,
      problems,
      ...(until === undefined ? {} : { until }),
    });
  }
  return suppressions;
}

// `until=2027-03-31` among the rule ids: the last day the suppression holds.
const EXPIRY_PREFIX = "until=";

// `YYYY-MM-DD` naming a real day (not 2027-02-30).
function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && utcDay(date) === text;
}

/**
 * A day as `YYYY-MM-DD` in UTC: what an expiry is compared with.
 *
 * @param date A moment.
 * @returns Its UTC calendar day.
 * @example
 * ```ts ignore
 * utcDay(new Date("2027-03-31T23:00:00Z")); // "2027-03-31"
 * ```
 */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// The `//` comment that holds `pos`, found by descending to the token whose
// leading trivia holds it.
function lineCommentAt(file: ts.SourceFile, pos: number): ts.CommentRange | undefined {
  let node: ts.Node = file;
  descend: for (;;) {
    for (const child of node.getChildren(file)) {
      if (pos < child.pos || pos >= child.end) continue;
      if (pos < child.getStart(file)) {
        return typescript.getLeadingCommentRanges(file.text, child.pos)?.find((range) =>
          range.kind === typescript.SyntaxKind.SingleLineCommentTrivia && range.pos <= pos && pos < range.end
        );
      }
      node = child;
      continue descend;
    }
    return undefined;
  }
}
