/**
 * The guard's own findings about suppressions and the config: rules with no
 * node handlers, listed in SARIF like the others.
 *
 * @module
 */

import { createRule, type RuleModule } from "./create_rule.ts";

/** A suppression comment without a reason, without a rule id, or with an unknown one. */
export const invalidSuppression: RuleModule = createRule({
  name: "invalid-suppression",
  meta: {
    docs: {
      securitySeverity: 6.0,
      description: "A drop-guard-ignore-next-line comment without a rule id, with an unknown one, or without a reason",
      details: "A suppression must name the rule it silences and say why: " +
        "`// drop-guard-ignore-next-line <rule-id> -- <reason>`, optionally with the last day it holds " +
        "(`until=2027-03-31`). One that does not, or whose expiry is past or unreadable, suppresses nothing.",
    },
    messages: { invalid: "invalid suppression: the comment {{problems}}" },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** A suppression comment that suppresses nothing. */
export const unusedSuppression: RuleModule = createRule({
  name: "unused-suppression",
  meta: {
    docs: {
      securitySeverity: 2.0,
      description: "A drop-guard-ignore-next-line comment that suppresses nothing",
      details:
        "A suppression whose next line has no finding of the named rule is stale: remove it, so that it cannot " +
        "silently cover a drop added there later.",
    },
    messages: { unused: "unused suppression: no `{{ruleIds}}` finding on the next line; remove the comment" },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** A config entry that sanctions a function that does not exist. */
export const sanctionedNotFound: RuleModule = createRule({
  name: "sanctioned-not-found",
  meta: {
    docs: {
      securitySeverity: 5.0,
      description: "The config sanctions a function that is not found",
      details:
        "Every entry of 'sanctioned' in the config must name a function, method or const of the program. A stale " +
        "entry would sanction whatever is later declared under that name; a config of which no entry is found leaves " +
        "the guard checking nothing it was told to.",
    },
    messages: {
      missing: "the config sanctions '{{entry}}', but {{reason}}",
      noneFound:
        "the config sanctions '{{entry}}', but {{reason}}; none of the {{count}} configured sanctioned functions was found",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create: () => ({}),
});

/** The guard's own rules, after the scanning rules in SARIF. */
export const META_RULES: readonly RuleModule[] = Object.freeze([
  invalidSuppression,
  unusedSuppression,
  sanctionedNotFound,
]);
