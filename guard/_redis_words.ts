/**
 * Redis command words in folded text: the words a command line, a Lua
 * script or an argument list sends, told apart from ACL rules and
 * configuration that only name a command.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { exactTexts, type Folded, type Piece, unwrap } from "./_fold.ts";
import { wordsOf } from "./_sql.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isArrayLiteralExpression, isCallExpression, isNewExpression } = typescript;

// Words are separated by whitespace, quotes and punctuation, but not by the
// `+`/`-`/`|`/`@` of an ACL rule: `-flushall`, `+acl|deluser` and
// `-@dangerous` are single words that deny or grant, and send nothing.
const REDIS_WORD = /[^\s"'`,;()[\]{}.:=\\]+/g;
// A command in backticks is markdown in prose (`` `FLUSHALL` ``): no
// command line, script or argument holds backticks.
const MARKDOWN_CODE = /`[^`]*`/g;

/**
 * The words of one alternative, upper-cased, with `null` for each hole.
 *
 * @param alternative One alternative of a folded string.
 * @returns The words.
 */
export function redisWords(alternative: readonly Piece[]): (string | null)[] {
  return wordsOf(alternative.map((piece) => piece?.replace(MARKDOWN_CODE, " ") ?? null), REDIS_WORD);
}

/**
 * Whether the word at `index` is renamed away by configuration, not sent:
 * `rename-command FLUSHALL ""` in redis.conf text or on a redis-server
 * command line.
 *
 * @param words The words of an alternative.
 * @param index The index of a command word.
 * @returns `true` after `rename-command`.
 */
export function isRenamed(words: readonly (string | null)[], index: number): boolean {
  const previous = words[index - 1];
  return previous === "RENAME-COMMAND" || previous === "--RENAME-COMMAND";
}

/**
 * Whether a string that is exactly a command name follows a
 * `--rename-command` argument: `["--rename-command", "FLUSHALL", ""]`.
 *
 * @param node A string expression.
 * @param fold Folds an expression.
 * @returns `true` when the previous element or argument is `--rename-command`.
 */
export function followsRename(node: ts.Expression, fold: (node: ts.Expression) => Folded): boolean {
  const parent = node.parent;
  let siblings: readonly ts.Expression[] | undefined;
  if (isArrayLiteralExpression(parent)) siblings = parent.elements;
  else if ((isCallExpression(parent) || isNewExpression(parent)) && parent.expression !== node) {
    siblings = parent.arguments;
  }
  const index = siblings?.indexOf(node) ?? -1;
  if (index <= 0) return false;
  return exactTexts(fold(unwrap(siblings![index - 1]!))).some((text) => /^-{0,2}rename-command$/i.test(text.trim()));
}
