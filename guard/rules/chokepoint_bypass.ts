/**
 * The `chokepoint-bypass` rule: a guardedDrop wrapper that runs its drop
 * callback without guardedDrop on some path.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isFunctionLike, isIdentifier } = typescript;

// The function whose second parameter an identifier names, among the
// functions around it: the would-be wrapper forwarding its drop callback.
// (During the walk, the argument's own parent is not set yet: the call is.)
function wrapperOf(argument: ts.Identifier, call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined {
  for (let current: ts.Node | undefined = call; current !== undefined; current = current.parent) {
    if (!isFunctionLike(current)) continue;
    const second = current.parameters[1]?.name;
    if (second !== undefined && isIdentifier(second) && second.text === argument.text) {
      return current as ts.FunctionLikeDeclaration;
    }
    if (current.parameters.some((p) => isIdentifier(p.name) && p.name.text === argument.text)) return undefined;
  }
  return undefined;
}

// A wrapper's name for messages.
function wrapperName(fn: ts.FunctionLikeDeclaration): string {
  const own = fn.name;
  if (own !== undefined && isIdentifier(own)) return own.text;
  const holder = fn.parent as ts.NamedDeclaration | undefined;
  const held = holder?.name;
  return held !== undefined && isIdentifier(held) ? held.text : "the wrapper";
}

/**
 * Reports each path of a guardedDrop wrapper that runs, or hands on, its
 * drop callback without guardedDrop (DESIGN §16). A wrapper counts as the
 * chokepoint only when every path hands the callback to guardedDrop; one
 * with a bypass is not a chokepoint, so every drop routed through it is a
 * finding too, and the bypass is reported where it is.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * const run: GuardedDrop = (req, drop) =>
 *   process.env.SKIP_AUDIT === "1" ? Promise.resolve(drop({} as DropContext)) : guardedDrop(req, drop); // flagged at drop(…)
 * const run2 = (req: DropRequest, drop: DropCallback<void>) => guardedDrop(req, drop);              // quiet
 * ```
 */
export const chokepointBypass: RuleModule<"bypass", readonly []> = createRule({
  name: "chokepoint-bypass",
  meta: {
    docs: {
      description: "A guardedDrop wrapper that runs its drop callback without guardedDrop on some path",
      details:
        "A function that hands its drop callback (its second parameter) on to guardedDrop is a wrapper, and the " +
        "drops routed through it count as audited only when every path does so. A path that calls the callback directly " +
        "or hands it elsewhere (an environment flag that skips the audit, a catch that retries the drop, an early return) " +
        "is a bypass: it is reported where it is, and the wrapper is not a chokepoint. Hand the callback to guardedDrop on " +
        "every path.",
      requiresTypeChecking: true,
      securitySeverity: 9.0,
    },
    messages: {
      bypass:
        "`{{wrapper}}` forwards its drop callback `{{drop}}` to guardedDrop, but here it runs or hands it on without " +
        "guardedDrop, so `{{wrapper}}` is not a chokepoint and no drop routed through it is audited: hand `{{drop}}` to " +
        "guardedDrop on every path (remove this bypass), and the wrapper counts",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    // Each would-be wrapper is judged once, at its first forwarding call.
    const judged = new Set<ts.Node>();
    return {
      CallExpression(node) {
        const argument = node.arguments[1];
        if (argument === undefined || !isIdentifier(argument)) return;
        const fn = wrapperOf(argument, node);
        if (fn === undefined || judged.has(fn)) return;
        judged.add(fn);
        for (const bypass of context.chokepoint.wrapperBypasses(fn)) {
          context.report({
            node: bypass,
            messageId: "bypass",
            data: { wrapper: wrapperName(fn), drop: argument.text },
          });
        }
      },
    };
  },
});
