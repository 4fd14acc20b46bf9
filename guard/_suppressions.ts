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
export function findSuppressions(file: ts.SourceFile, ruleIds: ReadonlySet<string>): Suppression[] {
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
    const ids = idsText.split(/[\s,]+/).filter((id) => id.length > 0);
    const problems: string[] = [];
    if (ids.length === 0) problems.push("names no rule id");
    for (const id of ids) if (!ruleIds.has(id)) problems.push(`names an unknown rule id '${id}'`);
    if (reason.length === 0) problems.push("gives no reason: write `-- <reason>` after the rule id");
    const { line, character } = file.getLineAndCharacterOfPosition(comment.pos);
    suppressions.push({ line: line + 1, column: character + 1, pos: comment.pos, end: comment.end, ruleIds: ids, reason, problems });
  }
  return suppressions;
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
