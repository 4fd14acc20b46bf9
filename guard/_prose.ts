/**
 * Human-readable text: string expressions that only people read (log and
 * error messages, test titles, help text), so that no rule matches them.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { unwrap } from "./_fold.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isIdentifier, isPrivateIdentifier, isPropertyAccessExpression, isStringLiteral, SyntaxKind } = typescript;

// Methods whose string arguments are written for people: loggers
// (`console.warn`, `logger.error`, `log.info`, pino, winston, `debug`),
// CLI help (commander, yargs) and assertion messages.
const MESSAGE_METHODS: ReadonlySet<string> = new Set([
  "log",
  "info",
  "warn",
  "warning",
  "error",
  "debug",
  "trace",
  "fatal",
  "notice",
  "verbose",
  "silly",
  "success",
  "description",
  "describe",
  "usage",
  "help",
  "addHelpText",
  "epilog",
  "epilogue",
  "summary",
  "setFailed",
  "fail",
]);
// Methods whose arguments after the first are human-readable text:
// commander's `.option(flags, description)`, yargs' `.example(cmd, text)`.
// yargs' `.command(name, description)`.
const DESCRIBED_METHODS: ReadonlySet<string> = new Set([
  "option",
  "requiredOption",
  "argument",
  "example",
  "positional",
  "command",
]);
// Test registrations: the first argument is a title.
const TEST_FUNCTIONS: ReadonlySet<string> = new Set([
  "test",
  "it",
  "describe",
  "suite",
  "context",
  "specify",
  "bench",
  "xit",
  "fit",
  "xtest",
  "xdescribe",
  "fdescribe",
]);
const TEST_MODIFIERS: ReadonlySet<string> = new Set([
  "skip",
  "only",
  "todo",
  "concurrent",
  "each",
  "failing",
  "fails",
  "serial",
  "sequential",
]);
// Assertion functions: the last argument is the message.
const ASSERTIONS: ReadonlySet<string> = new Set([
  "assert",
  "ok",
  "equal",
  "notEqual",
  "strictEqual",
  "notStrictEqual",
  "deepEqual",
  "deepStrictEqual",
  "notDeepStrictEqual",
  "match",
  "doesNotMatch",
  "throws",
  "rejects",
  "doesNotThrow",
  "doesNotReject",
]);
// Keys of a translation table's languages (`{ en: {…}, de: {…} }`, `"en-US"`).
const LANGUAGES =
  /^(?:en|de|fr|es|it|pt|nl|ja|zh|ko|ru|pl|sv|da|fi|nb|nn|no|cs|sk|tr|uk|ar|he|hu|ro|el|bg|hr|sr|sl|et|lv|lt|vi|th|id|ms|hi)(?:[-_][A-Za-z]{2,4})?$/;
// Names of a translation table (`const messages = {…}`, `i18n`, `translations`).
const TRANSLATION_TABLES = /^(?:i18n|l10n|translations?|locales?|messages|strings|copy|texts)$/i;
// Properties whose value is text for people.
const MESSAGE_PROPERTIES: ReadonlySet<string> = new Set([
  "message",
  "msg",
  "description",
  "describe",
  "desc",
  "help",
  "hint",
  "summary",
  "title",
  "detail",
  "details",
  "reason",
  "label",
  "warning",
  "note",
  "usage",
  "tooltip",
  "errorMessage",
  "error",
]);

/**
 * Whether a maximal string expression is human-readable text: an argument
 * of a logger, an error constructor, a test title, help text, an
 * assertion message, `process.stdout.write`, a `throw`n string, or the
 * value of a `message`/`description`/… property. Such text names
 * operations without running them.
 *
 * NOTE: a logger that runs its argument as a command would be missed; no
 * such logger is known.
 *
 * @param root A maximal string expression.
 * @returns `true` for human-readable text.
 */
export function isHumanText(root: ts.Expression): boolean {
  const parent = root.parent;
  switch (parent.kind) {
    case SyntaxKind.ThrowStatement:
      return true;
    case SyntaxKind.PropertyAssignment: {
      const property = parent as ts.PropertyAssignment;
      return property.initializer === root &&
        (MESSAGE_PROPERTIES.has(keyText(property.name)) || inTranslationTable(property));
    }
    case SyntaxKind.CallExpression:
    case SyntaxKind.NewExpression: {
      const call = parent as ts.CallExpression | ts.NewExpression;
      const args: readonly ts.Expression[] = call.arguments ?? [];
      const index = args.indexOf(root);
      if (index === -1) return false;
      return isMessageCall(call, index, args.length);
    }
    default:
      return false;
  }
}

function isMessageCall(call: ts.CallExpression | ts.NewExpression, index: number, count: number): boolean {
  let callee = unwrap(call.expression);
  // `super(message)` in `class TenantDropError extends Error`.
  if (callee.kind === SyntaxKind.SuperKeyword) return extendsError(call);
  // `it.each(table)("title", fn)`, `test.skip("title")`.
  if (callee.kind === SyntaxKind.CallExpression) callee = unwrap((callee as ts.CallExpression).expression);
  const name = nameOf(callee);
  if (name === undefined) return false;
  // `new Error(msg)`, `new UsageError(msg)`, `TypeError(msg)`.
  if (/(?:Error|Exception)$/.test(name)) return true;
  if (index === 0 && (TEST_FUNCTIONS.has(name) || (TEST_MODIFIERS.has(name) && isTestOwner(callee)))) return true;
  if (name === "write" && isPropertyAccessExpression(callee)) {
    // `process.stdout.write(help)`; a child's stdin is fed, not read.
    const owner = unwrap(callee.expression);
    const stream = isPropertyAccessExpression(owner) ? owner.name.text : isIdentifier(owner) ? owner.text : "";
    return stream === "stdout" || stream === "stderr";
  }
  if (ASSERTIONS.has(name) && (name === "assert" || isPropertyAccessExpression(callee) || isIdentifier(callee))) {
    return index > 0 && index === count - 1;
  }
  if (DESCRIBED_METHODS.has(name)) return index > 0 && isPropertyAccessExpression(callee);
  if (!MESSAGE_METHODS.has(name)) return false;
  // `debug("…")` and `log("…")` bare, or as a method (`logger.warn`).
  return isPropertyAccessExpression(callee) || name === "debug" || name === "log";
}

function isTestOwner(callee: ts.Expression): boolean {
  if (!isPropertyAccessExpression(callee)) return false;
  const owner = nameOf(unwrap(callee.expression));
  return owner !== undefined && (TEST_FUNCTIONS.has(owner) || TEST_MODIFIERS.has(owner));
}

function nameOf(callee: ts.Expression): string | undefined {
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee) && !isPrivateIdentifier(callee.name)) return callee.name.text;
  return undefined;
}

function keyText(name: ts.PropertyName): string {
  return isIdentifier(name) || isStringLiteral(name) ? name.text : "";
}

// Whether a property sits in a translation table: under a language key, or
// in an object bound to a name such as `messages` or `translations`.
function inTranslationTable(property: ts.PropertyAssignment): boolean {
  for (let current: ts.Node = property; current.parent !== undefined; current = current.parent) {
    const parent = current.parent;
    if (parent.kind === SyntaxKind.PropertyAssignment) {
      if (LANGUAGES.test(keyText((parent as ts.PropertyAssignment).name))) return true;
      continue;
    }
    if (parent.kind === SyntaxKind.VariableDeclaration) {
      const name = (parent as ts.VariableDeclaration).name;
      return isIdentifier(name) && TRANSLATION_TABLES.test(name.text);
    }
    if (parent.kind !== SyntaxKind.ObjectLiteralExpression && unwrap(parent as ts.Expression) === parent) return false;
  }
  return false;
}

// Whether a `super(…)` call is an Error subclass's constructor.
function extendsError(call: ts.CallExpression | ts.NewExpression): boolean {
  for (let current: ts.Node | undefined = call.parent; current !== undefined; current = current.parent) {
    if (current.kind !== SyntaxKind.ClassDeclaration && current.kind !== SyntaxKind.ClassExpression) continue;
    const heritage = (current as ts.ClassLikeDeclaration).heritageClauses?.find((c) =>
      c.token === SyntaxKind.ExtendsKeyword
    );
    const base = heritage?.types[0]?.expression;
    const name = base === undefined ? undefined : nameOf(unwrap(base));
    return name !== undefined && /(?:Error|Exception)$/.test(name);
  }
  return false;
}
