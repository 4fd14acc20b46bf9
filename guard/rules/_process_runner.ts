/**
 * Whether a call runs a child process: the callee resolved by its symbol to
 * an export of `child_process` or execa, through import aliases, namespace
 * imports, `const` copies, destructuring and `util.promisify`, and user
 * functions that pass their arguments on to one. The name a runner is
 * called through counts only when there is no symbol to resolve.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { unwrap } from "../_fold.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  forEachChild,
  isArrowFunction,
  isBindingElement,
  isCallExpression,
  isElementAccessExpression,
  isFunctionDeclaration,
  isFunctionExpression,
  isIdentifier,
  isImportClause,
  isImportSpecifier,
  isMethodDeclaration,
  isModuleBlock,
  isModuleDeclaration,
  isNamespaceImport,
  isNewExpression,
  isObjectBindingPattern,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isStringLiteral,
  isVariableDeclaration,
  SymbolFlags,
  isAwaitExpression,
  isParameter,
  isQualifiedName,
  isTypeQueryNode,
  SyntaxKind,
} = typescript;

const CHILD_PROCESS: ReadonlySet<string> = new Set(["child_process", "node:child_process"]);
const CHILD_PROCESS_RUNNERS: ReadonlySet<string> = new Set([
  "exec",
  "execFile",
  "spawn",
  "execSync",
  "execFileSync",
  "spawnSync",
]);
const UTIL: ReadonlySet<string> = new Set(["util", "node:util"]);
// Every export of execa runs a process: execa, execaSync, execaCommand, $, execaNode.
const EXECA = "execa";
const BUN_RUNNERS: ReadonlySet<string> = new Set(["spawn", "spawnSync", "$"]);
const DENO_RUNNERS: ReadonlySet<string> = new Set(["Command", "run"]);
// Helpers named for a runner (`run`, `sh`), Bun.spawn and `new Deno.Command`:
// known by name when nothing resolves them.
const RUNNER_NAMES: ReadonlySet<string> = new Set(["$", "run", "sh", "shell", "cmd", "Command"]);
// Aliases, copies and wrappers deeper than this are not followed.
const MAX_DEPTH = 8;

type Verdict = "runner" | "other" | "unknown";

/** What the resolution needs from the rule's context. */
export interface RunnerServices {
  /** The checker, when the pass may use it. */
  readonly checker: ts.TypeChecker | undefined;
  /** The npm packages (or ambient modules) that declare a symbol. */
  packagesOf(symbol: ts.Symbol): ReadonlySet<string>;
}

/**
 * Tells process runners from other callees, with one answer per function
 * declaration cached.
 */
export class ProcessRunners {
  readonly #services: RunnerServices;
  readonly #wrappers = new Map<ts.Node, Verdict>();

  /** @param services The checker and the package lookup. */
  constructor(services: RunnerServices) {
    this.#services = services;
  }

  /**
   * Whether a call runs a child process.
   *
   * @param call A call or `new` expression.
   * @returns `true` for a runner.
   */
  isRunner(call: ts.CallExpression | ts.NewExpression): boolean {
    const verdict = this.#services.checker === undefined ? "unknown" : this.#ofCall(call, 0);
    return verdict === "unknown" ? namedLikeRunner(call.expression) : verdict === "runner";
  }

  #ofCall(call: ts.CallExpression | ts.NewExpression, depth: number): Verdict {
    const checker = this.#services.checker!;
    // The signature the checker picked: a promisified `execFile` is typed by
    // child_process's own `execFile.__promisify__`.
    const declaration = checker.getResolvedSignature(call)?.declaration;
    if (declaration !== undefined && this.#isRunnerDeclaration(declaration)) return "runner";
    return this.#ofExpression(call.expression, depth);
  }

  #ofExpression(node: ts.Expression, depth: number): Verdict {
    if (depth > MAX_DEPTH) return "unknown";
    const checker = this.#services.checker!;
    const value = unwrap(node);
    if (isCallExpression(value)) {
      // `promisify(execFile)`, `util.promisify(cp.execFile)`: the function itself.
      if (value.arguments.length >= 1 && this.#isPromisify(value.expression)) {
        return this.#ofExpression(value.arguments[0]!, depth + 1);
      }
      return "unknown";
    }
    const at = isIdentifier(value) ? value : isPropertyAccessExpression(value) ? value.name : undefined;
    if (at === undefined) return "unknown";
    const symbol = checker.getSymbolAtLocation(at);
    if (symbol === undefined) {
      // A member of a module that does not resolve (no types installed), or of `any`.
      if (isPropertyAccessExpression(value)) {
        const module = this.#moduleOfNamespace(value.expression);
        if (module !== undefined) return byModule(module, value.name.text);
      }
      return "unknown";
    }
    return this.#ofSymbol(symbol, depth);
  }

  #ofSymbol(symbol: ts.Symbol, depth: number): Verdict {
    const checker = this.#services.checker!;
    let resolved = symbol;
    if (symbol.flags & SymbolFlags.Alias) {
      resolved = checker.getAliasedSymbol(symbol);
      // An import from a module without declarations: judged by the specifier.
      if ((resolved.declarations ?? []).length === 0) {
        const imported = importOf(symbol.declarations?.[0]);
        return imported === undefined ? "unknown" : byModule(imported.module, imported.name);
      }
    }
    const packages = this.#services.packagesOf(resolved);
    if ([...packages].some((p) => CHILD_PROCESS.has(p))) {
      return CHILD_PROCESS_RUNNERS.has(resolved.name) ? "runner" : "other";
    }
    if (packages.has(EXECA)) return "runner";
    if (packages.has("bun") || packages.has("bun-types") || packages.has("@types/bun")) {
      return BUN_RUNNERS.has(resolved.name) ? "runner" : "other";
    }
    let verdict: Verdict = "unknown";
    for (const declaration of resolved.declarations ?? []) {
      const found = this.#ofDeclaration(declaration, depth);
      if (found === "runner") return found;
      if (found === "other") verdict = found;
    }
    return verdict;
  }

  #ofDeclaration(declaration: ts.Declaration, depth: number): Verdict {
    // Deno's own runners, wherever their declarations live.
    const namespace = enclosingNamespace(declaration);
    if (namespace === "Deno") return DENO_RUNNERS.has(declaredName(declaration) ?? "") ? "runner" : "other";
    // Another package's function (a database client's `exec`) is not a runner.
    if (
      /[\\/]node_modules[\\/]/.test(declaration.getSourceFile().fileName) || ambientModuleOf(declaration) !== undefined
    ) return "other";
    // `f: typeof cp.execFile`, read from the type's name: another package's
    // declarations may not be loaded.
    if (isParameter(declaration) && declaration.type !== undefined && isTypeQueryNode(declaration.type)) {
      const name = declaration.type.exprName;
      if (isIdentifier(name)) {
        const symbol = this.#services.checker!.getSymbolAtLocation(name);
        return symbol === undefined ? "unknown" : this.#ofSymbol(symbol, depth + 1);
      }
      if (isQualifiedName(name) && isIdentifier(name.left)) {
        return this.#ofMember(name.left, name.right.text, depth + 1);
      }
      return "unknown";
    }
    if (isPropertyAssignment(declaration)) return this.#ofExpression(declaration.initializer, depth + 1);
    if (isShorthandPropertyAssignment(declaration)) {
      const value = this.#services.checker!.getShorthandAssignmentValueSymbol(declaration);
      return value === undefined ? "unknown" : this.#ofSymbol(value, depth + 1);
    }
    if (isVariableDeclaration(declaration)) {
      // `const launch = cp.execFile`, `const run = promisify(execFile)`, `const run = (…) => execFileSync(…)`.
      if (declaration.initializer === undefined) return "unknown";
      const initializer = unwrap(declaration.initializer);
      if (isArrowFunction(initializer) || isFunctionExpression(initializer)) {
        return this.#ofFunction(initializer, depth);
      }
      return this.#ofExpression(initializer, depth + 1);
    }
    if (isBindingElement(declaration) && isObjectBindingPattern(declaration.parent)) {
      // `const { spawn: start } = cp`, `const { execFile } = require("node:child_process")`.
      const key = declaration.propertyName ?? declaration.name;
      const holder = declaration.parent.parent;
      if (!isIdentifier(key) || !isVariableDeclaration(holder) || holder.initializer === undefined) return "unknown";
      return this.#ofMember(holder.initializer, key.text, depth + 1);
    }
    if (
      isFunctionDeclaration(declaration) || isFunctionExpression(declaration) || isArrowFunction(declaration) ||
      isMethodDeclaration(declaration)
    ) {
      return this.#ofFunction(declaration, depth);
    }
    return "unknown";
  }

  // A member of an object: of a module namespace, of `require("…")`.
  #ofMember(owner: ts.Expression, name: string, depth: number): Verdict {
    const module = this.#moduleOfNamespace(owner);
    if (module !== undefined) return byModule(module, name);
    const checker = this.#services.checker!;
    const property = checker.getTypeAtLocation(owner).getProperty(name);
    return property === undefined ? "unknown" : this.#ofSymbol(property, depth);
  }

  // The module an expression stands for: `require("child_process")`, or a
  // namespace import (`import * as cp from "node:child_process"`).
  #moduleOfNamespace(node: ts.Expression): string | undefined {
    const value = unwrap(node);
    if (isCallExpression(value) && isIdentifier(value.expression) && value.expression.text === "require") {
      const specifier = value.arguments[0];
      return specifier !== undefined && isStringLiteral(specifier) ? specifier.text : undefined;
    }
    // `await import("node:child_process")`.
    const imported = isAwaitExpression(value) ? unwrap(value.expression) : value;
    if (isCallExpression(imported) && imported.expression.kind === SyntaxKind.ImportKeyword) {
      const specifier = imported.arguments[0];
      return specifier !== undefined && isStringLiteral(specifier) ? specifier.text : undefined;
    }
    if (!isIdentifier(value)) return undefined;
    const declaration = this.#services.checker!.getSymbolAtLocation(value)?.declarations?.[0];
    if (declaration !== undefined && isNamespaceImport(declaration)) return importOf(declaration)?.module;
    return undefined;
  }

  // A user function runs a process when it hands one of its parameters to a runner.
  #ofFunction(fn: ts.FunctionLikeDeclaration, depth: number): Verdict {
    if (fn.body === undefined) return "unknown";
    const known = this.#wrappers.get(fn);
    if (known !== undefined) return known;
    this.#wrappers.set(fn, "other"); // a recursive wrapper is not its own evidence
    const parameters = new Set<string>();
    for (const parameter of fn.parameters) collectNames(parameter.name, parameters);
    let verdict: Verdict = "other";
    const visit = (node: ts.Node): void => {
      if (verdict === "runner") return;
      if (
        (isCallExpression(node) || isNewExpression(node)) && (node.arguments ?? []).some((a) => mentions(a, parameters))
      ) {
        const inner = this.#ofCall(node, depth + 1);
        if (inner === "runner" || (inner === "unknown" && namedLikeRunner(node.expression))) verdict = "runner";
      }
      forEachChild(node, visit);
    };
    visit(fn.body);
    this.#wrappers.set(fn, verdict);
    return verdict;
  }

  #isPromisify(callee: ts.Expression): boolean {
    const value = unwrap(callee);
    const at = isIdentifier(value) ? value : isPropertyAccessExpression(value) ? value.name : undefined;
    if (at === undefined || at.text !== "promisify") return false;
    const checker = this.#services.checker!;
    let symbol = checker.getSymbolAtLocation(at);
    if (symbol === undefined) return true;
    if (symbol.flags & SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    if ((symbol.declarations ?? []).length === 0) return true;
    // A user's own function of that name is not util's.
    return [...this.#services.packagesOf(symbol)].some((p) => UTIL.has(p));
  }

  #isRunnerDeclaration(declaration: ts.Declaration): boolean {
    const module = ambientModuleOf(declaration);
    if (module !== undefined && CHILD_PROCESS.has(module)) {
      const name = declaredName(declaration);
      if (name === "__promisify__") {
        // `namespace execFile { function __promisify__(…) }`.
        const namespace = declaration.parent;
        return isModuleBlock(namespace) && isModuleDeclaration(namespace.parent) &&
          CHILD_PROCESS_RUNNERS.has(namespace.parent.name.text);
      }
      return name !== undefined && CHILD_PROCESS_RUNNERS.has(name);
    }
    const named = namedAncestor(declaration);
    if (named === undefined) return false;
    const symbol = this.#services.checker!.getSymbolAtLocation(named);
    return symbol !== undefined && this.#services.packagesOf(symbol).has(EXECA);
  }
}

function byModule(module: string, name: string): Verdict {
  if (CHILD_PROCESS.has(module)) return CHILD_PROCESS_RUNNERS.has(name) ? "runner" : "other";
  if (module === EXECA) return "runner";
  return "unknown";
}

// The module and the imported name of an import declaration's binding.
function importOf(declaration: ts.Declaration | undefined): { module: string; name: string } | undefined {
  if (declaration === undefined) return undefined;
  let name: string;
  let clause: ts.Node | undefined;
  if (isImportSpecifier(declaration)) {
    name = (declaration.propertyName ?? declaration.name).text;
    clause = declaration.parent.parent;
  } else if (isNamespaceImport(declaration)) {
    name = "*";
    clause = declaration.parent;
  } else if (isImportClause(declaration)) {
    name = "default";
    clause = declaration;
  } else {
    return undefined;
  }
  const specifier = isImportClause(clause) ? clause.parent.moduleSpecifier : undefined;
  return specifier !== undefined && isStringLiteral(specifier) ? { module: specifier.text, name } : undefined;
}

function ambientModuleOf(declaration: ts.Node): string | undefined {
  for (let current: ts.Node | undefined = declaration.parent; current !== undefined; current = current.parent) {
    if (isModuleDeclaration(current) && isStringLiteral(current.name)) return current.name.text;
  }
  return undefined;
}

// The name of the innermost non-string namespace (`declare namespace Deno { … }`).
function enclosingNamespace(declaration: ts.Node): string | undefined {
  for (let current: ts.Node | undefined = declaration.parent; current !== undefined; current = current.parent) {
    if (isModuleDeclaration(current) && isIdentifier(current.name)) return current.name.text;
  }
  return undefined;
}

function declaredName(declaration: ts.Declaration): string | undefined {
  const name = (declaration as { name?: ts.Node }).name;
  return name !== undefined && isIdentifier(name) ? name.text : undefined;
}

// The name of the declaration, or of the nearest declaration around it (an
// interface's call signature: the interface).
function namedAncestor(declaration: ts.Node): ts.Identifier | undefined {
  for (let current: ts.Node | undefined = declaration; current !== undefined; current = current.parent) {
    const name = (current as { name?: ts.Node }).name;
    if (name !== undefined && isIdentifier(name)) return name;
  }
  return undefined;
}

function collectNames(name: ts.BindingName, into: Set<string>): void {
  if (isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) if (isBindingElement(element)) collectNames(element.name, into);
}

function mentions(node: ts.Node, names: ReadonlySet<string>): boolean {
  if (isIdentifier(node)) return names.has(node.text);
  if (isPropertyAccessExpression(node)) return mentions(node.expression, names);
  let found = false;
  forEachChild(node, (child) => {
    if (!found && mentions(child, names)) found = true;
  });
  return found;
}

/**
 * The fallback when no symbol resolves: a callee named like a runner
 * (containing `xec` or `pawn`, or `run`, `sh`, `$`, `Command`).
 *
 * @param callee The called expression.
 * @returns Whether its name looks like a runner's.
 */
export function namedLikeRunner(callee: ts.Expression): boolean {
  const value = unwrap(callee);
  const name = isIdentifier(value)
    ? value.text
    : isPropertyAccessExpression(value)
    ? value.name.text
    : isElementAccessExpression(value) && isStringLiteral(value.argumentExpression)
    ? value.argumentExpression.text
    : "";
  return RUNNER_NAMES.has(name) || name.includes("xec") || name.includes("XEC") || name.includes("pawn") ||
    name.includes("PAWN");
}
