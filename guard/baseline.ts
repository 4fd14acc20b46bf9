/**
 * {@linkcode applyBaseline}, {@linkcode recordBaseline} and
 * {@linkcode pruneBaseline}: adopting the guard on an existing codebase.
 * A baseline records today's findings, so that later runs fail only on new
 * ones (DESIGN §16).
 *
 * @module
 */

import type { Finding } from "./finding.ts";
import { GuardUsageError } from "./usage_error.ts";

/** The format version a baseline file carries. */
export const BASELINE_VERSION = 1;

/**
 * One finding a baseline records. It is matched by rule, file and
 * fingerprint (the SARIF `partialFingerprints` value, which hashes the
 * trimmed source line, not its number), so a finding that only moved is
 * still the recorded one.
 *
 * @example
 * ```ts
 * import type { BaselineEntry } from "guarded-drop/guard";
 *
 * const entry: BaselineEntry = { ruleId: "sql-drop", file: "src/db.ts", fingerprint: "3f0c…", message: "SQL `DROP DATABASE` …" };
 * ```
 */
export interface BaselineEntry {
  /** The rule that found it. */
  readonly ruleId: string;
  /** The file, relative to the working directory, with `/` separators. */
  readonly file: string;
  /** The finding's fingerprint: stable across edits elsewhere in the file. */
  readonly fingerprint: string;
  /** For a reader of the file only; not matched. */
  readonly message: string;
}

/**
 * The contents of a baseline file.
 *
 * @example
 * ```ts
 * import type { Baseline } from "guarded-drop/guard";
 *
 * const empty: Baseline = { version: 1, findings: [] };
 * ```
 */
export interface Baseline {
  /** The baseline file's format version. */
  readonly version: typeof BASELINE_VERSION;
  /** The accepted findings. */
  readonly findings: readonly BaselineEntry[];
}

/**
 * Records the findings that would fail a run today (not suppressed, not
 * baselined already; errors and warnings), for a baseline file.
 *
 * @param findings A scan's findings.
 * @returns The baseline.
 * @example Record and write
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { recordBaseline, scan, serializeBaseline } from "guarded-drop/guard";
 *
 * const result = await scan({ paths: ["src"] });
 * writeFileSync("drop-guard-baseline.json", serializeBaseline(recordBaseline(result.findings)));
 * ```
 */
export function recordBaseline(findings: readonly Finding[]): Baseline {
  const recorded = findings
    .filter((f) => f.suppression === undefined && (f.level ?? "error") !== "note")
    .map((f) => ({ ruleId: f.ruleId, file: f.file, fingerprint: f.fingerprint, message: f.message }))
    .sort((a, b) =>
      a.file.localeCompare(b.file) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint)
    );
  return { version: BASELINE_VERSION, findings: recorded };
}

/**
 * Marks each finding the baseline records as `baselined: true` (it does not
 * fail the run) and each other one as `baselined: false` (new). Entries are
 * counted: a baseline with one entry covers one of two identical findings.
 *
 * @param findings A scan's findings.
 * @param baseline The baseline.
 * @returns The findings, marked, and the baseline's entries that matched nothing (fixed since).
 * @example
 * ```ts
 * import { applyBaseline, exitCodeOf, parseBaseline, scan } from "guarded-drop/guard";
 * import { readFileSync } from "node:fs";
 *
 * const result = await scan({ paths: ["src"] });
 * const { findings } = applyBaseline(result.findings, parseBaseline(readFileSync("drop-guard-baseline.json", "utf8"), "drop-guard-baseline.json"));
 * process.exitCode = exitCodeOf({ findings });
 * ```
 */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: Baseline,
): { findings: Finding[]; fixed: BaselineEntry[] } {
  const remaining = new Map<string, BaselineEntry[]>();
  for (const entry of baseline.findings) {
    const key = keyOf(entry);
    remaining.set(key, [...(remaining.get(key) ?? []), entry]);
  }
  const marked = findings.map((finding) => {
    if (finding.suppression !== undefined || (finding.level ?? "error") === "note") return finding;
    const entries = remaining.get(keyOf(finding));
    const baselined = entries !== undefined && entries.length > 0;
    if (baselined) entries.pop();
    return { ...finding, baselined };
  });
  return { findings: marked, fixed: [...remaining.values()].flat() };
}

/**
 * The baseline without the entries that were fixed: `--prune-baseline`.
 *
 * @param baseline The baseline.
 * @param fixed The entries {@linkcode applyBaseline} found matching nothing.
 * @returns The pruned baseline.
 * @example
 * ```ts ignore
 * const pruned = pruneBaseline(baseline, applyBaseline(result.findings, baseline).fixed);
 * ```
 */
export function pruneBaseline(baseline: Baseline, fixed: readonly BaselineEntry[]): Baseline {
  const gone = new Set(fixed);
  return { version: BASELINE_VERSION, findings: baseline.findings.filter((entry) => !gone.has(entry)) };
}

/**
 * Reads a baseline file's text.
 *
 * @param text The file's text.
 * @param path The file's path, for messages.
 * @returns The baseline.
 * @throws {GuardUsageError} If the text is not a baseline of this version.
 * @example
 * ```ts
 * import { parseBaseline } from "guarded-drop/guard";
 *
 * parseBaseline('{ "version": 1, "findings": [] }', "drop-guard-baseline.json");
 * ```
 */
export function parseBaseline(text: string, path: string): Baseline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GuardUsageError(`Cannot read the baseline '${path}' as it is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const value = parsed as { version?: unknown; findings?: unknown };
  if (
    typeof parsed !== "object" || parsed === null || value.version !== BASELINE_VERSION ||
    !Array.isArray(value.findings)
  ) {
    throw new GuardUsageError(
      `Cannot read the baseline '${path}' as it must be { "version": ${BASELINE_VERSION}, "findings": [...] }: ` +
        `current version is ${JSON.stringify(value?.version)}`,
    );
  }
  for (const [index, entry] of (value.findings as unknown[]).entries()) {
    const e = entry as Partial<BaselineEntry> | null;
    if (
      typeof e !== "object" || e === null || typeof e.ruleId !== "string" || typeof e.file !== "string" ||
      typeof e.fingerprint !== "string"
    ) {
      throw new GuardUsageError(
        `Cannot read the baseline '${path}' as finding ${index} must have string 'ruleId', 'file' and 'fingerprint': ` +
          `current value is ${JSON.stringify(entry)}`,
      );
    }
  }
  return parsed as Baseline;
}

/**
 * A baseline as the text of its file: stable order, one entry per line
 * group, so that a pruned baseline reviews as a small diff.
 *
 * @param baseline The baseline.
 * @returns JSON and a newline.
 * @example
 * ```ts
 * import { serializeBaseline } from "guarded-drop/guard";
 *
 * console.log(serializeBaseline({ version: 1, findings: [] }));
 * ```
 */
export function serializeBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

function keyOf(entry: Pick<BaselineEntry, "ruleId" | "file" | "fingerprint">): string {
  return `${entry.ruleId}\u0000${entry.file}\u0000${entry.fingerprint}`;
}
