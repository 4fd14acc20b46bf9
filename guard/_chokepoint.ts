/**
 * Recognising the chokepoint (`GuardedDrop` calls) and the adapters'
 * `deprovision` by type.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { unwrap } from "./_fold.ts";
import type { PackageLookup } from "./_package.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const { isClassLike, isInterfaceDeclaration, isObjectLiteralExpression, SymbolFlags } = typescript;

// Where guarded-drop declares its contract types: the sources in this
// repository, the declarations in the published package.
const GUARDED_DROP_FILES: ReadonlySet<string> = new Set(["lib/guarded_drop.ts", "dist/lib/guarded_drop.d.ts"]);
const DEPROVISIONER_FILES: ReadonlySet<string> = new Set(["lib/deprovisioner.ts", "dist/lib/deprovisioner.d.ts"]);
const ADAPTER_DIRECTORIES: readonly string[] = ["adapters/", "dist/adapters/"];
// `implements A`, `A extends B`, `class C extends D`: chains longer than this
// are not followed.
const MAX_HERITAGE_DEPTH = 8;

/**
 * Type-based recognition, memoised per node and symbol. The checker is only
 * asked at the nodes the rules and the reachability check hand in.
 */
export class Chokepoint {
  readonly #checker: () => ts.TypeChecker;
  readonly #packages: PackageLookup;
  readonly #calls = new Map<ts.CallExpression, boolean>();
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
   * Whether a call's callee has guarded-drop's `GuardedDrop` type, so that
   * its second argument is a drop callback.
   *
   * @param call A call with at least two arguments.
   * @returns `true` for a guardedDrop call.
   */
  isGuardedDropCall(call: ts.CallExpression): boolean {
    let known = this.#calls.get(call);
    if (known === undefined) {
      known = call.arguments.length >= 2 && this.#isGuardedDropType(this.#checker().getTypeAtLocation(call.expression), 0);
      this.#calls.set(call, known);
    }
    return known;
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
