/**
 * Name resolution for constant folding: scopes walked without the checker,
 * and the checker only for imported constants.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  forEachChild,
  getCombinedNodeFlags,
  getModifiers,
  isBlock,
  isCaseClause,
  isCatchClause,
  isClassDeclaration,
  isDefaultClause,
  isEnumDeclaration,
  isEnumMember,
  isExportDeclaration,
  isForInStatement,
  isForOfStatement,
  isForStatement,
  isFunctionDeclaration,
  isFunctionLike,
  isIdentifier,
  isImportDeclaration,
  isModuleBlock,
  isNamedExports,
  isNamespaceImport,
  isOmittedExpression,
  isSourceFile,
  isVariableDeclaration,
  isVariableDeclarationList,
  isVariableStatement,
  NodeFlags,
  SymbolFlags,
  SyntaxKind,
} = typescript;

/** The file a node is in, by its parent pointers. */
export function sourceFileOf(node: ts.Node): ts.SourceFile | undefined {
  let current: ts.Node | undefined = node;
  while (current !== undefined && !isSourceFile(current)) current = current.parent;
  return current;
}

// Every name a file binds to a `const` or an import, for a file the walk did
// not visit (a module a constant was imported from). It sets the parent
// pointers on the way, which the scope walk needs.
export function boundNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>(importBindings(file).keys());
  const visit = (node: ts.Node, parent: ts.Node): void => {
    (node as { parent: ts.Node }).parent = parent;
    if (isVariableDeclaration(node) && isIdentifier(node.name) && getCombinedNodeFlags(node) & NodeFlags.Const) {
      names.add(node.name.text);
    }
    forEachChild(node, (child) => visit(child, node));
  };
  forEachChild(file, (child) => visit(child, file));
  return names;
}

/** What a name is bound to: a constant with its initializer, an import, or anything else. */
export type Binding =
  | { readonly kind: "const"; readonly initializer: ts.Expression }
  | { readonly kind: "import"; readonly imported: string }
  | { readonly kind: "other" };
const OTHER: Binding = { kind: "other" };

/** The names a file's import declarations bind, and how. */
export function importBindings(file: ts.SourceFile): Map<string, "named" | "default" | "namespace"> {
  const bindings = new Map<string, "named" | "default" | "namespace">();
  for (const statement of file.statements) {
    if (!isImportDeclaration(statement) || statement.importClause === undefined) continue;
    const clause = statement.importClause;
    if (clause.name !== undefined) bindings.set(clause.name.text, "default");
    const named = clause.namedBindings;
    if (named === undefined) continue;
    if (isNamespaceImport(named)) bindings.set(named.name.text, "namespace");
    else for (const element of named.elements) bindings.set(element.name.text, "named");
  }
  return bindings;
}

// What a name is bound to, found by walking the enclosing scopes' statements:
// a `const` with an initializer, an import, or anything else (a parameter, a
// `let`, a function). `undefined`: not bound in the file (a global).
export function localBinding(name: ts.Identifier): Binding | undefined {
  const text = name.text;
  for (let scope: ts.Node | undefined = name.parent; scope !== undefined; scope = scope.parent) {
    if (isFunctionLike(scope)) {
      if (scope.parameters.some((p) => binds(p.name, text))) return OTHER;
      continue;
    }
    if (isCatchClause(scope)) {
      if (scope.variableDeclaration !== undefined && binds(scope.variableDeclaration.name, text)) return OTHER;
      continue;
    }
    if (isForStatement(scope) || isForOfStatement(scope) || isForInStatement(scope)) {
      const init = scope.initializer;
      if (init !== undefined && isVariableDeclarationList(init) && init.declarations.some((d) => binds(d.name, text))) {
        return OTHER;
      }
      continue;
    }
    if (
      isBlock(scope) || isSourceFile(scope) || isModuleBlock(scope) || isCaseClause(scope) || isDefaultClause(scope)
    ) {
      const found = bindingIn(scope.statements, text);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function bindingIn(statements: readonly ts.Statement[], text: string): Binding | undefined {
  for (const statement of statements) {
    if (isVariableStatement(statement)) {
      const list = statement.declarationList;
      for (const declaration of list.declarations) {
        if (isIdentifier(declaration.name)) {
          if (declaration.name.text !== text) continue;
          return list.flags & NodeFlags.Const && declaration.initializer !== undefined
            ? { kind: "const", initializer: declaration.initializer }
            : OTHER;
        }
        if (binds(declaration.name, text)) return OTHER;
      }
    } else if (
      (isFunctionDeclaration(statement) || isClassDeclaration(statement) || isEnumDeclaration(statement)) &&
      statement.name?.text === text
    ) {
      return OTHER;
    } else if (isImportDeclaration(statement) && statement.importClause !== undefined) {
      const clause = statement.importClause;
      if (clause.name?.text === text) return { kind: "import", imported: "default" };
      const named = clause.namedBindings;
      if (named === undefined) continue;
      if (isNamespaceImport(named)) {
        if (named.name.text === text) return { kind: "import", imported: "*" };
        continue;
      }
      const element = named.elements.find((e) => e.name.text === text);
      if (element !== undefined) return { kind: "import", imported: (element.propertyName ?? element.name).text };
    }
  }
  return undefined;
}

function binds(name: ts.BindingName, text: string): boolean {
  if (isIdentifier(name)) return name.text === text;
  return name.elements.some((element) => !isOmittedExpression(element) && binds(element.name, text));
}

// The names under which a module exports a `const` with an initializer,
// over every file of the program: `export const X = …`, `export { X }`,
// `export { X as Y }` (also from another module), `export declare const X = …`.
export function exportedConstNames(files: readonly ts.SourceFile[]): Set<string> {
  const names = new Set<string>();
  const renames: [string, string][] = [];
  for (const file of files) {
    const locals = new Set<string>();
    for (const statement of file.statements) {
      // The members of an exported enum are read as `Enum.Member`.
      if (
        isEnumDeclaration(statement) && (getModifiers(statement) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword)
      ) {
        for (const member of statement.members) if (isIdentifier(member.name)) names.add(member.name.text);
        continue;
      }
      if (!isVariableStatement(statement) || (statement.declarationList.flags & NodeFlags.Const) === 0) continue;
      const exported = (getModifiers(statement) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword);
      for (const declaration of statement.declarationList.declarations) {
        if (!isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
        locals.add(declaration.name.text);
        if (exported) names.add(declaration.name.text);
      }
    }
    for (const statement of file.statements) {
      if (
        !isExportDeclaration(statement) || statement.exportClause === undefined ||
        !isNamedExports(statement.exportClause)
      ) continue;
      for (const element of statement.exportClause.elements) {
        const from = (element.propertyName ?? element.name).text;
        if (statement.moduleSpecifier === undefined && locals.has(from)) names.add(element.name.text);
        else renames.push([from, element.name.text]);
      }
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [from, to] of renames) {
      if (names.has(from) && !names.has(to)) {
        names.add(to);
        changed = true;
      }
    }
  }
  return names;
}

export function constWithChecker(checker: ts.TypeChecker, node: ts.Node): ts.Expression | undefined {
  let symbol = checker.getSymbolAtLocation(node);
  if (symbol === undefined) return undefined;
  if (symbol.flags & SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol.valueDeclaration;
  if (
    declaration !== undefined && isVariableDeclaration(declaration) && declaration.initializer !== undefined &&
    (getCombinedNodeFlags(declaration) & NodeFlags.Const) !== 0
  ) {
    return declaration.initializer;
  }
  // A member of an enum (`Verb.Drop` of an imported `enum Verb`).
  if (declaration !== undefined && isEnumMember(declaration)) return declaration.initializer;
  return undefined;
}
