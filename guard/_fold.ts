/**
 * Constant folding of string expressions: what text a string expression is
 * known to hold, with holes where it depends on run-time values.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { stringOperation, type StringOperationKind } from "./_string_operations.ts";
import {
  arrayElements,
  helperFunction,
  helperReturns,
  letParts,
  mapValues,
  memberValue,
  type ValueOf,
} from "./_flow.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isAsExpression,
  isCallExpression,
  isIdentifier,
  isNonNullExpression,
  isNoSubstitutionTemplateLiteral,
  isParenthesizedExpression,
  isPropertyAccessExpression,
  isSatisfiesExpression,
  isSpreadElement,
  isTypeAssertionExpression,
  SyntaxKind,
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

/**
 * The string values a node's type allows (`kind: "DATABASE" | "ROLE"`), for
 * a value the code does not show; `undefined` when its type is not made of
 * string literals.
 */
export type LiteralTypes = (node: ts.Expression) => readonly string[] | undefined;

/**
 * One string evaluation: how names resolve, what a hole's type allows, the
 * names of the file being folded, and (for a reported expression) where the
 * literals and steps are collected. Passed down explicitly: no fold keeps
 * state between calls.
 */
interface Evaluation {
  readonly resolve: ConstResolver;
  readonly types: LiteralTypes | undefined;
  readonly valueOf: ValueOf;
  /** The names of the file being folded, for cheap filters; `undefined` looks every name up. */
  readonly names: FlowNames | undefined;
  /** Where the fold's literals and steps go, when its provenance is asked for. */
  readonly collecting: { readonly literals: Set<ts.Node>; readonly steps: ts.Node[] } | undefined;
}

/** A single hole: nothing is known. */
export const UNKNOWN: Folded = [[null]];

// A conditional or `??` doubles the alternatives; past this many the rest
// are dropped, so a hostile expression cannot blow up the scan.
const MAX_ALTERNATIVES = 16;
// Deep enough for any hand-written concatenation, and a guard against cycles
// through const bindings (`const a = b; const b = a;` does not compile, but
// the scanner must not hang on it either).
const MAX_DEPTH = 48;

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
export function fold(node: ts.Expression, resolve: ConstResolver, types?: LiteralTypes, names?: FlowNames): Folded {
  return foldAt(node, evaluation(resolve, types, names, undefined), 0, new Set());
}

/**
 * Folds as {@linkcode fold} does, and says where the text was written.
 * Slower: the engine asks it only for the expressions a rule reports.
 *
 * @param node The expression.
 * @param resolve Resolves names to constant initializers.
 * @param types The string literals a hole's type allows.
 * @param names The names of the file, as for {@linkcode fold}.
 * @returns The alternatives and their provenance.
 */
export function foldWithProvenance(
  node: ts.Expression,
  resolve: ConstResolver,
  types?: LiteralTypes,
  names?: FlowNames,
): { readonly folded: Folded; readonly provenance: Provenance } {
  const collecting = { literals: new Set<ts.Node>(), steps: [] as ts.Node[] };
  const folded = foldAt(node, evaluation(resolve, types, names, collecting), 0, new Set());
  const provenance = {
    literals: [...collecting.literals],
    steps: collecting.steps.filter((step, i, all) => all.indexOf(step) === i),
  };
  return { folded, provenance };
}

/**
 * Where a folded value's text was written: the string and template literals
 * it was built from, and the bindings and calls it crossed on the way (each
 * a node: the initializer, assigned value or returned value that was
 * followed), nearest to the literals last.
 */
export interface Provenance {
  readonly literals: readonly ts.Node[];
  readonly steps: readonly ts.Node[];
}

/** Which names of the file being walked may be followed by data flow. */
export interface FlowNames {
  /** `let`/`var` names and enums. */
  readonly mutable: ReadonlySet<string>;
  /** Function declarations (a helper's name). */
  readonly functions: ReadonlySet<string>;
  /** Constants (a helper bound to one). */
  readonly constants: ReadonlySet<string>;
  /** Names whose members may be constant: constant objects and maps, enums, imports. */
  readonly owners: ReadonlySet<string>;
  /** Names the file imports. */
  readonly imports: Iterable<string>;
}

function evaluation(
  resolve: ConstResolver,
  types: LiteralTypes | undefined,
  names: FlowNames | undefined,
  collecting: Evaluation["collecting"],
): Evaluation {
  const valueOf: ValueOf = (node) => {
    const bare = unwrap(node);
    if (isIdentifier(bare) || isPropertyAccessExpression(bare)) {
      const found = resolve(bare) ?? (isPropertyAccessExpression(bare) ? memberValue(bare, valueOf) : undefined);
      return found === undefined ? undefined : unwrap(found);
    }
    return undefined;
  };
  return { resolve, types, valueOf, names, collecting };
}

const mayBeMutable = (ev: Evaluation, name: string) => ev.names === undefined || ev.names.mutable.has(name);
// Whether `a.b.c` starts at a name whose members may be constant.
function mayOwnMembers(ev: Evaluation, node: ts.Expression): boolean {
  if (ev.names === undefined) return true;
  let base = node;
  while (isPropertyAccessExpression(base) || base.kind === SyntaxKind.ElementAccessExpression) {
    base = (base as ts.PropertyAccessExpression).expression;
  }
  return isIdentifier(base) && ev.names.owners.has(base.text);
}
const mayBeHelper = (ev: Evaluation, name: string) =>
  ev.names === undefined || ev.names.functions.has(name) || ev.names.constants.has(name);

// The same evaluation, without collecting literals: for what is not part of
// the text (a Map key, a replace pattern).
function quiet(ev: Evaluation): Evaluation {
  return ev.collecting === undefined ? ev : { ...ev, collecting: undefined };
}

function step(ev: Evaluation, node: ts.Node): void {
  ev.collecting?.steps.push(node);
}

// A value the code does not show: the string literals its type allows.
function typed(node: ts.Expression, ev: Evaluation): Folded {
  const values = ev.types?.(node);
  return values === undefined || values.length === 0
    ? UNKNOWN
    : values.slice(0, MAX_ALTERNATIVES).map((value) => [value]);
}

function foldAll(nodes: readonly ts.Expression[], ev: Evaluation, depth: number, visiting: Set<ts.Node>): Folded {
  let result: Folded = [];
  for (const node of nodes) result = union(result, foldAt(node, ev, depth, visiting));
  return result.length === 0 ? UNKNOWN : result;
}

function foldFlow(ev: Evaluation, node: ts.Node, parts: () => Folded, visiting: Set<ts.Node>): Folded {
  if (visiting.has(node)) return UNKNOWN;
  step(ev, node);
  visiting.add(node);
  try {
    return parts();
  } finally {
    visiting.delete(node);
  }
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

function foldAt(node: ts.Expression, ev: Evaluation, depth: number, visiting: Set<ts.Node>): Folded {
  if (depth > MAX_DEPTH) return UNKNOWN;
  const next = depth + 1;
  switch (node.kind) {
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
      if (/\S/.test((node as ts.StringLiteral).text)) ev.collecting?.literals.add(node);
      return [[(node as ts.StringLiteral).text]];
    case SyntaxKind.NumericLiteral:
    case SyntaxKind.BigIntLiteral:
      return [[(node as ts.NumericLiteral).text]];
    case SyntaxKind.TemplateExpression:
      ev.collecting?.literals.add(node);
      return foldTemplate(node as ts.TemplateExpression, false, ev, next, visiting);
    case SyntaxKind.TaggedTemplateExpression: {
      ev.collecting?.literals.add(node);
      const tagged = node as ts.TaggedTemplateExpression;
      const raw = isStringRaw(tagged.tag);
      const template = tagged.template;
      if (isNoSubstitutionTemplateLiteral(template)) {
        return [[raw ? (template.rawText ?? template.text) : (template.text ?? template.rawText ?? "")]];
      }
      return foldTemplate(template, raw, ev, next, visiting);
    }
    case SyntaxKind.ParenthesizedExpression:
    case SyntaxKind.AsExpression:
    case SyntaxKind.SatisfiesExpression:
    case SyntaxKind.NonNullExpression:
    case SyntaxKind.TypeAssertionExpression:
      return foldAt((node as ts.ParenthesizedExpression).expression, ev, next, visiting);
    case SyntaxKind.BinaryExpression: {
      const binary = node as ts.BinaryExpression;
      switch (binary.operatorToken.kind) {
        case SyntaxKind.PlusToken:
          return concat([foldAt(binary.left, ev, next, visiting), foldAt(binary.right, ev, next, visiting)]);
        case SyntaxKind.QuestionQuestionToken:
        case SyntaxKind.BarBarToken:
          return union(foldAt(binary.left, ev, next, visiting), foldAt(binary.right, ev, next, visiting));
        case SyntaxKind.CommaToken:
          return foldAt(binary.right, ev, next, visiting);
        case SyntaxKind.AmpersandAmpersandToken:
          // `o.ifExists && "IF EXISTS"`: the text, or nothing (an array's
          // `.filter(Boolean)` drops the falsy value).
          return union(foldAt(binary.right, ev, next, visiting), [[""]]);
        default:
          return UNKNOWN;
      }
    }
    case SyntaxKind.ConditionalExpression: {
      const conditional = node as ts.ConditionalExpression;
      return union(foldAt(conditional.whenTrue, ev, next, visiting), foldAt(conditional.whenFalse, ev, next, visiting));
    }
    case SyntaxKind.ElementAccessExpression: {
      if (!mayOwnMembers(ev, node)) return typed(node, ev);
      const member = memberValue(node as ts.ElementAccessExpression, ev.valueOf, 0, (name) => mayBeMutable(ev, name));
      if (member === undefined || visiting.has(member)) return typed(node, ev);
      return foldFlow(ev, node, () => foldAt(member, ev, next, visiting), visiting);
    }
    case SyntaxKind.Identifier:
    case SyntaxKind.PropertyAccessExpression: {
      if (visiting.has(node)) return UNKNOWN;
      const target = ev.resolve(node as ts.Identifier | ts.PropertyAccessExpression);
      if (target === undefined) {
        // A `let` built with `+=`, a member of a constant object or enum, or
        // what the value's type allows.
        if (isIdentifier(node)) {
          const parts = mayBeMutable(ev, node.text) ? letParts(node) : undefined;
          if (parts !== undefined) {
            return foldFlow(ev, node, () => concat(parts.map((p) => foldAt(p, ev, next, visiting))), visiting);
          }
        } else if (mayOwnMembers(ev, node as ts.PropertyAccessExpression)) {
          const member = memberValue(
            node as ts.PropertyAccessExpression,
            ev.valueOf,
            0,
            (name) => mayBeMutable(ev, name),
          );
          if (member !== undefined && !visiting.has(member)) {
            return foldFlow(ev, node, () => foldAt(member, ev, next, visiting), visiting);
          }
        }
        return typed(node as ts.Expression, ev);
      }
      if (visiting.has(target)) return UNKNOWN;
      step(ev, target);
      visiting.add(node);
      visiting.add(target);
      try {
        return foldAt(target, ev, next, visiting);
      } finally {
        visiting.delete(node);
        visiting.delete(target);
      }
    }
    case SyntaxKind.CallExpression:
      return foldCall(node as ts.CallExpression, ev, next, visiting);
    case SyntaxKind.NewExpression: {
      const created = node as ts.NewExpression;
      // `new URL(path, base)`: the path is what the request goes to.
      if (
        isIdentifier(created.expression) && created.expression.text === "URL" && created.arguments?.[0] !== undefined
      ) {
        const path = foldAt(created.arguments[0], ev, next, visiting);
        if (created.arguments[1] === undefined) return path;
        // An absolute path replaces the base's path; a relative one is
        // resolved below it (`new URL("vhosts/x", "http://mq/api/")`).
        if (path.every((alt) => typeof alt[0] === "string" && alt[0].startsWith("/"))) return concat([UNKNOWN, path]);
        const base = foldAt(created.arguments[1], ev, next, visiting);
        return concat([
          base,
          base.every((alt) => alt[alt.length - 1]?.endsWith("/") === true) ? [[""]] : [["/"]],
          path,
        ]);
      }
      if (
        isIdentifier(created.expression) && created.expression.text === "String" && created.arguments?.[0] !== undefined
      ) {
        return foldAt(created.arguments[0], ev, next, visiting);
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
  ev: Evaluation,
  depth: number,
  visiting: Set<ts.Node>,
): Folded {
  // An invalid escape in a tagged template has no cooked text: the tag sees
  // `undefined` there, but the raw text is what a SQL tag would send.
  const textOf = (
    literal: ts.TemplateLiteralLikeNode,
  ) => (raw ? (literal.rawText ?? literal.text) : (literal.text ?? literal.rawText ?? ""));
  const parts: Folded[] = [[[textOf(template.head)]]];
  for (const span of template.templateSpans) {
    parts.push(foldAt(span.expression, ev, depth, visiting));
    parts.push([[textOf(span.literal)]]);
  }
  return concat(parts);
}

function foldCall(call: ts.CallExpression, ev: Evaluation, depth: number, visiting: Set<ts.Node>): Folded {
  const callee = call.expression;
  if (isIdentifier(callee) && callee.text === "String" && call.arguments[0] !== undefined) {
    return foldAt(call.arguments[0], ev, depth, visiting);
  }
  if (isPathJoin(callee)) {
    // `path.posix.join("/api/vhosts", name)`: the parts, `/`-separated.
    const parts: Folded[] = [];
    call.arguments.forEach((argument, index) => {
      if (index > 0) parts.push([["/"]]);
      parts.push(isSpreadElement(argument) ? UNKNOWN : foldAt(argument, ev, depth, visiting));
    });
    return concat(parts);
  }
  if (isIdentifier(callee)) {
    // A local helper: what it returns, its parameters bound to the call's arguments.
    const returned = mayBeHelper(ev, callee.text) ? helperReturns(call) : undefined;
    if (returned !== undefined) {
      return foldFlow(ev, call, () => foldHelper(call, returned, ev, depth, visiting), visiting);
    }
    return typed(call, ev);
  }
  if (!isPropertyAccessExpression(callee)) return UNKNOWN;
  const method = callee.name.text;
  if (callee.expression.kind === SyntaxKind.ThisKeyword || mayOwnMembers(ev, callee)) {
    // A method of the enclosing class, or of a constant statements object: what it returns.
    const returned = helperReturns(call, ev.valueOf);
    if (returned !== undefined) {
      return foldFlow(ev, call, () => foldHelper(call, returned, ev, depth, visiting), visiting);
    }
  }
  switch (stringOperation(method, call)?.fold) {
    case "map-entry": {
      // A constant Map's entry.
      const key = exactTexts(foldAt(call.arguments[0]!, quiet(ev), depth, visiting));
      const values = mapValues(call, ev.valueOf, key.length === 1 ? key[0] : undefined);
      if (values !== undefined) return foldFlow(ev, call, () => foldAll(values, ev, depth, visiting), visiting);
      return typed(call, ev);
    }
    case "replace":
    case "replaceAll":
      return replaced(call, method === "replaceAll", ev, depth, visiting);
    case "receiver":
      // Case and padding keep the words, and matching ignores case.
      return foldAt(callee.expression, ev, depth, visiting);
    case "concat":
      return concat([callee.expression, ...call.arguments].map((part) => foldAt(part, ev, depth, visiting)));
    case "join":
      return joined(call, callee.expression, ev, depth, visiting);
    default:
      return typed(call, ev);
  }
}

// `array.join(sep)`: an array literal, or a name bound to one and `push`ed
// onto (spreads of constant arrays are expanded), through the array
// operations of the table before the join: `[…].filter(Boolean).join(" ")`
// drops a falsy element with its separator.
function joined(
  call: ts.CallExpression,
  receiver: ts.Expression,
  ev: Evaluation,
  depth: number,
  visiting: Set<ts.Node>,
): Folded {
  let array = unwrap(receiver);
  let truthy = false;
  for (let operation = arrayOperation(array); operation !== undefined; operation = arrayOperation(array)) {
    if (operation.kind === "truthy") truthy = true;
    array = unwrap(operation.receiver);
  }
  const elements = arrayElements(array, ev.valueOf);
  if (elements === undefined) return UNKNOWN;
  const separator = call.arguments[0] === undefined ? [[","]] : foldAt(call.arguments[0], ev, depth, visiting);
  return foldFlow(ev, call, () => {
    const parts: Folded[] = [];
    elements.forEach((element, index) => {
      const optional = truthy && element !== null && isOptional(element);
      const value = element === null
        ? UNKNOWN
        : foldAt(optional ? (unwrap(element) as ts.BinaryExpression).right : element, ev, depth, visiting);
      const part = index > 0 ? concat([separator, value]) : value;
      parts.push(optional ? union(part, [[""]]) : part);
    });
    return concat(parts);
  }, visiting);
}

// An array operation of the table (`.filter(Boolean)`): its kind and the array it is called on.
function arrayOperation(
  node: ts.Expression,
): { readonly kind: StringOperationKind; readonly receiver: ts.Expression } | undefined {
  if (!isCallExpression(node)) return undefined;
  const callee = unwrap(node.expression);
  if (!isPropertyAccessExpression(callee)) return undefined;
  const operation = stringOperation(callee.name.text, node);
  return operation?.on === "array" && operation.gives === "array"
    ? { kind: operation.fold, receiver: callee.expression }
    : undefined;
}

// `cond && "X"`: present or absent.
function isOptional(element: ts.Expression): boolean {
  const bare = unwrap(element);
  return bare.kind === SyntaxKind.BinaryExpression &&
    (bare as ts.BinaryExpression).operatorToken.kind === SyntaxKind.AmpersandAmpersandToken;
}

// What a helper returns, with its parameters bound to the call's arguments:
// `stmt("ROLE", name)` with ``stmt = (kind, id) => `DROP ${kind} ${id}` ``
// folds to `DROP ROLE <hole>`.
function foldHelper(
  call: ts.CallExpression,
  returned: readonly ts.Expression[],
  ev: Evaluation,
  depth: number,
  visiting: Set<ts.Node>,
): Folded {
  const fn = helperFunction(call, ev.valueOf);
  const bound = new Map<string, ts.Expression>();
  fn?.parameters.forEach((parameter, index) => {
    const argument = call.arguments[index];
    if (isIdentifier(parameter.name) && argument !== undefined && !isSpreadElement(argument)) {
      bound.set(parameter.name.text, argument);
    }
  });
  if (fn === undefined || bound.size === 0) return foldAll(returned, ev, depth, visiting);
  const inner: ConstResolver = (node) =>
    isIdentifier(node) && bound.has(node.text) && node.pos >= fn.pos && node.end <= fn.end &&
      node.getSourceFile() === fn.getSourceFile()
      ? bound.get(node.text)
      : ev.resolve(node);
  return foldAll(returned, evaluation(inner, ev.types, ev.names, ev.collecting), depth, visiting);
}

// `text.replace(pattern, replacement)`: exact when the text, a string or
// regular-expression-literal pattern and the replacement are all known;
// else a string pattern becomes a hole in the known text, and any other
// pattern leaves the text as it is (matching looks for words that the
// replacement rarely removes).
function replaced(
  call: ts.CallExpression,
  all: boolean,
  ev: Evaluation,
  depth: number,
  visiting: Set<ts.Node>,
): Folded {
  const receiver = foldAt((call.expression as ts.PropertyAccessExpression).expression, ev, depth, visiting);
  const [patternNode, replacementNode] = call.arguments as unknown as [ts.Expression, ts.Expression];
  const pattern = unwrap(patternNode);
  let matcher: string | RegExp | undefined;
  if (pattern.kind === SyntaxKind.RegularExpressionLiteral) {
    const text = (pattern as ts.RegularExpressionLiteral).text;
    const end = text.lastIndexOf("/");
    try {
      matcher = new RegExp(text.slice(1, end), text.slice(end + 1));
    } catch {
      matcher = undefined;
    }
  } else {
    const texts = exactTexts(foldAt(pattern, quiet(ev), depth, visiting));
    if (texts.length === 1) matcher = texts[0];
  }
  if (matcher === undefined || matcher === "") return receiver;
  const replacement = exactTexts(foldAt(replacementNode, ev, depth, visiting));
  return receiver.map((alternative) => {
    const out: Piece[] = [];
    for (const piece of alternative) {
      if (piece === null) {
        out.push(null);
        continue;
      }
      if (replacement.length === 1) {
        const value = replacement[0]!;
        const text = typeof matcher === "string"
          ? (all ? piece.split(matcher).join(value) : piece.replace(matcher, () => value))
          : piece.replace(matcher, () => value);
        out.push(text);
      } else if (typeof matcher === "string") {
        const split = all ? piece.split(matcher) : splitOnce(piece, matcher);
        split.forEach((part, index) => {
          if (index > 0) out.push(null);
          out.push(part);
        });
      } else out.push(piece);
    }
    return append([], out);
  });
}

function splitOnce(text: string, separator: string): string[] {
  const at = text.indexOf(separator);
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
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
