/**
 * The `adapter-deprovision` rule: an adapter's `deprovision` reached outside
 * guardedDrop.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const { isIdentifier, isObjectBindingPattern, isStringLiteralLike } = typescript;

// Long receivers are cut in messages.
const MAX_RECEIVER_LENGTH = 40;

/**
 * Reports a reference to an adapter's `deprovision` (a call, or the method
 * taken as a value) that is not inside the drop callback of a guardedDrop
 * call or inside a sanctioned function.
 *
 * The method is recognised by type, never by name: `deprovision` of
 * guarded-drop's `Deprovisioner`, of a type from `guarded-drop/adapters/*`,
 * of a class that implements `Deprovisioner`, or of an object literal typed
 * as one. A `deprovision` of an unrelated type stays quiet.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await adapter.deprovision(token);                                // flagged
 * await guardedDrop(request, () => adapter.deprovision(token));    // quiet
 * ```
 */
export const adapterDeprovision: RuleModule<"deferred" | "deprovision", readonly []> = createRule({
  name: "adapter-deprovision",
  meta: {
    docs: {
      description: "An adapter's deprovision() reached outside a guardedDrop drop callback",
      details:
        "An adapter's deprovision(token) drops a tenant. It may be called, or taken as a value, only inside the drop " +
        "callback of a guardedDrop call, which audits, counts and guards the drop, or inside a sanctioned function. The " +
        "method is recognised by type: deprovision of guarded-drop's Deprovisioner, of a type from guarded-drop/adapters/*, " +
        "of a class implementing Deprovisioner, or of an object literal typed as one.",
      requiresTypeChecking: true,
      securitySeverity: 8.0,
    },
    messages: {
      deferred:
        "`{{name}}` runs deferred out of the guardedDrop drop callback ({{how}}): guardedDrop records the outcome " +
        "before the drop happens, so it escapes the audit: await it (or return it) inside the drop callback",
      deprovision:
        "`{{receiver}}.deprovision` is an adapter's deprovision outside a guardedDrop drop callback: call it as " +
        "guardedDrop(request, () => {{receiver}}.deprovision(token))",
    },
    schema: [],
    allowedIn: "chokepoint",
  },
  defaultOptions: [],
  create(context) {
    // Fetched once, at the first candidate: a project with no `deprovision`
    // never builds the checker (binding every file is most of its cost).
    let checker: ts.TypeChecker | undefined;
    const typeChecker = (): ts.TypeChecker => (checker ??= context.checker);
    const check = (name: ts.Node, symbol: ts.Symbol | undefined, receiver: ts.Expression | undefined) => {
      if (symbol === undefined || !context.chokepoint.isAdapterDeprovision(symbol, receiver)) return;
      let text = receiver?.getText() ?? "adapter";
      if (text.length > MAX_RECEIVER_LENGTH) text = `${text.slice(0, MAX_RECEIVER_LENGTH - 1)}…`;
      const declared = symbol.declarations?.find((d) => !d.getSourceFile().isDeclarationFile) ??
        symbol.declarations?.[0];
      const related = declared === undefined
        ? []
        : [{ node: (declared as ts.NamedDeclaration).name ?? declared, message: "the deprovision reached" }];
      context.report({ node: name, messageId: "deprovision", data: { receiver: text.replace(/\s+/g, " ") }, related });
    };
    return {
      PropertyAccessExpression(node) {
        if (node.name.text === "deprovision") {
          check(node.name, typeChecker().getSymbolAtLocation(node.name), node.expression);
        }
      },
      ElementAccessExpression(node) {
        const key = node.argumentExpression;
        if (isStringLiteralLike(key) && key.text === "deprovision") {
          check(key, typeChecker().getTypeAtLocation(node.expression).getProperty("deprovision"), node.expression);
        }
      },
      BindingElement(node) {
        // `const { deprovision } = adapter`
        const key = node.propertyName ?? node.name;
        if (!isObjectBindingPattern(node.parent) || !isIdentifier(key) || key.text !== "deprovision") return;
        check(key, typeChecker().getTypeAtLocation(node.parent).getProperty("deprovision"), undefined);
      },
    };
  },
});
