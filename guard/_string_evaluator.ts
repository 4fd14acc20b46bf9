/**
 * {@linkcode StringEvaluator}: the engine's one object for string
 * evaluation. It resolves constants (in the file, and through imports with
 * the checker), asks a hole's type for its string literals, knows the names
 * of the file being folded, and caches each expression's fold for the file.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { type FlowNames, fold, type Folded, foldWithProvenance, type Provenance, unwrap } from "./_fold.ts";
import { boundNames, constWithChecker, exportedConstNames, localBinding, sourceFileOf } from "./_scope.ts";
import { knownText } from "./_string_roots.ts";

const { isIdentifier } = typescript;

// Known text worth a second fold with the types of its holes: words of a
// destructive statement or command.
const TYPED_REFOLD = /drop|flush|acl|deluser|delete|remove/i;

/**
 * String evaluation over one program. Created once per run; the engine
 * tells it which file it folds ({@linkcode StringEvaluator.enterFile}) and
 * when the file is done ({@linkcode StringEvaluator.leaveFile}).
 *
 * @example
 * ```ts ignore
 * const strings = new StringEvaluator(program, () => checker, true);
 * strings.enterFile(file, names);
 * const folded = strings.fold(expression);
 * strings.leaveFile();
 * ```
 */
export class StringEvaluator {
  readonly #program: ts.Program;
  readonly #checker: () => ts.TypeChecker;
  readonly #semantic: boolean;
  readonly #folds = new Map<ts.Expression, Folded>();
  readonly #fileNames = new Map<ts.SourceFile, ReadonlySet<string>>();
  #exported: ReadonlySet<string> | undefined;
  #names: FlowNames | undefined;

  /**
   * @param program The program.
   * @param checker Returns the type checker (asked only when `semantic`).
   * @param semantic Whether imported constants and hole types may be looked up with the checker.
   */
  constructor(program: ts.Program, checker: () => ts.TypeChecker, semantic: boolean) {
    this.#program = program;
    this.#checker = checker;
    this.#semantic = semantic;
  }

  /**
   * Starts folding a file: its names decide which look-ups are worth a scope walk.
   *
   * @param file The file.
   * @param names Its `let`/`var` names, functions, constants and owners of constant members.
   */
  enterFile(file: ts.SourceFile, names: FlowNames): void {
    this.#fileNames.set(file, new Set([...names.constants, ...names.imports]));
    this.#names = names;
  }

  /** Ends a file: its folds are dropped (the next file's nodes are others). */
  leaveFile(): void {
    this.#names = undefined;
    this.#folds.clear();
  }

  /**
   * Folds an expression once per file: constants first, then, when the
   * known text looks destructive and has holes, the string literals the
   * holes' types allow.
   *
   * @param node The expression.
   * @returns Its alternatives.
   */
  fold(node: ts.Expression): Folded {
    let folded = this.#folds.get(node);
    if (folded === undefined) {
      folded = fold(node, this.#resolve, undefined, this.#names);
      if (this.#semantic && folded.some((alt) => alt.includes(null)) && TYPED_REFOLD.test(knownText(folded) ?? "")) {
        folded = fold(node, this.#resolve, this.#literalTypes, this.#names);
      }
      this.#folds.set(node, folded);
    }
    return folded;
  }

  /**
   * The folded expression of this file at or inside a node: the one a report
   * at that node matched.
   *
   * @param node A reported node.
   * @returns The folded expression, or `undefined`.
   */
  foldedWithin(node: ts.Node): ts.Expression | undefined {
    if (this.#folds.has(node as ts.Expression)) return node as ts.Expression;
    const file = sourceFileOf(node);
    for (const candidate of this.#folds.keys()) {
      if (candidate.pos >= node.pos && candidate.end <= node.end && sourceFileOf(candidate) === file) return candidate;
    }
    return undefined;
  }

  /**
   * Where an expression's text was written: folded again, collecting its
   * literals (only reported expressions pay for it).
   *
   * @param node The expression.
   * @returns The literals and the steps between.
   */
  provenance(node: ts.Expression): Provenance {
    return foldWithProvenance(node, this.#resolve, this.#semantic ? this.#literalTypes : undefined, this.#names)
      .provenance;
  }

  // A name's constant initializer: bound in its file, or imported (asked of
  // the checker only for names some module exports as a constant).
  readonly #resolve = (node: ts.Identifier | ts.PropertyAccessExpression): ts.Expression | undefined => {
    if (isIdentifier(node)) {
      const file = sourceFileOf(node);
      if (file === undefined || !this.#namesOf(file).has(node.text)) return undefined;
      const local = localBinding(node);
      if (local?.kind === "const") return local.initializer;
      // Not bound in the file (a global), bound to something else, or imported
      // under a name no module exports as a constant: nothing to fold.
      if (local?.kind !== "import" || !this.#semantic || !this.#mayBeExportedConst(local.imported)) return undefined;
      return constWithChecker(this.#checker(), node);
    }
    // `ns.NAME` of a namespace import.
    const owner = unwrap(node.expression);
    if (!this.#semantic || !isIdentifier(owner) || !this.#mayBeExportedConst(node.name.text)) return undefined;
    const file = sourceFileOf(owner);
    if (file === undefined || !this.#namesOf(file).has(owner.text) || localBinding(owner)?.kind !== "import") {
      return undefined;
    }
    return constWithChecker(this.#checker(), node.name);
  };

  // The string literals a hole's type allows (`kind: "DATABASE" | "ROLE"`).
  readonly #literalTypes = (node: ts.Expression): readonly string[] | undefined => {
    const type = this.#checker().getTypeAtLocation(node);
    const parts = type.isUnion() ? type.types : [type];
    if (!parts.every((part) => part.isStringLiteral())) return undefined;
    return parts.map((part) => (part as ts.StringLiteralType).value);
  };

  // Which names a file binds to constants or imports: a name that is
  // neither is not worth a scope walk.
  #namesOf(file: ts.SourceFile): ReadonlySet<string> {
    let names = this.#fileNames.get(file);
    if (names === undefined) this.#fileNames.set(file, names = boundNames(file));
    return names;
  }

  // Names exported as constants anywhere in the program.
  #mayBeExportedConst(name: string): boolean {
    return (this.#exported ??= exportedConstNames(this.#program.getSourceFiles())).has(name);
  }
}
