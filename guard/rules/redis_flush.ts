/**
 * The `redis-flush` rule: Redis `FLUSHALL` and `FLUSHDB`.
 *
 * @module
 */

import { typescript } from "../_typescript.ts";
import { followsRename, isRenamed, redisWords } from "../_redis_words.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isIdentifier } = typescript;

const FLUSH_COMMANDS: ReadonlySet<string> = new Set(["FLUSHALL", "FLUSHDB"]);
const FLUSH_METHOD = /^flush(?:all|db)$/i;
const FLUSH_WORD = /flush(?:all|db)/i;

/**
 * Reports a Redis `FLUSHALL` or `FLUSHDB` outside a sanctioned function: a
 * client helper of any case (`flushall()`, `flushAll()`, `FLUSHDB()`, also in
 * a pipeline or passed as a value), and the command as a word in any string
 * (`call("flushall")`, `sendCommand(["FLUSHDB", "ASYNC"])`, a Lua script, a
 * `redis-cli` command line).
 *
 * An ACL rule that denies or grants the command (`-flushall`, `+flushdb`),
 * `rename-command FLUSHALL ""` and human-readable text name the command
 * without sending it, and stay quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await redis.flushall("ASYNC");            // flagged
 * await redis.call("FLUSHDB");              // flagged
 * if (command === "FLUSHALL") deny();       // quiet: a comparison
 * ```
 */
export const redisFlush: RuleModule<"flush", readonly []> = createRule({
  name: "redis-flush",
  meta: {
    docs: {
      description: "Redis FLUSHALL or FLUSHDB outside a sanctioned function",
      details:
        "FLUSHALL and FLUSHDB delete every key of a server or database: on a dedicated tenant server that is the " +
        "tenant's data. They may appear only inside a function tagged /** @sanctionedDrop */ that is called only inside a " +
        "guardedDrop drop callback. Client helpers of any case (flushall(), flushAll(), in pipelines too) and the command " +
        'name as a word in any string (call("flushall"), sendCommand(["FLUSHDB"]), Lua scripts, redis-cli lines) are ' +
        "reported; comparisons with the name, ACL rules (-flushall), rename-command and messages are not.",
    },
    messages: {
      flush:
        "Redis `{{command}}` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ and " +
        "call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    return {
      BindingElement(node) {
        // `const { flushAll } = client`
        const key = node.propertyName ?? node.name;
        if (isIdentifier(key) && (key.text.length === 7 || key.text.length === 8) && FLUSH_METHOD.test(key.text)) {
          context.report({ node: key, messageId: "flush", data: { command: key.text.toUpperCase() } });
        }
      },
      PropertyAccessExpression(node) {
        const name = node.name.text;
        // A length test first: this runs on every property access.
        if ((name.length === 7 || name.length === 8) && FLUSH_METHOD.test(name)) {
          context.report({ node: node.name, messageId: "flush", data: { command: name.toUpperCase() } });
        }
      },
      StringExpression({ node, folded, text }) {
        if (!FLUSH_WORD.test(text)) return;
        for (const alternative of folded) {
          const words = redisWords(alternative);
          const index = words.findIndex((word, i) => word !== null && FLUSH_COMMANDS.has(word) && !isRenamed(words, i));
          if (index === -1) continue;
          // `["--rename-command", "FLUSHALL", ""]`: configuration, not a command.
          if (words.length === 1 && followsRename(node, context.fold)) return;
          context.report({ node, messageId: "flush", data: { command: words[index]! } });
          return;
        }
      },
    };
  },
});
