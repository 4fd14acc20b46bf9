/**
 * Rule dispatch, the engine's second stage: the rules' listeners, by node
 * kind and by event, and the calls that hand them nodes and events.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type {
  CallbackReference,
  NodeTypes,
  RuleContext,
  RuleListener,
  RuleModule,
  StringExpression,
} from "./create_rule.ts";

const { SyntaxKind } = typescript;

/** A rule with its options applied. */
export interface ActiveRule {
  /** The rule. */
  readonly rule: RuleModule;
  /** Its options: the configuration's, or the rule's `defaultOptions`. */
  readonly options: readonly unknown[];
}

const LISTENER_KINDS: ReadonlyMap<string, ts.SyntaxKind> = new Map(
  (
    [
      "CallExpression",
      "NewExpression",
      "PropertyAccessExpression",
      "ElementAccessExpression",
      "ObjectLiteralExpression",
      "PropertyAssignment",
      "ShorthandPropertyAssignment",
      "ArrayLiteralExpression",
      "BindingElement",
      "Identifier",
      "ForInStatement",
      "SpreadAssignment",
    ] satisfies (keyof NodeTypes)[]
  ).map((name) => [name, SyntaxKind[name]]),
);

/**
 * The rules' listeners. Each rule's `create` runs once, with the context
 * the engine makes for it; its state lives in its own closure.
 *
 * @example
 * ```ts ignore
 * const dispatch = new RuleDispatch(rules, (rule, options) => contextFor(rule, options));
 * dispatch.node(callExpression);
 * ```
 */
export class RuleDispatch {
  readonly #byKind: ((node: ts.Node) => void)[][] = [];
  readonly #fileEnter: ((file: ts.SourceFile) => void)[] = [];
  readonly #fileExit: ((file: ts.SourceFile) => void)[] = [];
  readonly #strings: ((expression: StringExpression) => void)[] = [];
  readonly #callbackReferences: ((reference: CallbackReference) => void)[] = [];
  readonly #programExit: (() => void)[] = [];

  /**
   * @param rules The rules, with their options.
   * @param contextFor Makes a rule's context.
   * @throws {TypeError} If a rule listens to an unknown event.
   */
  constructor(
    rules: readonly ActiveRule[],
    contextFor: (rule: RuleModule, options: readonly unknown[]) => RuleContext<string, readonly unknown[]>,
  ) {
    for (const { rule, options } of rules) {
      const listener: RuleListener = rule.create(contextFor(rule, options));
      for (const [name, handler] of Object.entries(listener) as [string, ((arg: never) => void) | undefined][]) {
        if (handler === undefined) continue;
        const kind = LISTENER_KINDS.get(name);
        if (kind !== undefined) (this.#byKind[kind] ??= []).push(handler as (node: ts.Node) => void);
        else if (name === "SourceFile") this.#fileEnter.push(handler as (file: ts.SourceFile) => void);
        else if (name === "SourceFile:exit") this.#fileExit.push(handler as (file: ts.SourceFile) => void);
        else if (name === "StringExpression") this.#strings.push(handler as (expression: StringExpression) => void);
        else if (name === "Program:exit") this.#programExit.push(handler as () => void);
        else if (name === "CallbackReference") {
          this.#callbackReferences.push(handler as (reference: CallbackReference) => void);
        } else throw new TypeError(`Cannot run rule '${rule.name}' as it listens to an unknown event '${name}'`);
      }
    }
  }

  /** Whether any rule listens to string expressions (else they need not be folded). */
  get wantsStrings(): boolean {
    return this.#strings.length > 0;
  }

  /** Whether any rule listens to references to drop callbacks (else they need not be looked for). */
  get wantsCallbackReferences(): boolean {
    return this.#callbackReferences.length > 0;
  }

  /** Hands a node to the listeners of its kind. */
  node(node: ts.Node): void {
    const handlers = this.#byKind[node.kind];
    if (handlers !== undefined) { for (const handler of handlers) handler(node); }
  }

  /** A file's walk begins. */
  fileEnter(file: ts.SourceFile): void {
    for (const handler of this.#fileEnter) handler(file);
  }

  /** A file's walk ends. */
  fileExit(file: ts.SourceFile): void {
    for (const handler of this.#fileExit) handler(file);
  }

  /** A folded string expression. */
  string(expression: StringExpression): void {
    for (const handler of this.#strings) handler(expression);
  }

  /** A reference to a function relied on as a drop callback. */
  callbackReference(reference: CallbackReference): void {
    for (const handler of this.#callbackReferences) handler(reference);
  }

  /** Every file has been walked. */
  programExit(): void {
    for (const handler of this.#programExit) handler();
  }
}
