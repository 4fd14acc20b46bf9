/**
 * {@linkcode formatText}: `file:line:col rule-id message` lines.
 *
 * @module
 */

import type { ScanResult } from "./scan.ts";

/**
 * Formats the unsuppressed findings, one per line:
 * `file:line:col rule-id message`. A finding of level warning or note (a
 * comparison with a base revision makes them) says so:
 * `file:line:col rule-id warning: message`.
 *
 * @param result A scan result.
 * @returns The lines, each ending in a newline; empty when clean.
 *
 * @example
 * ```ts
 * import { formatText, scan } from "guarded-drop/guard";
 *
 * process.stdout.write(formatText(await scan({ paths: ["src"] })));
 * ```
 */
export function formatText(result: Pick<ScanResult, "findings">): string {
  let out = "";
  for (const f of result.findings) {
    if (f.suppression !== undefined) continue;
    const level = f.level === undefined || f.level === "error" ? "" : `${f.level}: `;
    out += `${f.file}:${f.line}:${f.column} ${f.ruleId} ${level}${f.message}\n`;
  }
  return out;
}
