/**
 * The comparison with a base revision (`--base`): its config, its
 * suppressions and its sanctioned functions, read through git, and the
 * `new-suppression` and `new-sanction` findings.
 *
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { type Occurrence, unmatched } from "./_base_match.ts";
import { type BaseRevision, openBaseRevision } from "./_base_revision.ts";
import { suppressedText } from "./_base_suppressed.ts";
import { messageOf, newSanction, newSuppression } from "./_base_rules.ts";
import type { ActiveRule } from "./_engine.ts";
import { indexSanctioned, SANCTIONED_TAG } from "./_sanctioned.ts";
import { findSuppressions, type Suppression, SUPPRESSION_DIRECTIVE } from "./_suppressions.ts";
import { scopeFindings, selectedFiles, type Selection, selects } from "./_base_scope.ts";
import { relativeTo, type ScanSetup, versionedConfigPath } from "./_scan_setup.ts";
import { activeRules, type DropGuardConfig, type LoadedConfig, parseConfig, sanctionedEntries } from "./config.ts";
import type { Finding, SanctionedFunction } from "./finding.ts";
import { GuardUsageError } from "./usage_error.ts";

/** The base revision and its config. */
export interface BaseState {
  readonly revision: BaseRevision;
  readonly config: DropGuardConfig;
  /** The base config's text, when it has a file. */
  readonly configText: string | undefined;
  /** The rules the base's config runs. */
  readonly rules: readonly ActiveRule[];
}

/**
 * Opens the base revision and reads its config from the same path, relative
 * to the repository, as the head's (`dropguard.json` in the working
 * directory when the head has none); no file there means the defaults.
 *
 * @param ref The git ref.
 * @param head The head's setup.
 * @returns The base.
 * @throws {GuardUsageError} On a bad ref, no git repository or history, or a base config that does not parse or validate (the message names the ref).
 */
export function openBase(ref: string, head: ScanSetup): BaseState {
  const { cwd } = head;
  const paths = head.given.length > 0 ? head.given : head.paths.map((p) => resolve(cwd, p));
  // The config's directory and the paths to scan find the repository when
  // the working directory is outside it.
  const anchors = [
    ...(head.configPath === undefined ? [] : [dirname(head.configPath)]),
    ...paths.map((p) => (existsSync(p) && !statSync(p).isDirectory() ? dirname(p) : p)),
  ];
  const revision = openBaseRevision(ref, cwd, anchors.filter((p) => existsSync(p)));
  let config = head.config;
  let configText = head.configText;
  // NOTE: a config given inline or kept outside the repository is not
  // versioned, so the base is compared with the head's own.
  const versioned = versionedConfigPath(head);
  const path = versioned === undefined ? undefined : revision.pathOf(versioned);
  let source = "the config";
  if (path !== undefined) {
    source = `the base config '${path}' at ${revision.label}`;
    configText = revision.readText(path);
    config = configText === undefined ? {} : parseConfig(configText, path, source);
  }
  return { revision, config, configText, rules: activeRules(config, head.available, source) };
}

/** What the head's run knows at its end. */
export interface HeadResult {
  /** The scanned files' names. */
  readonly scanned: ReadonlySet<string>;
  /** The sanctioned functions found, relative to `cwd`. */
  readonly sanctioned: readonly SanctionedFunction[];
  /** The tsconfig.json used (absolute), if any. */
  readonly project: string | undefined;
  readonly hash: (text: string) => string;
}

/** A comparison under way. */
export interface Comparison {
  /** The `new-suppression` findings of each scanned file, without fingerprints (made with the file's others). */
  readonly newSuppressions: ReadonlyMap<ts.SourceFile, readonly Omit<Finding, "fingerprint">[]>;
  /** The `scope-narrowed` and `new-sanction` findings. */
  finish(head: HeadResult): Finding[];
}

/**
 * Compares the head's run with the base: reads the base's sources once,
 * matches the suppressions now, and the scope and the sanctions at the end.
 *
 * @param base The base.
 * @param head The head's setup.
 * @param suppressionsOf The suppressions of each scanned file (after the rules ran, before findings are made).
 * @returns The comparison.
 * @throws {GuardUsageError} If git fails.
 */
export function startComparison(
  base: BaseState,
  head: ScanSetup,
  suppressionsOf: ReadonlyMap<ts.SourceFile, readonly Suppression[]>,
): Comparison {
  const { cwd } = head;
  const revision = base.revision;
  const headSelection: Selection = { paths: head.given, config: head.config, directory: head.configDirectory };
  const baseSelection: Selection = { paths: head.given, config: base.config, directory: head.configDirectory };
  const sources = readBaseSources(base, baseSelection, cwd, head.knownIds);

  const fileOf = new Map<string, ts.SourceFile>();
  const occurrences: SuppressionOccurrence[] = [];
  for (const [file, suppressions] of suppressionsOf) {
    if (suppressions.length === 0) continue;
    const rel = relativeTo(cwd, file.fileName);
    fileOf.set(rel, file);
    occurrences.push(...suppressionOccurrences(file, rel, suppressions));
  }
  const newSuppressions = new Map<ts.SourceFile, Omit<Finding, "fingerprint">[]>();
  for (const finding of newSuppressionFindings(occurrences, sources, head.newSuppressions, revision)) {
    const file = fileOf.get(finding.file)!;
    newSuppressions.set(file, [...(newSuppressions.get(file) ?? []), finding]);
  }

  return {
    newSuppressions,
    finish(result) {
      const project = result.project ?? resolve(cwd, "tsconfig.json");
      const versioned = versionedConfigPath(head);
      return [
        ...scopeFindings({
          cwd,
          base: { ref: revision.ref, commit: revision.commit, label: revision.label },
          head: headSelection,
          baseSelection,
          headFiles: result.scanned,
          baseFiles: selectedFiles(baseSelection, () => baseProjectFiles(base, project)),
          projectFile: relativeTo(cwd, project),
          headRules: head.active,
          baseRules: base.rules,
          headLevel: head.newSuppressions,
          baseLevel: base.config.newSuppressions ?? "error",
          configFile: versioned === undefined ? "(config)" : relativeTo(cwd, versioned),
          configText: head.configText,
          hash: result.hash,
        }),
        ...newSanctionFindings(result.sanctioned, sources, revision, result.hash),
      ];
    },
  };
}

/**
 * A suppression as matched with the base's: its key is the rule ids, the
 * reason and what it covers (the whole statements of the covered line and
 * the constants they use, whitespace between tokens ignored).
 */
export interface SuppressionOccurrence extends Occurrence {
  readonly suppression: Suppression;
}

/**
 * The valid suppressions of a file, as occurrences.
 *
 * @param file The parsed file.
 * @param relFile The file relative to the working directory.
 * @param suppressions Its suppressions.
 * @returns One occurrence per suppression without problems.
 */
function suppressionOccurrences(
  file: ts.SourceFile,
  relFile: string,
  suppressions: readonly Suppression[],
): SuppressionOccurrence[] {
  const lines = file.text.split(/\r?\n/);
  const code = (index: number) => (lines[index] ?? "").replace(/\s+/g, "");
  return suppressions
    .filter((s) => s.problems.length === 0)
    .map((suppression) => ({
      // What it suppresses, not the one line below it: a multi-line statement
      // whose target changed, or a constant it uses, makes it new.
      key: `${[...suppression.ruleIds].sort().join(",")}\u0000${suppression.reason.replace(/\s+/g, " ")}\u0000${
        suppressedText(file, suppression.line)
      }`,
      file: relFile,
      line: suppression.line,
      // The line above the comment and the line below the covered one.
      context: [code(suppression.line - 2), code(suppression.line + 1)],
      suppression,
    }));
}

/** What the base revision's sources hold, in the files its config scans. */
export interface BaseSources {
  readonly suppressions: readonly Occurrence[];
  readonly sanctioned: readonly Occurrence[];
}

/**
 * Reads the suppressions and the tagged sanctioned functions of the base
 * revision: only the files that hold the directive or the tag (found with
 * `git grep`) and that the base's config would scan (with the same paths as
 * the head's run), and the base config's sanctioned entries.
 *
 * @param base The base.
 * @param selection The base's selection (its config, the head's paths).
 * @param cwd The working directory.
 * @param ruleIds The rule ids that exist.
 * @returns The occurrences.
 */
function readBaseSources(
  base: BaseState,
  selection: Selection,
  cwd: string,
  ruleIds: ReadonlySet<string>,
): BaseSources {
  const { revision } = base;
  // The whole tree: paths given on the command line may lie outside `cwd`.
  const paths = revision.filesContaining([SUPPRESSION_DIRECTIVE, `@${SANCTIONED_TAG}`], "")
    .filter((path) => selects(selection, revision.absoluteOf(path), cwd));
  const suppressions: Occurrence[] = [];
  const tagged: ts.SourceFile[] = [];
  for (const [path, text] of revision.readTexts(paths)) {
    const absolute = revision.absoluteOf(path).split("\\").join("/");
    const file = typescript.createSourceFile(absolute, text, typescript.ScriptTarget.Latest, false);
    if (text.includes(SUPPRESSION_DIRECTIVE)) {
      suppressions.push(...suppressionOccurrences(file, relativeTo(cwd, absolute), findSuppressions(file, ruleIds)));
    }
    if (text.includes(`@${SANCTIONED_TAG}`)) tagged.push(file);
  }
  const sanctioned: Occurrence[] = indexSanctioned(tagged, [], new Map()).sites.map((site) => ({
    key: site.name,
    file: relativeTo(cwd, site.file),
    line: site.line,
  }));
  const loaded: LoadedConfig = {
    config: base.config,
    path: undefined,
    directory: selection.directory,
    text: base.configText,
  };
  for (const entry of sanctionedEntries(loaded)) {
    sanctioned.push({ key: entry.path.join("."), file: relativeTo(cwd, entry.file), line: 0 });
  }
  return { suppressions, sanctioned };
}

/**
 * The `new-suppression` findings: the head's suppressions that the base does
 * not account for, at the comment, with the reason in the message.
 *
 * @param head The head's suppressions.
 * @param base The base's.
 * @param level The configured level.
 * @param revision The base revision.
 * @returns The findings, without fingerprints (given with the file's others), by file.
 */
function newSuppressionFindings(
  head: readonly SuppressionOccurrence[],
  base: BaseSources,
  level: "error" | "warning",
  revision: BaseRevision,
): Omit<Finding, "fingerprint">[] {
  return unmatched(head, base.suppressions).map(({ file, suppression }) => ({
    ruleId: newSuppression.name,
    messageId: "new",
    message: messageOf(newSuppression, "new", {
      ruleIds: suppression.ruleIds.join("`, `"),
      reason: suppression.reason,
      base: revision.label,
    }),
    file,
    line: suppression.line,
    column: suppression.column,
    endLine: suppression.line,
    endColumn: suppression.column + (suppression.end - suppression.pos),
    level,
    base: { ref: revision.ref, commit: revision.commit },
  }));
}

/**
 * The `new-sanction` findings: sanctioned functions the base did not have
 * (matched by qualified name: in the same file first, then in any, so that
 * a renamed file or a tag moved to the config is not new).
 *
 * @param head The head's sanctioned functions.
 * @param base The base's.
 * @param revision The base revision.
 * @param hash Makes a fingerprint.
 * @returns The findings, at level note.
 */
function newSanctionFindings(
  head: readonly SanctionedFunction[],
  base: BaseSources,
  revision: BaseRevision,
  hash: (text: string) => string,
): Finding[] {
  const occurrences = head.map((site) => ({ key: site.name, file: site.file, line: site.line, site }));
  const seen = new Map<string, number>();
  return unmatched(occurrences, base.sanctioned).map(({ site }) => {
    const id = `${newSanction.name}\u0000${site.file}\u0000${site.name}`;
    const occurrence = seen.get(id) ?? 0;
    seen.set(id, occurrence + 1);
    return {
      ruleId: newSanction.name,
      messageId: "new",
      message: messageOf(newSanction, "new", {
        name: site.name,
        how: site.source === "jsdoc" ? `by @${SANCTIONED_TAG}` : "by the config",
        base: revision.label,
      }),
      file: site.file,
      line: site.line,
      column: site.column,
      endLine: site.line,
      endColumn: site.column + site.name.slice(site.name.lastIndexOf(".") + 1).length,
      level: "note" as const,
      base: { ref: revision.ref, commit: revision.commit },
      fingerprint: hash(`${id}\u0000${occurrence}`),
    };
  });
}

/**
 * The files of the project as the base revision's tsconfig.json (at the
 * same path as the head's) lists them over the working tree. None when the
 * base has no such file.
 *
 * NOTE: a base tsconfig.json's `extends` is read from the working tree.
 *
 * @param base The base.
 * @param project The head's tsconfig.json (absolute), or where it would be.
 * @returns Absolute paths.
 * @throws {GuardUsageError} If the base's file is not JSON.
 */
function baseProjectFiles(base: BaseState, project: string): readonly string[] {
  const path = base.revision.pathOf(project);
  const text = path === undefined ? undefined : base.revision.readText(path);
  if (text === undefined) return [];
  const json = typescript.parseConfigFileTextToJson(project, text);
  if (json.error !== undefined) {
    throw new GuardUsageError(
      `Cannot compare with ${base.revision.label} as its '${path}' is not valid JSON: ${
        typescript.flattenDiagnosticMessageText(json.error.messageText, " ")
      }`,
    );
  }
  return typescript.parseJsonConfigFileContent(json.config, typescript.sys, dirname(project), undefined, project)
    .fileNames;
}
