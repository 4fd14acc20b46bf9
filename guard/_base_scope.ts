/**
 * `scope-narrowed`: what the head's config no longer scans or runs that the
 * base revision's config did. The file sets are both computed over the
 * working tree, so that a file the pull request deletes is not "hidden".
 *
 * @module
 */

import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { ActiveRule } from "./_engine.ts";
import { globBase, globToRegExp, includes, isGlob } from "./_glob.ts";
import { SOURCE_EXTENSIONS, sourceFilesUnder } from "./_program.ts";
import { messageOf, scopeNarrowed } from "./_base_rules.ts";
import type { DropGuardConfig, NewSuppressionsLevel } from "./config.ts";
import type { BaseRef, Finding } from "./finding.ts";

// A message names at most this many files; the rest are counted.
const MAX_NAMED_FILES = 50;

/** Which files a config selects, and from where. */
export interface Selection {
  /** Files or directories given on the command line (absolute); when any, they replace `include`. */
  readonly paths: readonly string[];
  readonly config: DropGuardConfig;
  /** The directory the config's `include` and `exclude` are relative to. */
  readonly directory: string;
}

/**
 * Whether a file (by its absolute path; it need not exist) is one a
 * selection would scan. Without paths or `include`, the project decides,
 * which is not known for a revision that is not checked out: every source
 * file under `root` counts then.
 *
 * @param selection The selection.
 * @param absolute The file.
 * @param root The guard's working directory.
 * @returns Whether it is selected.
 */
export function selects(selection: Selection, absolute: string, root: string): boolean {
  const file = normalize(absolute);
  if (!isSource(file)) return false;
  const scopes = scopesOf(selection) ?? [normalize(root)];
  const within = scopes.find((scope) => file === scope || file.startsWith(`${scope}/`));
  if (within === undefined) return false;
  // The walk of a directory skips dot-directories and node_modules below it.
  if (
    file.slice(within.length).split("/").slice(0, -1).some((part) => part.startsWith(".") || part === "node_modules")
  ) return false;
  return included(selection, file) && !excluded(selection, file);
}

/**
 * The files a selection scans in the working tree.
 *
 * @param selection The selection.
 * @param projectFiles The project's files, for a selection without paths or `include`.
 * @returns Absolute paths with `/` separators.
 */
export function selectedFiles(selection: Selection, projectFiles: () => readonly string[]): Set<string> {
  const scopes = scopesOf(selection);
  const candidates = scopes === undefined
    ? projectFiles().map(normalize).filter((f) => isSource(f) && !/\/node_modules\//.test(f))
    : scopes.filter((scope) => existsSync(scope)).flatMap((scope) => sourceFilesUnder(scope).map(normalize)).filter(
      isSource,
    );
  return new Set(candidates.filter((file) => included(selection, file) && !excluded(selection, file)));
}

/** What {@linkcode scopeFindings} compares. */
export interface ScopeComparison {
  readonly cwd: string;
  readonly base: BaseRef & { readonly label: string };
  readonly head: Selection;
  readonly baseSelection: Selection;
  /** The files the head scans (absolute, `/` separators). */
  readonly headFiles: ReadonlySet<string>;
  /** The files the base's config scans in the working tree. */
  readonly baseFiles: ReadonlySet<string>;
  readonly headRules: readonly ActiveRule[];
  readonly baseRules: readonly ActiveRule[];
  readonly headLevel: NewSuppressionsLevel;
  readonly baseLevel: NewSuppressionsLevel;
  /** The project file, relative to `cwd`: where a narrowed project is reported. */
  readonly projectFile: string;
  /** The head's config file, relative to `cwd`, or `(config)`; its text, to locate entries. */
  readonly configFile: string;
  readonly configText: string | undefined;
  readonly hash: (text: string) => string;
}

/**
 * The `scope-narrowed` findings: one per cause (a new exclude pattern, a
 * narrowed include or project, a rule turned off or narrowed, a lowered
 * level), located in the head's config and naming what it hides.
 *
 * @param input The two configs, their file sets and rules.
 * @returns The findings.
 */
export function scopeFindings(input: ScopeComparison): Finding[] {
  const { head, baseSelection, cwd } = input;
  const findings: Finding[] = [];
  const add = (
    messageId: string,
    data: Record<string, string>,
    at: Position,
    cause: string,
    file = input.configFile,
  ) => {
    findings.push({
      ruleId: scopeNarrowed.name,
      messageId,
      message: messageOf(scopeNarrowed, messageId, { base: input.base.label, ...data }),
      file,
      ...at,
      level: "error",
      base: { ref: input.base.ref, commit: input.base.commit },
      fingerprint: input.hash(`${scopeNarrowed.name}\u0000${file}\u0000${cause}`),
    });
  };

  // Files: each hidden file is put down to the first new exclude pattern
  // that matches it, else to the include (or the project) that lost it.
  const baseExcludes = new Set(baseSelection.config.exclude ?? []);
  const newPatterns = (head.config.exclude ?? []).filter((p) => !baseExcludes.has(p)).map((p) => ({
    p,
    re: globToRegExp(p),
  }));
  const byCause = new Map<string, string[]>();
  for (const file of [...input.baseFiles].sort()) {
    if (input.headFiles.has(file)) continue;
    const rel = normalize(relative(head.directory, file));
    const cause = newPatterns.find(({ re }) => re.test(rel))?.p;
    const key = cause === undefined ? "" : `exclude:${cause}`;
    byCause.set(key, [...(byCause.get(key) ?? []), normalize(relative(cwd, file))]);
  }
  for (const [key, files] of byCause) {
    const data = { count: String(files.length), files: listed(files) };
    if (key.startsWith("exclude:")) {
      const pattern = key.slice("exclude:".length);
      add("exclude", { ...data, pattern }, locate(input.configText, JSON.stringify(pattern), '"exclude"'), key);
    } else if (head.paths.length === 0 && head.config.include !== undefined) {
      add("include", data, locate(input.configText, '"include"'), "include");
    } else if (baseSelection.config.include !== undefined) {
      const how = "the config no longer has an include, so the project's files are scanned";
      add("project", { ...data, how }, locate(input.configText, '"include"'), "project");
    } else {
      const how = `'${input.projectFile}' includes fewer files`;
      add("project", { ...data, how }, locate(undefined, ""), "project", input.projectFile);
    }
  }

  // Rules.
  const headRules = new Map(input.headRules.map((r) => [r.rule.name, r.options]));
  for (const { rule, options } of input.baseRules) {
    const now = headRules.get(rule.name);
    const at = locate(input.configText, JSON.stringify(rule.name), '"rules"');
    if (now === undefined) add("ruleOff", { rule: rule.name }, at, `off:${rule.name}`);
    else if (narrows(options, now)) {
      add(
        "ruleOptions",
        { rule: rule.name, from: JSON.stringify(options), to: JSON.stringify(now) },
        at,
        `options:${rule.name}`,
      );
    }
  }
  if (input.baseLevel === "error" && input.headLevel !== "error") {
    add(
      "level",
      { from: input.baseLevel, to: input.headLevel },
      locate(input.configText, '"newSuppressions"'),
      "level",
    );
  }
  return findings;
}

/**
 * Whether `head` options find less than `base` options: a list lost an
 * item, or any other value changed. A list that only grew widens.
 *
 * @param base The base's value.
 * @param head The head's value.
 * @returns `true` when narrower, or different in a way not known to be wider.
 */
export function narrows(base: unknown, head: unknown): boolean {
  if (Array.isArray(base) && Array.isArray(head)) {
    if (
      base.every((item) => typeof item !== "object" || item === null) &&
      head.every((item) => typeof item !== "object" || item === null)
    ) {
      return base.some((item) => !head.includes(item));
    }
    return base.length !== head.length || base.some((item, i) => narrows(item, head[i]));
  }
  if (isObject(base) && isObject(head)) {
    return Object.keys({ ...base, ...head }).some((key) => narrows(base[key], head[key]));
  }
  return JSON.stringify(base) !== JSON.stringify(head);
}

interface Position {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

// Where `needle` first occurs in the config text (after `after`, when that
// occurs); line 1 when it does not.
function locate(text: string | undefined, needle: string, after?: string): Position {
  if (text === undefined) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const from = after === undefined ? 0 : Math.max(0, text.indexOf(after));
  let at = text.indexOf(needle, from);
  if (at === -1) at = text.indexOf(needle);
  if (at === -1) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  return { line, column, endLine: line, endColumn: column + needle.length };
}

function listed(files: readonly string[]): string {
  const named = files.slice(0, MAX_NAMED_FILES).join(", ");
  return files.length > MAX_NAMED_FILES ? `${named} and ${files.length - MAX_NAMED_FILES} more` : named;
}

function scopesOf(selection: Selection): string[] | undefined {
  if (selection.paths.length > 0) return selection.paths.map(normalize);
  // A glob's files lie under its fixed prefix; `included` narrows to its matches.
  if (selection.config.include !== undefined) {
    return selection.config.include.map((p) => normalize(resolve(selection.directory, isGlob(p) ? globBase(p) : p)));
  }
  return undefined;
}

// Whether a glob `include` (when the selection has no paths) covers a file.
function included(selection: Selection, file: string): boolean {
  const include = selection.config.include;
  if (selection.paths.length > 0 || include === undefined || !include.some(isGlob)) return true;
  return includes(include, normalize(relative(selection.directory, file)));
}

const compiled = new WeakMap<Selection, readonly RegExp[]>();

function excluded(selection: Selection, file: string): boolean {
  let patterns = compiled.get(selection);
  if (patterns === undefined) compiled.set(selection, patterns = (selection.config.exclude ?? []).map(globToRegExp));
  const rel = normalize(relative(selection.directory, file));
  return patterns.some((pattern) => pattern.test(rel));
}

function isSource(file: string): boolean {
  return SOURCE_EXTENSIONS.some((ext) => file.endsWith(ext)) && !/\.d\.[cm]?ts$/.test(file);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalize(path: string): string {
  return path.split("\\").join("/").replace(/\/+$/, "");
}
