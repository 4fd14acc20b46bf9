/**
 * {@linkcode formatSarif}: SARIF 2.1.0 for code scanning.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { newSanction } from "./_base_rules.ts";
import { packageVersion } from "./_version.ts";
import type { RelatedLocation } from "./finding.ts";
import type { ScanResult } from "./scan.ts";

/**
 * The key of the guard's fingerprint in `partialFingerprints`.
 *
 * @example
 * ```ts
 * import { FINGERPRINT_KEY } from "guarded-drop/guard";
 *
 * declare const result: { partialFingerprints: Record<string, string> };
 * console.log(result.partialFingerprints[FINGERPRINT_KEY]);
 * ```
 */
export const FINGERPRINT_KEY = "dropGuard/v1";

/**
 * Formats a scan result as a SARIF 2.1.0 log with one run: the tool and its
 * rules (id, short and full description), and one result per finding with
 * its location, `relatedLocations` (where its destructive text was written:
 * each literal it was built from, or the sanctioned function reached),
 * `codeFlows` when that text crossed a binding or a call on its way,
 * `partialFingerprints`, and `suppressions` when a comment suppresses it. Upload it with `github/codeql-action/upload-sarif`.
 *
 * After a comparison with a base revision, the `new-suppression`,
 * `scope-narrowed` and `new-sanction` results carry it in their
 * `properties` (`baseRef`, `baseCommit`), as does the run; `new-sanction`
 * is at level `note`.
 *
 * @param result A scan result.
 * @returns The SARIF document and a newline.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { formatSarif, scan } from "guarded-drop/guard";
 *
 * writeFileSync("drop-guard.sarif", formatSarif(await scan({ paths: ["src"] })));
 * ```
 */
export function formatSarif(result: ScanResult): string {
  const ruleIndex = new Map(result.rules.map((rule, i) => [rule.name, i]));
  const version = packageVersion();
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "drop-guard",
            fullName: "guarded-drop drop-guard",
            version,
            semanticVersion: version,
            informationUri: "https://www.npmjs.com/package/guarded-drop",
            rules: result.rules.map((rule) => ({
              id: rule.name,
              name: rule.name.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
              shortDescription: { text: rule.meta.docs.description },
              fullDescription: { text: rule.meta.docs.details },
              help: { text: rule.meta.docs.details },
              helpUri: ruleHelpUri(rule.name),
              defaultConfiguration: { level: rule.name === newSanction.name ? "note" : "error" },
              properties: {
                tags: ["security", "data-loss"],
                precision: "high",
                "problem.severity": rule.name === newSanction.name ? "recommendation" : "error",
                // GitHub code scanning ranks alerts by this number, a string with one decimal.
                "security-severity": (rule.meta.docs.securitySeverity ?? DEFAULT_SECURITY_SEVERITY).toFixed(1),
              },
            })),
          },
        },
        originalUriBaseIds: {
          "%SRCROOT%": { uri: pathToFileURL(result.cwd.endsWith("/") ? result.cwd : `${result.cwd}/`).href },
        },
        columnKind: "utf16CodeUnits",
        results: result.findings.map((finding) => ({
          ruleId: finding.ruleId,
          ...(ruleIndex.has(finding.ruleId) ? { ruleIndex: ruleIndex.get(finding.ruleId) } : {}),
          level: finding.level ?? "error",
          message: { text: finding.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(finding.file), uriBaseId: "%SRCROOT%" },
                region: {
                  startLine: finding.line,
                  startColumn: finding.column,
                  endLine: finding.endLine,
                  endColumn: finding.endColumn,
                },
              },
            },
          ],
          ...(finding.related === undefined || finding.related.length === 0 ? {} : {
            relatedLocations: finding.related.map((r, id) => ({
              id,
              ...sarifLocation(r),
              message: { text: r.message },
            })),
          }),
          ...(finding.flow === undefined || finding.flow.length === 0 ? {} : {
            codeFlows: [{
              threadFlows: [{
                locations: finding.flow.map((r) => ({
                  location: { ...sarifLocation(r), message: { text: r.message } },
                })),
              }],
            }],
          }),
          partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
          ...(finding.baselined === undefined ? {} : { baselineState: finding.baselined ? "unchanged" : "new" }),
          ...(finding.suppression === undefined
            ? {}
            : { suppressions: [{ kind: "inSource", status: "accepted", justification: finding.suppression.reason }] }),
          ...(finding.base === undefined
            ? {}
            : { properties: { baseRef: finding.base.ref, baseCommit: finding.base.commit } }),
        })),
        ...(result.base === undefined
          ? {}
          : { properties: { baseRef: result.base.ref, baseCommit: result.base.commit } }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

// An unaudited drop destroys customer data: critical, unless the rule says otherwise.
const DEFAULT_SECURITY_SEVERITY = 9.0;

/**
 * Where a rule is documented: its row in the README's rules table.
 *
 * @param id The rule id.
 * @returns The SARIF `helpUri`.
 * @example
 * ```ts
 * import { ruleHelpUri } from "guarded-drop/guard";
 *
 * console.log(ruleHelpUri("sql-drop"));
 * ```
 */
export function ruleHelpUri(id: string): string {
  return `https://github.com/guarded-drop/guarded-drop/blob/main/docs/guard.md#rule-${id}`;
}

function sarifLocation(at: RelatedLocation) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(at.file), uriBaseId: "%SRCROOT%" },
      region: { startLine: at.line, startColumn: at.column, endLine: at.endLine, endColumn: at.endColumn },
    },
  };
}
