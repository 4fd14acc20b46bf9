/**
 * {@linkcode scan}: the library API of the drop-guard.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type ts from "typescript";
import { BASE_RULES } from "./_base_rules.ts";
import { type BaseState, openBase, startComparison } from "./_compare_base.ts";
import { runEngine } from "./_engine.ts";
import { invalidSuppression, META_RULES, sanctionedNotFound, unusedSuppression } from "./_meta_rules.ts";
import { PackageLookup } from "./_package.ts";
import { createGuardProgram } from "./_program.ts";
import { indexSanctioned } from "./_sanctioned.ts";
import { findSuppressions } from "./_suppressions.ts";
import { prepareScan, relativeTo } from "./_scan_setup.ts";
import type { DropGuardConfig } from "./config.ts";
import type { RuleModule } from "./create_rule.ts";
import type { AllowedOperation, BaseRef, Finding, RelatedLocation, SanctionedFunction } from "./finding.ts";
import { GuardUsageError } from "./usage_error.ts";

/**
 * Options of {@linkcode scan}.
 *
 * @example
 * ```ts
 * import type { ScanOptions } from "guarded-drop/guard";
 *
 * const options: ScanOptions = { project: "tsconfig.json", config: "dropguard.json", paths: ["src"] };
 * ```
 */
export interface ScanOptions {
  /**
   * The tsconfig.json whose compiler options and files make the program.
   *
   * @default {"tsconfig.json" in cwd when it exists, else default options}
   */
  readonly project?: string;
  /**
   * The config file, or the config itself.
   *
   * @default {"dropguard.json" in cwd when it exists, else no config}
   */
  readonly config?: string | DropGuardConfig;
  /**
   * Files or directories to scan. Empty: the config's `include`, else the
   * project's files.
   *
   * @default {[]}
   */
  readonly paths?: readonly string[];
  /**
   * The directory relative paths are resolved from and findings are
   * reported relative to.
   *
   * @default {process.cwd()}
   */
  readonly cwd?: string;
  /**
   * The rules to run, before the config's settings are applied.
   *
   * @default {rules: every built-in rule}
   */
  readonly rules?: readonly RuleModule[];
  /**
   * A git ref to compare the working tree with (`origin/main`, `HEAD~1`, a
   * commit). Its files and config are read through git, with no checkout.
   * Then each suppression it does not have is a `new-suppression` finding,
   * each config change that takes files out of the scan or turns a rule off
   * a `scope-narrowed` finding, and each function sanctioned since then a
   * `new-sanction` note.
   *
   * @default {undefined: no comparison}
   */
  readonly base?: string;
}

/**
 * What {@linkcode scan} found.
 *
 * @example
 * ```ts ignore
 * const result: ScanResult = await scan({});
 * console.log(result.findings.length, result.filesScanned, result.sanctionedFound);
 * ```
 */
export interface ScanResult {
  /** Every finding, in file order; suppressed ones carry `suppression`. */
  readonly findings: readonly Finding[];
  /** How many files were scanned (never 0: that is a usage error). */
  readonly filesScanned: number;
  /** How many scanned files have an unsuppressed finding. */
  readonly filesWithFindings: number;
  /** The scanned files, relative to `cwd`. */
  readonly files: readonly string[];
  /**
   * Source files under the scanned directories that the project leaves out
   * of the scan (not in the tsconfig's files, or JavaScript without
   * `allowJs`), relative to `cwd`; the config's `exclude` is deliberate and
   * not listed.
   */
  readonly leftOut: readonly string[];
  /**
   * How many sanctioned functions were found: declared in the scanned files,
   * and named by the config; when paths narrow the scan, those declared or
   * referenced (in use) in the scanned files.
   */
  readonly sanctionedFound: number;
  /** The sanctioned functions found. */
  readonly sanctioned: readonly SanctionedFunction[];
  /** Operations found where they are allowed (inside sanctioned functions and drop callbacks), in the scanned files. */
  readonly allowed: readonly AllowedOperation[];
  /** The rules that ran, then the guard's own (suppression and config) rules: what SARIF lists. */
  readonly rules: readonly RuleModule[];
  /** The working directory: findings' files are relative to it. */
  readonly cwd: string;
  /** The tsconfig.json used, relative to `cwd`. */
  readonly project: string | undefined;
  /** The config file used, relative to `cwd`. */
  readonly config: string | undefined;
  /** The revision compared with, when `base` was given. */
  readonly base?: BaseRef;
  /** Milliseconds spent building the program (parsing) and running the rules. */
  readonly timings: { readonly programMs: number; readonly rulesMs: number };
}

/**
 * Scans a project for destructive operations that are not routed through
 * guardedDrop.
 *
 * It builds a TypeScript program (parsing and module resolution only; there
 * is no full type check), walks the scanned files once with every rule,
 * resolves symbols with the type checker only at the nodes a rule needs, and
 * drops the reports that sit where they are allowed: a destructive
 * statement inside a sanctioned function, an adapter's `deprovision` or a
 * sanctioned function inside a guardedDrop drop callback.
 *
 * @param options The project, config and paths.
 * @returns The findings, the number of files scanned and the sanctioned functions found.
 * @throws {GuardUsageError} On a usage or config error (the CLI's exit code 2): an
 * invalid config (an unknown key is named), a missing path or project, or no
 * file to scan; with `base`, an unknown ref, no git repository or history, or
 * a base config that does not parse (the message names the ref).
 *
 * @example Scanning a project
 * ```ts
 * import { scan } from "guarded-drop/guard";
 *
 * const result = await scan({ project: "tsconfig.json", paths: ["lib"] });
 * for (const f of result.findings) console.log(`${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`);
 * console.log(`${result.filesScanned} files, ${result.sanctionedFound} sanctioned functions`);
 * ```
 *
 * @example Comparing a pull request with its base branch
 * ```ts
 * import { scan } from "guarded-drop/guard";
 *
 * const result = await scan({ base: "origin/main" });
 * for (const f of result.findings.filter((f) => f.ruleId.startsWith("new-") || f.ruleId === "scope-narrowed")) {
 *   console.log(`${f.level ?? "error"} ${f.file}:${f.line} ${f.message}`);
 * }
 * ```
 */
export async function scan(options: ScanOptions = {}): Promise<ScanResult> {
  const setup = prepareScan(options);
  const { cwd, paths, given } = setup;
  // Before the program is built: a bad ref fails fast.
  const base: BaseState | undefined = setup.base === undefined ? undefined : openBase(setup.base, setup);

  const started = performance.now();
  const { program, files, project, leftOut } = createGuardProgram({
    cwd,
    project: setup.project,
    paths,
    exclude: setup.exclude,
    excludeBase: setup.configDirectory,
  });
  const programMs = performance.now() - started;
  if (files.length === 0) {
    throw new GuardUsageError(
      `Cannot scan as no file was found to scan in ${paths.length > 0 ? paths.join(", ") : (project ?? cwd)}: ` +
        "give paths of TypeScript or JavaScript sources, or a tsconfig.json that includes some",
    );
  }

  const entries = setup.sanctionedEntries;
  const fileByName = new Map(program.getSourceFiles().map((f) => [f.fileName, f]));
  const sanctioned = indexSanctioned(program.getSourceFiles(), entries, fileByName);
  const output = runEngine({
    program,
    files,
    rules: setup.active,
    sanctioned,
    packages: new PackageLookup(),
    semantic: true,
  });

  const findings: Finding[] = [];
  const byFile = new Map<ts.SourceFile, typeof output.reports>();
  for (const report of output.reports) {
    const list = byFile.get(report.file) ?? [];
    list.push(report);
    byFile.set(report.file, list);
  }
  const suppressionsOf = new Map(
    files.map((file) => [file, file.text.includes("drop-guard-ignore") ? findSuppressions(file, setup.knownIds) : []]),
  );

  // With a base: the suppressions it does not have, by file, go with the file's findings.
  const comparison = base === undefined ? undefined : startComparison(base, setup, suppressionsOf);

  for (const file of files) {
    const reports = byFile.get(file) ?? [];
    const suppressions = suppressionsOf.get(file)!;
    const used = new Set<number>();
    const fileFindings: Omit<Finding, "fingerprint">[] = [...(comparison?.newSuppressions.get(file) ?? [])];
    for (const report of reports) {
      const position = positionOf(file, report.node.getStart(file), report.node.end);
      const index = suppressions.findIndex((s) =>
        s.problems.length === 0 && s.line + 1 === position.line && s.ruleIds.includes(report.rule.name)
      );
      const base = {
        ruleId: report.rule.name,
        messageId: report.messageId,
        message: report.message,
        file: relativeTo(cwd, file.fileName),
        ...position,
        ...(report.related === undefined
          ? {}
          : { related: report.related.map((r) => locationOf(cwd, r.node, r.message)) }),
        ...(report.flow === undefined
          ? {}
          : { flow: report.flow.map((node, i, all) => locationOf(cwd, node, flowMessage(i, all.length))) }),
      };
      if (index === -1) fileFindings.push(base);
      else {
        used.add(index);
        fileFindings.push({
          ...base,
          suppression: { reason: suppressions[index]!.reason, line: suppressions[index]!.line },
        });
      }
    }
    suppressions.forEach((suppression, index) => {
      const position = positionOf(file, suppression.pos, suppression.end);
      const base = { file: relativeTo(cwd, file.fileName), ...position };
      if (suppression.problems.length > 0) {
        fileFindings.push({
          ...base,
          ruleId: invalidSuppression.name,
          messageId: "invalid",
          message: format(invalidSuppression, "invalid", { problems: suppression.problems.join(", and ") }),
        });
      } else if (!used.has(index) && suppression.ruleIds.every((id) => setup.activeIds.has(id))) {
        // A suppression naming a rule that is off is not judged: the rule did not run.
        fileFindings.push({
          ...base,
          ruleId: unusedSuppression.name,
          messageId: "unused",
          message: format(unusedSuppression, "unused", { ruleIds: suppression.ruleIds.join("`/`") }),
        });
      }
    });
    fileFindings.sort((a, b) => a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
    findings.push(...withFingerprints(file, fileFindings));
  }

  // Never vacuous: a config entry that names nothing is a finding, and so,
  // loudly, is a config of which no entry is found.
  const found = entries.length - sanctioned.missing.length;
  for (const { entry, reason } of sanctioned.missing) {
    const located = entries.find((e) => e.entry === entry.entry)!;
    const messageId = found === 0 ? "noneFound" : "missing";
    const configFile = setup.configFile;
    findings.push({
      ruleId: sanctionedNotFound.name,
      messageId,
      message: format(sanctionedNotFound, messageId, { entry: entry.entry, reason, count: String(entries.length) }),
      file: configFile,
      line: located.line,
      column: located.column,
      endLine: located.line,
      endColumn: located.column + JSON.stringify(entry.entry).length,
      fingerprint: hash(`${sanctionedNotFound.name}\u0000${configFile}\u0000${entry.entry}`),
    });
  }

  const scannedNames = new Set(files.map((f) => f.fileName));
  // Paths narrow the scan: the sanctioned functions it reaches count, not
  // every one the config names.
  const narrowed = given.length > 0;
  const sites: SanctionedFunction[] = sanctioned.sites
    .filter((site) =>
      scannedNames.has(site.file) ||
      (narrowed ? output.sanctionedInUse.has(site.declaration) : site.source === "config")
    )
    .map(({ name, file, line, column, source }) => ({ name, file: relativeTo(cwd, file), line, column, source }));

  if (comparison !== undefined) {
    findings.push(...comparison.finish({ scanned: scannedNames, sanctioned: sites, project, hash }));
  }

  return {
    findings,
    filesScanned: files.length,
    filesWithFindings: new Set(
      findings.filter((f) => f.suppression === undefined && scannedNames.has(resolve(cwd, f.file))).map((f) => f.file),
    ).size,
    leftOut: leftOut.map((file) => relativeTo(cwd, file)),
    files: files.map((f) => relativeTo(cwd, f.fileName)),
    sanctionedFound: sites.length,
    sanctioned: sites,
    allowed: output.allowed
      .filter((report) => scannedNames.has(report.file.fileName))
      .map((report) => {
        const { line, character } = report.file.getLineAndCharacterOfPosition(report.node.getStart(report.file));
        return {
          ruleId: report.rule.name,
          file: relativeTo(cwd, report.file.fileName),
          line: line + 1,
          column: character + 1,
          where: report.where,
        };
      }),
    rules: [...setup.active.map((r) => r.rule), ...META_RULES, ...(base === undefined ? [] : BASE_RULES)],
    cwd,
    project: project === undefined ? undefined : relativeTo(cwd, project),
    config: setup.configPath === undefined ? undefined : relativeTo(cwd, setup.configPath),
    ...(base === undefined ? {} : { base: { ref: base.revision.ref, commit: base.revision.commit } }),
    timings: { programMs, rulesMs: performance.now() - started - programMs },
  };
}

/**
 * The exit code for a result: 1 when an unsuppressed finding of level error
 * remains, else 0 (warnings and notes do not fail a run).
 *
 * @param result A scan result.
 * @returns 0 or 1.
 *
 * @example
 * ```ts
 * import { exitCodeOf, scan } from "guarded-drop/guard";
 *
 * process.exitCode = exitCodeOf(await scan({ paths: ["src"] }));
 * ```
 */
export function exitCodeOf(result: Pick<ScanResult, "findings">): 0 | 1 {
  return result.findings.some((f) =>
      f.suppression === undefined && f.baselined !== true && (f.level ?? "error") === "error"
    )
    ? 1
    : 0;
}

function format(rule: RuleModule, messageId: string, data: Record<string, string>): string {
  const template = (rule.meta.messages as Record<string, string>)[messageId]!;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => data[key] ?? whole);
}

function locationOf(cwd: string, node: ts.Node, message: string): RelatedLocation {
  const file = node.getSourceFile();
  return { file: relativeTo(cwd, file.fileName), ...positionOf(file, node.getStart(file), node.end), message };
}

function flowMessage(index: number, length: number): string {
  if (index === length - 1) return "run here";
  return index === 0 ? "written here" : "passed on here";
}

function positionOf(file: ts.SourceFile, start: number, end: number) {
  const from = file.getLineAndCharacterOfPosition(start);
  const to = file.getLineAndCharacterOfPosition(end);
  return { line: from.line + 1, column: from.character + 1, endLine: to.line + 1, endColumn: to.character + 1 };
}

// A fingerprint survives edits elsewhere in the file: it hashes the rule,
// the file, the trimmed text of the line and which occurrence of that
// (rule, line text) pair it is.
function withFingerprints(file: ts.SourceFile, findings: readonly Omit<Finding, "fingerprint">[]): Finding[] {
  const lines = file.text.split(/\r?\n/);
  const seen = new Map<string, number>();
  return findings.map((finding) => {
    const key = `${finding.ruleId}\u0000${finding.file}\u0000${(lines[finding.line - 1] ?? "").trim()}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return { ...finding, fingerprint: hash(`${key}\u0000${occurrence}`) };
  });
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}
