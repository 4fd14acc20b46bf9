/**
 * {@linkcode formatJson}: the scan result as JSON.
 *
 * @module
 */

import type { ScanResult } from "./scan.ts";

/**
 * Formats a scan result as JSON: the findings (suppressed ones with their
 * `suppression`), the counts, the sanctioned functions and the rule ids.
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
    sanctionedFound: result.sanctionedFound,
    findings: result.findings,
    sanctioned: result.sanctioned,
    allowed: result.allowed,
    rules: result.rules.map((rule) => rule.name),
    project: result.project ?? null,
    config: result.config ?? null,
    files: result.files,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
