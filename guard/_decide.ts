/**
 * Deciding, the engine's last stage: which reports stand. A report inside a
 * sanctioned function, or inside a guardedDrop drop callback, is allowed; a
 * drop that escapes its callback is reported as deferred; a report inside a
 * function passed to guardedDrop by reference stands only if that function
 * is reached another way. Then one operation is one finding.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type { Chokepoint } from "./_chokepoint.ts";
import type { ActiveRule } from "./_dispatch.ts";
import {
  callbackBodies,
  callbackTarget,
  declarationName,
  dropCallbackOf,
  enclosingCallback,
  enclosingFunctionNames,
} from "./_drop_callbacks.ts";
import type { SanctionedIndex } from "./_sanctioned.ts";
import type { CallbackReference, ReportDescriptor, RuleModule } from "./create_rule.ts";

const { isCallExpression } = typescript;

// Functions passed by reference to guardedDrop may call each other; the
// reachability fixpoint stops after this many rounds.
const MAX_CALLBACK_ROUNDS = 8;

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

/** What the reachability fixpoint needs besides the pending reports. */
export interface CallbackSearch {
  /** The calls whose second argument names a function (from every file's facts). */
  readonly referenceCallbacks: readonly ts.CallExpression[];
  readonly checker: () => ts.TypeChecker;
  /** Whether any rule listens to references to such functions. */
  readonly wanted: boolean;
  /** The references, outside guardedDrop, to the given functions. */
  readonly references: (
    declarations: ReadonlySet<ts.Node>,
    names: ReadonlySet<string>,
  ) => Iterable<{ node: ts.Node; declaration: ts.Node }>;
  /** Hands a reference to the listening rules (whose reports come back through {@linkcode Decisions.decide}). */
  readonly report: (reference: CallbackReference) => void;
}

/**
 * The decisions of one run: reports come in as the rules make them, and
 * are allowed, kept, or held until the reachability fixpoint settles them.
 *
 * @example
 * ```ts ignore
 * const decisions = new Decisions(sanctioned, chokepoint);
 * decisions.decide(report);
 * decisions.settleCallbacks(search);
 * const { reports, allowed } = decisions.result(rules);
 * ```
 */
export class Decisions {
  readonly #sanctioned: SanctionedIndex;
  readonly #chokepoint: Chokepoint;
  readonly #reports: RawReport[] = [];
  readonly #pending: RawReport[] = [];
  readonly #allowed: AllowedReport[] = [];

  /**
   * @param sanctioned The sanctioned functions.
   * @param chokepoint The chokepoint recogniser.
   */
  constructor(sanctioned: SanctionedIndex, chokepoint: Chokepoint) {
    this.#sanctioned = sanctioned;
    this.#chokepoint = chokepoint;
  }

  /**
   * Decides a report, as far as it takes no global knowledge.
   *
   * @param report A rule's report, its file walked (its parents set).
   */
  decide(report: RawReport): void {
    if (this.#sanctioned.contains(report.node)) {
      this.#allowed.push({ ...report, where: "sanctioned" });
      return;
    }
    if (report.rule.meta.allowedIn === "chokepoint") {
      const inside = dropCallbackOf(report.node, this.#chokepoint);
      if (inside?.deferredBy !== undefined) {
        this.#reports.push(deferred(report, inside.deferredBy));
        return;
      }
      if (inside !== undefined) {
        this.#allowed.push({ ...report, where: "drop-callback" });
        return;
      }
      this.#pending.push(report);
      return;
    }
    this.#reports.push(report);
  }

  /**
   * Settles the held reports: one inside a function that is passed by
   * reference as a drop callback stands only if that function is itself
   * reached outside guardedDrop; such a function is treated as sanctioned
   * from here on, and its other references are handed to the rules.
   *
   * @param search The calls, the checker and the listeners.
   * @returns How many functions passed by reference were relied on.
   */
  settleCallbacks(search: CallbackSearch): number {
    const pending = this.#pending;
    if (pending.length === 0) return 0;
    const callbacks = new Map<ts.Node, ts.Node>();
    const resolvedCalls = new Set<ts.CallExpression>();
    const relied = new Set<ts.Node>();
    for (let round = 0; round < MAX_CALLBACK_ROUNDS && pending.length > 0; round++) {
      // Only calls that name a function enclosing a pending report are
      // resolved: most two-argument calls are never asked about.
      const names = new Set(pending.flatMap((report) => enclosingFunctionNames(report.node)));
      const calls = search.referenceCallbacks.filter((call) =>
        !resolvedCalls.has(call) && names.has(callbackTarget(call.arguments[1]!)!.name.text)
      );
      for (const call of calls) resolvedCalls.add(call);
      for (const [body, declaration] of callbackBodies(calls, this.#chokepoint, search.checker())) {
        callbacks.set(body, declaration);
      }
      const fresh = new Set<ts.Node>();
      for (const report of pending.splice(0)) {
        const declaration = enclosingCallback(report.node, callbacks);
        if (declaration === undefined) this.#reports.push(withWrapperHint(report, this.#chokepoint));
        else {
          this.#allowed.push({ ...report, where: "drop-callback" });
          if (!relied.has(declaration)) fresh.add(declaration);
        }
      }
      // Nobody listens: the references need not be looked for.
      if (fresh.size === 0 || !search.wanted) break;
      for (const declaration of fresh) relied.add(declaration);
      const freshNames = new Set<string>();
      for (const declaration of fresh) freshNames.add(declarationName(declaration));
      for (const ref of search.references(fresh, freshNames)) {
        if (enclosingCallback(ref.node, callbacks) === ref.declaration) continue;
        search.report({ node: ref.node, name: declarationName(ref.declaration) });
      }
    }
    this.#reports.push(...pending.splice(0).map((report) => withWrapperHint(report, this.#chokepoint)));
    return relied.size;
  }

  /**
   * The reports that stand and the allowed ones: a statement defined in one
   * place and run in another once, where it runs; one operation two rules
   * see once, by the earlier rule.
   *
   * @param rules The rules, in report order.
   * @returns The reports and the allowed reports.
   */
  result(rules: readonly ActiveRule[]): { readonly reports: RawReport[]; readonly allowed: AllowedReport[] } {
    return { reports: dedupe(byOrigin(this.#reports), rules), allowed: dedupe(this.#allowed, rules) };
  }
}

/**
 * A rule's report from its descriptor: the message with its placeholders filled.
 *
 * @param rule The rule.
 * @param descriptor What it reported.
 * @param file The file being walked, if any.
 * @returns The report.
 * @throws {TypeError} If the rule has no such message.
 */
export function toReport(rule: RuleModule, descriptor: ReportDescriptor<string>, file?: ts.SourceFile): RawReport {
  const template = (rule.meta.messages as Record<string, string>)[descriptor.messageId];
  if (template === undefined) {
    throw new TypeError(`Cannot report as rule '${rule.name}' has no message '${descriptor.messageId}'`);
  }
  const message = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => descriptor.data?.[key] ?? whole);
  return {
    rule,
    messageId: descriptor.messageId,
    message,
    node: descriptor.node,
    file: file ?? descriptor.node.getSourceFile(),
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

/**
 * Whether a node lies inside another.
 *
 * @param inner A node.
 * @param outer Another.
 * @returns `true` when `inner` is within `outer`'s range, in the same file.
 */
export function within(inner: ts.Node, outer: ts.Node): boolean {
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

// A drop that escapes its callback: the rule's `deferred` message, or a
// generic one.
function deferred(report: RawReport, how: string): RawReport {
  const what = report.node.getText().replace(/\s+/g, " ").slice(0, 60);
  const template = (report.rule.meta.messages as Record<string, string>)["deferred"] ??
    "`{{name}}` runs deferred out of the guardedDrop drop callback ({{how}}): guardedDrop records the outcome before the drop " +
      "happens, so it escapes the audit; await it inside the drop callback";
  return { ...report, messageId: "deferred", message: template.replace("{{name}}", what).replace("{{how}}", how) };
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
