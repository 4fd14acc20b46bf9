/**
 * Finding `DROP DATABASE|ROLE|USER|SCHEMA|OWNED` in folded SQL text.
 *
 * @module
 */

import type { Folded, Piece } from "./_fold.ts";

/** The SQL objects whose drop destroys tenant data. */
export const SQL_DROP_OBJECTS: readonly ["DATABASE", "ROLE", "USER", "SCHEMA", "OWNED"] = Object.freeze(
  ["DATABASE", "ROLE", "USER", "SCHEMA", "OWNED"] as const,
);

/** One of {@linkcode SQL_DROP_OBJECTS}. */
export type SqlDropObject = (typeof SQL_DROP_OBJECTS)[number];

// A hole inside the text (a run-time value) stands for this character. It is
// a Unicode noncharacter, so no real SQL holds it.
const HOLE_CHAR = "\uFFFF";
// Nested quoting deeper than this (a string in a string in a string…) is not
// looked into.
const MAX_QUOTE_DEPTH = 4;

/**
 * A token: a word (upper-cased), a boundary where a statement may begin, a
 * hole, a command-line flag (`-c`, `--command`), or other punctuation.
 */
type Token =
  | { readonly kind: "word"; readonly text: string; readonly end: number; readonly lineStart: boolean }
  | { readonly kind: "start" }
  | { readonly kind: "hole" }
  | { readonly kind: "flag" }
  | { readonly kind: "other"; readonly char: number };

const START: Token = { kind: "start" };
const HOLE: Token = { kind: "hole" };
const FLAG: Token = { kind: "flag" };
const PROSE_QUOTE: Token = { kind: "other", char: 34 };

// Words after which a quoted string may hold a statement: besides the
// statement starters, a query that builds statements (`SELECT 'DROP …' \gexec`,
// `PREPARE s FROM 'DROP …'`) and a shell that feeds one (`echo 'DROP …' | psql`).
// After any other word a quote is human-readable text: `refusing "DROP DATABASE x"`.
const QUOTE_STARTERS: ReadonlySet<string> = new Set([
  "SELECT",
  "PERFORM",
  "RETURN",
  "FROM",
  "CALL",
  "EXEC",
  "ECHO",
  "PRINTF",
]);
// Punctuation after which a quote may open a statement: an assignment
// (`sql="DROP …"`), an argument list, concatenation, a pipe or a redirect.
const QUOTE_AFTER = new Set([
  61, /* = */
  44, /* , */
  124, /* | */
  60, /* < */
  62, /* > */
  43, /* + */
  38, /* & */
  123, /* { */
  91, /* [ */
]);

// Words after which a statement may begin: PL/pgSQL and procedural blocks
// (`DO $$ BEGIN DROP ROLE …; END $$`, `IF … THEN DROP …`), dynamic SQL
// (`EXECUTE IMMEDIATE 'DROP …'`) and function bodies (`AS 'DROP …'`).
// Anything else before DROP ("cannot drop user", "failed to drop role") is
// English, not SQL.
const STATEMENT_STARTERS: ReadonlySet<string> = new Set([
  "BEGIN",
  "THEN",
  "ELSE",
  "LOOP",
  "DO",
  "EXECUTE",
  "IMMEDIATE",
  "AS",
  "INSTEAD",
  "ALSO",
]);

/**
 * The destructive DROP statements in a folded SQL string.
 *
 * Matching ignores case, whitespace (newlines and tabs too) and SQL comments
 * (`--` and nested `/* *\/`), and looks inside quoted strings, dollar
 * quotes and shell quotes, where dynamic SQL and `psql -c '…'` put it.
 * Keywords are matched as whole words, and DROP must stand where a statement
 * can begin: at the start, after `;`, `(`, a new line, a run-time value, a
 * procedural keyword, a command-line flag (`-c`, `--command=`), or a quote
 * that opens code (after a flag, `=`, `(`, `,`, `|`, `EXECUTE`, `SELECT`,
 * `echo`). Prose such as "cannot drop databases while replicating", "failed to
 * drop user", `refusing "DROP DATABASE x"` or markdown `` `DROP ROLE` `` stays
 * quiet. `DROP GROUP` counts as `ROLE` (its alias).
 *
 * NOTE: a run-time value between the keywords (`"DROP " + kind`) hides the
 * statement; such code has no constant to match.
 *
 * @param folded The folded string.
 * @param objects The objects to look for (upper case).
 * @returns The matched objects, in order of appearance, without duplicates.
 */
export function findSqlDrops(folded: Folded, objects: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const alternative of folded) {
    const tokens = tokenize(textWithHoles(alternative), 0);
    for (let i = 0; i < tokens.length - 1; i++) {
      const token = tokens[i]!;
      if (token.kind !== "word" || token.text !== "DROP") continue;
      const object = tokens[i + 1]!;
      // `DROP GROUP` is PostgreSQL's alias of DROP ROLE.
      if (object.kind !== "word" || !(objects.has(object.text) || (object.text === "GROUP" && objects.has("ROLE")))) {
        continue;
      }
      // `DROP USER MAPPING` drops a foreign-server login, not a user.
      const after = tokens[i + 2];
      if (object.text === "USER" && after?.kind === "word" && after.text === "MAPPING") continue;
      if (token.lineStart || canStartStatement(tokens[i - 1])) found.add(object.text);
    }
  }
  return [...found];
}

function canStartStatement(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  switch (previous.kind) {
    case "start":
    case "hole":
    case "flag":
      return true;
    case "word":
      return STATEMENT_STARTERS.has(previous.text);
    default:
      // psql's `\\` ends a meta-command on its line: `\c postgres \\ DROP …`.
      return previous.char === 92;
  }
}

// Whether a quote opening after `previous` (with whitespace between them or
// not) opens a statement, as a shell argument or dynamic SQL does, rather
// than quoting in human-readable text.
function quoteCanStart(previous: Token | undefined, adjacent: boolean): boolean {
  // `E'DROP …'`: a string prefix.
  if (previous?.kind === "word") {
    return adjacent || STATEMENT_STARTERS.has(previous.text) || QUOTE_STARTERS.has(previous.text);
  }
  if (previous?.kind === "other") return QUOTE_AFTER.has(previous.char);
  return canStartStatement(previous);
}

/**
 * Joins an alternative's pieces, with a hole character for each hole.
 *
 * @param alternative One alternative of a folded string.
 * @returns The text.
 */
export function textWithHoles(alternative: readonly Piece[]): string {
  let text = "";
  for (const piece of alternative) text += piece ?? HOLE_CHAR;
  return text;
}

function tokenize(text: string, depth: number): Token[] {
  // Character codes rather than regular expressions: this runs on every
  // string that mentions "drop".
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = false;
  let count = 0;
  while (i < n) {
    if (tokens.length !== count) {
      lineStart = false;
      count = tokens.length;
    }
    const c = text.charCodeAt(i);
    if (c === HOLE_CODE) {
      tokens.push(HOLE);
      i++;
    } else if (c === 10 /* \n */) {
      // A word that begins a line may begin a statement: a script, a heredoc,
      // the line after a psql meta-command (`\c tenant`).
      lineStart = true;
      i++;
    } else if (isSpace(c)) {
      i++;
    } else if (c === 45 /* - */ && isFlagStart(text, i)) {
      i = pushFlag(tokens, text, i);
    } else if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? n : end;
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(text, i);
    } else if (c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */) {
      const quote = text[i]!;
      const end = closingQuote(text, i + 1, quote);
      // A backtick quotes an identifier (MySQL) or code in prose (markdown):
      // never a statement.
      const previous = tokens[tokens.length - 1];
      const adjacent = previous?.kind === "word" && previous.end === i;
      const opens = c !== 96 && quoteCanStart(previous, adjacent);
      pushQuoted(tokens, text.slice(i + 1, end).split(quote + quote).join(quote), depth, opens);
      i = end + 1;
    } else if (c === 36 /* $ */) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag === null) {
        tokens.push({ kind: "other", char: c });
        i++;
        continue;
      }
      const open = tag[0];
      const close = text.indexOf(open, i + open.length);
      const end = close === -1 ? n : close;
      pushQuoted(tokens, text.slice(i + open.length, end), depth, true);
      i = close === -1 ? n : close + open.length;
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      tokens.push({ kind: "word", text: text.slice(i, j).toUpperCase(), end: j, lineStart });
      i = j;
    } else if (c === 59 /* ; */ || c === 40 /* ( */) {
      tokens.push(START);
      i++;
    } else {
      tokens.push({ kind: "other", char: c });
      i++;
    }
  }
  return tokens;
}

// A command-line flag: `-c`, `-e`, `--command`, `--command=…`, at the start
// of a word. `--` followed by a space, or by text that is no option, is an
// SQL comment.
function isFlagStart(text: string, i: number): boolean {
  if (i > 0 && !isSpace(text.charCodeAt(i - 1)) && text[i - 1] !== "'" && text[i - 1] !== '"') return false;
  const option = /^--?[A-Za-z][\w-]*(=|\s+['"]|\s*$)?/.exec(text.slice(i, i + 64));
  if (option === null) return false;
  // `-c` is always a flag; `--name` only when a value follows it (`=`, a
  // quoted argument) or it ends the text (an argv element): `--DROP DATABASE x`
  // is commented-out SQL.
  return option[0][1] !== "-" || option[1] !== undefined;
}

function pushFlag(tokens: Token[], text: string, i: number): number {
  let j = i + 1;
  if (text.charCodeAt(j) === 45) j++;
  while (j < text.length && (isWordPart(text.charCodeAt(j)) || text.charCodeAt(j) === 45)) j++;
  tokens.push(FLAG);
  // `--command=DROP DATABASE x`: the value begins a statement.
  if (text.charCodeAt(j) === 61 /* = */) {
    tokens.push(START);
    j++;
  }
  return j;
}

const HOLE_CODE = HOLE_CHAR.charCodeAt(0);

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0x1680;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function pushQuoted(tokens: Token[], content: string, depth: number, opens: boolean): void {
  tokens.push(opens ? START : PROSE_QUOTE);
  if (depth < MAX_QUOTE_DEPTH) tokens.push(...tokenize(content, depth + 1));
  tokens.push(opens ? START : PROSE_QUOTE);
}

function closingQuote(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === "\\") {
      i += 2;
      continue;
    }
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return text.length;
}

function skipBlockComment(text: string, from: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (text[i] === "*" && text[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return text.length;
}

/**
 * The words of a folded alternative, upper-cased, with `null` for each hole.
 * A word is a run of letters, digits and `_` unless `word` says otherwise;
 * everything else separates.
 *
 * @param alternative One alternative of a folded string.
 * @param word What a word is (a global regular expression).
 * @returns The words.
 */
export function wordsOf(alternative: readonly Piece[], word: RegExp = SQL_WORD): (string | null)[] {
  const words: (string | null)[] = [];
  for (const piece of alternative) {
    if (piece === null) {
      words.push(null);
      continue;
    }
    for (const match of piece.matchAll(word)) words.push(match[0].toUpperCase());
  }
  return words;
}

const SQL_WORD = /[A-Za-z0-9_]+/g;
