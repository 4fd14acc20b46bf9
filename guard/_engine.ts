/**
 * The engine: a pipeline of three stages, each in its own file.
 *
 * 1. Collect facts (`_collect_facts.ts`): one walk per file sets the parent
 *    pointers, hands each node to the rules, and records the file's string
 *    expressions, names and candidate drop-callback calls.
 * 2. Dispatch rules (`_dispatch.ts`): the rules' listeners get nodes during
 *    the walk, then the file's folded string expressions (through the
 *    {@linkcode StringEvaluator}), then the program's events.
 * 3. Decide (`_decide.ts`): which reports stand: sanctioned, inside a drop
 *    callback, deferred out of one, or reached another way; one operation is
 *    one finding.
 *
 * `runEngine` only wires them together.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { Chokepoint } from "./_chokepoint.ts";
import { collectFacts } from "./_collect_facts.ts";
import { type AllowedReport, Decisions, type RawReport, toReport, within } from "./_decide.ts";
import { DeclaringPackages } from "./_declaring_packages.ts";
import { type ActiveRule, RuleDispatch } from "./_dispatch.ts";
import { frameworkDecorators } from "./_framework_entrances.ts";
import type { PackageLookup } from "./_package.ts";
import { isHumanText } from "./_prose.ts";
import { findReferences } from "./_references.ts";
import type { SanctionedIndex } from "./_sanctioned.ts";
import { StringEvaluator } from "./_string_evaluator.ts";
import { definedName, isComparison, knownText } from "./_string_roots.ts";
import type {
  ChokepointServices,
  FrameworkEntrance,
  ReportDescriptor,
  RuleContext,
  RuleModule,
  SanctionedReference,
} from "./create_rule.ts";

export type { ActiveRule } from "./_dispatch.ts";
export type { AllowedReport, RawReport, RelatedNode } from "./_decide.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { getModifiers, isExportDeclaration, isNamedExports, isVariableStatement, SymbolFlags, SyntaxKind } = typescript;

/** What the engine needs. */
export interface EngineInput {
  readonly program: ts.Program;
  /** The files to walk. */
  readonly files: readonly ts.SourceFile[];
  readonly rules: readonly ActiveRule[];
  readonly sanctioned: SanctionedIndex;
  readonly packages: PackageLookup;
  /**
   * `false` runs the syntactic pass alone: no checker, so constants imported
   * from other modules are holes and the type-aware rules must not be given.
   * The benchmark measures that pass this way.
   */
  readonly semantic: boolean;
}

/** What the engine found. */
export interface EngineOutput {
  readonly reports: RawReport[];
  /** The reports that sit where they are allowed: proof that the rules saw the sanctioned code. */
  readonly allowed: AllowedReport[];
  /** Functions passed by reference as a drop callback, found to hold drops. */
  readonly callbackFunctions: number;
  /** Whether the type checker was created. */
  readonly checkerUsed: boolean;
  /** The sanctioned declarations referenced from the scanned files. */
  readonly sanctionedInUse: ReadonlySet<ts.Node>;
}

/**
 * Runs the rules over the files: collect facts and dispatch, file by file;
 * then the program's events; then decide.
 *
 * @param input The program, the files, the rules and the sanctioned index.
 * @returns The reports that stand, in walk order.
 */
export function runEngine(input: EngineInput): EngineOutput {
  const { program, files, sanctioned, semantic } = input;
  let checker: ts.TypeChecker | undefined;
  const getChecker = (): ts.TypeChecker => {
    if (!semantic) throw new Error("drop-guard: the syntactic pass must not use the type checker");
    return (checker ??= program.getTypeChecker());
  };
  const chokepoint = new Chokepoint(getChecker, input.packages);
  const declaring = new DeclaringPackages(getChecker, input.packages, () => program.getSourceFiles());
  const programFiles = program.getSourceFiles().filter((f) => !f.isDeclarationFile);
  const evaluator = new StringEvaluator(program, getChecker, semantic);
  const decisions = new Decisions(sanctioned, chokepoint);

  const sanctionedInUse = new Set<ts.Node>();
  const services: ChokepointServices = {
    isSanctionedSymbol: (symbol) => {
      const resolved = symbol.flags & SymbolFlags.Alias ? getChecker().getAliasedSymbol(symbol) : symbol;
      return (resolved.declarations ?? []).some((d) => sanctioned.declarations.has(d));
    },
    isAdapterDeprovision: (symbol, receiver) => chokepoint.isAdapterDeprovisionOn(symbol, receiver),
    *frameworkEntrances(): Iterable<FrameworkEntrance> {
      const scanned = new Set(files);
      for (const site of sanctioned.sites) {
        if (!scanned.has(site.declaration.getSourceFile())) continue;
        for (const decorator of frameworkDecorators(site.declaration)) yield { ...decorator, name: site.name };
      }
    },
    wrapperBypasses: (fn) => {
      const verdict = chokepoint.wrapperVerdict(fn);
      return verdict.kind === "bypassed" ? verdict.bypasses : [];
    },
    sanctionedNames: sanctioned.names,
    *referencesToSanctioned(): Iterable<SanctionedReference> {
      const sites = new Map(sanctioned.sites.map((site) => [site.declaration, site]));
      for (const ref of findReferences(getChecker(), files, programFiles, sanctioned.declarations, sanctioned.names)) {
        const site = sites.get(ref.declaration)!;
        sanctionedInUse.add(ref.declaration);
        yield {
          node: ref.node,
          name: site.name,
          declaredAt: `${displayPath(program, site.file)}:${site.line}`,
          declaration: site.declaration,
        };
      }
    },
  };

  // The file being walked: a report made during its walk waits for the
  // walk to end (the parents below the visited node are not set yet).
  let current: ts.SourceFile | undefined;
  const fileReports: RawReport[] = [];
  const contextFor = (rule: RuleModule, options: readonly unknown[]): RuleContext<string, readonly unknown[]> => ({
    id: rule.name,
    options,
    program,
    get sourceFile() {
      if (current === undefined) throw new Error(`drop-guard: rule '${rule.name}' asked for the file outside a walk`);
      return current;
    },
    get checker() {
      return getChecker();
    },
    typed: semantic,
    packagesOf: (symbol) => declaring.of(symbol),
    chokepoint: services,
    fold: (node) => evaluator.fold(node),
    report: (descriptor: ReportDescriptor<string>) => {
      const report = withOrigin(
        toReport(rule, descriptor, current),
        descriptor,
        current === undefined ? undefined : evaluator,
      );
      if (current !== undefined) fileReports.push(report);
      else decisions.decide(report);
    },
  });
  const dispatch = new RuleDispatch(input.rules, contextFor);

  const matchStrings = (root: ts.Expression): void => {
    const folded = evaluator.fold(root);
    const text = knownText(folded);
    if (text !== undefined) dispatch.string({ node: root, folded, text });
  };
  const endFile = (): void => {
    for (const report of fileReports.splice(0)) decisions.decide(report);
    evaluator.leaveFile();
  };

  // Definitions of names that no code in their file reads, exported: they
  // stand unless another scanned file imports them.
  const unread: { root: ts.Expression; file: ts.SourceFile; name: string }[] = [];
  const importedNames = new Set<string>();
  const referenceCallbacks: ts.CallExpression[] = [];
  for (const file of files) {
    current = file;
    const facts = collectFacts(file, dispatch, semantic);
    for (const name of facts.importedNames) importedNames.add(name);
    referenceCallbacks.push(...facts.referenceCallbacks);
    evaluator.enterFile(file, facts.names);
    if (dispatch.wantsStrings) {
      for (const root of facts.roots) {
        // Human-readable text (a log or error message, a test title, help
        // text) names operations without running them.
        if (isComparison(root) || isHumanText(root)) continue;
        // A value given to a name is matched where the name is read; when
        // nothing reads it, where it is defined.
        const defined = definedName(root);
        if (defined !== undefined) {
          if (facts.reads.has(defined.text)) continue;
          if (isExported(defined)) {
            unread.push({ root, file, name: defined.text });
            continue;
          }
        }
        matchStrings(root);
      }
    }
    dispatch.fileExit(file);
    endFile();
  }
  // Exported definitions no scanned file imports: nothing runs them in
  // sight, so they are reported where they are defined.
  for (const { root, file, name } of unread) {
    if (importedNames.has(name)) continue;
    current = file;
    matchStrings(root);
    endFile();
  }
  current = undefined;
  dispatch.programExit();

  const callbackFunctions = decisions.settleCallbacks({
    referenceCallbacks,
    checker: getChecker,
    wanted: dispatch.wantsCallbackReferences,
    references: (declarations, names) => findReferences(getChecker(), files, programFiles, declarations, names),
    report: (reference) => dispatch.callbackReference(reference),
  });
  const { reports, allowed } = decisions.result(input.rules);
  return { reports, allowed, callbackFunctions, checkerUsed: checker !== undefined, sanctionedInUse };
}

// The literals a report's text was built from: those of the folded string
// expression it reports, or of one inside it (a call whose argument it is).
// Folded again, collecting its literals: only reported expressions pay for it.
function withOrigin(
  report: RawReport,
  descriptor: ReportDescriptor<string>,
  evaluator: StringEvaluator | undefined,
): RawReport {
  const own = descriptor.related ?? [];
  const root = evaluator?.foldedWithin(descriptor.node);
  const provenance = root === undefined ? undefined : evaluator!.provenance(root);
  if (provenance === undefined || provenance.literals.length === 0) {
    return own.length === 0 ? report : { ...report, related: own };
  }
  const related = [
    ...own,
    ...provenance.literals.map((node) => ({ node, message: "the destructive text is written here" })),
  ];
  const crossed = provenance.steps.filter((step) => !provenance.literals.includes(step)).reverse();
  const flow = provenance.steps.length > 0 || provenance.literals.some((l) => !within(l, descriptor.node))
    ? [...provenance.literals, ...crossed, descriptor.node]
    : undefined;
  return flow === undefined ? { ...report, related } : { ...report, related, flow };
}

// `export const X = …`, or `const X` named by an `export { X }` of its file.
function isExported(name: ts.Identifier): boolean {
  const statement = name.parent?.parent?.parent;
  if (statement === undefined || !isVariableStatement(statement)) return false;
  if ((getModifiers(statement) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword)) return true;
  const file = statement.parent;
  if (file.kind !== SyntaxKind.SourceFile) return false;
  return (file as ts.SourceFile).statements.some((s) =>
    isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined &&
    isNamedExports(s.exportClause) &&
    s.exportClause.elements.some((e) => (e.propertyName ?? e.name).text === name.text)
  );
}

/**
 * A file name for messages: relative to the program's directory.
 *
 * @param program The program.
 * @param fileName An absolute file name.
 * @returns The relative name when inside, else the absolute one.
 */
export function displayPath(program: ts.Program, fileName: string): string {
  const root = program.getCurrentDirectory().replace(/\/?$/, "/");
  return fileName.startsWith(root) ? fileName.slice(root.length) : fileName;
}
