/**
 * Constant folding of string expressions: what text a string expression is
 * known to hold, with holes where it depends on run-time values.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isArrayLiteralExpression, isAsExpression, isIdentifier, isNonNullExpression, isNoSubstitutionTemplateLiteral,
  isParenthesizedExpression, isPropertyAccessExpression, isSatisfiesExpression, isSpreadElement,
  isTypeAssertionExpression, SyntaxKind,
} = typescript;

/**
 * A piece of a folded string: known text, or `null` for a run-time value
 * (a hole).
 */
export type Piece = string | null;

/**
 * What a string expression may evaluate to: one or more alternatives (a
 * conditional gives two), each a sequence of known text and holes.
 * Adjacent text pieces are merged, so a hole always separates two texts.
 *
 * @example Folding `"DROP " + kind + " x"`
 * ```ts ignore
 * const folded: Folded = [["DROP ", null, " x"]];
 * ```
 */
export type Folded = readonly (readonly Piece[])[];

/**
 * Resolves a name to the expression it is bound to, when that binding is a
 * constant. Returns `undefined` when it is not (a parameter, a `let`, a
 * value from outside the program).
 */
export type ConstResolver = (node: ts.Identifier | ts.PropertyAccessExpression) => ts.Expression | undefined;

/** A single hole: nothing is known. */
export const UNKNOWN: Folded = [[null]];

// A conditional or `??` doubles the alternatives; past this many the rest
// are dropped, so a hostile expression cannot blow up the scan.
const MAX_ALTERNATIVES = 16;
// Deep enough for any hand-written concatenation, and a guard against cycles
// through const bindings (`const a = b; const b = a;` does not compile, but
// the scanner must not hang on it either).
const MAX_DEPTH = 48;

/** String methods whose result holds the same words as their receiver, case aside. */
export const CASE_PRESERVING_METHODS: ReadonlySet<string> = new Set([
  "toUpperCase",
  "toLowerCase",
  "toLocaleUpperCase",
  "toLocaleLowerCase",
  "toString",
  "valueOf",
  "trim",
  "trimStart",
  "trimEnd",
  "normalize",
]);

/**
 * Folds a string expression.
 *
 * It follows concatenation (`+`, `.concat()`), template literals (their
 * cooked text, so `\u0020` is a space), tagged templates (`String.raw` gives
 * the raw text), `[...].join(sep)`, conditionals and `??`/`||` (both
 * branches), case and whitespace methods (`.toUpperCase()`, `.trim()`),
 * `String(x)`, `new URL(path, base)`, `path.posix.join(…)`, and names bound
 * to constants through `resolve`.
 *
 * @param node The expression.
 * @param resolve Resolves names to constant initializers.
 * @returns The alternatives; `[[null]]` when nothing is known.
 */
export function fold(node: ts.Expression, resolve: ConstResolver): Folded {
  return foldAt(node, resolve, 0, new Set());
}

/**
 * Whether any alternative holds known text.
 *
 * @param folded A folded expression.
 * @returns `true` unless every piece is a hole.
 */
export function hasText(folded: Folded): boolean {
  return folded.some((alt) => alt.some((piece) => piece !== null && piece.length > 0));
}

/**
 * The alternatives that are entirely known text.
 *
 * @param folded A folded expression.
 * @returns Each fully known alternative as one string.
 */
export function exactTexts(folded: Folded): string[] {
  const texts: string[] = [];
  for (const alt of folded) {
    if (alt.every((piece) => piece !== null)) texts.push(alt.join(""));
  }
  return texts;
}

function foldAt(node: ts.Expression, resolve: ConstResolver, depth: number, visiting: Set<ts.Node>): Folded {
  if (depth > MAX_DEPTH) return UNKNOWN;
  const next = depth + 1;
  switch (node.kind) {
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
      return [[(node as ts.StringLiteral).text]];
    case SyntaxKind.NumericLiteral:
    case SyntaxKind.BigIntLiteral:
      return [[(node as ts.NumericLiteral).text]];
    case SyntaxKind.TemplateExpression:
      return foldTemplate(node as ts.TemplateExpression, false, resolve, next, visiting);
    case SyntaxKind.TaggedTemplateExpression: {
      const tagged = node as ts.TaggedTemplateExpression;
      const raw = isStringRaw(tagged.tag);
      const template = tagged.template;
      if (isNoSubstitutionTemplateLiteral(template)) {
        return [[raw ? (template.rawText ?? template.text) : (template.text ?? template.rawText ?? "")]];
      }
      return foldTemplate(template, raw, resolve, next, visiting);
    }
    case SyntaxKind.ParenthesizedExpression:
    case SyntaxKind.AsExpression:
    case SyntaxKind.SatisfiesExpression:
    case SyntaxKind.NonNullExpression:
    case SyntaxKind.TypeAssertionExpression:
      return foldAt((node as ts.ParenthesizedExpression).expression, resolve, next, visiting);
    case SyntaxKind.BinaryExpression: {
      const binary = node as ts.BinaryExpression;
      switch (binary.operatorToken.kind) {
        case SyntaxKind.PlusToken:
          return concat([foldAt(binary.left, resolve, next, visiting), foldAt(binary.right, resolve, next, visiting)]);
        case SyntaxKind.QuestionQuestionToken:
        case SyntaxKind.BarBarToken:
          return union(foldAt(binary.left, resolve, next, visiting), foldAt(binary.right, resolve, next, visiting));
        case SyntaxKind.CommaToken:
          return foldAt(binary.right, resolve, next, visiting);
        default:
          return UNKNOWN;
      }
    }
    case SyntaxKind.ConditionalExpression: {
      const conditional = node as ts.ConditionalExpression;
      return union(foldAt(conditional.whenTrue, resolve, next, visiting), foldAt(conditional.whenFalse, resolve, next, visiting));
    }
    case SyntaxKind.Identifier:
    case SyntaxKind.PropertyAccessExpression: {
      if (visiting.has(node)) return UNKNOWN;
      const target = resolve(node as ts.Identifier | ts.PropertyAccessExpression);
      if (target === undefined || visiting.has(target)) return UNKNOWN;
      visiting.add(node);
      visiting.add(target);
      try {
        return foldAt(target, resolve, next, visiting);
      } finally {
        visiting.delete(node);
        visiting.delete(target);
      }
    }
    case SyntaxKind.CallExpression:
      return foldCall(node as ts.CallExpression, resolve, next, visiting);
    case SyntaxKind.NewExpression: {
      const created = node as ts.NewExpression;
      // `new URL(path, base)`: the path is what the request goes to.
      if (isIdentifier(created.expression) && created.expression.text === "URL" && created.arguments?.[0] !== undefined) {
        const path = foldAt(created.arguments[0], resolve, next, visiting);
        if (created.arguments[1] === undefined) return path;
        // An absolute path replaces the base's path; a relative one is
        // resolved below it (`new URL("vhosts/x", "http://mq/api/")`).
        if (path.every((alt) => typeof alt[0] === "string" && alt[0].startsWith("/"))) return concat([UNKNOWN, path]);
        const base = foldAt(created.arguments[1], resolve, next, visiting);
        return concat([base, base.every((alt) => alt[alt.length - 1]?.endsWith("/") === true) ? [[""]] : [["/"]], path]);
      }
      if (isIdentifier(created.expression) && created.expression.text === "String" && created.arguments?.[0] !== undefined) {
        return foldAt(created.arguments[0], resolve, next, visiting);
      }
      return UNKNOWN;
    }
    default:
      return UNKNOWN;
  }
}

function foldTemplate(
  template: ts.TemplateExpression,
  raw: boolean,
  resolve: ConstResolver,
  depth: number,
  visiting: Set<ts.Node>,
): Folded {
  // An invalid escape in a tagged template has no cooked text: the tag sees
  // `undefined` there, but the raw text is what a SQL tag would send.
  const textOf = (literal: ts.TemplateLiteralLikeNode) => (raw ? (literal.rawText ?? literal.text) : (literal.text ?? literal.rawText ?? ""));
  const parts: Folded[] = [[[textOf(template.head)]]];
  for (const span of template.templateSpans) {
    parts.push(foldAt(span.expression, resolve, depth, visiting));
    parts.push([[textOf(span.literal)]]);
  }
  return concat(parts);
}

function foldCall(call: ts.CallExpression, resolve: ConstResolver, depth: number, visiting: Set<ts.Node>): Folded {
  const callee = call.expression;
  if (isIdentifier(callee) && callee.text === "String" && call.arguments[0] !== undefined) {
    return foldAt(call.arguments[0], resolve, depth, visiting);
  }
  if (isPathJoin(callee)) {
    // `path.posix.join("/api/vhosts", name)`: the parts, `/`-separated.
    const parts: Folded[] = [];
    call.arguments.forEach((argument, index) => {
      if (index > 0) parts.push([["/"]]);
      parts.push(isSpreadElement(argument) ? UNKNOWN : foldAt(argument, resolve, depth, visiting));
    });
    return concat(parts);
  }
  if (!isPropertyAccessExpression(callee)) return UNKNOWN;
  const method = callee.name.text;
  if (CASE_PRESERVING_METHODS.has(method)) {
    // Matching ignores case, so only the text matters.
    return foldAt(callee.expression, resolve, depth, visiting);
  }
  if (method === "concat") {
    return concat([callee.expression, ...call.arguments].map((part) => foldAt(part, resolve, depth, visiting)));
  }
  if (method === "join") {
    const array = unwrap(callee.expression);
    if (!isArrayLiteralExpression(array)) return UNKNOWN;
    const separator = call.arguments[0] === undefined ? [[","]] : foldAt(call.arguments[0], resolve, depth, visiting);
    const parts: Folded[] = [];
    array.elements.forEach((element, index) => {
      if (index > 0) parts.push(separator);
      parts.push(isSpreadElement(element) ? UNKNOWN : foldAt(element, resolve, depth, visiting));
    });
    return concat(parts);
  }
  return UNKNOWN;
}

/**
 * Whether a callee joins path segments: `path.join`, `path.posix.join`,
 * `posix.join`, or `join` imported from `node:path`.
 *
 * @param callee A call's callee.
 * @returns `true` for a path join.
 */
export function isPathJoin(callee: ts.Expression): boolean {
  const bare = unwrap(callee);
  if (isIdentifier(bare)) return bare.text === "join" || bare.text === "pathJoin";
  if (!isPropertyAccessExpression(bare) || bare.name.text !== "join") return false;
  const owner = unwrap(bare.expression);
  if (isIdentifier(owner)) return /^(?:path|posix|nodePath|pathPosix|win32)$/.test(owner.text);
  return isPropertyAccessExpression(owner) && (owner.name.text === "posix" || owner.name.text === "win32");
}

/**
 * Whether `tag` is `String.raw`.
 *
 * @param tag The tag of a tagged template.
 * @returns `true` for `String.raw` (also parenthesized).
 */
export function isStringRaw(tag: ts.Expression): boolean {
  const bare = unwrap(tag);
  return isPropertyAccessExpression(bare) && bare.name.text === "raw" && isIdentifier(bare.expression) &&
    bare.expression.text === "String";
}

/**
 * Strips parentheses, `as`, `satisfies`, `!` and `<T>` casts.
 *
 * @param node An expression.
 * @returns The expression inside the wrappers.
 */
export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    isParenthesizedExpression(current) || isAsExpression(current) || isSatisfiesExpression(current) ||
    isNonNullExpression(current) || isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function concat(parts: readonly Folded[]): Folded {
  // The common case, one alternative each: no cartesian product.
  if (parts.every((part) => part.length === 1)) {
    let single: Piece[] = [];
    for (const part of parts) single = append(single, part[0]!);
    return [single];
  }
  let result: Piece[][] = [[]];
  for (const part of parts) {
    const next: Piece[][] = [];
    for (const prefix of result) {
      for (const alt of part) {
        if (next.length >= MAX_ALTERNATIVES) break;
        next.push(append(prefix, alt));
      }
    }
    result = next;
  }
  return result;
}

function append(prefix: readonly Piece[], suffix: readonly Piece[]): Piece[] {
  const out = prefix.slice();
  for (const piece of suffix) {
    const last = out.length - 1;
    if (piece !== null && last >= 0 && out[last] !== null) out[last] = (out[last] as string) + piece;
    else if (piece === null && last >= 0 && out[last] === null) continue;
    else out.push(piece);
  }
  return out;
}

function union(a: Folded, b: Folded): Folded {
  return [...a, ...b].slice(0, MAX_ALTERNATIVES);
}
