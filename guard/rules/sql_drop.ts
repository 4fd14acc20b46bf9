/**
 * The `sql-drop` rule: `DROP DATABASE|ROLE|USER|SCHEMA|OWNED` in SQL text.
 *
 * @module
 */

import { findSqlDrops, SQL_DROP_OBJECTS, type SqlDropObject } from "../_sql.ts";

// Named by SqlDropOptions['objects']: public through it.
export { SQL_DROP_OBJECTS, type SqlDropObject };
import { createRule, type RuleModule } from "../create_rule.ts";

/**
 * The options of {@linkcode sqlDrop}.
 *
 * @example In dropguard.json
 * ```jsonc
 * { "rules": { "sql-drop": ["error", { "objects": ["DATABASE", "ROLE"] }] } }
 * ```
 */
export interface SqlDropOptions {
  /**
   * The objects whose DROP is reported.
   *
   * @default {["DATABASE", "ROLE", "USER", "SCHEMA", "OWNED"]}
   */
  readonly objects?: readonly SqlDropObject[];
}

/**
 * Reports SQL that drops a database, role, user or schema, or everything a
 * role owns, outside a sanctioned function.
 *
 * The SQL is the folded value of a string expression: concatenations,
 * template literals (tagged ones too, `String.raw` with its raw text),
 * `[...].join()`, and `const` bindings, also exported from another module.
 * Matching ignores case, whitespace and SQL comments, and reads the cooked
 * text, so `"DROP\u0020DATABASE"` is found. Keywords are whole words and DROP
 * must start a statement, so log messages such as "tenant database dropped"
 * stay quiet, and so do `DROP TABLE` and `DROP INDEX`.
 *
 * @example Configuring the objects
 * ```ts
 * import type { DropGuardConfig } from "guarded-drop/guard";
 *
 * const config: DropGuardConfig = { rules: { "sql-drop": ["error", { objects: ["DATABASE", "ROLE"] }] } };
 * ```
 */
export const sqlDrop: RuleModule<"sqlDrop", readonly [SqlDropOptions]> = createRule({
  name: "sql-drop",
  meta: {
    docs: {
      description: "SQL DROP DATABASE, ROLE, USER, SCHEMA or OWNED outside a sanctioned function",
      details:
        "Dropping a database, role, user or schema, or everything a role owns, destroys a tenant. Such SQL may appear " +
        "only inside a function tagged /** @sanctionedDrop */, which in turn may only be called inside a guardedDrop " +
        "drop callback, so that every drop is audited and counted. The SQL is folded first (concatenation, template " +
        "literals, String.raw, const bindings across modules) and matched ignoring case, whitespace and SQL comments. " +
        "DROP TABLE, DROP INDEX and English prose are not reported.",
    },
    messages: {
      sqlDrop:
        "SQL `DROP {{object}}` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ " +
        "and call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [
      {
        type: "object",
        properties: {
          objects: {
            type: "array",
            items: { type: "string", enum: SQL_DROP_OBJECTS },
            minItems: 1,
            uniqueItems: true,
          },
        },
        additionalProperties: false,
      },
    ],
    allowedIn: "sanctioned",
  },
  defaultOptions: [{ objects: SQL_DROP_OBJECTS } as SqlDropOptions],
  create(context) {
    const objects: ReadonlySet<string> = new Set(context.options[0].objects ?? SQL_DROP_OBJECTS);
    return {
      StringExpression({ node, folded, text }) {
        if (!/drop/i.test(text)) return;
        const found = findSqlDrops(folded, objects);
        // One finding per string, naming every object it drops.
        if (found.length > 0) context.report({ node, messageId: "sqlDrop", data: { object: found.join("`, `DROP ") } });
      },
    };
  },
});
