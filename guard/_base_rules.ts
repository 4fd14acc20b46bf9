/**
 * The guard's findings about what changed since a base revision (`--base`):
 * rules with no node handlers, listed in SARIF like the others.
 *
 * @module
 */

import { createRule, type RuleModule } from "./create_rule.ts";

/** A suppression comment that the base revision does not have. */
export const newSuppression: RuleModule = createRule({
  name: "new-suppression",
  meta: {
    docs: {
      securitySeverity: 7.0,
      description: "A drop-guard-ignore-next-line comment that the base revision does not have",
      details: "A suppression silences the guard for one line, so a new one is a new drop path that the guard lets " +
        "through: a reviewer must see it. A suppression is matched with the base's by its rule ids, its reason and " +
        "the code it covers (whitespace ignored), not by line, so one that moved, was re-indented or whose file was " +
        'renamed is not new; a second copy of one is. Level error, or warning with "newSuppressions": "warning".',
    },
    messages: { new: "new suppression of `{{ruleIds}}`, not in {{base}}, with the reason: {{reason}}" },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** A config change that takes files out of the scan or turns a rule off. */
export const scopeNarrowed: RuleModule = createRule({
  name: "scope-narrowed",
  meta: {
    docs: {
      securitySeverity: 7.0,
      description: "A config change, since the base revision, that takes files out of the scan or turns a rule off",
      details: "A new exclude pattern, a narrowed include (or project), a rule turned off or given narrower options, " +
        "or newSuppressions lowered to warning, all hide drops the base revision's config would find. The files are " +
        "compared over the working tree: those the base's config scans and the head's does not are named.",
    },
    messages: {
      exclude:
        "the exclude pattern '{{pattern}}', new since {{base}}, takes {{count}} file(s) out of the scan: {{files}}",
      include: "the config's include no longer covers {{count}} file(s) that {{base}} scans: {{files}}",
      project: "the scan no longer covers {{count}} file(s) that {{base}} scans ({{how}}): {{files}}",
      ruleOff: "the config turns the rule '{{rule}}' off, which {{base}} runs",
      ruleOptions: "the config narrows the options of the rule '{{rule}}' from {{from}} to {{to}}, since {{base}}",
      level: 'the config lowers newSuppressions from "{{from}}" to "{{to}}", since {{base}}',
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** A function sanctioned since the base revision. */
export const newSanction: RuleModule = createRule({
  name: "new-sanction",
  meta: {
    docs: {
      securitySeverity: 1.0,
      description: "A function sanctioned (by @sanctionedDrop or by the config) since the base revision",
      details:
        "A sanctioned function may hold destructive statements, and is still reached only inside a guardedDrop " +
        "drop callback, so it stays audited. A reviewer should still see each new one: it is listed at level note, " +
        "and never changes the exit code.",
    },
    messages: {
      new: "'{{name}}' is newly sanctioned ({{how}}) since {{base}}: it may hold destructive statements; review it",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** The rules of a comparison with a base revision, after the guard's own in SARIF. */
export const BASE_RULES: readonly RuleModule[] = Object.freeze([newSuppression, scopeNarrowed, newSanction]);

/**
 * A rule's message with its `{{placeholders}}` filled.
 *
 * @param rule The rule.
 * @param messageId One of its message ids.
 * @param data The placeholders' values; a missing one is left as written.
 * @returns The message.
 */
export function messageOf(rule: RuleModule, messageId: string, data: Readonly<Record<string, string>>): string {
  const template = (rule.meta.messages as Record<string, string>)[messageId]!;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => data[key] ?? whole);
}
