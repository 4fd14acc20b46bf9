/**
 * The `mongodb-drop` rule: MongoDB `dropDatabase`, `dropUser` and
 * `dropAllUsersFromDatabase`.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { unwrap } from "../_fold.ts";
import { ormOf } from "../_declaring_packages.ts";
import { textWithHoles, wordsOf } from "../_sql.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isArrowFunction,
  isComputedPropertyName,
  isElementAccessExpression,
  isFunctionExpression,
  isIdentifier,
  isPrivateIdentifier,
  isStringLiteral,
} = typescript;

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
// The driver's helper for the dropUser command (`db.removeUser(name)`).
const REMOVE_USER = "removeUser";
const MONGO_PACKAGES: ReadonlySet<string> = new Set(["mongodb", "mongoose"]);
const DATABASE_RECEIVER =
  /(?:\b(?:db|database|admin|mongo)|Db|Database|Admin)\s*[!?]?$|\.(?:db|admin)\([^()]*\)\s*[!?]?$/;

/**
 * Reports a MongoDB database or user drop outside a sanctioned function: a
 * method call or reference (`db.dropDatabase()`, `admin["dropUser"](u)`),
 * the driver's `removeUser()` (on the driver's `Db`/`Admin` or through
 * mongoose's connection, recognised by type), a command document
 * (`db.command({ dropUser: "usr_x" })`, also with a computed key), and the
 * command in a script string (`mongosh --eval 'db.dropDatabase()'`).
 *
 * Collection and index drops (`collection.drop()`, `dropIndex()`),
 * declarations of such a method in an interface, type or class, a
 * same-named method of an ORM (orm-drop's), an unrelated `removeUser`, and
 * the command name as an action in a privilege list (`createRole`'s
 * `actions: ["dropDatabase"]`) stay quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await client.db(name).dropDatabase();              // flagged
 * await admin.command({ dropUser: user });           // flagged
 * await db.collection("jobs").drop();                // quiet
 * interface Db { dropDatabase(): Promise<void> }     // quiet
 * ```
 */
export const mongodbDrop: RuleModule<"command" | "method", readonly [MongodbDropOptions]> = createRule({
  name: "mongodb-drop",
  meta: {
    docs: {
      description: "MongoDB dropDatabase, dropUser or dropAllUsersFromDatabase outside a sanctioned function",
      details:
        "Dropping a MongoDB database or its users destroys a tenant. Such a call or command document may appear only " +
        "inside a function tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. Method calls " +
        'and references (db.dropDatabase(), db["dropUser"]), the driver\'s removeUser() (by type, also through mongoose), ' +
        "command documents ({ dropUser: name }, computed keys too) and the command in script strings (mongosh --eval) are " +
        "reported. Collection drops, index drops, method declarations, ORM methods of the same name and privilege lists are not.",
    },
    messages: {
      method:
        "MongoDB `{{command}}()` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ " +
        "and call that function only inside a guardedDrop(request, () => …) drop callback",
      command:
        "MongoDB command document `{ {{command}}: … }` outside a sanctioned function: move it into a function tagged " +
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
    // In a script (`mongosh --eval`): a call, a method, or a command document's key.
    const inCode = new RegExp(
      `(?:\\.\\s*(?:${alternatives})\\b|\\b(?:${alternatives})\\s*\\(|\\b(?:${alternatives})["']?\\s*:)`,
      "i",
    );
    const lengths = new Set([...commands.keys()].map((c) => c.length));
    // The type decides only when it can: in the syntactic pass, and on an
    // untyped receiver, the name alone is reported.
    let checker: ts.TypeChecker | undefined;
    const packagesOf = (name: ts.Node, receiver: ts.Expression, method: string): ReadonlySet<string> | undefined => {
      if (!context.typed) return undefined;
      checker ??= context.checker;
      const symbol = checker.getSymbolAtLocation(name) ??
        checker.getNonNullableType(checker.getTypeAtLocation(receiver)).getProperty(method);
      return symbol === undefined ? undefined : context.packagesOf(symbol);
    };
    const reportMethod = (name: ts.MemberName | ts.StringLiteral, receiver: ts.Expression) => {
      const text = name.text;
      if (text.length === REMOVE_USER.length && text === REMOVE_USER) {
        // `removeUser` is a common name: only the driver's (also reached
        // through mongoose's connection) is reported.
        const packages = packagesOf(name, receiver, text);
        // Untyped (`any`, or the driver's types not installed): a receiver
        // named for a database (`db`, `adminDb`, `conn.db`, `admin()`).
        const untyped = packages === undefined && DATABASE_RECEIVER.test(receiver.getText());
        if (untyped || (packages !== undefined && [...packages].some((p) => MONGO_PACKAGES.has(p)))) {
          context.report({ node: name, messageId: "method", data: { command: REMOVE_USER } });
        }
        return;
      }
      // A length test first: this runs on every property access.
      if (!lengths.has(text.length) || !whole.test(text)) return;
      // An ORM's method of the same name (Sequelize's query interface
      // `dropDatabase`) is orm-drop's, not a MongoDB drop.
      const packages = packagesOf(name, receiver, text);
      if (packages !== undefined && ormOf(packages) !== undefined) return;
      context.report({ node: name, messageId: "method", data: { command: commands.get(text.toUpperCase())! } });
    };
    const reportKey = (name: ts.Node, messageId: "method" | "command") => {
      const text = isIdentifier(name) || isStringLiteral(name) ? name.text : undefined;
      // A length test first: this runs on every property assignment.
      if (text === undefined || !lengths.has(text.length) || !whole.test(text)) return;
      context.report({ node: name, messageId, data: { command: commands.get(text.toUpperCase())! } });
    };
    return {
      PropertyAccessExpression(node) {
        if (!isPrivateIdentifier(node.name)) reportMethod(node.name, node.expression);
      },
      ElementAccessExpression(node) {
        const key = unwrap(node.argumentExpression);
        if (isStringLiteral(key)) reportMethod(key, node.expression);
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
        // The bare name is a command only as a key or a method name
        // (`{ [CMD]: 1 }`, `db[CMD]()`); elsewhere (a privilege list given
        // to createRole, a role's actions) it names an action.
        const key = isKey(node);
        for (const alternative of folded) {
          if (key) {
            const word = wordsOf(alternative).find((w) => w !== null && commands.has(w));
            if (word != null && wordsOf(alternative).every((w) => w === null || w === word)) {
              context.report({ node, messageId: "method", data: { command: commands.get(word)! } });
              return;
            }
          }
          const match = inCode.exec(textWithHoles(alternative));
          if (match !== null) {
            const word = wordsOf([match[0]]).find((w) => w !== null && commands.has(w))!;
            context.report({ node, messageId: "method", data: { command: commands.get(word)! } });
            return;
          }
        }
      },
    };
  },
});

// A computed key or an element access: `{ [CMD]: user }`, `db[CMD]()`.
function isKey(node: ts.Expression): boolean {
  const parent = node.parent;
  if (isComputedPropertyName(parent)) return true;
  // A literal key is the ElementAccessExpression handler's, which asks the type.
  return isElementAccessExpression(parent) && parent.argumentExpression === node && !isStringLiteral(node);
}
