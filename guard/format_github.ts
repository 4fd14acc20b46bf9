/**
 * {@linkcode formatGithub}: GitHub Actions workflow commands.
 *
 * @module
 */

import type { FindingLevel } from "./finding.ts";
import type { ScanResult } from "./scan.ts";

const COMMANDS: Readonly<Record<FindingLevel, string>> = { error: "error", warning: "warning", note: "notice" };

/**
 * Formats the unsuppressed findings as GitHub Actions `::error` workflow
 * commands, which GitHub shows as annotations on the pull request's diff:
 * `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=drop-guard <rule-id>::<message>`.
 * A warning is a `::warning` command and a note a `::notice`.
 *
 * @param result A scan result.
 * @returns One command per line; empty when clean.
 *
 * @example
 * ```ts
 * import { formatGithub, scan } from "guarded-drop/guard";
 *
 * process.stdout.write(formatGithub(await scan({ paths: ["src"] })));
 * ```
 */
export function formatGithub(result: Pick<ScanResult, "findings">): string {
  let out = "";
  for (const f of result.findings) {
    if (f.suppression !== undefined || f.baselined === true) continue;
    const properties = [
      `file=${property(f.file)}`,
      `line=${f.line}`,
      `col=${f.column}`,
      `endLine=${f.endLine}`,
      `endColumn=${f.endColumn}`,
      `title=${property(`drop-guard ${f.ruleId}`)}`,
    ];
    out += `::${COMMANDS[f.level ?? "error"]} ${properties.join(",")}::${data(f.message)}\n`;
  }
  return out;
}

// The escaping of @actions/core's command.ts.
function data(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function property(text: string): string {
  return data(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
