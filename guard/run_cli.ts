/**
 * {@linkcode runCli}: the `drop-guard` command, callable in-process.
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { applyBaseline, parseBaseline, pruneBaseline, recordBaseline, serializeBaseline } from "./baseline.ts";
import { packageVersion } from "./_version.ts";
import { formatGithub } from "./format_github.ts";
import { formatJson } from "./format_json.ts";
import { formatSarif } from "./format_sarif.ts";
import { formatText } from "./format_text.ts";
import { exitCodeOf, scan, type ScanResult } from "./scan.ts";
import { isGuardUsageError } from "./usage_error.ts";

/**
 * The output formats.
 *
 * @example
 * ```ts
 * import { FORMATS } from "guarded-drop/guard";
 *
 * console.log(FORMATS.join("|")); // "text|json|sarif|github"
 * ```
 */
export const FORMATS = ["text", "json", "sarif", "github"] as const;

/**
 * Where the CLI reads and writes.
 *
 * @example
 * ```ts
 * import type { CliIo } from "guarded-drop/guard";
 *
 * const io: CliIo = { cwd: "/repo", stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
 * ```
 */
export interface CliIo {
  /**
   * The directory the CLI runs in: paths are relative to it.
   *
   * @default {process.cwd()}
   */
  readonly cwd: string;
  /** Receives what the CLI prints on standard output. */
  readonly stdout: (text: string) => void;
  /** Receives what the CLI prints on standard error. */
  readonly stderr: (text: string) => void;
}

const USAGE =
  `Usage: drop-guard [paths…] [--project tsconfig.json] [--config dropguard.json] [--format text|json|sarif|github] [--base <git-ref>]

Finds destructive operations (SQL DROP DATABASE/ROLE/USER/SCHEMA/OWNED, Redis ACL DELUSER/FLUSHALL/FLUSHDB,
MongoDB dropDatabase/dropUser, RabbitMQ vhost/user deletion) outside sanctioned functions, and adapter
deprovision calls and sanctioned functions reached outside a guardedDrop drop callback.

Options:
  -p, --project <file>  tsconfig.json to build the program from (default: ./tsconfig.json if present)
  -c, --config <file>   config file (default: ./dropguard.json if present)
  -f, --format <name>   text (default), json, sarif or github
  -b, --base <git-ref>  compare with a base revision, read through git (e.g. origin/main): a suppression it
                        lacks is new-suppression, a config change that hides files or turns a rule off is
                        scope-narrowed (both errors), a newly sanctioned function is a new-sanction note
      --baseline <file> adopt on an existing codebase: when the file is missing, record today's findings in it
                        (exit 0); when it exists, only findings it does not record fail the run. Findings are
                        matched by rule, file and fingerprint (the source line's text), so moved lines still match
      --prune-baseline  with --baseline: remove the recorded findings that are fixed from the file
  -h, --help            show this help
  -v, --version         show the version

Exit codes: 0 clean, 1 findings, 2 usage or config error.
Suppress one line: // drop-guard-ignore-next-line <rule-id> [until=YYYY-MM-DD] -- <reason>
`;

/**
 * Runs `drop-guard` with the given arguments.
 *
 * @param args The arguments, without `node` and the script.
 * @param io Where to read and write.
 * @returns The exit code: 0 clean, 1 findings, 2 usage or config error.
 *
 * @example Running the guard in a test
 * ```ts
 * import { runCli } from "guarded-drop/guard";
 *
 * let out = "";
 * const code = await runCli(["src", "--format", "json"], { stdout: (t) => (out += t) });
 * console.log(code, JSON.parse(out).filesScanned);
 * ```
 */
export async function runCli(args: readonly string[], io: Partial<CliIo> = {}): Promise<0 | 1 | 2> {
  const cwd = io.cwd ?? process.cwd();
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        project: { type: "string", short: "p" },
        config: { type: "string", short: "c" },
        format: { type: "string", short: "f", default: "text" },
        base: { type: "string", short: "b" },
        baseline: { type: "string" },
        "prune-baseline": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (err) {
    stderr(`drop-guard: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    stdout(USAGE);
    return 0;
  }
  if (values.version === true) {
    stdout(`${packageVersion()}\n`);
    return 0;
  }
  const format = values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    stderr(`drop-guard: Cannot run as '--format' must be one of ${FORMATS.join(", ")}: current value is '${format}'\n`);
    return 2;
  }
  if (values["prune-baseline"] === true && values.baseline === undefined) {
    stderr(
      `drop-guard: Cannot prune a baseline as '--prune-baseline' needs '--baseline <file>': current value is none\n`,
    );
    return 2;
  }
  let result: ScanResult;
  try {
    result = await scan({
      cwd,
      paths: positionals,
      ...(values.project === undefined ? {} : { project: values.project }),
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.base === undefined ? {} : { base: values.base }),
    });
  } catch (err) {
    if (isGuardUsageError(err)) {
      stderr(`drop-guard: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (values.baseline !== undefined) {
    try {
      result = withBaseline(
        result,
        resolve(cwd, values.baseline),
        values.baseline,
        values["prune-baseline"] === true,
        stderr,
      );
    } catch (err) {
      if (isGuardUsageError(err)) {
        stderr(`drop-guard: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  }
  switch (format as (typeof FORMATS)[number]) {
    case "text":
      stdout(formatText(result));
      break;
    case "json":
      stdout(formatJson(result));
      break;
    case "sarif":
      stdout(formatSarif(result));
      break;
    case "github":
      stdout(formatGithub(result));
      break;
  }
  stderr(summary(result));
  return exitCodeOf(result);
}

// `--baseline`: a missing file records today's findings (which then do not
// fail this run); an existing one marks the findings it records; with
// `--prune-baseline`, the recorded findings that are fixed leave the file.
function withBaseline(
  result: ScanResult,
  path: string,
  shown: string,
  prune: boolean,
  stderr: (text: string) => void,
): ScanResult {
  if (!existsSync(path)) {
    const recorded = recordBaseline(result.findings);
    writeFileSync(path, serializeBaseline(recorded));
    stderr(
      `drop-guard: recorded ${recorded.findings.length} finding(s) in the baseline '${shown}': later runs fail only on new ones\n`,
    );
    return { ...result, findings: applyBaseline(result.findings, recorded).findings };
  }
  const baseline = parseBaseline(readFileSync(path, "utf8"), shown);
  const { findings, fixed } = applyBaseline(result.findings, baseline);
  if (prune && fixed.length > 0) {
    writeFileSync(path, serializeBaseline(pruneBaseline(baseline, fixed)));
    stderr(`drop-guard: pruned ${fixed.length} fixed finding(s) from the baseline '${shown}'\n`);
  } else if (fixed.length > 0) {
    stderr(
      `drop-guard: ${fixed.length} finding(s) in the baseline '${shown}' are fixed: run with --prune-baseline to remove them\n`,
    );
  }
  return { ...result, findings };
}

// Files left out of the scan named in the warning before the rest are counted.
const MAX_LEFT_OUT_NAMED = 10;

// One line, then (after a comparison with a base) one per new sanctioned
// function: a reviewer reads the summary, and a note never fails the run.
function summary(result: ScanResult): string {
  const open = result.findings.filter((f) => f.suppression === undefined && f.baselined !== true);
  const count = (level: string) => open.filter((f) => (f.level ?? "error") === level).length;
  const baselined = result.findings.filter((f) => f.baselined === true).length;
  const suppressed = result.findings.length - open.length - baselined;
  const [warnings, notes] = [count("warning"), count("note")];
  let text = "";
  // Files the project leaves out are named: a drop there would go unseen.
  const shown = result.leftOut.slice(0, MAX_LEFT_OUT_NAMED);
  if (result.leftOut.length > 0) {
    text +=
      `drop-guard: warning: ${result.leftOut.length} source file(s) under the scanned directories are not in the project ` +
      `and were not scanned (add them to tsconfig.json, set allowJs for JavaScript, or exclude them in the config): ` +
      `${shown.join(", ")}${
        result.leftOut.length > shown.length ? ` and ${result.leftOut.length - shown.length} more` : ""
      }\n`;
  }
  const quiet = [suppressed > 0 ? `${suppressed} suppressed` : "", baselined > 0 ? `${baselined} in the baseline` : ""]
    .filter(Boolean);
  text +=
    `drop-guard: ${count("error")} ${baselined > 0 ? "new " : ""}finding(s)${
      quiet.length > 0 ? ` (${quiet.join(", ")})` : ""
    }` +
    `${warnings > 0 ? `, ${warnings} warning(s)` : ""}${
      notes > 0 ? `, ${notes} note(s)` : ""
    } in ${result.filesWithFindings} file(s) ` +
    `of ${result.filesScanned} scanned${result.leftOut.length > 0 ? `, ${result.leftOut.length} left out` : ""}; ` +
    `${result.sanctionedFound} sanctioned function(s) found\n`;
  if (result.base !== undefined) {
    const of = (rule: string) => open.filter((f) => f.ruleId === rule);
    const sanctions = of("new-sanction");
    text += `drop-guard: compared with '${result.base.ref}' (${result.base.commit.slice(0, 7)}): ` +
      `${of("new-suppression").length} new suppression(s), ${of("scope-narrowed").length} scope change(s), ` +
      `${sanctions.length} new sanctioned function(s)\n`;
    for (const f of sanctions) text += `drop-guard:   new sanctioned function ${f.file}:${f.line}: ${f.message}\n`;
  }
  return text;
}
