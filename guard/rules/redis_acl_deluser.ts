/**
 * The `redis-acl-deluser` rule: Redis `ACL DELUSER`.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { exactTexts, unwrap } from "../_fold.ts";
import { wordsOf } from "../_sql.ts";
import { createRule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const { isArrayLiteralExpression, isCallExpression, isIdentifier, isNewExpression, isPropertyAccessExpression } = typescript;

/**
 * Reports a Redis `ACL DELUSER` outside a sanctioned function: the command in
 * a string (`"ACL DELUSER usr_x"`, a Lua script), its words as separate
 * arguments of any case (`call("acl", "deluser", u)`,
 * `sendCommand(["ACL", "DELUSER", u])`, `acl("DELUSER", u)`), and the
 * node-redis helpers `aclDelUser()` / `ACL_DELUSER()`.
 *
 * @example Flagged
 * ```ts ignore
 * await redis.call("acl", "deluser", user);
 * await client.sendCommand(["ACL", "DELUSER", user]);
 * await redis.acl("DELUSER", user);
 * ```
 */
export const redisAclDeluser = createRule({
  name: "redis-acl-deluser",
  meta: {
    docs: {
      description: "Redis ACL DELUSER outside a sanctioned function",
      details: "ACL DELUSER deletes a tenant's Redis user and disconnects its clients. It may appear only inside a function " +
        "tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. The command is found in any " +
        "case: as one string, as separate arguments (call(\"acl\", \"deluser\", u), sendCommand([\"ACL\", \"DELUSER\", u]), " +
        "acl(\"DELUSER\", u)), and as the node-redis helper aclDelUser().",
    },
    messages: {
      deluser: "Redis `ACL DELUSER` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ " +
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
        if ((name.length === 10 || name.length === 11) && /^acl_?deluser$/i.test(name)) context.report({ node: node.name, messageId: "deluser" });
      },
      StringExpression({ node, folded, text }) {
        if (!/deluser/i.test(text)) return;
        // "DELUSER" alone is the argument form: the ACL is a separate argument
        // before it, or the callee (`acl("DELUSER", u)`). As the first word of
        // a command line it is the Debian tool, not Redis.
        if (!isCommandHead(node) && exactTexts(folded).some((text) => text.trim().toUpperCase() === "DELUSER")) {
          context.report({ node, messageId: "deluser" });
          return;
        }
        for (const alternative of folded) {
          const words = wordsOf(alternative);
          if (!isCommandHead(node) && words.includes("DELUSER") && words.every((word) => word === "DELUSER" || word === null)) {
            context.report({ node, messageId: "deluser" });
            return;
          }
          for (let i = 1; i < words.length; i++) {
            // `"ACL " + sub` is a hole where DELUSER could be, but a hole before
            // DELUSER may be the ACL: `cmd + " DELUSER"`.
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

// The first argument of a call (other than `acl(…)`), or the first element
// of an array: where the program to run is named.
function isCommandHead(node: ts.Expression): boolean {
  const parent = node.parent;
  if (isArrayLiteralExpression(parent)) return parent.elements[0] === node;
  if (!(isCallExpression(parent) || isNewExpression(parent)) || parent.arguments?.[0] !== node) return false;
  const callee = unwrap(parent.expression);
  const name = isIdentifier(callee) ? callee.text : isPropertyAccessExpression(callee) ? callee.name.text : "";
  return name.toLowerCase() !== "acl";
}
