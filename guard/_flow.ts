/**
 * Data flow for constant folding, without the type checker: what a `let`
 * holds after `+=`, what an array holds after `push`, what a local helper
 * returns, the members of constant objects and enums, and constant `Map`
 * entries. Each answer is the expressions to fold in place of the node.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { localBinding } from "./_scope.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  forEachChild,
  getCombinedNodeFlags,
  isArrayLiteralExpression,
  isArrowFunction,
  isBinaryExpression,
  isBlock,
  isCallExpression,
  isClassLike,
  isEnumDeclaration,
  isExpressionStatement,
  isMethodDeclaration,
  isPropertyDeclaration,
  isFunctionDeclaration,
  isFunctionExpression,
  isFunctionLike,
  isIdentifier,
  isModuleBlock,
  isNewExpression,
  isObjectLiteralExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isSourceFile,
  isSpreadElement,
  isStringLiteralLike,
  isVariableDeclaration,
  isVariableStatement,
  NodeFlags,
  SyntaxKind,
} = typescript;

/** Follows a name to the expression a constant binds it to (the fold's resolver, with unwrapping). */
export type ValueOf = (node: ts.Expression) => ts.Expression | undefined;

/** One element of an array: an expression, or a spread whose elements are unknown. */
export type Element = ts.Expression | null;

/**
 * What a `let` (or `var`) holds where it is read: its last plain value
 * before the read (the initializer or an `x = …`), then each `x += …` after
 * that, in source order.
 *
 * NOTE: control flow is not followed: every assignment before the read in
 * the declaring scope counts, whichever branch it is in.
 *
 * @param name A read of the variable.
 * @returns The parts to concatenate, or `undefined` when it is no local `let`/`var` or is never given a value.
 */
export function letParts(name: ts.Identifier): ts.Expression[] | undefined {
  const declaration = mutableDeclaration(name);
  if (declaration === undefined) return undefined;
  const scope = scopeOf(declaration);
  if (scope === undefined) return undefined;
  let parts: ts.Expression[] = declaration.initializer === undefined ? [] : [declaration.initializer];
  let known = declaration.initializer !== undefined;
  const visit = (node: ts.Node): void => {
    if (node.pos >= name.pos) return;
    if (isBinaryExpression(node) && isIdentifier(node.left) && node.left.text === name.text && node.end <= name.pos) {
      if (node.operatorToken.kind === SyntaxKind.EqualsToken) {
        parts = [node.right];
        known = true;
      } else if (node.operatorToken.kind === SyntaxKind.PlusEqualsToken) {
        parts.push(node.right);
      }
    }
    forEachChild(node, visit);
  };
  forEachChild(scope, visit);
  return known || parts.length > 0 ? parts : undefined;
}

/**
 * The elements an array holds where it is read: an array literal (spreads
 * of constant arrays expanded), bound to a name, and the values `push`ed
 * onto it (`unshift`ed ones first) before the read.
 *
 * @param node The array expression (`[…]` or a name).
 * @param valueOf Follows a constant name to its initializer.
 * @returns The elements, `null` for a spread whose elements are unknown; `undefined` when it is no known array.
 */
export function arrayElements(node: ts.Expression, valueOf: ValueOf, depth = 0): Element[] | undefined {
  if (depth > 8) return undefined;
  const bare = unwrapped(node);
  let literal: ts.Expression | undefined = bare;
  let pushed: { front: ts.Expression[]; back: ts.Expression[] } = { front: [], back: [] };
  if (isIdentifier(bare)) {
    literal = valueOf(bare) ?? mutableDeclaration(bare)?.initializer;
    if (literal !== undefined) pushed = pushesBefore(bare);
  }
  if (literal === undefined) return undefined;
  literal = unwrapped(literal);
  if (!isArrayLiteralExpression(literal)) return undefined;
  const elements: Element[] = [...pushed.front];
  for (const element of literal.elements) {
    if (!isSpreadElement(element)) {
      elements.push(element);
      continue;
    }
    const spread = arrayElements(element.expression, valueOf, depth + 1);
    if (spread === undefined) elements.push(null);
    else elements.push(...spread);
  }
  elements.push(...pushed.back);
  return elements;
}

/**
 * What a call of a local helper returns: the `return` values of the function
 * a name is bound to in the file (`function verb() { return "DROP"; }`,
 * `const verb = () => "DROP"`), or of a method of the enclosing class
 * (`this.verb()`). Its parameters are holes.
 *
 * @param call A call.
 * @returns The returned expressions (alternatives), or `undefined` when the callee is no local function.
 */
export function helperReturns(call: ts.CallExpression, valueOf?: ValueOf): ts.Expression[] | undefined {
  const fn = helperFunction(call, valueOf);
  if (fn === undefined || fn.body === undefined) return undefined;
  if (!isBlock(fn.body)) return [fn.body as ts.Expression];
  const returned: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node)) return;
    if (node.kind === SyntaxKind.ReturnStatement && (node as ts.ReturnStatement).expression !== undefined) {
      returned.push((node as ts.ReturnStatement).expression!);
    }
    forEachChild(node, visit);
  };
  forEachChild(fn.body, visit);
  return returned.length > 0 ? returned : undefined;
}

/**
 * The function a call runs, when the file shows it: a local function or a
 * `const` arrow function (`stmt("ROLE", name)`), a method of the enclosing
 * class (`this.verb()`), or, given `valueOf`, a function-valued member of
 * a constant object (`SQL.drop("ROLE", name)`).
 *
 * @param call A call.
 * @param valueOf Follows a constant name to its initializer (for object members).
 * @returns The function, or `undefined`.
 */
export function helperFunction(call: ts.CallExpression, valueOf?: ValueOf): ts.FunctionLikeDeclaration | undefined {
  const callee = unwrapped(call.expression);
  if (isIdentifier(callee)) return localFunction(callee);
  if (!isPropertyAccessExpression(callee)) return undefined;
  const own = ownMethod(callee);
  if (own !== undefined || valueOf === undefined) return own;
  const member = memberValue(callee, valueOf);
  const value = member === undefined ? undefined : unwrapped(member);
  return value !== undefined && (isArrowFunction(value) || isFunctionExpression(value)) ? value : undefined;
}

/**
 * The value of a member of a constant object or of an enum: `SQL.drop`,
 * `SQL["drop"]` (`const SQL = { drop: "…" } as const`), `Verb.Drop`
 * (`const enum Verb { Drop = "DROP" }`), nested too.
 *
 * @param node A property or element access.
 * @param valueOf Follows a constant name to its initializer.
 * @param depth How many members deep the look-up is (nested objects).
 * @param mayBeEnum Whether a name may be an enum of the file (a cheap filter before the scope walk).
 * @returns The member's initializer, or `undefined`.
 */
export function memberValue(
  node: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  valueOf: ValueOf,
  depth = 0,
  mayBeEnum: (name: string) => boolean = () => true,
): ts.Expression | undefined {
  if (depth > 8) return undefined;
  const key = isPropertyAccessExpression(node)
    ? node.name.text
    : isStringLiteralLike(node.argumentExpression)
    ? node.argumentExpression.text
    : undefined;
  if (key === undefined) return undefined;
  const owner = unwrapped(node.expression);
  if (isIdentifier(owner) && mayBeEnum(owner.text)) {
    const enumMember = enumMemberValue(owner, key);
    if (enumMember !== undefined) return enumMember;
  }
  let object: ts.Expression | undefined = owner;
  if (isIdentifier(owner)) object = valueOf(owner);
  else if (isPropertyAccessExpression(owner) || owner.kind === SyntaxKind.ElementAccessExpression) {
    object = memberValue(owner as ts.PropertyAccessExpression, valueOf, depth + 1, mayBeEnum);
  }
  if (object === undefined) return undefined;
  object = frozen(unwrapped(object));
  if (!isObjectLiteralExpression(object)) return undefined;
  for (let i = object.properties.length - 1; i >= 0; i--) {
    const property = object.properties[i]!;
    const name = property.name;
    if (name === undefined || !(isIdentifier(name) || isStringLiteralLike(name)) || name.text !== key) continue;
    if (isPropertyAssignment(property)) return property.initializer;
    if (isShorthandPropertyAssignment(property)) return property.name;
    return undefined;
  }
  return undefined;
}

/**
 * The values a constant `Map` gives for a key: `M.get("k")` on
 * `const M = new Map([["k", "…"], …])`; all its values when the key is not
 * known.
 *
 * @param call A `.get(key)` call.
 * @param valueOf Follows a constant name to its initializer.
 * @param keyText The key's text, when known.
 * @returns The values (alternatives), or `undefined`.
 */
export function mapValues(
  call: ts.CallExpression,
  valueOf: ValueOf,
  keyText: string | undefined,
): ts.Expression[] | undefined {
  const callee = unwrapped(call.expression);
  if (!isPropertyAccessExpression(callee) || callee.name.text !== "get" || call.arguments.length !== 1) {
    return undefined;
  }
  const owner = unwrapped(callee.expression);
  const created = isIdentifier(owner)
    ? valueOf(owner)
    : isPropertyAccessExpression(owner)
    ? memberValue(owner, valueOf)
    : undefined;
  if (created === undefined) return undefined;
  const map = unwrapped(created);
  if (
    !isNewExpression(map) || !isIdentifier(map.expression) || map.expression.text !== "Map" ||
    map.arguments?.[0] === undefined
  ) {
    return undefined;
  }
  const entries = arrayElements(map.arguments[0], valueOf);
  if (entries === undefined) return undefined;
  const all: ts.Expression[] = [];
  for (const entry of entries) {
    const pair = entry === null ? undefined : unwrapped(entry);
    if (pair === undefined || !isArrayLiteralExpression(pair) || pair.elements.length !== 2) continue;
    const [key, value] = pair.elements as unknown as [ts.Expression, ts.Expression];
    const bareKey = unwrapped(key);
    if (keyText !== undefined && isStringLiteralLike(bareKey) && bareKey.text === keyText) return [value];
    all.push(value);
  }
  return all.length > 0 ? all : undefined;
}

/**
 * The object literals an options argument can be: the literal itself, a
 * `const` initialised with one, or, for a parameter, what the calls of its
 * function in the same file pass (`fetch(url, init)` with `init` built
 * elsewhere).
 *
 * @param node An argument.
 * @param valueOf Follows a constant name to its initializer.
 * @returns The object literals found (none when it is not traceable).
 */
export function objectLiterals(node: ts.Expression, valueOf: ValueOf, depth = 0): ts.ObjectLiteralExpression[] {
  if (depth > 4) return [];
  const bare = frozen(unwrapped(node));
  if (isObjectLiteralExpression(bare)) return [bare];
  if (isCallExpression(bare)) {
    // `fetch(url, options())`: what a local helper returns.
    return (helperReturns(bare) ?? []).flatMap((value) => objectLiterals(value, valueOf, depth + 1));
  }
  if (!isIdentifier(bare)) return [];
  const value = valueOf(bare) ?? mutableDeclaration(bare)?.initializer;
  if (value !== undefined) return objectLiterals(value, valueOf, depth + 1);
  const parameter = parameterOf(bare);
  if (parameter === undefined) return [];
  return argumentsOf(parameter).flatMap((argument) => objectLiterals(argument, valueOf, depth + 1));
}

/**
 * The options objects a call's argument can be, with names followed
 * syntactically in the file: see {@linkcode objectLiterals}.
 *
 * @param node An argument.
 * @returns The object literals found.
 */
export function optionObjects(node: ts.Expression): ts.ObjectLiteralExpression[] {
  return objectLiterals(node, localConst);
}

// A `const` of the file, by scope.
const localConst: ValueOf = (node) => {
  const bare = unwrapped(node);
  if (!isIdentifier(bare)) return undefined;
  const binding = localBinding(bare);
  return binding?.kind === "const" ? unwrapped(binding.initializer) : undefined;
};

// `Object.freeze({ … })` is the object.
function frozen(node: ts.Expression): ts.Expression {
  if (!isCallExpression(node) || node.arguments.length !== 1) return node;
  const callee = unwrapped(node.expression);
  const isFreeze = isPropertyAccessExpression(callee) && callee.name.text === "freeze" &&
    isIdentifier(callee.expression) &&
    callee.expression.text === "Object";
  return isFreeze ? unwrapped(node.arguments[0]!) : node;
}

function unwrapped(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    current.kind === SyntaxKind.ParenthesizedExpression || current.kind === SyntaxKind.AsExpression ||
    current.kind === SyntaxKind.SatisfiesExpression || current.kind === SyntaxKind.NonNullExpression ||
    current.kind === SyntaxKind.TypeAssertionExpression
  ) {
    current = (current as ts.ParenthesizedExpression).expression;
  }
  return current;
}

// The `let`/`var` declaration a read names, in an enclosing scope of the file.
function mutableDeclaration(name: ts.Identifier): ts.VariableDeclaration | undefined {
  const found = declarationOf(name);
  if (found === undefined || !isVariableDeclaration(found)) return undefined;
  return getCombinedNodeFlags(found) & NodeFlags.Const ? undefined : found;
}

// The nearest declaration of a name among the statements of the enclosing
// blocks (variables, functions, enums), or a parameter.
function declarationOf(name: ts.Identifier): ts.Node | undefined {
  const text = name.text;
  for (let scope: ts.Node | undefined = name.parent; scope !== undefined; scope = scope.parent) {
    if (isFunctionLike(scope)) {
      const parameter = scope.parameters.find((p) => isIdentifier(p.name) && p.name.text === text);
      if (parameter !== undefined) return parameter;
      continue;
    }
    if (!(isBlock(scope) || isSourceFile(scope) || isModuleBlock(scope))) continue;
    for (const statement of scope.statements) {
      if (isVariableStatement(statement)) {
        const declaration = statement.declarationList.declarations.find((d) =>
          isIdentifier(d.name) && d.name.text === text
        );
        if (declaration !== undefined) return declaration;
      } else if ((isFunctionDeclaration(statement) || isEnumDeclaration(statement)) && statement.name?.text === text) {
        return statement;
      }
    }
  }
  return undefined;
}

function scopeOf(declaration: ts.VariableDeclaration): ts.Node | undefined {
  for (let scope: ts.Node | undefined = declaration.parent; scope !== undefined; scope = scope.parent) {
    if (isBlock(scope) || isSourceFile(scope) || isModuleBlock(scope)) return scope;
  }
  return undefined;
}

// `name.push(…)` / `name.unshift(…)` statements before the read, in the declaring scope.
function pushesBefore(name: ts.Identifier): { front: ts.Expression[]; back: ts.Expression[] } {
  const declaration = declarationOf(name);
  const scope = declaration !== undefined && isVariableDeclaration(declaration) ? scopeOf(declaration) : undefined;
  const result = { front: [] as ts.Expression[], back: [] as ts.Expression[] };
  if (scope === undefined) return result;
  const visit = (node: ts.Node): void => {
    if (node.pos >= name.pos) return;
    if (isExpressionStatement(node) && isCallExpression(node.expression)) {
      const callee = unwrapped(node.expression.expression);
      if (
        isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && callee.expression.text === name.text &&
        (callee.name.text === "push" || callee.name.text === "unshift")
      ) {
        const values = node.expression.arguments.filter((a) => !isSpreadElement(a));
        if (callee.name.text === "push") result.back.push(...values);
        else result.front.unshift(...values);
      }
    }
    forEachChild(node, visit);
  };
  forEachChild(scope, visit);
  return result;
}

function localFunction(name: ts.Identifier): ts.FunctionLikeDeclaration | undefined {
  const found = declarationOf(name);
  if (found === undefined) return undefined;
  if (isFunctionDeclaration(found)) return found;
  if (
    isVariableDeclaration(found) && found.initializer !== undefined && getCombinedNodeFlags(found) & NodeFlags.Const
  ) {
    const value = unwrapped(found.initializer);
    if (isArrowFunction(value) || isFunctionExpression(value)) return value;
  }
  return undefined;
}

// `this.name` inside a class: its method (or arrow-function property) of that name.
function ownMethod(callee: ts.PropertyAccessExpression): ts.FunctionLikeDeclaration | undefined {
  if (callee.expression.kind !== SyntaxKind.ThisKeyword) return undefined;
  let scope: ts.Node | undefined = callee.parent;
  while (scope !== undefined && !isClassLike(scope)) scope = scope.parent;
  if (scope === undefined) return undefined;
  for (const member of (scope as ts.ClassLikeDeclaration).members) {
    const name = member.name;
    if (name === undefined || !isIdentifier(name) || name.text !== callee.name.text) continue;
    if (isMethodDeclaration(member)) return member;
    if (isPropertyDeclaration(member) && member.initializer !== undefined) {
      const value = unwrapped(member.initializer);
      if (isArrowFunction(value) || isFunctionExpression(value)) return value;
    }
  }
  return undefined;
}

function enumMemberValue(owner: ts.Identifier, key: string): ts.Expression | undefined {
  const found = declarationOf(owner);
  if (found === undefined || !isEnumDeclaration(found)) return undefined;
  const member = found.members.find((m) =>
    (isIdentifier(m.name) || isStringLiteralLike(m.name)) && m.name.text === key
  );
  return member?.initializer;
}

function parameterOf(name: ts.Identifier): ts.ParameterDeclaration | undefined {
  const found = declarationOf(name);
  return found !== undefined && found.kind === SyntaxKind.Parameter ? (found as ts.ParameterDeclaration) : undefined;
}

/**
 * What the calls of a parameter's function in its file pass to it: the
 * function called by name (`dropAll(adapter)`, `await gen(adapter)`).
 *
 * @param parameter A parameter of a function declaration or of a function bound to a `const`.
 * @returns The arguments at its position, unwrapped.
 */
export function argumentsOf(parameter: ts.ParameterDeclaration): ts.Expression[] {
  const fn = parameter.parent;
  const index = fn.parameters.indexOf(parameter);
  let name: string | undefined;
  if (isFunctionDeclaration(fn) && fn.name !== undefined) name = fn.name.text;
  else if (
    (isArrowFunction(fn) || isFunctionExpression(fn)) && isVariableDeclaration(fn.parent) &&
    isIdentifier(fn.parent.name)
  ) {
    name = fn.parent.name.text;
  }
  if (name === undefined || index < 0) return [];
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (isCallExpression(node)) {
      const callee = unwrapped(node.expression);
      const argument = node.arguments[index];
      if (isIdentifier(callee) && callee.text === name && argument !== undefined) found.push(unwrapped(argument));
    }
    forEachChild(node, visit);
  };
  visit(fn.getSourceFile());
  return found;
}
