/**
 * Recognising the chokepoint (`GuardedDrop` calls) and the adapters'
 * `deprovision` by type.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { unwrap } from "./_fold.ts";
import { heldValues } from "./_held_values.ts";
import type { PackageLookup } from "./_package.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  forEachChild, isArrowFunction, isBinaryExpression, isCallExpression, isClassLike, isConditionalExpression,
  isFunctionDeclaration, isFunctionExpression, isFunctionLike, isIdentifier, isInterfaceDeclaration,
  isMethodDeclaration, isObjectLiteralExpression, isParameter, isPropertyAccessExpression, isPropertyAssignment,
  isPropertyDeclaration, isReturnStatement, isShorthandPropertyAssignment, isTypeLiteralNode, isVariableDeclaration, SymbolFlags, SyntaxKind,
} = typescript;

// Where guarded-drop declares its contract types: the sources in this
// repository, the declarations in the published package.
const GUARDED_DROP_FILES: ReadonlySet<string> = new Set(["lib/guarded_drop.ts", "dist/lib/guarded_drop.d.ts"]);
const DEPROVISIONER_FILES: ReadonlySet<string> = new Set(["lib/deprovisioner.ts", "dist/lib/deprovisioner.d.ts"]);
const ADAPTER_DIRECTORIES: readonly string[] = ["adapters/", "dist/adapters/"];
// `implements A`, `A extends B`, `class C extends D`: chains longer than this
// are not followed.
const MAX_HERITAGE_DEPTH = 8;
// A guardedDrop value is followed back through this many bindings, factories
// and wrappers to the createGuardedDrop call it came from.
const MAX_PROVENANCE_DEPTH = 8;

/**
 * Type-based recognition, memoised per node and symbol. The checker is only
 * asked at the nodes the rules and the reachability check hand in.
 */
export class Chokepoint {
  readonly #checker: () => ts.TypeChecker;
  readonly #packages: PackageLookup;
  readonly #calls = new Map<ts.CallExpression, boolean>();
  readonly #trusted = new Map<ts.Node, boolean>();
  readonly #interfaces = new Map<ts.Symbol, "GuardedDrop" | "Deprovisioner" | null>();

  /**
   * @param checker Returns the type checker (created on first call).
   * @param packages The package lookup.
   */
  constructor(checker: () => ts.TypeChecker, packages: PackageLookup) {
    this.#checker = checker;
    this.#packages = packages;
  }

  /**
   * Whether a call's callee has guarded-drop's `GuardedDrop` type, and is a
   * value made by guarded-drop's `createGuardedDrop`, so that its second
   * argument is a drop callback.
   *
   * The value is followed back through the code: `const`s and properties
   * with an initializer, imports, a factory function's returned values,
   * `.bind()`, conditionals, and a wrapper function that hands its drop
   * callback on to a guardedDrop. A value whose origin is in the program and
   * is something else (a shim cast to `GuardedDrop`) is not a chokepoint.
   * NOTE: a parameter, a property without an initializer, a destructured
   * value or a declared one has no visible origin: its type is trusted.
   *
   * @param call A call with at least two arguments.
   * @returns `true` for a guardedDrop call.
   */
  isGuardedDropCall(call: ts.CallExpression): boolean {
    let known = this.#calls.get(call);
    if (known === undefined) {
      this.#calls.set(call, false); // a wrapper calling itself is not a chokepoint
      known = call.arguments.length >= 2 && this.#isGuardedDropType(this.#checker().getTypeAtLocation(call.expression), 0) &&
        this.#madeByCreateGuardedDrop(call.expression, 0);
      this.#calls.set(call, known);
    }
    return known;
  }

  // Whether a value flows from createGuardedDrop (or cannot be traced).
  #madeByCreateGuardedDrop(node: ts.Expression, depth: number): boolean {
    if (depth > MAX_PROVENANCE_DEPTH) return true;
    const value = unwrap(node);
    let known = this.#trusted.get(value);
    if (known !== undefined) return known;
    this.#trusted.set(value, false); // cycles are not a provenance
    known = this.#originOf(value, depth + 1);
    this.#trusted.set(value, known);
    return known;
  }

  #originOf(value: ts.Expression, depth: number): boolean {
    const checker = this.#checker();
    if (isCallExpression(value)) {
      const callee = unwrap(value.expression);
      // `guardedDrop.bind(null)`: the same function.
      if (isPropertyAccessExpression(callee) && callee.name.text === "bind") return this.#madeByCreateGuardedDrop(callee.expression, depth);
      const symbol = this.#resolved(checker.getSymbolAtLocation(isPropertyAccessExpression(callee) ? callee.name : callee));
      if (symbol === undefined) return true;
      let seen = false;
      for (const declaration of symbol.declarations ?? []) {
        if (this.#isCreateGuardedDrop(declaration)) return true;
        const body = factoryBody(declaration);
        if (body === undefined) continue;
        seen = true;
        const returned = returnedValues(body);
        if (returned.length > 0 && returned.every((r) => this.#madeByCreateGuardedDrop(r, depth))) return true;
      }
      // A factory declared only in a package's declarations: its type says it all.
      return !seen;
    }
    if (isConditionalExpression(value)) {
      return this.#madeByCreateGuardedDrop(value.whenTrue, depth) && this.#madeByCreateGuardedDrop(value.whenFalse, depth);
    }
    if (isBinaryExpression(value)) {
      const op = value.operatorToken.kind;
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) {
        return this.#madeByCreateGuardedDrop(value.left, depth) && this.#madeByCreateGuardedDrop(value.right, depth);
      }
      return op === SyntaxKind.CommaToken ? this.#madeByCreateGuardedDrop(value.right, depth) : false;
    }
    if (isArrowFunction(value) || isFunctionExpression(value)) return this.#isWrapper(value);
    if (isIdentifier(value) || isPropertyAccessExpression(value)) {
      const symbol = this.#resolved(checker.getSymbolAtLocation(isPropertyAccessExpression(value) ? value.name : value));
      if (symbol === undefined) return true;
      for (const declaration of symbol.declarations ?? []) {
        if (declaration.getSourceFile().isDeclarationFile) return true;
        if (isFunctionDeclaration(declaration) || isMethodDeclaration(declaration)) {
          if (this.#isWrapper(declaration)) return true;
          continue;
        }
        if (isShorthandPropertyAssignment(declaration)) {
          if (this.#madeByCreateGuardedDrop(declaration.name, depth)) return true;
          continue;
        }
        const initializer = (isVariableDeclaration(declaration) || isPropertyDeclaration(declaration) || isPropertyAssignment(declaration))
          ? declaration.initializer
          : undefined;
        // A parameter, a property assigned elsewhere, a destructured value: no origin in sight.
        if (initializer === undefined || isParameter(declaration)) return true;
        if (this.#madeByCreateGuardedDrop(initializer, depth)) return true;
      }
      return false;
    }
    return false;
  }

  // A function that hands its second parameter, the drop callback, on to a
  // guardedDrop call: `(req, drop) => guardedDrop(req, drop)`.
  #isWrapper(fn: ts.FunctionLikeDeclaration): boolean {
    const drop = fn.parameters[1]?.name;
    if (drop === undefined || !isIdentifier(drop) || fn.body === undefined) return false;
    let found = false;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (isCallExpression(node) && node.arguments.length >= 2) {
        const passed = unwrap(node.arguments[1]!);
        if (isIdentifier(passed) && passed.text === drop.text && this.isGuardedDropCall(node)) {
          found = true;
          return;
        }
      }
      forEachChild(node, visit);
    };
    visit(fn.body);
    return found;
  }

  #isCreateGuardedDrop(declaration: ts.Node): boolean {
    if (!isFunctionDeclaration(declaration) || declaration.name?.text !== "createGuardedDrop") return false;
    const inPackage = this.#packages.pathInGuardedDrop(declaration.getSourceFile().fileName);
    return inPackage !== undefined && GUARDED_DROP_FILES.has(inPackage);
  }

  #resolved(symbol: ts.Symbol | undefined): ts.Symbol | undefined {
    if (symbol === undefined) return undefined;
    return symbol.flags & SymbolFlags.Alias ? this.#checker().getAliasedSymbol(symbol) : symbol;
  }

  /**
   * Whether a property symbol is an adapter's `deprovision`: a member of
   * guarded-drop's `Deprovisioner`, of a type declared in guarded-drop's
   * `adapters/`, of a class that implements `Deprovisioner`, or of an
   * object literal typed as one.
   *
   * @param symbol The resolved property symbol.
   * @returns `true` for an adapter's deprovision.
   */
  isAdapterDeprovision(symbol: ts.Symbol): boolean {
    const checker = this.#checker();
    const resolved = symbol.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const declaration of resolved.declarations ?? []) {
      const inPackage = this.#packages.pathInGuardedDrop(declaration.getSourceFile().fileName);
      if (inPackage !== undefined && ADAPTER_DIRECTORIES.some((dir) => inPackage.startsWith(dir))) return true;
      const container = declaration.parent;
      if (container === undefined) continue;
      if (isInterfaceDeclaration(container) || isClassLike(container)) {
        if (this.#extendsDeprovisioner(container, 0)) return true;
      } else if (isObjectLiteralExpression(container)) {
        const contextual = checker.getContextualType(container);
        if (contextual !== undefined && this.#isContractType(contextual, "Deprovisioner")) return true;
      }
    }
    return false;
  }

  /**
   * Whether an expression's value is a promise (has a `then` method).
   *
   * @param node An expression.
   * @returns `true` for a promise-like value.
   */
  isPromiseLike(node: ts.Node): boolean {
    const type = this.#checker().getTypeAtLocation(node);
    return this.#checker().getNonNullableType(type).getProperty("then") !== undefined;
  }

  /**
   * Whether `receiver.deprovision` is an adapter's: by the member's type
   * ({@linkcode isAdapterDeprovision}), or, when the member belongs to a
   * structural type of the user's (an interface, a type literal, a generic
   * constraint), by the value the receiver holds: a `const` or property
   * initialised with an adapter, or a parameter that a call in the same file
   * passes an adapter to.
   *
   * @param symbol The resolved property symbol.
   * @param receiver The expression whose `deprovision` is taken.
   * @returns `true` for an adapter's deprovision.
   */
  isAdapterDeprovisionOn(symbol: ts.Symbol, receiver: ts.Expression | undefined): boolean {
    if (this.isAdapterDeprovision(symbol)) return true;
    if (receiver === undefined || !(symbol.declarations ?? []).some((d) => isStructural(d.parent))) return false;
    const checker = this.#checker();
    return heldValues(checker, receiver).some((value) => {
      const held = checker.getTypeAtLocation(value).getProperty("deprovision");
      return held !== undefined && held !== symbol && this.isAdapterDeprovision(held);
    });
  }

  #isGuardedDropType(type: ts.Type, depth: number): boolean {
    if (depth > MAX_HERITAGE_DEPTH) return false;
    const bare = this.#checker().getNonNullableType(type);
    if (bare.isUnionOrIntersection()) return bare.types.some((part) => this.#isGuardedDropType(part, depth + 1));
    return this.#isContractType(bare, "GuardedDrop");
  }

  #isContractType(type: ts.Type, name: "GuardedDrop" | "Deprovisioner"): boolean {
    for (const symbol of [type.aliasSymbol, type.getSymbol()]) {
      if (symbol !== undefined && this.#contractOf(symbol) === name) return true;
    }
    return false;
  }

  // Which of guarded-drop's contract interfaces a symbol is: decided by the
  // declaration's name and by the file it is declared in, so that a
  // same-named interface of the user's is not mistaken for it.
  #contractOf(symbol: ts.Symbol): "GuardedDrop" | "Deprovisioner" | null {
    let known = this.#interfaces.get(symbol);
    if (known !== undefined) return known;
    known = null;
    for (const declaration of symbol.declarations ?? []) {
      if (!isInterfaceDeclaration(declaration)) continue;
      const name = declaration.name.text;
      const files = name === "GuardedDrop" ? GUARDED_DROP_FILES : name === "Deprovisioner" ? DEPROVISIONER_FILES : undefined;
      const inPackage = files && this.#packages.pathInGuardedDrop(declaration.getSourceFile().fileName);
      if (inPackage !== undefined && files!.has(inPackage)) {
        known = name as "GuardedDrop" | "Deprovisioner";
        break;
      }
    }
    this.#interfaces.set(symbol, known);
    return known;
  }

  #extendsDeprovisioner(container: ts.InterfaceDeclaration | ts.ClassLikeDeclaration, depth: number): boolean {
    if (depth > MAX_HERITAGE_DEPTH) return false;
    const checker = this.#checker();
    const own = checker.getSymbolAtLocation(container.name ?? container);
    if (own !== undefined && this.#contractOf(own) === "Deprovisioner") return true;
    for (const clause of container.heritageClauses ?? []) {
      for (const heritage of clause.types) {
        let symbol = checker.getSymbolAtLocation(unwrap(heritage.expression));
        if (symbol === undefined) continue;
        if (symbol.flags & SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        if (this.#contractOf(symbol) === "Deprovisioner") return true;
        for (const base of symbol.declarations ?? []) {
          if ((isInterfaceDeclaration(base) || isClassLike(base)) && this.#extendsDeprovisioner(base, depth + 1)) return true;
        }
      }
    }
    return false;
  }
}

// The body of a function the program declares, whose returned values make a
// guardedDrop.
function factoryBody(declaration: ts.Node): ts.FunctionLikeDeclaration | undefined {
  if (declaration.getSourceFile().isDeclarationFile) return undefined;
  if ((isFunctionDeclaration(declaration) || isMethodDeclaration(declaration)) && declaration.body !== undefined) return declaration;
  if (isVariableDeclaration(declaration) && declaration.initializer !== undefined) {
    const value = unwrap(declaration.initializer);
    if (isArrowFunction(value) || isFunctionExpression(value)) return value;
  }
  return undefined;
}

// `() => x` gives `x`; a block gives each `return x` of its own (not of the
// functions nested in it).
function returnedValues(fn: ts.FunctionLikeDeclaration): ts.Expression[] {
  const body = fn.body;
  if (body === undefined) return [];
  if (body.kind !== SyntaxKind.Block) return [body as ts.Expression];
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node)) return;
    if (isReturnStatement(node) && node.expression !== undefined) found.push(node.expression);
    forEachChild(node, visit);
  };
  forEachChild(body, visit);
  return found;
}

// An interface or a type literal: a shape that any value of the right form fits.
function isStructural(node: ts.Node | undefined): boolean {
  return node !== undefined && (isInterfaceDeclaration(node) || isTypeLiteralNode(node));
}
