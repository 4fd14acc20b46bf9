/**
 * {@linkcode loadConfig}: the `dropguard.json` config file.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type { ActiveRule } from "./_engine.ts";
import type { SanctionedEntry } from "./_sanctioned.ts";

// Named by activeRules and sanctionedEntries: public through them.
export type { ActiveRule, SanctionedEntry };
import { validate } from "./_schema.ts";
import type { RuleModule } from "./create_rule.ts";
import { GuardUsageError } from "./usage_error.ts";

/**
 * A rule's setting: `"error"` (on, the default for every rule), `"off"`, or
 * `["error", options]`.
 *
 * @example
 * ```ts
 * import type { RuleSetting } from "guarded-drop/guard";
 *
 * const setting: RuleSetting = ["error", { objects: ["DATABASE"] }];
 * ```
 */
export type RuleSetting = "error" | "off" | readonly ["error" | "off", ...unknown[]];

/**
 * The config file, `dropguard.json` (comments and trailing commas allowed).
 * Every key is optional; an unknown key is an error.
 *
 * @example A config file
 * ```ts
 * import type { DropGuardConfig } from "guarded-drop/guard";
 *
 * const config: DropGuardConfig = {
 *   include: ["src"],
 *   exclude: ["src/**\/*.test.ts"],
 *   sanctioned: ["src/legacy/cleanup.ts#dropTenantDatabase", "src/legacy/admin.ts#Admin.dropUser"],
 *   rules: { "redis-flush": "off", "sql-drop": ["error", { objects: ["DATABASE", "ROLE"] }] },
 * };
 * ```
 */
export interface DropGuardConfig {
  /** A JSON schema reference for editors; ignored. */
  readonly $schema?: string;
  /** Files or directories to scan when none are given on the command line, relative to the config file. */
  readonly include?: readonly string[];
  /** Glob patterns (`*`, `**`, `?`) of files not to scan, relative to the config file. */
  readonly exclude?: readonly string[];
  /**
   * Functions sanctioned without a JSDoc tag, as `file#name`: `name` is a
   * top-level function or const, `Class.method`, `object.method`, or
   * `default`. The file is relative to the config file.
   */
  readonly sanctioned?: readonly string[];
  /** Rule settings by rule id. */
  readonly rules?: Readonly<Record<string, RuleSetting>>;
  /**
   * The level of a `new-suppression` finding when comparing with a base
   * revision (`--base`): `"error"` fails the run, `"warning"` is reported
   * (annotated in GitHub, listed in SARIF) without failing it. A change that
   * lowers it from the base's is itself a `scope-narrowed` finding.
   *
   * @default {"error"}
   */
  readonly newSuppressions?: NewSuppressionsLevel;
}

/**
 * The levels a `new-suppression` finding can have.
 *
 * @example
 * ```ts
 * import type { NewSuppressionsLevel } from "guarded-drop/guard";
 *
 * const level: NewSuppressionsLevel = "warning";
 * ```
 */
export type NewSuppressionsLevel = "error" | "warning";

/**
 * A config file as loaded.
 *
 * @example
 * ```ts ignore
 * const loaded: LoadedConfig = loadConfig("dropguard.json", process.cwd());
 * ```
 */
export interface LoadedConfig {
  /** The configuration read, with its defaults filled in. */
  readonly config: DropGuardConfig;
  /** The absolute path of the file, when there is one. */
  readonly path: string | undefined;
  /** The directory relative paths in the config are resolved from. */
  readonly directory: string;
  /** The file's text, to locate entries in it. */
  readonly text: string | undefined;
}

const CONFIG_KEYS: readonly string[] = ["$schema", "include", "exclude", "sanctioned", "rules", "newSuppressions"];
const NEW_SUPPRESSIONS_LEVELS: readonly string[] = ["error", "warning"];
const ENTRY_PATTERN = /^(.+)#((?:default|[A-Za-z_$][\w$]*)(?:\.#?[A-Za-z_$][\w$]*)?)$/;

/**
 * The name of the config file looked for in the working directory.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG_FILE } from "guarded-drop/guard";
 *
 * console.log(DEFAULT_CONFIG_FILE); // "dropguard.json"
 * ```
 */
export const DEFAULT_CONFIG_FILE = "dropguard.json";

/**
 * Loads and validates a config file. With no path, `dropguard.json` in `cwd`
 * is used when it exists, and an empty config otherwise.
 *
 * @param path The config file, or `undefined` for the default.
 * @param cwd The working directory.
 * @returns The config.
 * @throws {GuardUsageError} If the file is missing (when named), unreadable, not JSON, or invalid.
 *
 * @example Loading the default config
 * ```ts
 * import { loadConfig } from "guarded-drop/guard";
 *
 * const loaded = loadConfig(undefined, process.cwd());
 * console.log(loaded.config.sanctioned ?? []);
 * ```
 */
export function loadConfig(path: string | undefined, cwd: string): LoadedConfig {
  const file = resolve(cwd, path ?? DEFAULT_CONFIG_FILE);
  if (path === undefined && !existsSync(file)) return { config: {}, path: undefined, directory: cwd, text: undefined };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new GuardUsageError(`Cannot load config as '${file}' cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { config: parseConfig(text, file, `'${file}'`), path: file, directory: dirname(file), text };
}

/**
 * Parses and validates the text of a config file (comments and trailing
 * commas allowed).
 *
 * @param text The file's text.
 * @param file The file's name, for the parser.
 * @param source How to name the file in messages (a path, or a path at a git revision).
 * @returns The config.
 * @throws {GuardUsageError} If the text is not JSON, or the config is invalid.
 *
 * @example
 * ```ts
 * import { parseConfig } from "guarded-drop/guard";
 *
 * const config = parseConfig(`{ "include": ["src"], // the sources\n }`, "dropguard.json", "'dropguard.json'");
 * console.log(config.include); // ["src"]
 * ```
 */
export function parseConfig(text: string, file: string, source: string): DropGuardConfig {
  const parsed = typescript.parseConfigFileTextToJson(file, text);
  if (parsed.error !== undefined) {
    throw new GuardUsageError(
      `Cannot load config as ${source} is not valid JSON: ${
        typescript.flattenDiagnosticMessageText(parsed.error.messageText, " ")
      }`,
    );
  }
  return checkConfig(parsed.config, source);
}

/**
 * Validates a config object (from a file or given inline).
 *
 * @param value The parsed JSON.
 * @param source How to name it in messages.
 * @returns The config.
 * @throws {GuardUsageError} If a key is unknown or a value has the wrong type; the message names the key.
 *
 * @example An unknown key
 * ```ts
 * import { checkConfig } from "guarded-drop/guard";
 *
 * try {
 *   checkConfig({ sanctionned: [] }, "dropguard.json");
 * } catch (err) {
 *   console.log((err as Error).message); // names 'sanctionned'
 * }
 * ```
 */
export function checkConfig(value: unknown, source: string): DropGuardConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GuardUsageError(`Cannot load config as ${source} must hold a JSON object`);
  }
  for (const key of Object.keys(value)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new GuardUsageError(
        `Cannot load config as ${source} has an unknown key '${key}': known keys are ${CONFIG_KEYS.join(", ")}`,
      );
    }
  }
  const config = value as Record<string, unknown>;
  for (const key of ["include", "exclude", "sanctioned"] as const) {
    const list = config[key];
    if (
      list !== undefined && (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item.length === 0))
    ) {
      throw new GuardUsageError(`Cannot load config as '${key}' in ${source} must be an array of non-empty strings`);
    }
  }
  if (config.$schema !== undefined && typeof config.$schema !== "string") {
    throw new GuardUsageError(`Cannot load config as '$schema' in ${source} must be a string`);
  }
  if (config.newSuppressions !== undefined && !NEW_SUPPRESSIONS_LEVELS.includes(config.newSuppressions as string)) {
    throw new GuardUsageError(
      `Cannot load config as 'newSuppressions' in ${source} must be "error" or "warning": current value is ${
        JSON.stringify(config.newSuppressions)
      }`,
    );
  }
  const rules = config.rules;
  if (rules !== undefined && (typeof rules !== "object" || rules === null || Array.isArray(rules))) {
    throw new GuardUsageError(`Cannot load config as 'rules' in ${source} must be an object of rule settings`);
  }
  for (const entry of (config.sanctioned ?? []) as string[]) {
    if (!ENTRY_PATTERN.test(entry)) {
      throw new GuardUsageError(
        `Cannot load config as the sanctioned entry '${entry}' in ${source} must be 'file#name', 'file#Class.method' or 'file#default'`,
      );
    }
  }
  return config as DropGuardConfig;
}

/**
 * The active rules: every rule, with its setting from the config applied.
 *
 * @param config The config.
 * @param available The rules that exist.
 * @param source How to name the config in messages.
 * @returns The rules that are on, with their options, in the order of `available`.
 * @throws {GuardUsageError} If the config names an unknown rule, or an option does not match the rule's schema.
 *
 * @example
 * ```ts
 * import { activeRules, rules as builtinRules } from "guarded-drop/guard";
 *
 * const rules = activeRules({ rules: { "redis-flush": "off" } }, builtinRules, "dropguard.json");
 * console.log(rules.some((r) => r.rule.name === "redis-flush")); // false
 * ```
 */
export function activeRules(config: DropGuardConfig, available: readonly RuleModule[], source: string): ActiveRule[] {
  const settings = config.rules ?? {};
  const byName = new Map(available.map((rule) => [rule.name, rule]));
  for (const id of Object.keys(settings)) {
    if (!byName.has(id)) {
      throw new GuardUsageError(
        `Cannot load config as 'rules' in ${source} names an unknown rule '${id}': known rules are ${
          [...byName.keys()].join(", ")
        }`,
      );
    }
  }
  const active: ActiveRule[] = [];
  for (const rule of available) {
    const setting = settings[rule.name] ?? "error";
    const [level, ...given] = typeof setting === "string" ? [setting] : Array.isArray(setting) ? setting : [setting];
    if (level !== "error" && level !== "off") {
      throw new GuardUsageError(
        `Cannot load config as rule '${rule.name}' in ${source} must be "error", "off" or ["error", options]: current value is ${
          JSON.stringify(setting)
        }`,
      );
    }
    if (given.length > rule.meta.schema.length) {
      throw new GuardUsageError(
        `Cannot load config as rule '${rule.name}' in ${source} takes ${rule.meta.schema.length} option(s)`,
      );
    }
    const problems = given.flatMap((option, i) =>
      validate(option, rule.meta.schema[i]!, `rules.${rule.name}[${i + 1}]`)
    );
    if (problems.length > 0) throw new GuardUsageError(`Cannot load config as ${problems.join("; ")} in ${source}`);
    if (level === "off") continue;
    const options = rule.defaultOptions.map((fallback, i) => {
      const option = given[i];
      if (option === undefined) return fallback;
      return isPlainObject(fallback) && isPlainObject(option) ? { ...fallback, ...option } : option;
    });
    active.push({ rule, options });
  }
  return active;
}

/**
 * The sanctioned entries of a config, resolved against its directory.
 *
 * @param loaded The config.
 * @returns The entries.
 *
 * @example
 * ```ts
 * import { loadConfig, sanctionedEntries } from "guarded-drop/guard";
 *
 * for (const entry of sanctionedEntries(loadConfig("dropguard.json", process.cwd()))) console.log(entry);
 * ```
 */
export function sanctionedEntries(
  loaded: LoadedConfig,
): (SanctionedEntry & { readonly line: number; readonly column: number })[] {
  return (loaded.config.sanctioned ?? []).map((entry) => {
    const [, file, name] = ENTRY_PATTERN.exec(entry)!;
    const at = loaded.text?.indexOf(JSON.stringify(entry)) ?? -1;
    const before = at < 0 ? "" : loaded.text!.slice(0, at);
    const line = at < 0 ? 1 : before.split("\n").length;
    const column = at < 0 ? 1 : at - before.lastIndexOf("\n");
    return {
      entry,
      file: resolve(loaded.directory, file!).split("\\").join("/"),
      path: name!.split("."),
      line,
      column,
    };
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
