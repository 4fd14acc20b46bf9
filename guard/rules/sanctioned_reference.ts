/**
 * The `sanctioned-reference` rule: a sanctioned function reached outside
 * guardedDrop.
 *
 * @module
 */

import type ts from "typescript";
import { createRule } from "../create_rule.ts";

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
export const sanctionedReference = createRule({
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
    },
    messages: {
      sanctionedReference: "sanctioned function `{{name}}` (declared at {{declaredAt}}) is referenced outside a guardedDrop " +
        "drop callback: reference it only inside a guardedDrop(request, () => …) drop callback or inside another sanctioned function",
      deferred: "`{{name}}` runs deferred out of the guardedDrop drop callback ({{how}}): guardedDrop records the outcome " +
        "before the drop happens, so it escapes the audit: await it (or return it) inside the drop callback",
      callbackReference: "`{{name}}` holds drops and is passed to guardedDrop as the drop callback, so it must not be " +
        "reached any other way: reference it only inside a guardedDrop drop callback, or tag it /** @sanctionedDrop */",
    },
    schema: [],
    allowedIn: "chokepoint",
  },
  defaultOptions: [],
  create(context) {
    return {
      "Program:exit"() {
        for (const reference of context.chokepoint.referencesToSanctioned()) {
          context.report({
            node: reference.node,
            messageId: "sanctionedReference",
            data: { name: reference.name, declaredAt: reference.declaredAt },
            ...(reference.declaration === undefined
              ? {}
              : { related: [{ node: nameOf(reference.declaration), message: `the sanctioned function \`${reference.name}\`` }] }),
          });
        }
      },
      CallbackReference(reference) {
        context.report({ node: reference.node, messageId: "callbackReference", data: { name: reference.name } });
      },
    };
  },
});
