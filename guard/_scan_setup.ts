/**
 * The first stage of {@linkcode scan}: the options and the config, loaded,
 * checked and derived once into one finished {@linkcode ScanSetup} that the
 * later stages (the program, the engine, the findings, the comparison with a
 * base) receive and only read.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { ActiveRule } from "./_dispatch.ts";
import { globBase, includes, isGlob } from "./_glob.ts";
import { sourceFilesUnder } from "./_program.ts";
import {
  activeRules,
  checkConfig,
  DEFAULT_CONFIG_FILE,
  type DropGuardConfig,
  loadConfig,
  type LoadedConfig,
  type NewSuppressionsLevel,
  sanctionedEntries,
} from "./config.ts";
import type { RuleModule } from "./create_rule.ts";
import type { SanctionedEntry } from "./_sanctioned.ts";
import { rules as builtinRules } from "./rules/builtin_rules.ts";
import type { ScanOptions } from "./scan.ts";
import { GuardUsageError } from "./usage_error.ts";

/** A sanctioned entry of the config, with where the config file names it. */
export type LocatedEntry = SanctionedEntry & { readonly line: number; readonly column: number };

/**
 * Everything a scan needs from its options and config, checked and derived once.
 *
 * @example
 * ```ts ignore
 * const setup: ScanSetup = prepareScan({ config: { rules: { "redis-flush": "off" } } });
 * console.log(setup.active.length, setup.configFile); // every rule but one, "(config)"
 * ```
 */
export interface ScanSetup {
  /** The working directory (absolute): paths are resolved from it and findings reported relative to it. */
  readonly cwd: string;
  /** The tsconfig.json option as given. */
  readonly project: string | undefined;
  /** The config, checked. */
  readonly config: DropGuardConfig;
  /** The config file (absolute), when the config came from one. */
  readonly configPath: string | undefined;
  /** The config file's text, when the config came from one. */
  readonly configText: string | undefined;
  /** The directory the config's paths (`include`, `exclude`, `sanctioned`) are relative to. */
  readonly configDirectory: string;
  /** Whether the config was given as an object (not versioned: a base revision uses it too). */
  readonly inline: boolean;
  /** The file config findings are reported at: relative to `cwd`, or `(config)` without a file. */
  readonly configFile: string;
  /** The rules that exist. */
  readonly available: readonly RuleModule[];
  /** Their ids: what a suppression may name. */
  readonly knownIds: ReadonlySet<string>;
  /** The rules that are on, with their options. */
  readonly active: readonly ActiveRule[];
  /** Their ids. */
  readonly activeIds: ReadonlySet<string>;
  /** What to scan: the given paths as given, else the config's `include` expanded (absolute). Empty: the project's files. */
  readonly paths: readonly string[];
  /** The paths given in the options (absolute): they narrow the scan. */
  readonly given: readonly string[];
  /** The config's `exclude` globs, relative to `configDirectory`. */
  readonly exclude: readonly string[];
  /** The config's sanctioned entries, resolved, with their place in the config file. */
  readonly sanctionedEntries: readonly LocatedEntry[];
  /** The level of a `new-suppression` finding. */
  readonly newSuppressions: NewSuppressionsLevel;
  /** The git ref to compare with, if any. */
  readonly base: string | undefined;
}

/**
 * Loads and checks the config and derives what the scan needs from it.
 *
 * @param options The scan's options.
 * @returns The finished setup.
 * @throws {GuardUsageError} On an invalid config (an unknown key or rule is named), or an `include` that matches no file.
 *
 * @example
 * ```ts ignore
 * const setup = prepareScan({ cwd: "/repo", paths: ["src"] });
 * console.log(setup.given); // ["/repo/src"]
 * ```
 */
export function prepareScan(options: ScanOptions): ScanSetup {
  const cwd = resolve(options.cwd ?? process.cwd());
  const inline = typeof options.config === "object";
  const loaded: LoadedConfig = typeof options.config === "object"
    ? { config: checkConfig(options.config, "the config object"), path: undefined, directory: cwd, text: undefined }
    : loadConfig(options.config, cwd);
  const { config } = loaded;
  const source = loaded.path === undefined ? "the config" : relativeTo(cwd, loaded.path);
  const available = options.rules ?? builtinRules;
  const active = activeRules(config, available, source);
  const given = (options.paths ?? []).map((path) => resolve(cwd, path));
  return {
    cwd,
    project: options.project,
    config,
    configPath: loaded.path,
    configText: loaded.text,
    configDirectory: loaded.directory,
    inline,
    configFile: loaded.path === undefined ? "(config)" : relativeTo(cwd, loaded.path),
    available,
    knownIds: new Set(available.map((rule) => rule.name)),
    active,
    activeIds: new Set(active.map((r) => r.rule.name)),
    paths: given.length > 0 ? options.paths! : expandInclude(config.include ?? [], loaded.directory, source),
    given,
    exclude: config.exclude ?? [],
    sanctionedEntries: sanctionedEntries(loaded),
    newSuppressions: config.newSuppressions ?? "error",
    base: options.base,
  };
}

/**
 * Where a base revision's config is looked for: the head's config file, else
 * `dropguard.json` in `cwd`; `undefined` for a config given as an object.
 *
 * @param setup The head's setup.
 * @returns An absolute path, or `undefined`.
 *
 * @example
 * ```ts ignore
 * console.log(versionedConfigPath(prepareScan({ cwd: "/repo" }))); // "/repo/dropguard.json"
 * ```
 */
export function versionedConfigPath(setup: ScanSetup): string | undefined {
  return setup.inline ? undefined : (setup.configPath ?? resolve(setup.cwd, DEFAULT_CONFIG_FILE));
}

/**
 * A path relative to the working directory, with `/` separators.
 *
 * @param cwd The working directory.
 * @param file An absolute path.
 * @returns The relative path, or `.` for `cwd` itself.
 *
 * @example
 * ```ts ignore
 * console.log(relativeTo("/repo", "/repo/src/a.ts")); // "src/a.ts"
 * ```
 */
export function relativeTo(cwd: string, file: string): string {
  const rel = relative(cwd, file).split("\\").join("/");
  return rel.length === 0 ? "." : rel;
}

// `include` entries: paths, and globs (as `exclude` takes them) expanded to
// the files they match.
function expandInclude(include: readonly string[], directory: string, source: string): string[] {
  const paths: string[] = [];
  for (const entry of include) {
    if (!isGlob(entry)) {
      paths.push(resolve(directory, entry));
      continue;
    }
    const base = resolve(directory, globBase(entry));
    const matched = existsSync(base)
      ? sourceFilesUnder(base).filter((file) => includes([entry], relative(directory, file).split("\\").join("/")))
      : [];
    paths.push(...matched);
  }
  if (include.length > 0 && paths.length === 0) {
    throw new GuardUsageError(
      `Cannot scan as the include of ${source} matches no file: current value is ${JSON.stringify(include)}`,
    );
  }
  return paths;
}
