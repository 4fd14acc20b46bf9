/**
 * The engine: one syntactic walk per file that feeds the rules, string
 * folding, and the reachability check that decides which reports stand.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { Chokepoint } from "./_chokepoint.ts";
import { DeclaringPackages } from "./_declaring_packages.ts";
import { unwrap } from "./_fold.ts";
import { StringEvaluator } from "./_string_evaluator.ts";
import type { PackageLookup } from "./_package.ts";
import {
  callbackBodies,
  callbackTarget,
  declarationName,
  enclosingCallback,
  dropCallbackOf,
  enclosingFunctionNames,
} from "./_drop_callbacks.ts";
import { isHumanText } from "./_prose.ts";
import { findReferences } from "./_references.ts";
import type { SanctionedIndex } from "./_sanctioned.ts";
import { importBindings } from "./_scope.ts";
import {
  climb,
  definedName,
  isComparison,
  isNameCandidate,
  isValueLiteral,
  isValuePosition,
  knownText,
} from "./_string_roots.ts";
import type {
  ChokepointServices,
  NodeTypes,
  ReportDescriptor,
  RuleContext,
  RuleListener,
  RuleModule,
  SanctionedReference,
  CallbackReference,
  FrameworkEntrance,
  StringExpression,
} from "./create_rule.ts";
import { frameworkDecorators } from "./_framework_entrances.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  forEachChild, getCombinedNodeFlags, getModifiers, isBinaryExpression, isCallExpression, isExportDeclaration, isIdentifier, isPropertyAccessExpression, isStringLiteralLike,
  isNamedExports, isNamedImports, isVariableStatement, NodeFlags, SymbolFlags, SyntaxKind,
} = typescript;

const FIRST_TYPE_NODE = SyntaxKind.FirstTypeNode;
const LAST_TYPE_NODE = SyntaxKind.LastTypeNode;
const INTERFACE = SyntaxKind.InterfaceDeclaration;
const TYPE_ALIAS = SyntaxKind.TypeAliasDeclaration;

/** A rule with its options applied. */
export interface ActiveRule {
  readonly rule: RuleModule;
  readonly options: readonly unknown[];
}

/** A report that survived the reachability check. */
export interface RawReport {
  readonly rule: RuleModule;
  readonly messageId: string;
  readonly message: string;
  readonly node: ts.Node;
  readonly file: ts.SourceFile;
  /** Where the destructive text was written: the literals it was built from, or the sanctioned function. */
  readonly related?: readonly RelatedNode[];
  /** When the text crossed a binding or a call: literal, the steps between, and the reported node. */
  readonly flow?: readonly ts.Node[];
}

/** A node that a report points to besides its own. */
export interface RelatedNode {
  readonly node: ts.Node;
  readonly message: string;
}

/** A report dropped because it sits where its operation is allowed. */
export interface AllowedReport extends RawReport {
  /** Inside a sanctioned function, or inside a guardedDrop drop callback. */
  readonly where: "sanctioned" | "drop-callback";
}

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

// Functions passed by reference to guardedDrop may call each other; the
// reachability fixpoint stops after this many rounds.
const MAX_CALLBACK_ROUNDS = 8;

const LISTENER_KINDS: ReadonlyMap<string, ts.SyntaxKind> = new Map(
  (
    [
      "CallExpression",
      "NewExpression",
      "PropertyAccessExpression",
      "ElementAccessExpression",
      "ObjectLiteralExpression",
      "PropertyAssignment",
      "ShorthandPropertyAssignment",
      "ArrayLiteralExpression",
      "BindingElement",
      "Identifier",
      "ForInStatement",
      "SpreadAssignment",
    ] satisfies (keyof NodeTypes)[]
  ).map((name) => [name, SyntaxKind[name]]),
);

/**
 * Runs the rules over the files.
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
        yield { node: ref.node, name: site.name, declaredAt: `${displayPath(program, site.file)}:${site.line}`, declaration: site.declaration };
      }
    },
  };

  // Reports, decided as they come when that takes no global knowledge.
  const reports: RawReport[] = [];
  const pending: RawReport[] = [];
  const allowed: AllowedReport[] = [];
  const decide = (report: RawReport): void => {
    if (sanctioned.contains(report.node)) {
      allowed.push({ ...report, where: "sanctioned" });
      return;
    }
    if (report.rule.meta.allowedIn === "chokepoint") {
      const inside = dropCallbackOf(report.node, chokepoint);
      if (inside?.deferredBy !== undefined) {
        reports.push(deferred(report, inside.deferredBy));
        return;
      }
      if (inside !== undefined) {
        allowed.push({ ...report, where: "drop-callback" });
        return;
      }
      pending.push(report);
      return;
    }
    reports.push(report);
  };

  let current: ts.SourceFile | undefined;
  const fileReports: RawReport[] = [];
  const listeners: ((node: ts.Node) => void)[][] = [];
  const fileEnter: ((file: ts.SourceFile) => void)[] = [];
  const fileExit: ((file: ts.SourceFile) => void)[] = [];
  const strings: ((expression: StringExpression) => void)[] = [];
  const callbackReferences: ((reference: CallbackReference) => void)[] = [];
  const programExit: (() => void)[] = [];
  for (const { rule, options } of input.rules) {
    const context: RuleContext<string, readonly unknown[]> = {
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
      // During a walk, the parents of nodes below the visited one are not set
      // yet: reports are decided when the file's walk is over.
      report: (descriptor: ReportDescriptor<string>) => {
        const report = withOrigin(toReport(rule, descriptor, current), descriptor);
        if (current !== undefined) fileReports.push(report);
        else decide(report);
      },
    };
    const listener: RuleListener = rule.create(context);
    for (const [name, handler] of Object.entries(listener) as [string, ((arg: never) => void) | undefined][]) {
      if (handler === undefined) continue;
      const kind = LISTENER_KINDS.get(name);
      if (kind !== undefined) (listeners[kind] ??= []).push(handler as (node: ts.Node) => void);
      else if (name === "SourceFile") fileEnter.push(handler as (file: ts.SourceFile) => void);
      else if (name === "SourceFile:exit") fileExit.push(handler as (file: ts.SourceFile) => void);
      else if (name === "StringExpression") strings.push(handler as (expression: StringExpression) => void);
      else if (name === "Program:exit") programExit.push(handler as () => void);
      else if (name === "CallbackReference") callbackReferences.push(handler as (reference: CallbackReference) => void);
      else throw new TypeError(`Cannot run rule '${rule.name}' as it listens to an unknown event '${name}'`);
    }
  }

  // The literals a report's text was built from: those of the folded string
  // expression it reports, or of one inside it (a call whose argument it is).
  const withOrigin = (report: RawReport, descriptor: ReportDescriptor<string>): RawReport => {
    const own = descriptor.related ?? [];
    const root = current === undefined ? undefined : evaluator.foldedWithin(descriptor.node);
    const provenance = root === undefined ? undefined : evaluator.provenance(root);
    if (provenance === undefined || provenance.literals.length === 0) return own.length === 0 ? report : { ...report, related: own };
    const related = [...own, ...provenance.literals.map((node) => ({ node, message: "the destructive text is written here" }))];
    const crossed = provenance.steps.filter((step) => !provenance.literals.includes(step)).reverse();
    const flow = provenance.steps.length > 0 || provenance.literals.some((l) => !within(l, descriptor.node))
      ? [...provenance.literals, ...crossed, descriptor.node]
      : undefined;
    return flow === undefined ? { ...report, related } : { ...report, related, flow };
  };

  // Calls whose second argument names a function: candidates for a drop
  // callback passed by reference, resolved only if a report needs them.
  const referenceCallbacks: ts.CallExpression[] = [];

  // Definitions of names that no code in their file reads, exported: they
  // stand unless another scanned file imports them.
  const unread: { root: ts.Expression; file: ts.SourceFile; name: string }[] = [];
  const importedNames = new Set<string>();
  const matchStrings = (root: ts.Expression): void => {
    const folded = evaluator.fold(root);
    const text = knownText(folded);
    if (text === undefined) return;
    for (const handler of strings) handler({ node: root, folded, text });
  };

  for (const file of files) {
    current = file;
    const constNames = new Set<string>();
    // `let`/`var` names and enums: read through `+=`, `push` and members.
    const flowNames = new Set<string>();
    const functionNames = new Set<string>();
    // Names whose members are worth folding: constant objects and maps, enums, imports.
    const owners = new Set<string>();
    const imports = importBindings(file);
    for (const name of imports.keys()) owners.add(name);
    const roots = new Set<ts.Expression>();
    const names: (ts.Identifier | ts.PropertyAccessExpression)[] = [];
    for (const handler of fileEnter) handler(file);

    // The walk sets the parent pointers (the program is parsed without them:
    // a separate pass over every file, the libraries too, costs as much as
    // the walk). A node's parent is set before its handlers run.
    let parent: ts.Node = file;
    const visit = (node: ts.Node): void => {
      const kind = node.kind;
      // Types run nothing: annotations, interfaces and type aliases are not
      // walked (a third of a typical file's nodes).
      if ((kind >= FIRST_TYPE_NODE && kind <= LAST_TYPE_NODE) || kind === INTERFACE || kind === TYPE_ALIAS) return;
      (node as { parent: ts.Node }).parent = parent;
      const handlers = listeners[kind];
      if (handlers !== undefined) for (const handler of handlers) handler(node);
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
          if (isNameCandidate(node as ts.Identifier)) names.push(node as ts.Identifier);
          break;
        case SyntaxKind.PropertyAccessExpression: {
          const owner = (node as ts.PropertyAccessExpression).expression;
          if (isIdentifier(owner) && imports.get(owner.text) === "namespace" && isNameCandidate(node as ts.PropertyAccessExpression)) {
            names.push(node as ts.PropertyAccessExpression);
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
                (value.kind === SyntaxKind.CallExpression && /^Object\s*\.\s*freeze$/.test((value as ts.CallExpression).expression.getText(file))))
            ) {
              owners.add(declaration.name.text);
            }
          } else if (isIdentifier(declaration.name)) flowNames.add(declaration.name.text);
          break;
        }
        case SyntaxKind.EnumDeclaration:
          flowNames.add((node as ts.EnumDeclaration).name.text);
          owners.add((node as ts.EnumDeclaration).name.text);
          break;
        case SyntaxKind.FunctionDeclaration: {
          const name = (node as ts.FunctionDeclaration).name;
          if (name !== undefined) functionNames.add(name.text);
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
          if (semantic && call.arguments.length === 2 && callbackTarget(call.arguments[1]!) !== undefined) referenceCallbacks.push(call);
          break;
        }
      }
      const outer = parent;
      parent = node;
      forEachChild(node, visit);
      parent = outer;
    };
    forEachChild(file, visit);

    // Names bound to a constant are string expressions too; which names
    // those are is known only now that the whole file was walked.
    evaluator.enterFile(file, { mutable: flowNames, functions: functionNames, constants: constNames, owners, imports: imports.keys() });
    // The names the file reads (not the targets of an assignment).
    const reads = new Set<string>();
    for (const name of names) {
      if (!isIdentifier(name)) {
        importedNames.add(name.name.text); // `ns.NAME` of a namespace import
        continue;
      }
      const parent = name.parent;
      if (isBinaryExpression(parent) && parent.left === name && isAssignment(parent.operatorToken.kind)) continue;
      reads.add(name.text);
    }
    for (const name of names) {
      if (isIdentifier(name) && !constNames.has(name.text) && !imports.has(name.text) && !flowNames.has(name.text)) continue;
      const root = climb(name, owners);
      if (root === name && !isValuePosition(name)) continue;
      roots.add(root);
    }
    // A constant argument of a local helper or of a constant object's
    // method (`stmt("ROLE", name)`, `SQL.drop("ROLE", name)`): the call is a
    // string expression too, folded through the helper with its parameters
    // bound to the arguments.
    for (const root of [...roots]) {
      const call = root.parent;
      if (call === undefined || !isStringLiteralLike(root) || !isCallExpression(call) || !call.arguments.includes(root)) continue;
      const callee = unwrap(call.expression);
      const helper = isIdentifier(callee)
        ? functionNames.has(callee.text) || constNames.has(callee.text)
        : isPropertyAccessExpression(callee) && isIdentifier(callee.expression) && owners.has(callee.expression.text);
      if (helper) roots.add(climb(call, owners));
    }
    if (strings.length > 0) {
      for (const root of roots) {
        // Human-readable text (a log or error message, a test title, help
        // text) names operations without running them.
        if (isComparison(root) || isHumanText(root)) continue;
        // A value given to a name is matched where the name is read; when
        // nothing reads it, where it is defined.
        const defined = definedName(root);
        if (defined !== undefined) {
          if (reads.has(defined.text)) continue;
          if (isExported(defined)) {
            unread.push({ root, file, name: defined.text });
            continue;
          }
        }
        matchStrings(root);
      }
    }
    for (const handler of fileExit) handler(file);
    for (const report of fileReports.splice(0)) decide(report);
    evaluator.leaveFile();
  }
  // Exported definitions no scanned file imports: nothing runs them in
  // sight, so they are reported where they are defined.
  for (const { root, file, name } of unread) {
    if (importedNames.has(name)) continue;
    current = file;
    matchStrings(root);
    for (const report of fileReports.splice(0)) decide(report);
    evaluator.leaveFile();
  }
  current = undefined;
  for (const handler of programExit) handler();

  // Reports inside a function that is passed by reference as a drop
  // callback stand only if that function is itself reached outside
  // guardedDrop. Such a function is treated as sanctioned from here on.
  let callbackFunctions = 0;
  if (pending.length > 0) {
    const callbacks = new Map<ts.Node, ts.Node>();
    const resolvedCalls = new Set<ts.CallExpression>();
    const relied = new Set<ts.Node>();
    for (let round = 0; round < MAX_CALLBACK_ROUNDS && pending.length > 0; round++) {
      // Only calls that name a function enclosing a pending report are
      // resolved: most two-argument calls are never asked about.
      const names = new Set(pending.flatMap((report) => enclosingFunctionNames(report.node)));
      const calls = referenceCallbacks.filter((call) => !resolvedCalls.has(call) && names.has(callbackTarget(call.arguments[1]!)!.name.text));
      for (const call of calls) resolvedCalls.add(call);
      for (const [body, declaration] of callbackBodies(calls, chokepoint, getChecker())) callbacks.set(body, declaration);
      const fresh = new Set<ts.Node>();
      for (const report of pending.splice(0)) {
        const declaration = enclosingCallback(report.node, callbacks);
        if (declaration === undefined) reports.push(withWrapperHint(report, chokepoint));
        else {
          allowed.push({ ...report, where: "drop-callback" });
          if (!relied.has(declaration)) fresh.add(declaration);
        }
      }
      // Nobody listens: the references need not be looked for.
      if (fresh.size === 0 || callbackReferences.length === 0) break;
      for (const declaration of fresh) relied.add(declaration);
      const freshNames = new Set<string>();
      for (const declaration of fresh) freshNames.add(declarationName(declaration));
      for (const ref of findReferences(getChecker(), files, programFiles, fresh, freshNames)) {
        if (enclosingCallback(ref.node, callbacks) === ref.declaration) continue;
        // Outside a walk, a listener's report is decided at once.
        const reference: CallbackReference = { node: ref.node, name: declarationName(ref.declaration) };
        for (const handler of callbackReferences) handler(reference);
      }
    }
    callbackFunctions = relied.size;
    reports.push(...pending.map((report) => withWrapperHint(report, chokepoint)));
  }
  return {
    reports: dedupe(byOrigin(reports), input.rules),
    allowed: dedupe(allowed, input.rules),
    callbackFunctions,
    checkerUsed: checker !== undefined,
    sanctionedInUse,
  };
}

// A report inside the drop callback of a wrapper that does not count: the
// message says why, and what would make it count.
function withWrapperHint(report: RawReport, chokepoint: Chokepoint): RawReport {
  for (let current: ts.Node = report.node; current.parent !== undefined; current = current.parent) {
    const parent = current.parent;
    if (!isCallExpression(parent) || parent.arguments[1] !== current) continue;
    const why = chokepoint.whyNotChokepoint(parent);
    if (why !== undefined) return { ...report, message: `${report.message} (${why})` };
  }
  return report;
}

function within(inner: ts.Node, outer: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end && inner.getSourceFile() === outer.getSourceFile();
}

// A literal reported where it is written, whose text another report of the
// same rule runs elsewhere (`const SQL = { drop: "DROP …" }` and
// `query(SQL.drop)`): the operation is reported where it runs, with the
// literal as its related location.
function byOrigin(reports: readonly RawReport[]): RawReport[] {
  const reached = new Map<ts.Node, Set<RuleModule>>();
  for (const report of reports) {
    for (const { node } of report.related ?? []) {
      if (node === report.node || within(node, report.node)) continue;
      const rules = reached.get(node) ?? new Set();
      rules.add(report.rule);
      reached.set(node, rules);
    }
  }
  if (reached.size === 0) return [...reports];
  // A definition reported at the expression its literals are in
  // (`"DROP DATABASE " + db` in a helper run as `sqlFor("x")`) goes too.
  const runElsewhere = (report: RawReport): boolean => {
    if (reached.get(report.node)?.has(report.rule)) return true;
    for (const [node, rules] of reached) if (rules.has(report.rule) && within(node, report.node)) return true;
    return false;
  };
  return reports.filter((report) => !runElsewhere(report));
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}

// `export const X = …`, or `const X` named by an `export { X }` of its file.
function isExported(name: ts.Identifier): boolean {
  const statement = name.parent?.parent?.parent;
  if (statement === undefined || !isVariableStatement(statement)) return false;
  if ((getModifiers(statement) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword)) return true;
  const file = statement.parent;
  if (file.kind !== SyntaxKind.SourceFile) return false;
  return (file as ts.SourceFile).statements.some((s) =>
    isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined && isNamedExports(s.exportClause) &&
    s.exportClause.elements.some((e) => (e.propertyName ?? e.name).text === name.text)
  );
}

// A drop that escapes its callback: the rule's `deferred` message, or a
// generic one.
function deferred(report: RawReport, how: string): RawReport {
  const what = report.node.getText().replace(/\s+/g, " ").slice(0, 60);
  const template = (report.rule.meta.messages as Record<string, string>)["deferred"] ??
    "`{{name}}` runs deferred out of the guardedDrop drop callback ({{how}}): guardedDrop records the outcome before the drop " +
      "happens, so it escapes the audit; await it inside the drop callback";
  return { ...report, messageId: "deferred", message: template.replace("{{name}}", what).replace("{{how}}", how) };
}

function toReport(rule: RuleModule, descriptor: ReportDescriptor<string>, file?: ts.SourceFile): RawReport {
  const template = (rule.meta.messages as Record<string, string>)[descriptor.messageId];
  if (template === undefined) throw new TypeError(`Cannot report as rule '${rule.name}' has no message '${descriptor.messageId}'`);
  const message = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => descriptor.data?.[key] ?? whole);
  return { rule, messageId: descriptor.messageId, message, node: descriptor.node, file: file ?? descriptor.node.getSourceFile() };
}

// One operation reported by two rules is one finding: the same node (an
// adapter's sanctioned `deprovision` is both adapter-deprovision's and
// sanctioned-reference's), or one node inside the other (`spawn("redis-cli",
// ["FLUSHALL"])` is cli-drop's call and redis-flush's string). The first rule
// in rule order keeps it. Reports of one rule are never merged.
function dedupe<R extends RawReport>(reports: readonly R[], rules: readonly ActiveRule[]): R[] {
  const order = new Map(rules.map((r, i) => [r.rule, i]));
  const byFile = new Map<ts.SourceFile, R[]>();
  for (const report of reports) {
    const list = byFile.get(report.file);
    if (list === undefined) byFile.set(report.file, [report]);
    else list.push(report);
  }
  const dropped = new Set<R>();
  const starts = new Map<R, number>();
  for (const [file, list] of byFile) {
    if (list.length < 2) continue;
    for (const report of list) starts.set(report, report.node.getStart(file));
    for (const a of list) {
      for (const b of list) {
        if (a === b || dropped.has(a) || dropped.has(b)) continue;
        const ra = order.get(a.rule)!;
        const rb = order.get(b.rule)!;
        const [as, bs] = [starts.get(a)!, starts.get(b)!];
        const nested = (as <= bs && b.node.end <= a.node.end) || (bs <= as && a.node.end <= b.node.end);
        if (!nested) continue;
        const same = as === bs && a.node.end === b.node.end;
        if (ra === rb && !same) continue;
        // The later rule's report goes; of one rule's duplicates, the second.
        dropped.add(ra < rb || (ra === rb && list.indexOf(a) < list.indexOf(b)) ? b : a);
      }
    }
  }
  return reports.filter((r) => !dropped.has(r));
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
