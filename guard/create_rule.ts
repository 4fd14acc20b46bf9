/**
 * {@linkcode createRule}: how a drop-guard rule is declared, in the shape of
 * typescript-eslint's `RuleCreator`.
 *
 * @module
 */

import type ts from "typescript";
import type { Folded } from "./_fold.ts";
import type { JsonSchema } from "./_schema.ts";

export type { Folded, Piece } from "./_fold.ts";
export type { JsonSchema } from "./_schema.ts";

/**
 * Where an operation a rule reports is allowed, so that the report is
 * dropped there.
 *
 * - `sanctioned`: only inside a sanctioned function (a destructive
 *   statement).
 * - `chokepoint`: inside a sanctioned function, or inside the drop callback
 *   of a `guardedDrop` call (a call of an adapter's `deprovision`, a
 *   reference to a sanctioned function).
 *
 * @example
 * ```ts
 * import type { AllowedIn } from "guarded-drop/guard";
 *
 * const where: AllowedIn = "chokepoint";
 * ```
 */
export type AllowedIn = "sanctioned" | "chokepoint";

/**
 * A rule's documentation: the SARIF `shortDescription` and
 * `fullDescription`, and the README's rules table.
 *
 * @example
 * ```ts
 * import type { RuleDocs } from "guarded-drop/guard";
 *
 * const docs: RuleDocs = { description: "Finds X", details: "X destroys tenant data, so…" };
 * ```
 */
export interface RuleDocs {
  /** One line: what the rule finds. */
  readonly description: string;
  /** A paragraph: why, what is matched, what stays quiet, and how to fix a finding. */
  readonly details: string;
  /** The rule resolves symbols with the type checker. */
  readonly requiresTypeChecking?: boolean;
  /**
   * GitHub code scanning's `security-severity` (0.0–10.0) of the rule's
   * findings.
   *
   * @default {9.0}: an unaudited drop destroys customer data
   */
  readonly securitySeverity?: number;
}

/**
 * A rule's metadata.
 *
 * @typeParam MessageIds The ids of the rule's messages.
 *
 * @example
 * ```ts
 * import type { RuleMeta } from "guarded-drop/guard";
 *
 * const meta: RuleMeta<"found"> = {
 *   docs: { description: "Finds X", details: "X destroys tenant data." },
 *   messages: { found: "`{{what}}` outside a sanctioned function" },
 *   schema: [],
 *   allowedIn: "sanctioned",
 * };
 * ```
 */
export interface RuleMeta<MessageIds extends string> {
  /** The rule's documentation: what it finds and why. */
  readonly docs: RuleDocs;
  /** The message of each report, with `{{placeholders}}` filled from the report's `data`. */
  readonly messages: Readonly<Record<MessageIds, string>>;
  /** JSON schemas of the options, one per option, each with `additionalProperties: false`. */
  readonly schema: readonly JsonSchema[];
  /** Where the reported operation is allowed. */
  readonly allowedIn: AllowedIn;
}

/**
 * What a rule reports: a node, one of its message ids, and the data for the
 * message's placeholders.
 *
 * @typeParam MessageIds The ids of the rule's messages.
 *
 * @example
 * ```ts ignore
 * context.report({ node: call, messageId: "found", data: { what: "FLUSHALL" } });
 * ```
 */
export interface ReportDescriptor<MessageIds extends string> {
  /** The node the finding is at: its start and end are the finding's. */
  readonly node: ts.Node;
  /** Which of the rule's messages to report. */
  readonly messageId: MessageIds;
  /** The values of the message's `{{placeholders}}`. */
  readonly data?: Readonly<Record<string, string>>;
  /**
   * Where the reported operation's destructive text was written, when the
   * rule knows it better than the engine (the engine adds the literals of a
   * folded string expression at or inside `node` itself).
   */
  readonly related?: readonly { readonly node: ts.Node; readonly message: string }[];
}

/**
 * The services a rule gets. The checker is created on first use, so that
 * purely syntactic rules never pay for it.
 *
 * @typeParam MessageIds The ids of the rule's messages.
 * @typeParam Options The rule's options tuple.
 *
 * @example
 * ```ts ignore
 * create(context) {
 *   const checker = context.checker;
 *   return { CallExpression(node) { … } };
 * }
 * ```
 */
export interface RuleContext<MessageIds extends string, Options extends readonly unknown[]> {
  /** The rule's id. */
  readonly id: string;
  /** The options, with the defaults applied. */
  readonly options: Options;
  /** The program being scanned. */
  readonly program: ts.Program;
  /** The file being walked. */
  readonly sourceFile: ts.SourceFile;
  /** The program's type checker. */
  readonly checker: ts.TypeChecker;
  /**
   * Whether the checker may be used. `false` in the syntactic pass, which
   * runs only the rules that do not require type checking: such a rule may
   * still refine its findings by type when this is `true`.
   */
  readonly typed: boolean;
  /**
   * The npm packages that declare a symbol (after aliases): the nearest
   * named `package.json` of each declaration, or its ambient
   * `declare module "…"`. Prisma's generated client counts as `@prisma/client`.
   */
  packagesOf(symbol: ts.Symbol): ReadonlySet<string>;
  /** Recognises the chokepoint and the adapters by type. */
  readonly chokepoint: ChokepointServices;
  /**
   * Folds a string expression: constant parts of concatenations, template
   * literals, `String.raw` and `const` bindings, also across modules.
   */
  fold(node: ts.Expression): Folded;
  /** Reports a finding. */
  report(descriptor: ReportDescriptor<MessageIds>): void;
}

/**
 * What the engine knows about the chokepoint and about sanctioned functions.
 *
 * @example
 * ```ts ignore
 * if (context.chokepoint.isAdapterDeprovision(symbol)) context.report(…);
 * ```
 */
export interface ChokepointServices {
  /** Whether a symbol (after aliases) is a sanctioned function: tagged `@sanctionedDrop` or named in the config. */
  isSanctionedSymbol(symbol: ts.Symbol): boolean;
  /**
   * Whether a property symbol is `deprovision` of `Deprovisioner` or of an adapter from `guarded-drop/adapters/*`;
   * given the receiver, also a structural type's `deprovision` whose receiver holds such an adapter.
   */
  isAdapterDeprovision(symbol: ts.Symbol, receiver?: ts.Expression): boolean;
  /** The sanctioned declarations of the program, by declared name. */
  readonly sanctionedNames: ReadonlySet<string>;
  /** Every reference to the sanctioned functions in the scanned files (calls, values, aliases followed). */
  referencesToSanctioned(): Iterable<SanctionedReference>;
  /**
   * The references to a function's second parameter (its drop callback) that
   * skip guardedDrop, when the function forwards that parameter to
   * guardedDrop on another path: the bypasses of a would-be wrapper (DESIGN §16).
   * Empty for a wrapper that forwards on every path, and for a function that
   * never forwards.
   */
  wrapperBypasses(fn: ts.FunctionLikeDeclaration): readonly ts.Identifier[];
  /**
   * The sanctioned methods of the scanned files that a framework calls
   * through a decorator (`@OnEvent`, `@Cron`, `@Process`, `@EventPattern`,
   * `@Subscribe`, `@MessagePattern`, an HTTP route's `@Delete`, …): reached
   * without a name, so never inside a drop callback.
   */
  frameworkEntrances(): Iterable<FrameworkEntrance>;
}

/**
 * A sanctioned method that a framework calls through a decorator.
 * @example
 * ```ts ignore
 * for (const entrance of context.chokepoint.frameworkEntrances()) console.log(entrance.decorator);
 * ```
 */
export interface FrameworkEntrance {
  /** The decorator. */
  readonly node: ts.Decorator;
  /** The decorator's name (`OnEvent`). */
  readonly decorator: string;
  /** The sanctioned method's name. */
  readonly name: string;
}

/**
 * A reference to a sanctioned function.
 *
 * @example
 * ```ts ignore
 * for (const ref of context.chokepoint.referencesToSanctioned()) console.log(ref.name);
 * ```
 */
export interface SanctionedReference {
  /** The referencing identifier. */
  readonly node: ts.Node;
  /** The name of the sanctioned function as declared. */
  readonly name: string;
  /** Where it is declared: `file:line`. */
  readonly declaredAt: string;
  /** The sanctioned declaration. */
  readonly declaration?: ts.Node;
}

/**
 * A maximal string-valued expression, folded: the unit that string rules
 * match. A `const` binding's initializer is not one by itself; it is matched
 * where the constant is used.
 *
 * @example
 * ```ts ignore
 * StringExpression({ node, folded }) { if (findSqlDrops(folded, objects).length) … }
 * ```
 */
export interface StringExpression {
  /** The expression, as written. */
  readonly node: ts.Expression;
  /** What it folds to: its constant text, with holes where a value is only known at run time. */
  readonly folded: Folded;
  /**
   * The known text of all alternatives, separated by `\uFFFF` (which also
   * stands for each hole): for a cheap regular-expression test before a
   * rule looks closer.
   */
  readonly text: string;
}

/**
 * The nodes a rule can listen to, by `ts.SyntaxKind` name.
 *
 * @example
 * ```ts ignore
 * const listener: RuleListener = { CallExpression(node) { node.arguments; } };
 * ```
 */
export interface NodeTypes {
  /** A call: `f(x)`. */
  CallExpression: ts.CallExpression;
  /** A construction: `new C(x)`. */
  NewExpression: ts.NewExpression;
  /** A property access: `a.b`. */
  PropertyAccessExpression: ts.PropertyAccessExpression;
  /** An element access: `a["b"]`. */
  ElementAccessExpression: ts.ElementAccessExpression;
  /** An object literal: `{ a: 1 }`. */
  ObjectLiteralExpression: ts.ObjectLiteralExpression;
  /** A property of an object literal: `a: 1`. */
  PropertyAssignment: ts.PropertyAssignment;
  /** A shorthand property of an object literal: `{ a }`. */
  ShorthandPropertyAssignment: ts.ShorthandPropertyAssignment;
  /** An array literal: `[a, b]`. */
  ArrayLiteralExpression: ts.ArrayLiteralExpression;
  /** An element of a destructuring pattern: `{ a }` in `const { a } = o`. */
  BindingElement: ts.BindingElement;
  /** An identifier. */
  Identifier: ts.Identifier;
  /** A `for (const k in o)` statement. */
  ForInStatement: ts.ForInStatement;
  /** A spread in an object literal: `{ ...o }`. */
  SpreadAssignment: ts.SpreadAssignment;
}

/**
 * What `create` returns: handlers by node kind, plus the engine's events.
 *
 * Only code that runs is walked: type annotations, interfaces and type
 * aliases are skipped.
 *
 * During the walk, a node's `parent` and its ancestors' are set when its
 * handler runs; its descendants' are set as they are visited. Reports are
 * decided (sanctioned? inside a drop callback?) when the file's walk is over,
 * and `StringExpression` and the exit events see every parent set.
 *
 * - `SourceFile` / `SourceFile:exit`: a file's walk begins / ends.
 * - `StringExpression`: a folded string expression (after the file's walk,
 *   when every `const` of the file is known). Human-readable text is not
 *   one: log and error messages, test titles, help text, assertion
 *   messages, and `message`/`description`-like property values.
 * - `Program:exit`: every file has been walked.
 * - `CallbackReference`: a reference, outside guardedDrop, to a function
 *   that holds drops and is passed to guardedDrop by reference as a drop
 *   callback (after every file has been walked).
 *
 * @example
 * ```ts ignore
 * return { CallExpression(node) {}, StringExpression({ node, folded }) {} };
 * ```
 */
export type RuleListener =
  & { readonly [K in keyof NodeTypes]?: (node: NodeTypes[K]) => void }
  & {
    readonly SourceFile?: (node: ts.SourceFile) => void;
    readonly "SourceFile:exit"?: (node: ts.SourceFile) => void;
    readonly StringExpression?: (expression: StringExpression) => void;
    readonly "Program:exit"?: () => void;
    readonly CallbackReference?: (reference: CallbackReference) => void;
  };

/**
 * A reference, outside guardedDrop, to a function relied on as a drop
 * callback: the function is passed to guardedDrop by reference and holds
 * drops, so reaching it any other way skips the audit.
 *
 * @example
 * ```ts ignore
 * CallbackReference({ node, name }) { context.report({ node, messageId: "callbackReference", data: { name } }); }
 * ```
 */
export interface CallbackReference {
  /** The referencing identifier. */
  readonly node: ts.Node;
  /** The function's declared name. */
  readonly name: string;
}

/**
 * A rule, as {@linkcode createRule} makes it.
 *
 * @typeParam MessageIds The ids of the rule's messages.
 * @typeParam Options The rule's options tuple.
 *
 * @example
 * ```ts ignore
 * const rule: RuleModule<"found", []> = createRule({ … });
 * ```
 */
export interface RuleModule<
  MessageIds extends string = string,
  Options extends readonly unknown[] = readonly unknown[],
> {
  /** The stable id, used in config files, suppressions and SARIF. */
  readonly name: string;
  /** What the rule is: its documentation, messages, option schema and where it is allowed. */
  readonly meta: RuleMeta<MessageIds>;
  /** The options used when the configuration gives none. */
  readonly defaultOptions: Options;
  /** Builds the rule's listeners for one run over a program. */
  create(context: RuleContext<MessageIds, Options>): RuleListener;
}

/**
 * Declares a rule. The same as typescript-eslint's `RuleCreator`: a stable
 * name, metadata with typed message ids and a JSON schema of the options,
 * default options, and `create`, which returns the node handlers.
 *
 * @typeParam MessageIds The ids of the rule's messages.
 * @typeParam Options The rule's options tuple.
 * @param rule The rule.
 * @returns The same rule, frozen.
 * @throws {TypeError} If the name is not kebab-case, or a schema allows additional properties.
 *
 * @example A rule that finds `process.exit()`
 * ```ts
 * import { createRule } from "guarded-drop/guard";
 *
 * export const noExit = createRule({
 *   name: "no-exit",
 *   meta: {
 *     docs: { description: "Finds process.exit()", details: "Exiting skips the audit flush." },
 *     messages: { exit: "`process.exit()` skips the audit flush" },
 *     schema: [],
 *     allowedIn: "sanctioned",
 *   },
 *   defaultOptions: [],
 *   create(context) {
 *     return {
 *       CallExpression(node) {
 *         if (node.expression.getText() === "process.exit") context.report({ node, messageId: "exit" });
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function createRule<MessageIds extends string, const Options extends readonly unknown[]>(
  rule: RuleModule<MessageIds, Options>,
): RuleModule<MessageIds, Options> {
  if (!/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(rule.name)) {
    throw new TypeError(
      `Cannot create rule as 'name' must be kebab-case: current value is ${JSON.stringify(rule.name)}`,
    );
  }
  for (const schema of rule.meta.schema) {
    if (schema.type === "object" && schema.additionalProperties !== false) {
      throw new TypeError(
        `Cannot create rule '${rule.name}' as its option schema must set 'additionalProperties: false'`,
      );
    }
  }
  return Object.freeze(rule);
}
