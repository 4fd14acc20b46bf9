/**
 * The `nats-delete` rule: NATS JetStream stream, KV bucket and object store
 * deletes and purges.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  isCallExpression,
  isNewExpression,
  isNoSubstitutionTemplateLiteral,
  isPropertyAccessExpression,
  isStringLiteral,
} = typescript;

const STREAM_METHODS: ReadonlySet<string> = new Set(["delete", "purge"]);
const DESTROY = "destroy";
const NATS_PACKAGES: ReadonlySet<string> = new Set(["@nats-io/kv", "@nats-io/obj", "nats"]);
// An untyped receiver of destroy() named for a KV bucket or an object store.
const STORE_RECEIVER =
  /(?:^|[.\s])(?:kv|os|obj|bucket|store|objectStore|objStore|kvStore)\s*[!?]?$|(?:Kv|KV|Bucket|Store)\s*[!?]?$/;
// A request sent by hand to the JetStream API.
const API_SUBJECT = /\$JS\.API\.STREAM\.(DELETE|PURGE)\./i;
// The `nats` CLI's destructive commands: `nats stream rm`, `nats kv del`, `nats obj rm`…
const CLI_NOUNS: ReadonlySet<string> = new Set(["stream", "str", "kv", "obj", "object"]);
const CLI_VERBS: ReadonlySet<string> = new Set(["rm", "del", "delete", "purge", "destroy"]);
const MAYBE_CLI = /\bnats\b/;

/** The destructive `nats` command in `words` (`nats stream rm`), or `undefined`. */
function cliCommand(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    if (words[i]!.split("/").at(-1) !== "nats") continue;
    // Options may come before the noun (`nats --server x stream rm`): the
    // first noun decides.
    for (let j = i + 1; j < words.length - 1; j++) {
      if (!CLI_NOUNS.has(words[j]!)) continue;
      if (CLI_VERBS.has(words[j + 1]!)) return `nats ${words[j]} ${words[j + 1]}`;
      break;
    }
  }
  return undefined;
}

/** The text of a string literal, or `undefined`. */
function literalText(node: ts.Node): string | undefined {
  return isStringLiteral(node) || isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;
}

/**
 * Reports a NATS JetStream delete outside a sanctioned function:
 * `jsm.streams.delete()` and `jsm.streams.purge()`; `destroy()` of a KV
 * bucket or an object store (by type where the checker knows it, by the
 * receiver's name otherwise); a request sent by hand to
 * `$JS.API.STREAM.DELETE.*` or `$JS.API.STREAM.PURGE.*`; and the `nats`
 * CLI's `stream rm`, `kv del`/`rm` and `obj rm`, as one command line or as a
 * program and its argv.
 *
 * A socket's or a stream's `destroy()`, a consumer's delete and a key's
 * `kv.delete(key)` stay quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await jsm.streams.delete("t4_acme_orders");   // flagged
 * await kv.destroy();                           // flagged
 * socket.destroy();                             // quiet
 * ```
 */
export const natsDelete: RuleModule<"delete", readonly []> = createRule({
  name: "nats-delete",
  meta: {
    docs: {
      description: "A NATS JetStream stream, KV bucket or object store deleted or purged outside a sanctioned function",
      details:
        "A JetStream stream holds a tenant's messages; KV buckets (KV_<bucket>) and object stores (OBJ_<bucket>) are " +
        "streams too. jsm.streams.delete(), jsm.streams.purge(), kv.destroy() and os.destroy() (by type, or by a receiver " +
        "named for a bucket or store when untyped), requests sent by hand to $JS.API.STREAM.DELETE.* or " +
        "$JS.API.STREAM.PURGE.*, and the nats CLI's stream rm, kv del/rm and obj rm may appear only inside a function tagged " +
        "/** @sanctionedDrop */ that is called only inside a guardedDrop drop callback.",
    },
    messages: {
      delete:
        "NATS `{{operation}}` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ and " +
        "call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    let checker: ts.TypeChecker | undefined;
    /** The packages declaring `name` on `receiver`, or `undefined` when the type cannot tell. */
    const packagesOf = (name: ts.Node, receiver: ts.Expression): ReadonlySet<string> | undefined => {
      if (!context.typed) return undefined;
      checker ??= context.checker;
      const symbol = checker.getSymbolAtLocation(name) ??
        checker.getNonNullableType(checker.getTypeAtLocation(receiver)).getProperty(DESTROY);
      const packages = symbol === undefined ? undefined : context.packagesOf(symbol);
      return packages === undefined || packages.size === 0 ? undefined : packages;
    };
    return {
      PropertyAccessExpression(node) {
        const name = node.name.text;
        if (STREAM_METHODS.has(name)) {
          // `jsm.streams.delete`, `this.jsm.streams.purge`.
          const receiver = node.expression;
          if (isPropertyAccessExpression(receiver) && receiver.name.text === "streams") {
            context.report({ node: node.name, messageId: "delete", data: { operation: `streams.${name}()` } });
          }
          return;
        }
        if (name !== DESTROY) return;
        const packages = packagesOf(node.name, node.expression);
        const nats = packages === undefined
          ? STORE_RECEIVER.test(node.expression.getText())
          : [...packages].some((p) => NATS_PACKAGES.has(p));
        if (nats) {
          context.report({
            node: node.name,
            messageId: "delete",
            data: { operation: `${node.expression.getText()}.destroy()` },
          });
        }
      },
      ArrayLiteralExpression(node) {
        // `execFileSync("nats", ["stream", "rm", name, "-f"])`.
        const call = node.parent;
        if (!(isCallExpression(call) || isNewExpression(call)) || call.arguments === undefined) return;
        const words: string[] = [];
        for (const arg of call.arguments) {
          if (arg === node) break;
          const text = literalText(arg);
          if (text !== undefined) words.push(text);
        }
        for (const element of node.elements) words.push(literalText(element) ?? "\uFFFF");
        const command = cliCommand(words);
        if (command !== undefined) context.report({ node, messageId: "delete", data: { operation: command } });
      },
      StringExpression({ node, folded, text }) {
        const api = API_SUBJECT.exec(text);
        if (api !== null) {
          context.report({ node, messageId: "delete", data: { operation: `$JS.API.STREAM.${api[1]!.toUpperCase()}` } });
          return;
        }
        if (!MAYBE_CLI.test(text)) return;
        for (const alternative of folded) {
          const line = alternative.map((piece) => piece ?? "\uFFFF").join("");
          const command = cliCommand(line.split(/\s+/));
          if (command !== undefined) {
            context.report({ node, messageId: "delete", data: { operation: command } });
            return;
          }
        }
      },
    };
  },
});
