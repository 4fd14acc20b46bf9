/**
 * The `rabbitmq-delete` rule: RabbitMQ vhost and user deletion.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { exactTexts, type Folded, unwrap } from "../_fold.ts";
import { textWithHoles, wordsOf } from "../_sql.ts";
import { optionObjects } from "../_flow.ts";
import { localBinding } from "../_scope.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isArrayLiteralExpression,
  isCallExpression,
  isClassLike,
  isIdentifier,
  isNewExpression,
  isObjectLiteralExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isShorthandPropertyAssignment,
  isSpreadElement,
  isStringLiteral,
  SyntaxKind,
} = typescript;

// `/api/vhosts/<name>` and `/api/users/<name>` of the management API: the
// name may be a run-time value (a hole, \uFFFF).
const MANAGEMENT_PATH = /\/api\/(vhosts|users)\/(?:bulk-delete\b|[^\s?#])/;
const BULK_DELETE = /\/api\/users\/bulk-delete\b/;
// The same paths relative to a base URL that ends in `/api`.
const RELATIVE_PATH = /^\/?(vhosts|users)\/(?:bulk-delete\b|[^\s?#])/;
const API_BASE = /\/api\/?$/;
// The options that set a client's base URL: axios, got, ky, undici.
const BASE_OPTIONS: ReadonlySet<string> = new Set(["baseURL", "baseUrl", "prefixUrl", "prefixURL", "origin"]);
const CLI_COMMANDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["RABBITMQCTL", new Set(["DELETE_VHOST", "DELETE_USER"])],
]);
const CLI_WORDS: ReadonlySet<string> = new Set(["RABBITMQCTL", "RABBITMQADMIN", "DELETE_VHOST", "DELETE_USER"]);
// A client method that sends DELETE (`axios.delete`, `got.delete`,
// `superagent.del`), or a helper named for deleting (`httpDelete`,
// `deleteJson`, `removeVhost`).
const DELETE_CALLEE = /^(?:delete|del|remove|destroy)(?![a-z])|(?:delete|remove|destroy)$/i;

/**
 * Reports RabbitMQ vhost and user deletion outside a sanctioned function:
 *
 * - a management API request with method DELETE to `/api/vhosts/…` or
 *   `/api/users/…` (`fetch(url, { method: "DELETE" })`, `axios.delete(url)`,
 *   `request("DELETE", url)`, `http.request({ method: "DELETE", path })`),
 *   and `/api/users/bulk-delete`;
 * - `rabbitmqctl delete_vhost|delete_user` and `rabbitmqadmin delete
 *   vhost|user`, as one command line or as spawn/exec arguments.
 *
 * Read-only requests (GET, or no method) and other paths stay quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await fetch(`${base}/api/vhosts/${vhost}`, { method: "DELETE", headers });   // flagged
 * spawn("rabbitmqctl", ["delete_user", user]);                                // flagged
 * await fetch(`${base}/api/vhosts/${vhost}`, { headers });                    // quiet: a GET
 * ```
 */
export const rabbitmqDelete: RuleModule<"api" | "cli", readonly []> = createRule({
  name: "rabbitmq-delete",
  meta: {
    docs: {
      description: "RabbitMQ vhost or user deletion (management API DELETE, rabbitmqctl) outside a sanctioned function",
      details:
        "Deleting a vhost takes its queues and messages; deleting a user locks the tenant out. A management API DELETE " +
        'of /api/vhosts/… or /api/users/… (fetch with method DELETE, axios-style .delete(url), request("DELETE", url)), ' +
        "a POST to /api/users/bulk-delete, and rabbitmqctl delete_vhost/delete_user or rabbitmqadmin delete vhost/user " +
        "(one command line, or spawn/exec arguments) may appear only inside a function tagged /** @sanctionedDrop */ that " +
        "is called only inside a guardedDrop drop callback. Read-only requests are not reported.",
    },
    messages: {
      api:
        "RabbitMQ management API `DELETE /api/{{what}}/…` outside a sanctioned function: move it into a function tagged " +
        "/** @sanctionedDrop */ and call that function only inside a guardedDrop(request, () => …) drop callback",
      cli:
        "`{{command}}` outside a sanctioned function: move it into a function tagged /** @sanctionedDrop */ and call that " +
        "function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    const reportedCalls = new Set<ts.Node>();
    return {
      StringExpression({ node, folded, text }) {
        if (!/rabbitmq|delete_(?:vhost|user)|(?:^|\/|\uFFFF)(?:vhosts|users)\//i.test(text)) return;
        const words = folded.map((alternative) => wordsOf(alternative));
        const command = cliCommand(words);
        if (command !== undefined) {
          context.report({ node, messageId: "cli", data: { command } });
          return;
        }
        const call = requestOf(node);
        if (
          call !== undefined && !reportedCalls.has(call) &&
          words.some((w) => w.some((word) => word !== null && CLI_WORDS.has(word)))
        ) {
          // spawn("rabbitmqctl", ["delete_vhost", v]): the words are spread
          // over the arguments.
          const spread = cliCommand([argumentWords(call, context.fold)]);
          if (spread !== undefined) {
            reportedCalls.add(call);
            context.report({ node: call, messageId: "cli", data: { command: spread } });
            return;
          }
        }
        for (const alternative of folded) {
          const text = textWithHoles(alternative);
          const match = MANAGEMENT_PATH.exec(text);
          if (match !== null) {
            if (BULK_DELETE.test(text) || (call !== undefined && sendsDelete(call, context.fold))) {
              context.report({ node, messageId: "api", data: { what: match[1]! } });
              return;
            }
            continue;
          }
          // `vhosts/${v}` below a base URL that carries `/api`: axios'
          // `baseURL`, got's and ky's `prefixUrl`, on the call or the instance.
          const relative = RELATIVE_PATH.exec(text);
          if (
            relative !== null && call !== undefined && sendsDelete(call, context.fold) &&
            baseCarriesApi(call, context.fold)
          ) {
            context.report({ node, messageId: "api", data: { what: relative[1]! } });
            return;
          }
        }
      },
    };
  },
});

// The call a string is an argument of: directly, inside an object literal
// argument (`{ url }`, `{ path: "…" }`), or inside an array argument.
function requestOf(node: ts.Expression): ts.CallExpression | ts.NewExpression | undefined {
  let current: ts.Node = node;
  let parent = current.parent;
  if (isPropertyAssignment(parent) || isShorthandPropertyAssignment(parent)) {
    current = parent.parent;
    parent = current.parent;
  } else if (isArrayLiteralExpression(parent)) {
    current = parent;
    parent = current.parent;
  }
  if ((isCallExpression(parent) || isNewExpression(parent)) && parent.arguments?.includes(current as ts.Expression)) {
    return parent;
  }
  return undefined;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function isDelete(folded: Folded): boolean {
  return exactTexts(folded).some((text) => text.trim().toUpperCase() === "DELETE");
}

function sendsDelete(call: ts.CallExpression | ts.NewExpression, fold: (node: ts.Expression) => Folded): boolean {
  const name = calleeName(call);
  if (name !== undefined && DELETE_CALLEE.test(name)) return true;
  for (const argument of call.arguments ?? []) {
    const value = unwrap(argument);
    // `fetch(url, init)`: an options object bound to a const, or passed in by the callers.
    const objects = optionObjects(value);
    if (objects.length > 0) {
      for (const property of objects.flatMap((object) => object.properties)) {
        if (!isPropertyAssignment(property) && !isShorthandPropertyAssignment(property)) continue;
        const key = property.name;
        if (!(isIdentifier(key) || isStringLiteral(key)) || key.text.toLowerCase() !== "method") continue;
        const method = isPropertyAssignment(property) ? property.initializer : property.name;
        if (isDelete(fold(method))) return true;
      }
    } else if (!isArrayLiteralExpression(value) && isDelete(fold(value))) {
      return true;
    }
  }
  return false;
}

// The words of all arguments, arrays flattened, in order: the command line
// a spawn/exec call runs.
function argumentWords(
  call: ts.CallExpression | ts.NewExpression,
  fold: (node: ts.Expression) => Folded,
): (string | null)[] {
  const words: (string | null)[] = [];
  for (const argument of call.arguments ?? []) {
    const value = unwrap(argument);
    const parts = isArrayLiteralExpression(value) ? value.elements : [value];
    for (const part of parts) {
      if (isSpreadElement(part) || isObjectLiteralExpression(unwrap(part))) continue;
      words.push(...wordsOf(fold(part)[0] ?? [null]));
    }
  }
  return words;
}

function cliCommand(alternatives: readonly (readonly (string | null)[])[]): string | undefined {
  for (const words of alternatives) {
    for (let i = 0; i < words.length; i++) {
      const tool = words[i];
      if (tool === "RABBITMQADMIN") {
        for (let j = i + 1; j < words.length - 1; j++) {
          if (words[j] === "DELETE" && (words[j + 1] === "VHOST" || words[j + 1] === "USER")) {
            return `rabbitmqadmin delete ${words[j + 1]!.toLowerCase()}`;
          }
        }
      }
      const subcommands = tool == null ? undefined : CLI_COMMANDS.get(tool);
      if (subcommands === undefined) continue;
      for (let j = i + 1; j < words.length; j++) {
        if (words[j] != null && subcommands.has(words[j]!)) return `${tool!.toLowerCase()} ${words[j]!.toLowerCase()}`;
      }
    }
  }
  return undefined;
}

// Whether a request's base URL ends in `/api`: an option of the call
// (`axios.delete(path, { baseURL })`), or of the instance it is made on
// (`const mq = axios.create({ baseURL })`, `got.extend({ prefixUrl })`, also a
// class property `this.http`).
function baseCarriesApi(call: ts.CallExpression | ts.NewExpression, fold: (node: ts.Expression) => Folded): boolean {
  if ((call.arguments ?? []).some((argument) => optionsCarryApi(argument, fold))) return true;
  const callee = unwrap(call.expression);
  const instance = instanceOf(isPropertyAccessExpression(callee) ? unwrap(callee.expression) : callee);
  if (instance === undefined || !isCallExpression(instance)) return false;
  const factory = unwrap(instance.expression);
  if (!isPropertyAccessExpression(factory) || !/^(?:create|extend)$/.test(factory.name.text)) return false;
  return instance.arguments.some((argument) => optionsCarryApi(argument, fold));
}

function optionsCarryApi(argument: ts.Expression, fold: (node: ts.Expression) => Folded): boolean {
  const value = unwrap(argument);
  if (!isObjectLiteralExpression(value)) return false;
  return value.properties.some((property) => {
    if (!isPropertyAssignment(property) || !(isIdentifier(property.name) || isStringLiteral(property.name))) {
      return false;
    }
    if (!BASE_OPTIONS.has(property.name.text)) return false;
    return fold(property.initializer).some((alternative) => API_BASE.test(textWithHoles(alternative)));
  });
}

// What a receiver was created by: a const's initializer, a class property's
// initializer (`this.http`), or the expression itself.
function instanceOf(receiver: ts.Expression): ts.Expression | undefined {
  if (isCallExpression(receiver)) return receiver;
  if (isIdentifier(receiver)) {
    const binding = localBinding(receiver);
    return binding?.kind === "const" ? unwrap(binding.initializer) : undefined;
  }
  if (isPropertyAccessExpression(receiver) && receiver.expression.kind === SyntaxKind.ThisKeyword) {
    let scope: ts.Node | undefined = receiver.parent;
    while (scope !== undefined && !isClassLike(scope)) scope = scope.parent;
    const member = scope?.members.find((m) => isPropertyDeclaration(m) && m.name.getText() === receiver.name.text);
    return member !== undefined && isPropertyDeclaration(member) && member.initializer !== undefined
      ? unwrap(member.initializer)
      : undefined;
  }
  return undefined;
}
