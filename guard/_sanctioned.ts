/**
 * The sanctioned functions of a program: tagged `@sanctionedDrop`, or named
 * in the config file. Each is a declaration node, never a bare name.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { unwrap } from "./_fold.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  canHaveModifiers,
  forEachChild,
  getLeadingCommentRanges,
  getModifiers,
  getTrailingCommentRanges,
  isAsExpression,
  isClassDeclaration,
  isClassLike,
  isExportAssignment,
  isFunctionDeclaration,
  isGetAccessor,
  isIdentifier,
  isInterfaceDeclaration,
  isMethodDeclaration,
  isNumericLiteral,
  isObjectLiteralExpression,
  isParenthesizedExpression,
  isPrivateIdentifier,
  isPropertyAssignment,
  isPropertyDeclaration,
  isSatisfiesExpression,
  isSetAccessor,
  isStringLiteral,
  isVariableDeclaration,
  isVariableStatement,
  SyntaxKind,
} = typescript;

/** The JSDoc tag that sanctions a function. */
export const SANCTIONED_TAG = "sanctionedDrop";

const TAG_PATTERN = /(?:^|[\s*{])@sanctionedDrop(?![\w$-])/;

/**
 * A sanctioned function.
 *
 * @example
 * ```ts ignore
 * const site: SanctionedSite = { name: "dropTenant", file: "/repo/adapters/pg.ts", line: 12, column: 1, source: "jsdoc", … };
 * ```
 */
export interface SanctionedSite {
  /** The declared name (`Class.method` for a member, `default` for an anonymous default export). */
  readonly name: string;
  /** The absolute file name. */
  readonly file: string;
  /** 1-based line of the declaration. */
  readonly line: number;
  /** 1-based column of the declaration. */
  readonly column: number;
  /** How it is sanctioned. */
  readonly source: "jsdoc" | "config";
  /** The node that declares the symbol (what a resolved reference's declarations hold). */
  readonly declaration: ts.Node;
  /** The code that counts as inside the sanctioned function; absent for a signature without a body. */
  readonly body: ts.Node | undefined;
}

/**
 * A config entry that sanctions a function: `file#Name` or `file#Class.member`.
 */
export interface SanctionedEntry {
  /** The entry as written. */
  readonly entry: string;
  /** The absolute file name it names. */
  readonly file: string;
  /** The qualified name, split at dots. */
  readonly path: readonly string[];
}

/**
 * The sanctioned functions, indexed for the reachability check.
 */
export class SanctionedIndex {
  /** Every sanctioned function found. */
  readonly sites: SanctionedSite[] = [];
  /** The declarations of the sanctioned symbols. */
  readonly declarations = new Set<ts.Node>();
  /** The nodes inside which code counts as sanctioned. */
  readonly bodies = new Set<ts.Node>();
  /** The declared names, to find candidate references by text. */
  readonly names = new Set<string>();
  /** Config entries that name nothing, with the reason. */
  readonly missing: { readonly entry: SanctionedEntry; readonly reason: string }[] = [];

  /**
   * Adds a sanctioned function.
   *
   * @param site The function.
   */
  add(site: SanctionedSite): void {
    if (this.declarations.has(site.declaration)) return;
    this.sites.push(site);
    this.declarations.add(site.declaration);
    if (site.body !== undefined) this.bodies.add(site.body);
    this.names.add(site.name.slice(site.name.lastIndexOf(".") + 1));
    if (isDefaultExport(site.declaration)) this.names.add("default");
  }

  /**
   * Whether a node lies inside a sanctioned function.
   *
   * @param node Any node.
   * @returns `true` when an ancestor is a sanctioned body.
   */
  contains(node: ts.Node): boolean {
    if (this.bodies.size === 0) return false;
    for (let current: ts.Node | undefined = node; current !== undefined; current = current.parent) {
      if (this.bodies.has(current)) return true;
      // A decorator runs when its class is defined, not inside the method it decorates.
      if (current.kind === SyntaxKind.Decorator) return false;
    }
    return false;
  }
}

/**
 * Builds the index: every declaration tagged `@sanctionedDrop` in the given
 * files (declaration files too, so that a package's sanctioned functions are
 * known), and every config entry.
 *
 * @param files The files to look in; only those whose text holds the tag are walked.
 * @param entries The config entries.
 * @param fileByName The program's files by absolute name (`/` separators).
 * @returns The index.
 */
export function indexSanctioned(
  files: readonly ts.SourceFile[],
  entries: readonly SanctionedEntry[],
  fileByName: ReadonlyMap<string, ts.SourceFile>,
): SanctionedIndex {
  const index = new SanctionedIndex();
  for (const file of files) {
    // Cheap: a text search, before any walk.
    if (!file.text.includes(`@${SANCTIONED_TAG}`)) continue;
    // The program is parsed without parent pointers; this walk sets them on
    // the way down, as the engine's does.
    let parent: ts.Node = file;
    const visit = (node: ts.Node): void => {
      (node as { parent: ts.Node }).parent = parent;
      for (const site of taggedSites(node, file)) index.add(site);
      const outer = parent;
      parent = node;
      forEachChild(node, visit);
      parent = outer;
    };
    forEachChild(file, visit);
  }
  for (const entry of entries) {
    const file = fileByName.get(entry.file);
    if (file === undefined) {
      index.missing.push({ entry, reason: "the file is not part of the program" });
      continue;
    }
    const found = resolveEntry(file, entry.path);
    if (found === undefined) {
      index.missing.push({
        entry,
        reason: `'${entry.path.join(".")}' is not declared in that file as a function, method or const`,
      });
      continue;
    }
    index.add(siteOf(found.declaration, found.body, entry.path.join("."), file, "config"));
  }
  return index;
}

/**
 * Whether a `/**` comment in the leading trivia of `node` holds the tag.
 *
 * @param node A declaration.
 * @param file Its file.
 * @returns `true` when it is tagged.
 */
export function hasSanctionedTag(node: ts.Node, file: ts.SourceFile): boolean {
  // A comment on the line of the previous token (`class A { /** @sanctionedDrop */ m() {} }`)
  // is that token's trailing comment to TypeScript, but it tags what follows.
  const ranges = [
    ...(getTrailingCommentRanges(file.text, node.pos) ?? []),
    ...(getLeadingCommentRanges(file.text, node.pos) ?? []),
  ];
  for (const range of ranges) {
    if (range.kind !== SyntaxKind.MultiLineCommentTrivia || file.text.charCodeAt(range.pos + 2) !== 42 /* * */) {
      continue;
    }
    if (TAG_PATTERN.test(file.text.slice(range.pos + 3, range.end - 2))) return true;
  }
  return false;
}

function taggedSites(node: ts.Node, file: ts.SourceFile): SanctionedSite[] {
  switch (node.kind) {
    case SyntaxKind.FunctionDeclaration:
    case SyntaxKind.MethodDeclaration:
    case SyntaxKind.GetAccessor:
    case SyntaxKind.SetAccessor: {
      if (!hasSanctionedTag(node, file)) return [];
      const declaration = node as ts.FunctionDeclaration | ts.MethodDeclaration;
      return [
        siteOf(
          declaration,
          declaration.body === undefined ? undefined : declaration,
          qualifiedName(declaration),
          file,
          "jsdoc",
        ),
      ];
    }
    case SyntaxKind.MethodSignature:
    case SyntaxKind.PropertySignature:
      return hasSanctionedTag(node, file)
        ? [siteOf(node, undefined, qualifiedName(node as ts.MethodSignature), file, "jsdoc")]
        : [];
    case SyntaxKind.PropertyDeclaration:
    case SyntaxKind.PropertyAssignment: {
      if (!hasSanctionedTag(node, file)) return [];
      const declaration = node as ts.PropertyDeclaration | ts.PropertyAssignment;
      return [siteOf(declaration, declaration.initializer, qualifiedName(declaration), file, "jsdoc")];
    }
    case SyntaxKind.VariableStatement: {
      if (!hasSanctionedTag(node, file)) return [];
      return (node as ts.VariableStatement).declarationList.declarations
        .filter((declaration) => isIdentifier(declaration.name))
        .map((declaration) =>
          siteOf(declaration, declaration.initializer, (declaration.name as ts.Identifier).text, file, "jsdoc")
        );
    }
    case SyntaxKind.ExportAssignment:
      return hasSanctionedTag(node, file)
        ? [siteOf(node, (node as ts.ExportAssignment).expression, "default", file, "jsdoc")]
        : [];
    default:
      return [];
  }
}

function siteOf(
  declaration: ts.Node,
  body: ts.Node | undefined,
  name: string,
  file: ts.SourceFile,
  source: "jsdoc" | "config",
): SanctionedSite {
  const named = (declaration as { name?: ts.Node }).name;
  const start = (named ?? declaration).getStart(file);
  const { line, character } = file.getLineAndCharacterOfPosition(start);
  return { name, file: file.fileName, line: line + 1, column: character + 1, source, declaration, body };
}

function qualifiedName(declaration: ts.NamedDeclaration): string {
  const own = nameText(declaration.name) ?? (isDefaultExport(declaration) ? "default" : "(anonymous)");
  const container = declaration.parent;
  if (container !== undefined && (isClassLike(container) || isInterfaceDeclaration(container))) {
    return `${nameText(container.name) ?? "(anonymous)"}.${own}`;
  }
  if (container !== undefined && isObjectLiteralExpression(container)) {
    const holder = unwrapParents(container).parent;
    if (holder !== undefined && isVariableDeclaration(holder)) {
      return `${nameText(holder.name) ?? "(anonymous)"}.${own}`;
    }
  }
  return own;
}

function unwrapParents(node: ts.Node): ts.Node {
  let current = node;
  while (
    current.parent !== undefined &&
    (isParenthesizedExpression(current.parent) || isAsExpression(current.parent) ||
      isSatisfiesExpression(current.parent))
  ) {
    current = current.parent;
  }
  return current;
}

/**
 * The text of a declaration name, when it is a plain one.
 *
 * @param name A declaration name.
 * @returns The text, or `undefined` for a computed name or none.
 */
export function nameText(name: ts.Node | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (isIdentifier(name) || isPrivateIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name)) {
    return name.text;
  }
  return undefined;
}

function isDefaultExport(node: ts.Node): boolean {
  if (isExportAssignment(node)) return !node.isExportEquals;
  return canHaveModifiers(node) && (getModifiers(node) ?? []).some((m) => m.kind === SyntaxKind.DefaultKeyword);
}

// Finds `name`, `Class.member`, `object.member` or `default` among a file's
// top-level declarations.
function resolveEntry(
  file: ts.SourceFile,
  path: readonly string[],
): { declaration: ts.Node; body: ts.Node | undefined } | undefined {
  const [head, member, ...rest] = path;
  if (head === undefined || rest.length > 0) return undefined;
  let top: ts.Node | undefined;
  if (head === "default") {
    const statement = file.statements.find(isDefaultExport);
    if (statement !== undefined && isExportAssignment(statement)) {
      const target = unwrap(statement.expression);
      top = isIdentifier(target) ? topLevel(file, target.text) ?? statement : statement;
    } else top = statement;
  } else {
    top = topLevel(file, head);
  }
  if (top === undefined) return undefined;
  if (member === undefined) return asFunction(top);
  let members: readonly ts.Node[] = [];
  if (isClassDeclaration(top)) members = top.members;
  else if (isVariableDeclaration(top) && top.initializer !== undefined) {
    const value = unwrap(top.initializer);
    if (isObjectLiteralExpression(value)) members = value.properties;
  }
  const found = members.find((m) => nameText((m as ts.NamedDeclaration).name) === member);
  return found === undefined ? undefined : asFunction(found);
}

function topLevel(file: ts.SourceFile, name: string): ts.Node | undefined {
  for (const statement of file.statements) {
    if ((isFunctionDeclaration(statement) || isClassDeclaration(statement)) && statement.name?.text === name) {
      // Overloads: the implementation is the one with a body.
      if (isFunctionDeclaration(statement) && statement.body === undefined) continue;
      return statement;
    }
    if (isVariableStatement(statement)) {
      const declaration = statement.declarationList.declarations.find((d) =>
        isIdentifier(d.name) && d.name.text === name
      );
      if (declaration !== undefined) return declaration;
    }
  }
  return undefined;
}

function asFunction(node: ts.Node): { declaration: ts.Node; body: ts.Node | undefined } | undefined {
  if (isFunctionDeclaration(node) || isMethodDeclaration(node) || isGetAccessor(node) || isSetAccessor(node)) {
    return node.body === undefined ? undefined : { declaration: node, body: node };
  }
  if (
    (isVariableDeclaration(node) || isPropertyDeclaration(node) || isPropertyAssignment(node)) &&
    node.initializer !== undefined
  ) {
    return { declaration: node, body: node.initializer };
  }
  if (isExportAssignment(node)) return { declaration: node, body: node.expression };
  return undefined;
}
