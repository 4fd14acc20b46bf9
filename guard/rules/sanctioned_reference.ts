/**
 * The `sanctioned-reference` rule: a sanctioned function reached outside
 * guardedDrop.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isIdentifier, isPropertyAccessExpression } = typescript;

// Calls that enumerate an object's members: `Object.values(ns)`,
// `Object.keys(ns)` (then `ns[key]`), `Reflect.ownKeys(ns)`.
const ENUMERATING: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["Object", new Set(["values", "entries", "keys", "getOwnPropertyNames", "assign", "getOwnPropertyDescriptors"])],
  ["Reflect", new Set(["ownKeys"])],
]);

// The object an enumerating call reads: `Object.values(x)` gives `x`
// (`Object.assign(target, x)` reads every argument after the first).
function enumerated(call: ts.CallExpression): readonly ts.Expression[] {
  const callee = call.expression;
  if (!isPropertyAccessExpression(callee) || !isIdentifier(callee.expression)) return [];
  if (!ENUMERATING.get(callee.expression.text)?.has(callee.name.text)) return [];
  return callee.name.text === "assign" ? call.arguments.slice(1) : call.arguments.slice(0, 1);
}

// A declaration's name, to point at.
function nameOf(declaration: ts.Node): ts.Node {
  return (declaration as ts.NamedDeclaration).name ?? declaration;
}

/**
 * Reports a reference to a sanctioned function (tagged `@sanctionedDrop`,
 * or named in the config file) that is not inside the drop callback of a
 * guardedDrop call or inside another sanctioned function.
 *
 * A reference is a call, and also the function passed as a value (an event
 * handler, a callback, a property). Functions are identified by resolved
 * symbol, through imports, renamed imports, re-exports and default exports:
 * a function of the same name elsewhere is not sanctioned.
 *
 * A function passed by reference as a drop callback
 * (`guardedDrop(request, dropTenant)`) may hold drops itself; it is then
 * held to the same rule, so a direct call of it elsewhere is reported.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * emitter.on("tenant.deleted", dropTenant);                     // flagged
 * await guardedDrop(request, () => dropTenant(token));          // quiet
 * ```
 */
export const sanctionedReference: RuleModule<
  "deferred" | "sanctionedReference" | "frameworkEntrance" | "enumerated" | "callbackReference",
  readonly []
> = createRule({
  name: "sanctioned-reference",
  meta: {
    docs: {
      description: "A sanctioned function referenced outside a guardedDrop drop callback",
      details: "A sanctioned function (tagged /** @sanctionedDrop */ or named in the config file) holds destructive " +
        "statements. Every reference to it, a call or the function passed as a value, must sit inside the drop callback of " +
        "a guardedDrop call or inside another sanctioned function, so that every drop is audited, counted and guarded. " +
        "References are resolved with the type checker through imports, renames, re-exports and default exports; a " +
        "same-named function elsewhere is not sanctioned.",
      requiresTypeChecking: true,
      securitySeverity: 8.0,
    },
    messages: {
      sanctionedReference:
        "sanctioned function `{{name}}` (declared at {{declaredAt}}) is referenced outside a guardedDrop " +
        "drop callback: reference it only inside a guardedDrop(request, () => …) drop callback or inside another sanctioned function",
      deferred:
        "`{{name}}` runs deferred out of the guardedDrop drop callback ({{how}}): guardedDrop records the outcome " +
        "before the drop happens, so it escapes the audit: await it (or return it) inside the drop callback",
      frameworkEntrance:
        "sanctioned function `{{name}}` is called by a framework through `@{{decorator}}`, without any code " +
        "naming it, so it runs outside a guardedDrop drop callback: register a handler that calls " +
        "guardedDrop(request, () => {{name}}(…)) instead, and keep `{{name}}` undecorated",
      enumerated:
        "`{{what}}` enumerates sanctioned function(s) {{names}} without naming them, so the call that runs them is " +
        "not seen: call each one by name inside a guardedDrop drop callback",
      callbackReference:
        "`{{name}}` holds drops and is passed to guardedDrop as the drop callback, so it must not be " +
        "reached any other way: reference it only inside a guardedDrop drop callback, or tag it /** @sanctionedDrop */",
    },
    schema: [],
    allowedIn: "chokepoint",
  },
  defaultOptions: [],
  create(context) {
    const names = context.chokepoint.sanctionedNames;
    // A module's or an object's members enumerated: a finding when one of
    // them is sanctioned. Asked of the checker only when something is sanctioned.
    const checkEnumerated = (node: ts.Node, object: ts.Expression, how?: string): void => {
      if (names.size === 0 || !context.typed) return;
      const held = context.checker.getTypeAtLocation(object).getProperties()
        .filter((p) => context.chokepoint.isSanctionedSymbol(p));
      if (held.length === 0) return;
      const what = how ?? node.getText().replace(/\s+/g, " ").slice(0, 60);
      context.report({
        node,
        messageId: "enumerated",
        data: { what, names: held.map((p) => `\`${p.name}\``).join(", ") },
      });
    };
    return {
      "Program:exit"() {
        for (const entrance of context.chokepoint.frameworkEntrances()) {
          context.report({
            node: entrance.node,
            messageId: "frameworkEntrance",
            data: { name: entrance.name, decorator: entrance.decorator },
          });
        }
        for (const reference of context.chokepoint.referencesToSanctioned()) {
          context.report({
            node: reference.node,
            messageId: "sanctionedReference",
            data: { name: reference.name, declaredAt: reference.declaredAt },
            ...(reference.declaration === undefined ? {} : {
              related: [{
                node: nameOf(reference.declaration),
                message: `the sanctioned function \`${reference.name}\``,
              }],
            }),
          });
        }
      },
      CallExpression(node) {
        for (const object of enumerated(node)) checkEnumerated(node, object);
      },
      ForInStatement(node) {
        checkEnumerated(node.expression, node.expression, "for…in");
      },
      SpreadAssignment(node) {
        checkEnumerated(node, node.expression);
      },
      CallbackReference(reference) {
        context.report({ node: reference.node, messageId: "callbackReference", data: { name: reference.name } });
      },
    };
  },
});
