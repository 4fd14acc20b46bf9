/**
 * Finding every reference to a set of declarations: by text first, then
 * confirmed with the checker, following imports, renames, re-exports and
 * default exports.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  forEachChild, isBindingElement, isExportAssignment, isExportDeclaration, isExportSpecifier, isIdentifier,
  isImportClause, isImportDeclaration, isImportEqualsDeclaration, isImportSpecifier, isNamedExports, isNamedImports,
  isNamespaceImport, isObjectBindingPattern, isPrivateIdentifier, isPropertyAccessExpression, isQualifiedName,
  isShorthandPropertyAssignment, isTypeQueryNode, isTypeReferenceNode, SymbolFlags,
} = typescript;

/** A confirmed reference. */
export interface Reference {
  /** The referencing identifier. */
  readonly node: ts.Identifier | ts.PrivateIdentifier;
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
 * the function passed as a value, a shorthand property, a destructuring.
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
  const targetOf = (symbol: ts.Symbol | undefined): ts.Node | undefined => {
    if (symbol === undefined) return undefined;
    const resolved = symbol.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return resolved.declarations?.find((d) => declarations.has(d));
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
          if (!wanted.has(imported) || wanted.has(alias.local.text)) continue;
          if (targetOf(checker.getSymbolAtLocation(alias.local)) !== undefined) wanted.add(alias.local.text);
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
  targetOf: (symbol: ts.Symbol | undefined) => ts.Node | undefined,
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
  return targetOf(checker.getSymbolAtLocation(node));
}

function aliasesIn(statement: ts.Statement): { imported: string; local: ts.Identifier }[] {
  const aliases: { imported: string; local: ts.Identifier }[] = [];
  if (isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name !== undefined) aliases.push({ imported: "default", local: clause.name });
    const bindings = clause?.namedBindings;
    if (bindings !== undefined && isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        aliases.push({ imported: moduleExportName(element.propertyName ?? element.name), local: element.name });
      }
    }
  } else if (isExportDeclaration(statement) && statement.exportClause !== undefined && isNamedExports(statement.exportClause)) {
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
