/**
 * Drop callbacks: whether a node lies in the drop callback of a guardedDrop
 * call, inline or passed by reference.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type { Chokepoint } from "./_chokepoint.ts";
import { unwrap } from "./_fold.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  forEachChild, isArrowFunction, isBlock, isCallExpression, isFunctionDeclaration, isFunctionExpression,
  isFunctionLike, isIdentifier, isMethodDeclaration, isPrivateIdentifier, isPropertyAccessExpression,
  isPropertyAssignment, isPropertyDeclaration, isReturnStatement, isVariableDeclaration, SymbolFlags,
} = typescript;

/**
 * Whether a node lies in the drop callback (the second argument) of a
 * guardedDrop call.
 *
 * @param node Any node.
 * @param chokepoint The type-based recogniser.
 * @returns `true` inside a drop callback.
 */
export function insideDropCallback(node: ts.Node, chokepoint: Chokepoint): boolean {
  for (let current: ts.Node = node; current.parent !== undefined; current = current.parent) {
    const parent = current.parent;
    if (isCallExpression(parent) && parent.arguments[1] === current && chokepoint.isGuardedDropCall(parent)) return true;
  }
  return false;
}

// The function a drop callback names: `fn`, `this.fn`, `fn.bind(x)`, or a
// factory whose result is the callback: `makeDrop(adapter)`.
export function callbackTarget(argument: ts.Expression): { readonly name: ts.MemberName; readonly factory: boolean } | undefined {
  let target = unwrap(argument);
  let factory = false;
  if (isCallExpression(target)) {
    const callee = unwrap(target.expression);
    if (isPropertyAccessExpression(callee) && callee.name.text === "bind") target = unwrap(callee.expression);
    else {
      target = callee;
      factory = true;
    }
  }
  if (isIdentifier(target)) return { name: target, factory };
  if (isPropertyAccessExpression(target)) return { name: target.name, factory };
  return undefined;
}

// The function bodies that run as drop callbacks, each mapped to the
// declaration that names it: the function passed by reference, or the
// functions a factory returns.
export function callbackBodies(calls: readonly ts.CallExpression[], chokepoint: Chokepoint, checker: ts.TypeChecker): Map<ts.Node, ts.Node> {
  const bodies = new Map<ts.Node, ts.Node>();
  for (const call of calls) {
    const target = callbackTarget(call.arguments[1]!);
    if (target === undefined || !chokepoint.isGuardedDropCall(call)) continue;
    let symbol = checker.getSymbolAtLocation(target.name);
    if (symbol !== undefined && symbol.flags & SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    for (const declaration of symbol?.declarations ?? []) {
      if (declaration.getSourceFile().isDeclarationFile) continue;
      const body = bodyOf(declaration);
      if (body === undefined) continue;
      for (const callback of target.factory ? returnedFunctions(body) : [body]) bodies.set(callback, declaration);
    }
  }
  return bodies;
}

function bodyOf(declaration: ts.Node): ts.FunctionLikeDeclaration | undefined {
  if (isFunctionDeclaration(declaration) || isMethodDeclaration(declaration)) return declaration.body && declaration;
  if ((isVariableDeclaration(declaration) || isPropertyDeclaration(declaration) || isPropertyAssignment(declaration))) {
    const value = declaration.initializer && unwrap(declaration.initializer);
    if (value !== undefined && (isArrowFunction(value) || isFunctionExpression(value))) return value;
  }
  return undefined;
}

// `(a) => () => …`, or `return () => …` / `return function () {…}` in the
// factory's own body (not in functions nested in it).
function returnedFunctions(factory: ts.FunctionLikeDeclaration): ts.Node[] {
  const body = factory.body;
  if (body === undefined) return [];
  if (!isBlock(body)) {
    const value = unwrap(body);
    return isArrowFunction(value) || isFunctionExpression(value) ? [value] : [];
  }
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node)) return;
    if (isReturnStatement(node) && node.expression !== undefined) {
      const value = unwrap(node.expression);
      if (isArrowFunction(value) || isFunctionExpression(value)) found.push(value);
    }
    forEachChild(node, visit);
  };
  forEachChild(body, visit);
  return found;
}

// The names a drop callback passed by reference could use for the functions
// around a node: `function f`, `const f = () => …`, a method `f`.
export function enclosingFunctionNames(node: ts.Node): string[] {
  const names: string[] = [];
  for (let current: ts.Node | undefined = node.parent; current !== undefined; current = current.parent) {
    if (!isFunctionLike(current)) continue;
    const own = (current as ts.NamedDeclaration).name;
    if (own !== undefined && (isIdentifier(own) || isPrivateIdentifier(own))) names.push(own.text);
    const holder = current.parent;
    if (holder !== undefined && (isVariableDeclaration(holder) || isPropertyDeclaration(holder) || isPropertyAssignment(holder))) {
      if (isIdentifier(holder.name) || isPrivateIdentifier(holder.name)) names.push(holder.name.text);
    }
  }
  return names;
}

export function enclosingCallback(node: ts.Node, bodies: ReadonlyMap<ts.Node, ts.Node>): ts.Node | undefined {
  if (bodies.size === 0) return undefined;
  for (let current: ts.Node | undefined = node; current !== undefined; current = current.parent) {
    const declaration = bodies.get(current);
    if (declaration !== undefined) return declaration;
  }
  return undefined;
}

export function declarationName(declaration: ts.Node): string {
  const name = (declaration as ts.NamedDeclaration).name;
  return name !== undefined && (isIdentifier(name) || isPrivateIdentifier(name)) ? name.text : "default";
}
