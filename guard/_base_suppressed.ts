/**
 * What a suppression comment suppresses, as text that does not depend on
 * where the code sits: the whole statement of each token on the covered
 * line (all its lines, not only the covered one), and the `const` bindings
 * of the file that it uses, transitively. Whitespace between tokens and
 * comments do not count; inside a string or template, a run of whitespace
 * counts as one space, so that re-indenting a multi-line SQL string is not a
 * change while a changed word is.
 *
 * NOTE: a constant imported from another module is known by its import (the
 * module and the name), not by its value: a change of its value in the other
 * module does not make the suppression new.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { forEachChild, isIdentifier, isImportDeclaration, isVariableDeclarationList, NodeFlags, SyntaxKind } =
  typescript;

// Constants used through other constants deeper than this are not followed.
const MAX_CONST_DEPTH = 8;

// Statements that are one unit of code: the statement a finding belongs to.
const SIMPLE_STATEMENTS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.ExpressionStatement,
  SyntaxKind.VariableStatement,
  SyntaxKind.ReturnStatement,
  SyntaxKind.ThrowStatement,
  SyntaxKind.ExportAssignment,
  SyntaxKind.PropertyDeclaration,
  SyntaxKind.ImportDeclaration,
  SyntaxKind.ExportDeclaration,
]);
// Statements and declarations that hold others: the unit is their part on the line (a condition, a parameter).
const COMPOUND: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.SourceFile,
  SyntaxKind.Block,
  SyntaxKind.IfStatement,
  SyntaxKind.WhileStatement,
  SyntaxKind.DoStatement,
  SyntaxKind.ForStatement,
  SyntaxKind.ForInStatement,
  SyntaxKind.ForOfStatement,
  SyntaxKind.SwitchStatement,
  SyntaxKind.CaseBlock,
  SyntaxKind.CaseClause,
  SyntaxKind.DefaultClause,
  SyntaxKind.TryStatement,
  SyntaxKind.CatchClause,
  SyntaxKind.LabeledStatement,
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.ClassDeclaration,
  SyntaxKind.ModuleDeclaration,
  SyntaxKind.ModuleBlock,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
  SyntaxKind.ArrowFunction,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ClassExpression,
  SyntaxKind.WithStatement,
]);
const STRING_TOKENS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.StringLiteral,
  SyntaxKind.NoSubstitutionTemplateLiteral,
  SyntaxKind.TemplateHead,
  SyntaxKind.TemplateMiddle,
  SyntaxKind.TemplateTail,
  SyntaxKind.RegularExpressionLiteral,
  SyntaxKind.JsxText,
]);

/**
 * The text of what a suppression covers, for matching it with the base's.
 *
 * @param file The parsed file.
 * @param line The covered line, 0-based.
 * @returns The normalised text of the covered statements and of the constants they use.
 */
export function suppressedText(file: ts.SourceFile, line: number): string {
  const starts = file.getLineStarts();
  if (line < 0 || line >= starts.length) return "";
  const from = starts[line]!;
  const to = line + 1 < starts.length ? starts[line + 1]! : file.text.length;
  const units: ts.Node[] = [];
  // Down to each token that starts on the line, keeping the path: its unit is
  // the innermost simple statement on the path, or the part of the innermost
  // compound one that holds it.
  const descend = (node: ts.Node, path: ts.Node[]): void => {
    const children = node.getChildren(file);
    if (children.length === 0 || isJsDoc(node)) {
      const start = node.getStart(file);
      if (start >= from && start < to && node.kind !== SyntaxKind.EndOfFileToken) {
        const unit = unitOf([...path, node]);
        if (!units.includes(unit)) units.push(unit);
      }
      return;
    }
    for (const child of children) {
      if (child.end <= from || child.getStart(file) >= to || isJsDoc(child)) continue;
      descend(child, [...path, node]);
    }
  };
  descend(file, []);
  const texts = units.map((unit) => normalised(unit, file));
  return [...texts, ...constantsUsed(units, file)].join("\u0001");
}

function unitOf(path: readonly ts.Node[]): ts.Node {
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i]!;
    if (SIMPLE_STATEMENTS.has(node.kind)) return node;
    if (COMPOUND.has(node.kind)) return path[i + 1] ?? node;
  }
  return path[path.length - 1]!;
}

// The tokens of a node, one space between them; whitespace runs inside strings as one space.
function normalised(node: ts.Node, file: ts.SourceFile): string {
  const tokens: string[] = [];
  const visit = (current: ts.Node): void => {
    if (isJsDoc(current)) return;
    const children = current.getChildren(file);
    if (children.length === 0) {
      const text = current.getText(file);
      if (text.length > 0) tokens.push(STRING_TOKENS.has(current.kind) ? text.replace(/\s+/g, " ") : text);
      return;
    }
    for (const child of children) visit(child);
  };
  visit(node);
  return tokens.join(" ");
}

// The file's constants that the units use, transitively, as `name = value`,
// and the imports of the names they use: a changed value above a
// suppressed `query(sql)` is a changed target.
function constantsUsed(units: readonly ts.Node[], file: ts.SourceFile): string[] {
  const constants = new Map<string, ts.Node[]>();
  const imports = new Map<string, ts.Node>();
  const index = (node: ts.Node): void => {
    if (isVariableDeclarationList(node) && node.flags & NodeFlags.Const) {
      for (const declaration of node.declarations) {
        if (!isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
        constants.set(declaration.name.text, [
          ...(constants.get(declaration.name.text) ?? []),
          declaration.initializer,
        ]);
      }
    }
    if (isImportDeclaration(node)) {
      const names: string[] = [];
      forEachChild(node, function collect(child) {
        if (isIdentifier(child)) names.push(child.text);
        else forEachChild(child, collect);
      });
      for (const name of names) imports.set(name, node);
      return;
    }
    forEachChild(node, index);
  };
  index(file);
  const seen = new Set<string>();
  const out: string[] = [];
  const use = (node: ts.Node, depth: number): void => {
    if (isIdentifier(node)) {
      const name = node.text;
      if (seen.has(name) || depth > MAX_CONST_DEPTH) return;
      seen.add(name);
      for (const initializer of constants.get(name) ?? []) {
        out.push(`${name} = ${normalised(initializer, file)}`);
        use(initializer, depth + 1);
      }
      const imported = imports.get(name);
      if (imported !== undefined) out.push(`${name} from ${normalised(imported, file)}`);
      return;
    }
    forEachChild(node, (child) => use(child, depth));
  };
  for (const unit of units) use(unit, 0);
  return out.sort();
}

function isJsDoc(node: ts.Node): boolean {
  return node.kind >= SyntaxKind.FirstJSDocNode && node.kind <= SyntaxKind.LastJSDocNode;
}
