/**
 * {@linkcode STRING_OPERATIONS}: the one table of the methods string
 * evaluation follows. Root finding (`_string_roots.ts`: how far a string
 * expression reaches) and folding (`_fold.ts`: what text it holds) both
 * read it, so that adding an operation is one row here and one row in
 * `test/guard/string_operations.test.ts`.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

const { isArrowFunction, isIdentifier } = typescript;

/**
 * How a fold evaluates an operation:
 * - `receiver`: the receiver's text (case and padding do not change the
 *   words, and matching ignores case);
 * - `concat`: the receiver, then each argument;
 * - `replace` / `replaceAll`: the receiver with the pattern replaced;
 * - `join`: the elements of the receiver array, separated by the argument;
 * - `map-entry`: a constant `Map`'s entry for the key;
 * - `truthy`: the receiver array without its falsy elements (`cond && "X"`
 *   is then present or absent, with its separator).
 */
export type StringOperationKind = "receiver" | "concat" | "replace" | "replaceAll" | "join" | "map-entry" | "truthy";

/**
 * One operation: what it is called on, what it gives, how it folds, and
 * which calls of it qualify.
 *
 * @example
 * ```ts ignore
 * const filter: StringOperation = { on: "array", gives: "array", fold: "truthy", accepts: isTruthyFilter };
 * ```
 */
export interface StringOperation {
  /** What the method is called on: a string, an array, or a constant `Map`. */
  readonly on: "string" | "array" | "map";
  /** What it gives: a string (a root reaches through it), or an array (for a later operation such as `join`). */
  readonly gives: "string" | "array";
  readonly fold: StringOperationKind;
  /** Whether a call qualifies (its arguments); every call when absent. */
  readonly accepts?: (call: ts.CallExpression) => boolean;
}

// `.filter(Boolean)` or `.filter((x) => x)`: only the falsy elements go.
function isTruthyFilter(call: ts.CallExpression): boolean {
  const predicate = call.arguments.length === 1 ? call.arguments[0]! : undefined;
  if (predicate === undefined) return false;
  if (isIdentifier(predicate)) return predicate.text === "Boolean";
  if (!isArrowFunction(predicate) || predicate.parameters.length !== 1) return false;
  const parameter = predicate.parameters[0]!.name;
  return isIdentifier(parameter) && isIdentifier(predicate.body) && predicate.body.text === parameter.text;
}

const keepsWords: StringOperation = { on: "string", gives: "string", fold: "receiver" };

/**
 * The string operations, by method name.
 *
 * @example
 * ```ts ignore
 * const operation = STRING_OPERATIONS.get("join"); // { on: "array", gives: "string", fold: "join" }
 * ```
 */
export const STRING_OPERATIONS: ReadonlyMap<string, StringOperation> = new Map<string, StringOperation>([
  ["toUpperCase", keepsWords],
  ["toLowerCase", keepsWords],
  ["toLocaleUpperCase", keepsWords],
  ["toLocaleLowerCase", keepsWords],
  ["toString", keepsWords],
  ["valueOf", keepsWords],
  ["trim", keepsWords],
  ["trimStart", keepsWords],
  ["trimEnd", keepsWords],
  ["normalize", keepsWords],
  ["padStart", keepsWords],
  ["padEnd", keepsWords],
  ["concat", { on: "string", gives: "string", fold: "concat" }],
  ["replace", { on: "string", gives: "string", fold: "replace", accepts: (call) => call.arguments.length === 2 }],
  ["replaceAll", { on: "string", gives: "string", fold: "replaceAll", accepts: (call) => call.arguments.length === 2 }],
  ["join", { on: "array", gives: "string", fold: "join" }],
  ["get", { on: "map", gives: "string", fold: "map-entry", accepts: (call) => call.arguments.length === 1 }],
  ["filter", { on: "array", gives: "array", fold: "truthy", accepts: isTruthyFilter }],
]);

/**
 * The operation a call runs, when it is in the table and the call qualifies.
 *
 * @param method The method's name.
 * @param call The call.
 * @returns The operation, or `undefined`.
 * @example
 * ```ts ignore
 * stringOperation("filter", call)?.fold; // "truthy" for `.filter(Boolean)`
 * ```
 */
export function stringOperation(method: string, call: ts.CallExpression): StringOperation | undefined {
  const operation = STRING_OPERATIONS.get(method);
  return operation === undefined || (operation.accepts !== undefined && !operation.accepts(call))
    ? undefined
    : operation;
}
