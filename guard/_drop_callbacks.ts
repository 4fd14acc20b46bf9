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
  forEachChild,
  getCombinedModifierFlags,
  isArrowFunction,
  isBlock,
  isCallExpression,
  isFunctionDeclaration,
  isFunctionExpression,
  isFunctionLike,
  isIdentifier,
  isMethodDeclaration,
  isPrivateIdentifier,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isReturnStatement,
  isVariableDeclaration,
  ModifierFlags,
  SymbolFlags,
  SyntaxKind,
} = typescript;

// Calls that run a function later, after the drop callback has returned.
const DEFERRING_FUNCTIONS: ReadonlySet<string> = new Set([
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  "requestIdleCallback",
  "requestAnimationFrame",
]);
const DEFERRING_METHODS: ReadonlySet<string> = new Set([
  "nextTick",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  // An event handler runs when the event comes.
  "on",
  "once",
  "addListener",
  "prependListener",
  "prependOnceListener",
  "addEventListener",
]);
// Methods that keep a value for later: a promise handed to them is not awaited here.
const STORING_METHODS: ReadonlySet<string> = new Set(["push", "unshift", "add", "set", "enqueue", "schedule"]);
const PROMISE_CHAIN: ReadonlySet<string> = new Set(["then", "catch", "finally"]);
// What turns an array of promises into one promise to await.
const PROMISE_JOINS: ReadonlySet<string> = new Set(["all", "allSettled", "race", "any"]);
// Array methods that run a function per item: `map` keeps the promises, `forEach` drops them.
const ARRAY_METHODS: ReadonlySet<string> = new Set(["map", "flatMap", "forEach"]);

/**
 * Whether a node lies in the drop callback (the second argument) of a
 * guardedDrop call.
 *
 * @param node Any node.
 * @param chokepoint The type-based recogniser.
 * @returns `true` inside a drop callback.
 */
export function insideDropCallback(node: ts.Node, chokepoint: Chokepoint): boolean {
  return dropCallbackOf(node, chokepoint) !== undefined;
}

/** Where a node sits in a drop callback. */
export interface InCallback {
  /** The drop callback (the guardedDrop call's second argument). */
  readonly callback: ts.Node;
  /**
   * Set when the operation runs after the callback returns, so that
   * guardedDrop records its outcome before the drop happens: what defers it.
   */
  readonly deferredBy?: string;
}

/**
 * The drop callback a node lies in, and whether the operation at the node
 * escapes it: passed to a timer or an event handler (`setTimeout`,
 * `setImmediate`, `queueMicrotask`, `process.nextTick`, `.on()`), an async
 * `forEach` callback, or a promise the callback neither awaits nor returns
 * (a bare call, `void`, one stored with `.push()` or in a property).
 *
 * @param node Any node (a reference to the operation).
 * @param chokepoint The type-based recogniser.
 * @returns The callback, or `undefined` outside any drop callback.
 */
export function dropCallbackOf(node: ts.Node, chokepoint: Chokepoint): InCallback | undefined {
  let deferredBy: string | undefined;
  for (let current: ts.Node = node; current.parent !== undefined; current = current.parent) {
    const parent = current.parent;
    if (isCallExpression(parent) && parent.arguments[1] === current && chokepoint.isGuardedDropCall(parent)) {
      deferredBy ??= unawaited(node, current, chokepoint);
      return deferredBy === undefined ? { callback: current } : { callback: current, deferredBy };
    }
    // A function, or the operation itself passed by reference (`setTimeout(dropTenant, 10)`).
    deferredBy ??= deferring(current);
  }
  return undefined;
}

// What runs a function later, when it is passed to a timer, an event
// handler, or is an async `forEach` callback.
function deferring(fn: ts.Node): string | undefined {
  const call = fn.parent;
  if (!isCallExpression(call) || !call.arguments.includes(fn as ts.Expression)) return undefined;
  const callee = unwrap(call.expression);
  if (isIdentifier(callee) && DEFERRING_FUNCTIONS.has(callee.text)) return `${callee.text}()`;
  if (!isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  if (DEFERRING_METHODS.has(method)) return `${callee.getText().replace(/\s+/g, "")}()`;
  if (
    method === "forEach" && isFunctionLike(fn) && getCombinedModifierFlags(fn as ts.Declaration) & ModifierFlags.Async
  ) {
    return "an async forEach callback";
  }
  return undefined;
}

// Whether the promise of the call at `node` is left behind in the callback:
// neither awaited nor returned nor handed to something that is. The promise
// may sit in an array (`[drop()]`, `tokens.map((t) => drop(t))`), which only
// `Promise.all` and its siblings turn back into one promise to await.
function unawaited(node: ts.Node, callback: ts.Node, chokepoint: Chokepoint): string | undefined {
  let call: ts.Node = node;
  if (isPropertyAccessExpression(call.parent) && call.parent.name === call) call = call.parent;
  // `tokens.map(dropTenant)`: the function by reference, run once per item.
  const byReference = isArrayMethodArgument(call);
  if (byReference === "forEach") return "a promise forEach leaves behind";
  let inArray = byReference !== undefined;
  if (inArray) call = call.parent;
  else {
    if (!isCallExpression(call.parent) || call.parent.expression !== call) return undefined;
    call = call.parent;
  }
  for (let depth = 0; depth < 32; depth++) {
    const parent: ts.Node = call.parent;
    switch (parent.kind) {
      case SyntaxKind.ParenthesizedExpression:
      case SyntaxKind.AsExpression:
      case SyntaxKind.SatisfiesExpression:
      case SyntaxKind.NonNullExpression:
      case SyntaxKind.SpreadElement:
        call = parent;
        continue;
      case SyntaxKind.ArrayLiteralExpression:
        call = parent;
        inArray = true;
        continue;
      case SyntaxKind.ExpressionStatement:
      case SyntaxKind.VoidExpression:
        if (inArray) return NOT_JOINED;
        return chokepoint.isPromiseLike(call) ? "a promise neither awaited nor returned" : undefined;
      case SyntaxKind.PropertyAccessExpression: {
        // `drop().then(…)`: the chain's result decides.
        const access = parent as ts.PropertyAccessExpression;
        if (inArray || !PROMISE_CHAIN.has(access.name.text) || !isCallExpression(access.parent)) return undefined;
        call = access.parent;
        continue;
      }
      case SyntaxKind.ArrowFunction:
      case SyntaxKind.FunctionExpression:
      case SyntaxKind.AwaitExpression:
      case SyntaxKind.ReturnStatement: {
        // The value of a nested function, or what it awaits before it
        // settles: `.then(() => drop())` follows its chain,
        // `.map((t) => drop(t))` makes an array of the promises.
        if (parent.kind === SyntaxKind.AwaitExpression && inArray) return NOT_JOINED;
        const fn = parent.kind === SyntaxKind.ReturnStatement || parent.kind === SyntaxKind.AwaitExpression
          ? enclosingFunction(parent)
          : parent;
        if (fn === undefined) return undefined;
        if (fn === callback) return inArray ? NOT_JOINED : undefined;
        if (inArray) return undefined;
        const chained = chainOf(fn);
        if (chained !== undefined) {
          call = chained;
          continue;
        }
        const method = isArrayMethodArgument(fn);
        if (method === "forEach") return "a promise forEach leaves behind";
        if (method === undefined) return undefined;
        call = fn.parent;
        inArray = true;
        continue;
      }
      case SyntaxKind.CallExpression: {
        const outer = parent as ts.CallExpression;
        const callee = unwrap(outer.expression);
        if (outer.expression === call) return undefined;
        if (
          inArray && isPropertyAccessExpression(callee) && isIdentifier(callee.expression) &&
          callee.expression.text === "Promise" &&
          PROMISE_JOINS.has(callee.name.text)
        ) {
          call = outer;
          inArray = false;
          continue;
        }
        if (isPropertyAccessExpression(callee) && STORING_METHODS.has(callee.name.text)) {
          return inArray || chokepoint.isPromiseLike(call)
            ? `a promise stored with .${callee.name.text}() for later`
            : undefined;
        }
        return undefined;
      }
      case SyntaxKind.BinaryExpression: {
        const binary = parent as ts.BinaryExpression;
        if (binary.operatorToken.kind !== SyntaxKind.EqualsToken || binary.right !== call) return undefined;
        // Kept in a property or a variable of the enclosing scope, for later.
        const target = unwrap(binary.left);
        const outside = isPropertyAccessExpression(target) ||
          (isIdentifier(target) && !declaredWithin(target, callback));
        return outside && (inArray || chokepoint.isPromiseLike(call)) ? "a promise stored for later" : undefined;
      }
      case SyntaxKind.VariableDeclaration: {
        // `const p = drop();` in the callback: it must be awaited, returned or joined there.
        const declaration = parent as ts.VariableDeclaration;
        if (declaration.initializer !== call || !isIdentifier(declaration.name)) return undefined;
        if (!inArray && !chokepoint.isPromiseLike(call)) return undefined;
        return readsLater(declaration.name, callback) ? undefined : "a promise stored and never awaited";
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

const NOT_JOINED = "promises in an array that no Promise.all awaits";

// The array method a function (or a reference) is handed to: its result is
// an array of what the function returns (`map`), or nothing (`forEach`).
function isArrayMethodArgument(fn: ts.Node): string | undefined {
  const outer = fn.parent;
  if (outer === undefined || !isCallExpression(outer) || outer.arguments[0] !== fn) return undefined;
  const access = unwrap(outer.expression);
  return isPropertyAccessExpression(access) && ARRAY_METHODS.has(access.name.text) ? access.name.text : undefined;
}

// Whether the callback reads a stored promise where it can be awaited: an
// `await`, a `return`, a `.then()`, an array or an argument (`Promise.all(p)`).
function readsLater(name: ts.Identifier, callback: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node, parent: ts.Node): void => {
    if (found) return;
    if (isIdentifier(node) && node !== name && node.text === name.text) {
      found = parent.kind === SyntaxKind.AwaitExpression || parent.kind === SyntaxKind.ReturnStatement ||
        parent.kind === SyntaxKind.ArrayLiteralExpression || parent.kind === SyntaxKind.SpreadElement ||
        (isCallExpression(parent) && parent.arguments.includes(node)) ||
        (isPropertyAccessExpression(parent) && parent.expression === node && PROMISE_CHAIN.has(parent.name.text)) ||
        (isArrowFunction(parent) && parent.body === node);
      return;
    }
    forEachChild(node, (child) => visit(child, node));
  };
  forEachChild(callback, (child) => visit(child, callback));
  return found;
}

// The `.then(fn)` / `.catch(fn)` / `.finally(fn)` call a function is handed to.
function chainOf(fn: ts.Node): ts.CallExpression | undefined {
  const outer = fn.parent;
  if (outer === undefined || !isCallExpression(outer)) return undefined;
  const access = unwrap(outer.expression);
  return isPropertyAccessExpression(access) && PROMISE_CHAIN.has(access.name.text) ? outer : undefined;
}

function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (isFunctionLike(current)) return current;
  }
  return undefined;
}

// Whether a `let` or `const` of this name is declared inside the callback.
function declaredWithin(name: ts.Identifier, callback: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (isVariableDeclaration(node) && isIdentifier(node.name) && node.name.text === name.text) found = true;
    else forEachChild(node, visit);
  };
  visit(callback);
  return found;
}

// The function a drop callback names: `fn`, `this.fn`, `fn.bind(x)`, or a
// factory whose result is the callback: `makeDrop(adapter)`.
export function callbackTarget(
  argument: ts.Expression,
): { readonly name: ts.MemberName; readonly factory: boolean } | undefined {
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
export function callbackBodies(
  calls: readonly ts.CallExpression[],
  chokepoint: Chokepoint,
  checker: ts.TypeChecker,
): Map<ts.Node, ts.Node> {
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
    if (
      holder !== undefined &&
      (isVariableDeclaration(holder) || isPropertyDeclaration(holder) || isPropertyAssignment(holder))
    ) {
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
