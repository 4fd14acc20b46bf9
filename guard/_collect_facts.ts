/**
 * Collecting facts, the engine's first stage: one walk per file that sets
 * the parent pointers, hands each node to the rules, and records what the
 * later stages need: the file's string expressions, its names, and the calls
 * that may pass a drop callback by reference.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type { RuleDispatch } from "./_dispatch.ts";
import { callbackTarget } from "./_drop_callbacks.ts";
import type { FlowNames } from "./_fold.ts";
import { unwrap } from "./_fold.ts";
import { importBindings } from "./_scope.ts";
import { climb, isNameCandidate, isValueLiteral, isValuePosition } from "./_string_roots.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  forEachChild,
  getCombinedNodeFlags,
  isBinaryExpression,
  isCallExpression,
  isIdentifier,
  isNamedImports,
  isPropertyAccessExpression,
  isStringLiteralLike,
  NodeFlags,
  SyntaxKind,
} = typescript;

const FIRST_TYPE_NODE = SyntaxKind.FirstTypeNode;
const LAST_TYPE_NODE = SyntaxKind.LastTypeNode;
const INTERFACE = SyntaxKind.InterfaceDeclaration;
const TYPE_ALIAS = SyntaxKind.TypeAliasDeclaration;

/** What one file's walk found. */
export interface FileFacts {
  readonly file: ts.SourceFile;
  /** The maximal string expressions: literals, templates, and names of constants climbed to their reach. */
  readonly roots: ReadonlySet<ts.Expression>;
  /** The names the file reads (not the targets of an assignment). */
  readonly reads: ReadonlySet<string>;
  /** The names the string evaluator may follow in this file. */
  readonly names: FlowNames;
  /** Names the file imports by name, and `ns.NAME` members of namespace imports: what another file's unread export may be. */
  readonly importedNames: ReadonlySet<string>;
  /** Calls whose second argument names a function: candidates for a drop callback passed by reference. */
  readonly referenceCallbacks: readonly ts.CallExpression[];
}

/**
 * Walks a file: sets the parent pointers (the program is parsed without
 * them: a separate pass over every file, the libraries too, costs as much
 * as the walk), hands each node to the rules after its parent is set, and
 * collects the file's facts. Types run nothing: annotations, interfaces and
 * type aliases are not walked (a third of a typical file's nodes).
 *
 * @param file The file.
 * @param dispatch The rules' listeners.
 * @param semantic Whether calls that may pass a drop callback are collected (they are resolved with the checker).
 * @returns The file's facts.
 */
export function collectFacts(file: ts.SourceFile, dispatch: RuleDispatch, semantic: boolean): FileFacts {
  const constNames = new Set<string>();
  // `let`/`var` names and enums: read through `+=`, `push` and members.
  const mutable = new Set<string>();
  const functions = new Set<string>();
  // Names whose members are worth folding: constant objects and maps, enums, imports.
  const owners = new Set<string>();
  const imports = importBindings(file);
  for (const name of imports.keys()) owners.add(name);
  const roots = new Set<ts.Expression>();
  const nameNodes: (ts.Identifier | ts.PropertyAccessExpression)[] = [];
  const importedNames = new Set<string>();
  const referenceCallbacks: ts.CallExpression[] = [];
  dispatch.fileEnter(file);

  let parent: ts.Node = file;
  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    if ((kind >= FIRST_TYPE_NODE && kind <= LAST_TYPE_NODE) || kind === INTERFACE || kind === TYPE_ALIAS) return;
    (node as { parent: ts.Node }).parent = parent;
    dispatch.node(node);
    switch (kind) {
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
        if (isValueLiteral(node as ts.StringLiteral)) roots.add(climb(node as ts.Expression));
        break;
      case SyntaxKind.TemplateExpression:
      case SyntaxKind.TaggedTemplateExpression:
        roots.add(climb(node as ts.Expression));
        break;
      case SyntaxKind.Identifier:
        if (isNameCandidate(node as ts.Identifier)) nameNodes.push(node as ts.Identifier);
        break;
      case SyntaxKind.PropertyAccessExpression: {
        const owner = (node as ts.PropertyAccessExpression).expression;
        if (
          isIdentifier(owner) && imports.get(owner.text) === "namespace" &&
          isNameCandidate(node as ts.PropertyAccessExpression)
        ) {
          nameNodes.push(node as ts.PropertyAccessExpression);
        }
        break;
      }
      case SyntaxKind.VariableDeclaration: {
        const declaration = node as ts.VariableDeclaration;
        if (isIdentifier(declaration.name) && getCombinedNodeFlags(declaration) & NodeFlags.Const) {
          constNames.add(declaration.name.text);
          const value = declaration.initializer === undefined ? undefined : unwrap(declaration.initializer);
          if (
            value !== undefined &&
            (value.kind === SyntaxKind.ObjectLiteralExpression || value.kind === SyntaxKind.NewExpression ||
              (value.kind === SyntaxKind.CallExpression &&
                /^Object\s*\.\s*freeze$/.test((value as ts.CallExpression).expression.getText(file))))
          ) {
            owners.add(declaration.name.text);
          }
        } else if (isIdentifier(declaration.name)) mutable.add(declaration.name.text);
        break;
      }
      case SyntaxKind.EnumDeclaration:
        mutable.add((node as ts.EnumDeclaration).name.text);
        owners.add((node as ts.EnumDeclaration).name.text);
        break;
      case SyntaxKind.FunctionDeclaration: {
        const name = (node as ts.FunctionDeclaration).name;
        if (name !== undefined) functions.add(name.text);
        break;
      }
      case SyntaxKind.ImportDeclaration: {
        const bindings = (node as ts.ImportDeclaration).importClause?.namedBindings;
        if (bindings !== undefined && isNamedImports(bindings)) {
          for (const element of bindings.elements) importedNames.add((element.propertyName ?? element.name).text);
        }
        break;
      }
      case SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        if (semantic && call.arguments.length === 2 && callbackTarget(call.arguments[1]!) !== undefined) {
          referenceCallbacks.push(call);
        }
        break;
      }
    }
    const outer = parent;
    parent = node;
    forEachChild(node, visit);
    parent = outer;
  };
  forEachChild(file, visit);

  // Names bound to a constant are string expressions too; which names those
  // are is known only now that the whole file was walked.
  const reads = new Set<string>();
  for (const name of nameNodes) {
    if (!isIdentifier(name)) {
      importedNames.add(name.name.text); // `ns.NAME` of a namespace import
      continue;
    }
    const at = name.parent;
    if (isBinaryExpression(at) && at.left === name && isAssignment(at.operatorToken.kind)) continue;
    reads.add(name.text);
  }
  for (const name of nameNodes) {
    if (isIdentifier(name) && !constNames.has(name.text) && !imports.has(name.text) && !mutable.has(name.text)) {
      continue;
    }
    const root = climb(name, owners);
    if (root === name && !isValuePosition(name)) continue;
    roots.add(root);
  }
  // A constant argument of a local helper or of a constant object's method
  // (`stmt("ROLE", name)`, `SQL.drop("ROLE", name)`): the call is a string
  // expression too, folded through the helper with its parameters bound to
  // the arguments.
  for (const root of [...roots]) {
    const call = root.parent;
    if (call === undefined || !isStringLiteralLike(root) || !isCallExpression(call) || !call.arguments.includes(root)) {
      continue;
    }
    const callee = unwrap(call.expression);
    const helper = isIdentifier(callee)
      ? functions.has(callee.text) || constNames.has(callee.text)
      : isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && owners.has(callee.expression.text);
    if (helper) roots.add(climb(call, owners));
  }
  return {
    file,
    roots,
    reads,
    names: { mutable, functions, constants: constNames, owners, imports: [...imports.keys()] },
    importedNames,
    referenceCallbacks,
  };
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}
