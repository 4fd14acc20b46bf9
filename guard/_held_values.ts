/**
 * What a receiver holds: the values a name was given, followed back through
 * the code without running it.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { argumentsOf } from "./_flow.ts";
import { unwrap } from "./_fold.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  isIdentifier,
  isParameter,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isVariableDeclaration,
  SymbolFlags,
} = typescript;

// Bindings followed from one to the next.
const MAX_DEPTH = 8;

/**
 * The expressions a receiver was given: the initializers of the `const`s and
 * properties it names (and theirs, in turn), and the arguments that calls in
 * the same file pass to a parameter it names.
 *
 * NOTE: assignments after the declaration, and calls from other files, are
 * not followed.
 *
 * @param checker The type checker.
 * @param receiver A name or a property access.
 * @returns The values, nearest first; empty when none is in sight.
 */
export function heldValues(checker: ts.TypeChecker, receiver: ts.Expression): ts.Expression[] {
  return valuesAt(checker, unwrap(receiver), 0);
}

function valuesAt(checker: ts.TypeChecker, receiver: ts.Expression, depth: number): ts.Expression[] {
  if (depth > MAX_DEPTH || !(isIdentifier(receiver) || isPropertyAccessExpression(receiver))) return [];
  let symbol = checker.getSymbolAtLocation(isPropertyAccessExpression(receiver) ? receiver.name : receiver);
  if (symbol !== undefined && symbol.flags & SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const values: ts.Expression[] = [];
  for (const declaration of symbol?.declarations ?? []) {
    if (isParameter(declaration)) {
      values.push(...argumentsOf(declaration));
      continue;
    }
    if (
      !(isVariableDeclaration(declaration) || isPropertyDeclaration(declaration) || isPropertyAssignment(declaration))
    ) continue;
    const initializer = declaration.initializer === undefined ? undefined : unwrap(declaration.initializer);
    if (initializer === undefined) continue;
    values.push(initializer, ...valuesAt(checker, initializer, depth + 1));
  }
  return values;
}
