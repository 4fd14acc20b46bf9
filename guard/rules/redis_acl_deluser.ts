/**
 * The `redis-acl-deluser` rule: Redis `ACL DELUSER`.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { unwrap } from "../_fold.ts";
import { redisWords } from "../_redis_words.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isArrayLiteralExpression,
  isCallExpression,
  isIdentifier,
  isNewExpression,
  isPropertyAccessExpression,
  isStringLiteralLike,
} = typescript;

/**
 * Reports a Redis `ACL DELUSER` outside a sanctioned function: the command in
 * a string (`"ACL DELUSER usr_x"`, a Lua script), its words as separate
 * arguments of any case through any callee (`call("acl", "deluser", u)`,
 * `sendCommand(["ACL", "DELUSER", u])`, `acl("DELUSER", u)`,
 * `aclCommand("DELUSER", u)`), and the node-redis helpers `aclDelUser()` /
 * `ACL_DELUSER()`, in `multi()` chains too. An ACL rule (`-acl|deluser`)
 * and the Debian `deluser` program stay quiet.
 *
 * @example Flagged
 * ```ts ignore
 * await redis.call("acl", "deluser", user);
 * await client.sendCommand(["ACL", "DELUSER", user]);
 * await redis.acl("DELUSER", user);
 * ```
 */
export const redisAclDeluser: RuleModule<"deluser", readonly []> = createRule({
  name: "redis-acl-deluser",
  meta: {
    docs: {
      description: "Redis ACL DELUSER outside a sanctioned function",
      details:
        "ACL DELUSER deletes a tenant's Redis user and disconnects its clients. It may appear only inside a function " +
        "tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. The command is found in any " +
        'case: as one string, as separate arguments (call("acl", "deluser", u), sendCommand(["ACL", "DELUSER", u]), ' +
        'acl("DELUSER", u)), and as the node-redis helper aclDelUser().',
    },
    messages: {
      deluser:
        "Redis `ACL DELUSER` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ " +
        "and call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    return {
      PropertyAccessExpression(node) {
        const name = node.name.text;
        // A length test first: this runs on every property access.
        if ((name.length === 10 || name.length === 11) && /^acl_?deluser$/i.test(name)) {
          context.report({ node: node.name, messageId: "deluser" });
        }
      },
      StringExpression({ node, folded, text }) {
        if (!/deluser/i.test(text)) return;
        // "DELUSER" alone is the argument form: the ACL is a separate argument
        // before it, or the callee (`acl("DELUSER", u)`, `aclCommand("DELUSER", u)`).
        // As the program a child process runs it is the Debian tool, not Redis.
        const head = isProgram(node);
        for (const alternative of folded) {
          const words = redisWords(alternative);
          if (!head && words.includes("DELUSER") && words.every((word) => word === "DELUSER" || word === null)) {
            context.report({ node, messageId: "deluser" });
            return;
          }
          for (let i = 1; i < words.length; i++) {
            // `"ACL " + sub` is a hole where DELUSER could be, but a hole before
            // DELUSER may be the ACL: `cmd + " DELUSER"`. `-acl|deluser` is an
            // ACL rule, one word.
            if (words[i] === "DELUSER" && (words[i - 1] === "ACL" || words[i - 1] === null)) {
              context.report({ node, messageId: "deluser" });
              return;
            }
          }
        }
      },
    };
  },
});

// A process runner: child_process, execa, zx, or a helper named for one.
const RUNNER = /^(?:\$|run|sh|shell|cmd)$|exec|spawn/i;
// Programs that run the program named after them.
const PREFIXES: ReadonlySet<string> = new Set(["sudo", "doas", "env", "nohup", "time"]);

// The program a child process runs: the first argument of a runner
// (`spawn("deluser", …)`), or the first element of an argv given to one.
function isProgram(node: ts.Expression): boolean {
  let current: ts.Node = node;
  let parent = node.parent;
  if (isArrayLiteralExpression(parent)) {
    const index = parent.elements.indexOf(node);
    current = parent;
    parent = parent.parent;
    // `spawn("sudo", ["deluser", u])`: the program is the first element after a prefix.
    const prefixed = (isCallExpression(parent) || isNewExpression(parent)) && parent.arguments?.[1] === current &&
      isStringLiteralLike(unwrap(parent.arguments[0]!)) &&
      PREFIXES.has((unwrap(parent.arguments[0]!) as ts.StringLiteral).text);
    if (prefixed && index === 0) return true;
    if (index !== 0) return false;
  }
  if (!(isCallExpression(parent) || isNewExpression(parent)) || parent.arguments?.[0] !== current) return false;
  const callee = unwrap(parent.expression);
  const name = isIdentifier(callee) ? callee.text : isPropertyAccessExpression(callee) ? callee.name.text : "";
  return RUNNER.test(name);
}
