/**
 * {@linkcode formatText}: `file:line:col rule-id message` lines.
 *
 * @module
 */

import type { Finding } from "./finding.ts";
import type { ScanResult } from "./scan.ts";

/**
 * Formats the unsuppressed findings, one per line:
 * `file:line:col rule-id message`. A finding of level warning or note (a
 * comparison with a base revision makes them) says so:
 * `file:line:col rule-id warning: message`. A finding whose destructive
 * text was written elsewhere says where: `(built at src/sql.ts:3, src/sql.ts:4)`;
 * one that reaches a sanctioned function or a deprovision names it:
 * `(declared at …)`.
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
    if (f.suppression !== undefined || f.baselined === true) continue;
    const level = f.level === undefined || f.level === "error" ? "" : `${f.level}: `;
    out += `${f.file}:${f.line}:${f.column} ${f.ruleId} ${level}${f.message}${builtAt(f)}\n`;
  }
  return out;
}

function builtAt(finding: Finding): string {
  const related = finding.related ?? [];
  if (related.length === 0) return "";
  const at = [...new Set(related.map((r) => `${r.file}:${r.line}`))];
  const what = finding.ruleId === "sanctioned-reference" || finding.ruleId === "adapter-deprovision"
    ? "declared at"
    : "built at";
  return ` (${what} ${at.join(", ")})`;
}
