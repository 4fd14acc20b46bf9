/**
 * {@linkcode formatJson}: the scan result as JSON.
 *
 * @module
 */

import type { ScanResult } from "./scan.ts";

/**
 * Formats a scan result as JSON: the findings (suppressed ones with their
 * `suppression`; `level` and `base` on those of a comparison with a base
 * revision), the counts, the sanctioned functions, the rule ids and the
 * base revision (or `null`).
 *
 * @param result A scan result.
 * @returns One JSON document and a newline.
 *
 * @example
 * ```ts
 * import { formatJson, scan } from "guarded-drop/guard";
 *
 * const report = JSON.parse(formatJson(await scan({ paths: ["src"] })));
 * console.log(report.filesScanned, report.sanctionedFound);
 * ```
 */
export function formatJson(result: ScanResult): string {
  const document = {
    filesScanned: result.filesScanned,
    filesWithFindings: result.filesWithFindings,
    leftOut: result.leftOut,
    sanctionedFound: result.sanctionedFound,
    findings: result.findings,
    sanctioned: result.sanctioned,
    allowed: result.allowed,
    rules: result.rules.map((rule) => rule.name),
    project: result.project ?? null,
    config: result.config ?? null,
    base: result.base ?? null,
    files: result.files,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
