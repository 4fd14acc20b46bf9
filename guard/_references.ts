/**
 * Finding every reference to a set of declarations: by text first, then
 * confirmed with the checker, following imports, renames, re-exports and
 * default exports.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { heldValues } from "./_held_values.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  forEachChild,
  isBindingElement,
  isCallExpression,
  isClassLike,
  isElementAccessExpression,
  isExportAssignment,
  isExportDeclaration,
  isExportSpecifier,
  isIdentifier,
  isImportClause,
  isImportDeclaration,
  isImportEqualsDeclaration,
  isImportSpecifier,
  isInterfaceDeclaration,
  isNamedExports,
  isNamedImports,
  isNamespaceImport,
  isObjectBindingPattern,
  isObjectLiteralExpression,
  isPrivateIdentifier,
  isPropertyAccessExpression,
  isQualifiedName,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isStringLiteralLike,
  isTypeAliasDeclaration,
  isTypeLiteralNode,
  isTypeQueryNode,
  isTypeReferenceNode,
  SymbolFlags,
} = typescript;

/** A confirmed reference. */
export interface Reference {
  /** The referencing identifier, or the string that names the member (`ns["drop"]`, `Reflect.get(ns, "drop")`). */
  readonly node: ts.Node;
  /** The declaration it resolves to. */
  readonly declaration: ts.Node;
}

// Renames through barrels (`export { a as b } from`) are followed this many
// hops.
const MAX_ALIAS_ROUNDS = 6;

/**
 * Finds the references to `declarations` in `files`.
 *
 * Text comes first: only files whose text holds one of the names (or a
 * name they are imported or re-exported under) are walked, and only
 * identifiers with such a name are resolved. Import and export clauses are
 * not references (they only name the function); everything else is: a call,
 * the function passed as a value, a shorthand property, a destructuring, a
 * member named by a string (`ns["drop"]`, `ns[key]` with a constant key,
 * `Reflect.get(ns, "drop")`).
 *
 * A method is also reached through the types it can be dispatched from: a
 * call through an interface the class implements or a base class it
 * extends (also as a generic constraint), and a call through a structural
 * type of the user's (an interface, a type literal) whose receiver holds an
 * instance of the class (see `heldValues`).
 *
 * @param checker The type checker.
 * @param files The files to report references in.
 * @param barrels Files to follow re-exports through (the whole program).
 * @param declarations The declarations whose symbols to find.
 * @param names Their declared names (`default` for default exports).
 * @returns The references, in file order.
 */
export function findReferences(
  checker: ts.TypeChecker,
  files: readonly ts.SourceFile[],
  barrels: readonly ts.SourceFile[],
  declarations: ReadonlySet<ts.Node>,
  names: ReadonlySet<string>,
): Reference[] {
  if (declarations.size === 0) return [];
  const dispatch = new Dispatch(checker, declarations);
  const targetOf = (symbol: ts.Symbol | undefined, receiver?: ts.Expression): ts.Node | undefined => {
    if (symbol === undefined) return undefined;
    const resolved = symbol.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return resolved.declarations?.find((d) => declarations.has(d)) ?? dispatch.target(resolved, receiver) ??
      heldFunction(resolved);
  };
  // A property whose value is the function: `export default { dropTenant }`,
  // `const api = { drop: dropTenant }`; `api.drop()` reaches it.
  const heldFunction = (symbol: ts.Symbol): ts.Node | undefined => {
    for (const declaration of symbol.declarations ?? []) {
      let value: ts.Symbol | undefined;
      if (isShorthandPropertyAssignment(declaration)) value = checker.getShorthandAssignmentValueSymbol(declaration);
      else if (isPropertyAssignment(declaration) && isIdentifier(declaration.initializer)) {
        value = checker.getSymbolAtLocation(declaration.initializer);
      }
      if (value === undefined) continue;
      const resolved = value.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(value) : value;
      const found = resolved.declarations?.find((d) => declarations.has(d));
      if (found !== undefined) return found;
    }
    return undefined;
  };

  // The names the targets travel under: renamed imports, renamed re-exports,
  // default imports.
  const wanted = new Set(names);
  for (let round = 0; round < MAX_ALIAS_ROUNDS; round++) {
    const before = wanted.size;
    for (const file of barrels) {
      if (!mentionsAny(file.text, wanted) && !(wanted.has("default") && file.text.includes("import"))) continue;
      for (const statement of file.statements) {
        for (const alias of aliasesIn(statement)) {
          const imported = alias.imported;
          const name = alias.as ?? alias.local.text;
          if (!wanted.has(imported) || wanted.has(name)) continue;
          if (targetOf(checker.getSymbolAtLocation(alias.local)) !== undefined) wanted.add(name);
        }
      }
    }
    if (wanted.size === before) break;
  }

  const references: Reference[] = [];
  for (const file of files) {
    if (!mentionsAny(file.text, wanted)) continue;
    const visit = (node: ts.Node): void => {
      if ((isIdentifier(node) || isPrivateIdentifier(node)) && wanted.has(node.text)) {
        const declaration = referenced(checker, node, targetOf);
        if (declaration !== undefined) references.push({ node, declaration });
        return;
      }
      if (isStringLiteralLike(node) && wanted.has(node.text)) {
        const declaration = namedMember(checker, node, targetOf);
        if (declaration !== undefined) references.push({ node, declaration });
        return;
      }
      if (isElementAccessExpression(node) && !isStringLiteralLike(node.argumentExpression)) {
        // `ns[key]` with a constant key (or a union of them).
        for (const key of literalKeys(checker, node.argumentExpression)) {
          if (!wanted.has(key)) continue;
          const declaration = targetOf(checker.getTypeAtLocation(node.expression).getProperty(key));
          if (declaration !== undefined) {
            references.push({ node: node.argumentExpression, declaration });
            break;
          }
        }
      }
      forEachChild(node, visit);
    };
    visit(file);
  }
  return references;
}

function mentionsAny(text: string, names: ReadonlySet<string>): boolean {
  for (const name of names) if (name !== "default" && text.includes(name)) return true;
  return false;
}

function referenced(
  checker: ts.TypeChecker,
  node: ts.Identifier | ts.PrivateIdentifier,
  targetOf: (symbol: ts.Symbol | undefined, receiver?: ts.Expression) => ts.Node | undefined,
): ts.Node | undefined {
  const parent = node.parent;
  // Naming, not using: declarations, import/export clauses, type positions.
  if (
    isImportSpecifier(parent) || isImportClause(parent) || isNamespaceImport(parent) || isExportSpecifier(parent) ||
    isExportAssignment(parent) || isTypeQueryNode(parent) || isTypeReferenceNode(parent) || isQualifiedName(parent) ||
    isImportEqualsDeclaration(parent)
  ) {
    return undefined;
  }
  if (
    (parent as ts.NamedDeclaration).name === node && !isPropertyAccessExpression(parent) && !isBindingElement(parent) &&
    !isShorthandPropertyAssignment(parent)
  ) {
    return undefined;
  }
  if (isShorthandPropertyAssignment(parent)) return targetOf(checker.getShorthandAssignmentValueSymbol(parent));
  if (isBindingElement(parent)) {
    // `const { drop } = adapters` names the property `drop` of the
    // initializer's type.
    const key = parent.propertyName ?? parent.name;
    if (key !== node || !isObjectBindingPattern(parent.parent)) return undefined;
    const property = checker.getTypeAtLocation(parent.parent).getProperty(node.text);
    return targetOf(property);
  }
  return targetOf(
    checker.getSymbolAtLocation(node),
    isPropertyAccessExpression(parent) && parent.name === node ? parent.expression : undefined,
  );
}

// A member named by a string: `ns["drop"]`, `Reflect.get(ns, "drop")`.
function namedMember(
  checker: ts.TypeChecker,
  node: ts.StringLiteralLike,
  targetOf: (symbol: ts.Symbol | undefined, receiver?: ts.Expression) => ts.Node | undefined,
): ts.Node | undefined {
  const parent = node.parent;
  if (isElementAccessExpression(parent) && parent.argumentExpression === node) {
    return targetOf(checker.getTypeAtLocation(parent.expression).getProperty(node.text), parent.expression);
  }
  if (
    isCallExpression(parent) && parent.arguments[1] === node && parent.arguments[0] !== undefined &&
    isReflectGet(parent.expression)
  ) {
    return targetOf(checker.getTypeAtLocation(parent.arguments[0]).getProperty(node.text));
  }
  return undefined;
}

function isReflectGet(callee: ts.Expression): boolean {
  return isPropertyAccessExpression(callee) && callee.name.text === "get" && isIdentifier(callee.expression) &&
    callee.expression.text === "Reflect";
}

// The string values a key's type allows: `"a"`, `"a" | "b"`.
function literalKeys(checker: ts.TypeChecker, key: ts.Expression): string[] {
  if (!isIdentifier(key) && !isPropertyAccessExpression(key)) return [];
  const type = checker.getTypeAtLocation(key);
  const parts = type.isUnion() ? type.types : [type];
  return parts.flatMap((part) => (part.isStringLiteral() ? [part.value] : []));
}

/**
 * Which sanctioned method a member of another type may dispatch to: a
 * member of the same name of an interface or class in the sanctioned
 * class's heritage (`implements`, `extends`, followed up), or of a
 * structural type whose receiver holds a value of the sanctioned class.
 */
class Dispatch {
  readonly #checker: ts.TypeChecker;
  readonly #byName = new Map<
    string,
    { declaration: ts.Node; container: ts.ClassLikeDeclaration | ts.ObjectLiteralExpression }[]
  >();
  readonly #known = new Map<ts.Symbol, ts.Node | null>();

  constructor(checker: ts.TypeChecker, declarations: ReadonlySet<ts.Node>) {
    this.#checker = checker;
    for (const declaration of declarations) {
      const container = declaration.parent;
      const name = (declaration as ts.NamedDeclaration).name;
      if (
        container === undefined || name === undefined ||
        !(isIdentifier(name) || isPrivateIdentifier(name) || isStringLiteralLike(name))
      ) {
        continue;
      }
      if (!isClassLike(container) && !isObjectLiteralExpression(container)) continue;
      const list = this.#byName.get(name.text) ?? [];
      list.push({ declaration, container });
      this.#byName.set(name.text, list);
    }
  }

  target(symbol: ts.Symbol, receiver: ts.Expression | undefined): ts.Node | undefined {
    if (this.#byName.size === 0 || !(symbol.flags & (SymbolFlags.Method | SymbolFlags.Property))) return undefined;
    const candidates = this.#byName.get(symbol.name);
    if (candidates === undefined) return undefined;
    let known = this.#known.get(symbol);
    if (known === undefined) {
      known = this.#inHeritage(symbol, candidates) ?? null;
      this.#known.set(symbol, known);
    }
    if (known !== null) return known;
    if (
      receiver === undefined ||
      !(symbol.declarations ?? []).some((d) => isInterfaceDeclaration(d.parent) || isTypeLiteralNode(d.parent))
    ) {
      return undefined;
    }
    // A structural type: what the receiver holds decides.
    for (const value of heldValues(this.#checker, receiver)) {
      const held = this.#checker.getTypeAtLocation(value).getProperty(symbol.name);
      const found = held?.declarations?.find((d) => candidates.some((c) => c.declaration === d));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  #inHeritage(
    symbol: ts.Symbol,
    candidates: readonly { declaration: ts.Node; container: ts.Node }[],
  ): ts.Node | undefined {
    const holders = new Set((symbol.declarations ?? []).map((d) => d.parent));
    for (const { declaration, container } of candidates) {
      if (isClassLike(container) && this.#inherits(container, holders, 0)) return declaration;
    }
    return undefined;
  }

  #inherits(
    container: ts.ClassLikeDeclaration | ts.InterfaceDeclaration,
    holders: ReadonlySet<ts.Node>,
    depth: number,
  ): boolean {
    if (depth > MAX_ALIAS_ROUNDS * 2) return false;
    for (const clause of container.heritageClauses ?? []) {
      for (const heritage of clause.types) {
        let symbol = this.#checker.getSymbolAtLocation(heritage.expression);
        if (symbol !== undefined && symbol.flags & SymbolFlags.Alias) symbol = this.#checker.getAliasedSymbol(symbol);
        for (const base of symbol?.declarations ?? []) {
          // `implements Shape` of `type Shape = { … }`: the members are the literal's.
          if (holders.has(base) || (isTypeAliasDeclaration(base) && holders.has(base.type))) return true;
          if ((isClassLike(base) || isInterfaceDeclaration(base)) && this.#inherits(base, holders, depth + 1)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}

// `imported` travels as `as` (default: the local identifier's text).
function aliasesIn(statement: ts.Statement): { imported: string; local: ts.Identifier; as?: string }[] {
  const aliases: { imported: string; local: ts.Identifier; as?: string }[] = [];
  if (isExportAssignment(statement) && !statement.isExportEquals && isIdentifier(statement.expression)) {
    // `export default dropTenant`: the function travels as `default` too.
    aliases.push({ imported: statement.expression.text, local: statement.expression, as: "default" });
  }
  if (isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name !== undefined) aliases.push({ imported: "default", local: clause.name });
    const bindings = clause?.namedBindings;
    if (bindings !== undefined && isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        aliases.push({ imported: moduleExportName(element.propertyName ?? element.name), local: element.name });
      }
    }
  } else if (
    isExportDeclaration(statement) && statement.exportClause !== undefined && isNamedExports(statement.exportClause)
  ) {
    for (const element of statement.exportClause.elements) {
      if (isIdentifier(element.name)) {
        aliases.push({ imported: moduleExportName(element.propertyName ?? element.name), local: element.name });
      }
    }
  }
  return aliases;
}

function moduleExportName(name: ts.ModuleExportName): string {
  return name.text;
}
