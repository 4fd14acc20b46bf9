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
  forEachChild,
  isArrowFunction,
  isBinaryExpression,
  isCallExpression,
  isClassLike,
  isConditionalExpression,
  isElementAccessExpression,
  isFunctionDeclaration,
  isFunctionExpression,
  isFunctionLike,
  isIdentifier,
  isInterfaceDeclaration,
  isMethodDeclaration,
  isObjectLiteralExpression,
  isParameter,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isReturnStatement,
  isShorthandPropertyAssignment,
  isTypeLiteralNode,
  isVariableDeclaration,
  SymbolFlags,
  SyntaxKind,
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
// The members of a function that run it: reading them keeps a parameter the drop callback.
const FUNCTION_MEMBERS: ReadonlySet<string> = new Set(["call", "apply", "bind"]);

/**
 * What a function is to the chokepoint: a wrapper that forwards its drop
 * callback to guardedDrop on every path, one with bypasses (the references
 * to the callback that skip guardedDrop), or no wrapper at all.
 *
 * @example
 * ```ts ignore
 * const verdict = chokepoint.wrapperVerdict(fn);
 * if (verdict.kind === "bypassed") for (const at of verdict.bypasses) report(at);
 * ```
 */
export type WrapperVerdict =
  | { readonly kind: "wrapper" }
  | { readonly kind: "none" }
  | { readonly kind: "bypassed"; readonly bypasses: readonly ts.Identifier[] };

const WRAPPER: WrapperVerdict = Object.freeze({ kind: "wrapper" });
const NOT_A_WRAPPER: WrapperVerdict = Object.freeze({ kind: "none" });

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
  readonly #verdicts = new Map<ts.Node, WrapperVerdict>();

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
      known = call.arguments.length >= 2 && (
        (this.#isGuardedDropType(this.#checker().getTypeAtLocation(call.expression), 0) &&
          this.#madeByCreateGuardedDrop(call.expression, 0)) ||
        this.#isWrapperCall(call)
      );
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
      if (isPropertyAccessExpression(callee) && callee.name.text === "bind") {
        return this.#madeByCreateGuardedDrop(callee.expression, depth);
      }
      const symbol = this.#resolved(
        checker.getSymbolAtLocation(isPropertyAccessExpression(callee) ? callee.name : callee),
      );
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
      return this.#madeByCreateGuardedDrop(value.whenTrue, depth) &&
        this.#madeByCreateGuardedDrop(value.whenFalse, depth);
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
      const symbol = this.#resolved(
        checker.getSymbolAtLocation(isPropertyAccessExpression(value) ? value.name : value),
      );
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
        const initializer = (isVariableDeclaration(declaration) || isPropertyDeclaration(declaration) ||
            isPropertyAssignment(declaration))
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
  // guardedDrop call on every path: `(req, drop) => guardedDrop(req, drop)`.
  #isWrapper(fn: ts.FunctionLikeDeclaration): boolean {
    return this.wrapperVerdict(fn).kind === "wrapper";
  }

  /**
   * Whether a function is a guardedDrop wrapper (DESIGN §16): it takes the
   * drop callback as its second parameter, and every reference to that
   * parameter is handed to a guardedDrop call as its drop callback (or sits
   * inside one's drop callback). A function that forwards the callback on
   * one path and runs it, or hands it elsewhere, on another (an environment
   * flag, a `catch` that calls it, an early return) is `bypassed`, with the
   * references that bypass the chokepoint.
   *
   * @param fn A function, arrow function or method.
   * @returns `wrapper`, `bypassed` with the bypasses, or `none` when the function never forwards its second parameter.
   */
  wrapperVerdict(fn: ts.FunctionLikeDeclaration): WrapperVerdict {
    let known = this.#verdicts.get(fn);
    if (known !== undefined) return known;
    this.#verdicts.set(fn, NOT_A_WRAPPER); // a wrapper calling itself is not a chokepoint
    known = this.#judgeWrapper(fn);
    this.#verdicts.set(fn, known);
    return known;
  }

  #judgeWrapper(fn: ts.FunctionLikeDeclaration): WrapperVerdict {
    const drop = fn.parameters[1]?.name;
    if (drop === undefined || !isIdentifier(drop) || fn.body === undefined) return NOT_A_WRAPPER;
    const references = referencesTo(drop.text, fn.body);
    if (references.length === 0) return NOT_A_WRAPPER;
    // A parameter whose members are read is an object (an adapter whose
    // `deprovision` runs inside a drop callback), not the drop callback.
    if (references.some(isReceiver)) return NOT_A_WRAPPER;
    const bypasses = references.filter((ref) => !this.#throughChokepoint(ref, fn));
    if (bypasses.length === references.length) return NOT_A_WRAPPER;
    return bypasses.length === 0 ? WRAPPER : { kind: "bypassed", bypasses };
  }

  // Whether a reference to the drop parameter is the drop callback of a
  // guardedDrop call, or lies inside one (`guardedDrop(req, (c) => drop(c))`).
  #throughChokepoint(ref: ts.Identifier, fn: ts.Node): boolean {
    const direct = forwardingCall(ref);
    if (direct !== undefined) return this.isGuardedDropCall(direct);
    for (let current: ts.Node = ref; current.parent !== undefined && current !== fn; current = current.parent) {
      const parent = current.parent;
      if (isCallExpression(parent) && parent.arguments[1] === current && this.isGuardedDropCall(parent)) return true;
    }
    return false;
  }

  /**
   * The function a call's callee names, when it is a function of the
   * program (not typed `GuardedDrop`) that may be a guardedDrop wrapper: an
   * arrow function or function expression, a function or method declared,
   * a `const` holding one, or what a factory of the program returns
   * (`makeRun(guardedDrop)` with `makeRun = (g) => (req, drop) => g(req, drop)`).
   *
   * @param callee A call's callee.
   * @returns The functions it may run (empty when it names none in sight).
   */
  calleeFunctions(callee: ts.Expression): ts.FunctionLikeDeclaration[] {
    return this.#functionsOf(unwrap(callee), 0);
  }

  #functionsOf(value: ts.Expression, depth: number): ts.FunctionLikeDeclaration[] {
    if (depth > MAX_PROVENANCE_DEPTH) return [];
    if (isArrowFunction(value) || isFunctionExpression(value)) return [value];
    if (isCallExpression(value)) {
      // A factory's returned functions.
      const found: ts.FunctionLikeDeclaration[] = [];
      for (const factory of this.#functionsOf(unwrap(value.expression), depth + 1)) {
        for (const returned of returnedValues(factory)) found.push(...this.#functionsOf(unwrap(returned), depth + 1));
      }
      return found;
    }
    if (!isIdentifier(value) && !isPropertyAccessExpression(value)) return [];
    const symbol = this.#resolved(
      this.#checker().getSymbolAtLocation(isPropertyAccessExpression(value) ? value.name : value),
    );
    const found: ts.FunctionLikeDeclaration[] = [];
    for (const declaration of symbol?.declarations ?? []) {
      if (declaration.getSourceFile().isDeclarationFile) continue;
      if ((isFunctionDeclaration(declaration) || isMethodDeclaration(declaration)) && declaration.body !== undefined) {
        found.push(declaration);
      } else if (
        (isVariableDeclaration(declaration) || isPropertyDeclaration(declaration) ||
          isPropertyAssignment(declaration)) && declaration.initializer !== undefined
      ) {
        found.push(...this.#functionsOf(unwrap(declaration.initializer), depth + 1));
      }
    }
    return found;
  }

  // A call of a wrapper the program declares (not typed `GuardedDrop`): a
  // chokepoint when every function it may run is a wrapper.
  #isWrapperCall(call: ts.CallExpression): boolean {
    const callee = unwrap(call.expression);
    if (!isIdentifier(callee) && !isPropertyAccessExpression(callee) && !isCallExpression(callee)) return false;
    const functions = this.calleeFunctions(callee);
    return functions.length > 0 && functions.every((fn) => this.#isWrapper(fn));
  }

  /**
   * Why a call that looks like a guardedDrop wrapper's is not a chokepoint,
   * and what would make it one: for a finding inside its drop callback.
   *
   * @param call A call with at least two arguments.
   * @returns The reason, or `undefined` when the callee is no wrapper of the program.
   */
  whyNotChokepoint(call: ts.CallExpression): string | undefined {
    if (call.arguments.length < 2 || this.isGuardedDropCall(call)) return undefined;
    const name = unwrap(call.expression).getText().replace(/\s+/g, "");
    for (const fn of this.calleeFunctions(call.expression)) {
      const verdict = this.wrapperVerdict(fn);
      if (verdict.kind !== "bypassed") continue;
      const at = verdict.bypasses.map((b) =>
        `line ${b.getSourceFile().getLineAndCharacterOfPosition(b.getStart()).line + 1}`
      ).join(", ");
      return `\`${name}\` is not a chokepoint: it runs its drop callback without guardedDrop (${at}); ` +
        `a wrapper counts when every path hands the callback to guardedDrop`;
    }
    return undefined;
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
      const files = name === "GuardedDrop"
        ? GUARDED_DROP_FILES
        : name === "Deprovisioner"
        ? DEPROVISIONER_FILES
        : undefined;
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
          if ((isInterfaceDeclaration(base) || isClassLike(base)) && this.#extendsDeprovisioner(base, depth + 1)) {
            return true;
          }
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
  if ((isFunctionDeclaration(declaration) || isMethodDeclaration(declaration)) && declaration.body !== undefined) {
    return declaration;
  }
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

// The identifiers in a function body that read a parameter of this name: not
// property names, and not inside a nested function that declares its own.
function referencesTo(name: string, body: ts.Node): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node, parent: ts.Node): void => {
    if (isIdentifier(node)) {
      if (node.text === name && !isMemberName(node, parent)) {
        (node as { parent: ts.Node }).parent ??= parent;
        found.push(node);
      }
      return;
    }
    if (
      isFunctionLike(node) &&
      (node as ts.SignatureDeclaration).parameters.some((p) => isIdentifier(p.name) && p.name.text === name)
    ) return;
    forEachChild(node, (child) => visit(child, node));
  };
  forEachChild(body, (child) => visit(child, body));
  return found;
}

// `adapter.exists(…)`: the reference is the object of a member access other
// than a function's own `call`, `apply` and `bind` (which run the callback).
function isReceiver(ref: ts.Identifier): boolean {
  const parent = ref.parent;
  if (isPropertyAccessExpression(parent) && parent.expression === ref) return !FUNCTION_MEMBERS.has(parent.name.text);
  return isElementAccessExpression(parent) && parent.expression === ref;
}
function isMemberName(node: ts.Identifier, parent: ts.Node): boolean {
  return (isPropertyAccessExpression(parent) && parent.name === node) ||
    ((isPropertyAssignment(parent) || isMethodDeclaration(parent) || isPropertyDeclaration(parent)) &&
      parent.name === node);
}

// The call a reference is handed to as its second argument (through
// parentheses and casts): `g(req, drop)`.
function forwardingCall(ref: ts.Node): ts.CallExpression | undefined {
  let current: ts.Node = ref;
  while (current.parent !== undefined && unwrap(current.parent as ts.Expression) !== current.parent) {
    current = current.parent;
  }
  const parent = current.parent;
  return parent !== undefined && isCallExpression(parent) && parent.arguments[1] === current ? parent : undefined;
}
