/**
 * The `mongodb-drop` rule: MongoDB `dropDatabase`, `dropUser` and
 * `dropAllUsersFromDatabase`.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { unwrap } from "../_fold.ts";
import { wordsOf } from "../_sql.ts";
import { createRule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const { isArrowFunction, isFunctionExpression, isIdentifier, isStringLiteral } = typescript;

/**
 * The options of {@linkcode mongodbDrop}.
 *
 * @example In dropguard.json
 * ```jsonc
 * { "rules": { "mongodb-drop": ["error", { "commands": ["dropDatabase"] }] } }
 * ```
 */
export interface MongodbDropOptions {
  /**
   * The commands reported, matched ignoring case.
   *
   * @default {["dropDatabase", "dropUser", "dropAllUsersFromDatabase"]}
   */
  readonly commands?: readonly string[];
}

const DEFAULT_COMMANDS: readonly string[] = Object.freeze(["dropDatabase", "dropUser", "dropAllUsersFromDatabase"]);

/**
 * Reports a MongoDB database or user drop outside a sanctioned function: a
 * method call or reference (`db.dropDatabase()`, `admin["dropUser"](u)`), a
 * command document (`db.command({ dropUser: "usr_x" })`, also with a
 * computed key), and the command name in a string (a `mongosh --eval`
 * line). Collection and index drops (`collection.drop()`, `dropIndex()`)
 * and declarations of such a method in an interface, type or class stay
 * quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await client.db(name).dropDatabase();              // flagged
 * await admin.command({ dropUser: user });           // flagged
 * await db.collection("jobs").drop();                // quiet
 * interface Db { dropDatabase(): Promise<void> }     // quiet
 * ```
 */
export const mongodbDrop = createRule({
  name: "mongodb-drop",
  meta: {
    docs: {
      description: "MongoDB dropDatabase, dropUser or dropAllUsersFromDatabase outside a sanctioned function",
      details: "Dropping a MongoDB database or its users destroys a tenant. Such a call or command document may appear only " +
        "inside a function tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. Method calls " +
        "and references (db.dropDatabase(), db[\"dropUser\"]), command documents ({ dropUser: name }, computed keys too) and " +
        "the command name in strings are reported. Collection drops, index drops, and method declarations in interfaces, " +
        "types and classes are not.",
    },
    messages: {
      method: "MongoDB `{{command}}()` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ " +
        "and call that function only inside a guardedDrop(request, () => …) drop callback",
      command: "MongoDB command document `{ {{command}}: … }` outside a sanctioned function: move it into a function tagged " +
        "/** @sanctionedDrop */ and call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [
      {
        type: "object",
        properties: { commands: { type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true } },
        additionalProperties: false,
      },
    ],
    allowedIn: "sanctioned",
  },
  defaultOptions: [{ commands: DEFAULT_COMMANDS } as MongodbDropOptions],
  create(context) {
    const commands = new Map((context.options[0].commands ?? DEFAULT_COMMANDS).map((c) => [c.toUpperCase(), c]));
    const alternatives = [...commands.values()].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    const anywhere = new RegExp(alternatives, "i");
    const whole = new RegExp(`^(?:${alternatives})$`, "i");
    const lengths = new Set([...commands.keys()].map((c) => c.length));
    const reportKey = (name: ts.Node, messageId: "method" | "command") => {
      const text = isIdentifier(name) || isStringLiteral(name) ? name.text : undefined;
      // A length test first: this runs on every property access.
      if (text === undefined || !lengths.has(text.length) || !whole.test(text)) return;
      context.report({ node: name, messageId, data: { command: commands.get(text.toUpperCase())! } });
    };
    return {
      PropertyAccessExpression(node) {
        reportKey(node.name, "method");
      },
      PropertyAssignment(node) {
        // `{ dropDatabase: async () => {} }` defines a method (a test double),
        // it sends no command.
        const value = unwrap(node.initializer);
        if (isArrowFunction(value) || isFunctionExpression(value)) return;
        reportKey(node.name, "command");
      },
      ShorthandPropertyAssignment(node) {
        reportKey(node.name, "command");
      },
      StringExpression({ node, folded, text }) {
        if (!anywhere.test(text)) return;
        for (const alternative of folded) {
          const word = wordsOf(alternative).find((w) => w !== null && commands.has(w));
          if (word != null) {
            context.report({ node, messageId: "method", data: { command: commands.get(word)! } });
            return;
          }
        }
      },
    };
  },
});
