/**
 * String expressions: which nodes are the maximal string-valued expressions
 * the string rules match, found during the walk.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { type Folded, isPathJoin, unwrap } from "./_fold.ts";
import { stringOperation } from "./_string_operations.ts";

// The TypeScript namespace exports its members as getters: read them once.
const {
  getCombinedNodeFlags,
  isArrayLiteralExpression,
  isBinaryExpression,
  isCallExpression,
  isCaseClause,
  isElementAccessExpression,
  isStringLiteralLike,
  isConditionalExpression,
  isIdentifier,
  isPropertyAccessExpression,
  isTemplateSpan,
  isVariableDeclaration,
  NodeFlags,
  SyntaxKind,
} = typescript;

// Passes a child's string value up to its parent: the parent is the bigger
// string expression. Mirrors what `fold` understands.
// `owners` says which names' members (`SQL.drop`, `M.get("db")`) are worth
// folding: constant objects, maps and enums (default: every name).
export function climb(node: ts.Expression, owners?: ReadonlySet<string>): ts.Expression {
  let current: ts.Expression = node;
  for (;;) {
    const parent: ts.Node = current.parent;
    switch (parent.kind) {
      case SyntaxKind.ParenthesizedExpression:
      case SyntaxKind.AsExpression:
      case SyntaxKind.SatisfiesExpression:
      case SyntaxKind.NonNullExpression:
      case SyntaxKind.TypeAssertionExpression:
        current = parent as ts.Expression;
        continue;
      case SyntaxKind.TemplateSpan:
        current = parent.parent as ts.TemplateExpression;
        continue;
      case SyntaxKind.TaggedTemplateExpression:
        if ((parent as ts.TaggedTemplateExpression).template !== current) return current;
        current = parent as ts.Expression;
        continue;
      case SyntaxKind.BinaryExpression: {
        const binary = parent as ts.BinaryExpression;
        const op = binary.operatorToken.kind;
        if (
          op === SyntaxKind.PlusToken || op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken ||
          ((op === SyntaxKind.CommaToken || op === SyntaxKind.AmpersandAmpersandToken) && binary.right === current)
        ) {
          current = binary;
          continue;
        }
        return current;
      }
      case SyntaxKind.ConditionalExpression:
        if ((parent as ts.ConditionalExpression).condition === current) return current;
        current = parent as ts.Expression;
        continue;
      case SyntaxKind.PropertyAccessExpression: {
        // `"x".concat(y)`, `"x".toUpperCase()`, `[a, b].join(" ")`, `parts.join(" ")`,
        // `tpl.replace("{db}", name)`, `SQL.drop` (a member of a constant object or enum),
        // `STATEMENTS.get("db")` (a constant Map's entry).
        const access = parent as ts.PropertyAccessExpression;
        const call = access.parent;
        if (access.expression !== current) return current;
        if (!isCallExpression(call) || call.expression !== access) {
          if (!nameChain(current, owners)) return current;
          current = access;
          continue;
        }
        // The table's operations: a string's reach through those that give a
        // string; an array's to the operation that makes it one (`join`).
        const operation = stringOperation(access.name.text, call);
        if (operation === undefined || operation.gives !== "string") return current;
        if (operation.on === "array" && !isArrayLiteralExpression(unwrap(current)) && !isIdentifier(unwrap(current))) {
          return current;
        }
        if (operation.on === "map" && !nameChain(current, owners)) return current;
        current = call;
        continue;
      }
      case SyntaxKind.ElementAccessExpression: {
        // `SQL["drop"]`.
        const access = parent as ts.ElementAccessExpression;
        if (
          access.expression !== current || !isStringLiteralLike(access.argumentExpression) ||
          !nameChain(current, owners)
        ) return current;
        current = access;
        continue;
      }
      case SyntaxKind.SpreadElement: {
        // `[...HEAD, name].join(" ")`: the joined array is the string.
        const array = parent.parent;
        const joined = array !== undefined && isArrayLiteralExpression(array) ? joinOf(array) : undefined;
        if (joined !== undefined) {
          current = joined;
          continue;
        }
        return current;
      }
      case SyntaxKind.ArrayLiteralExpression: {
        const joined = joinOf(parent as ts.ArrayLiteralExpression);
        if (joined !== undefined) {
          current = joined;
          continue;
        }
        return current;
      }
      case SyntaxKind.CallExpression: {
        const call = parent as ts.CallExpression;
        if (call.expression === current || !call.arguments.includes(current)) return current;
        const callee = call.expression;
        const isConcat = isPropertyAccessExpression(callee) && callee.name.text === "concat";
        const isString = isIdentifier(callee) && callee.text === "String" && call.arguments[0] === current;
        if (!isConcat && !isString && !isPathJoin(callee)) return current;
        current = call;
        continue;
      }
      case SyntaxKind.NewExpression: {
        const created = parent as ts.NewExpression;
        if (
          isIdentifier(created.expression) &&
          (created.expression.text === "URL" || created.expression.text === "String") &&
          created.arguments?.[0] === current
        ) {
          current = created;
          continue;
        }
        return current;
      }
      default:
        return current;
    }
  }
}

// The call that makes an array literal a string: `[…].join(" ")`, through
// the table's array operations (`[…].filter(Boolean).join(" ")`).
function joinOf(array: ts.ArrayLiteralExpression): ts.CallExpression | undefined {
  let receiver: ts.Expression = array;
  for (let depth = 0; depth < 8; depth++) {
    const access = receiver.parent;
    if (!isPropertyAccessExpression(access) || access.expression !== receiver) return undefined;
    const call = access.parent;
    if (!isCallExpression(call) || call.expression !== access) return undefined;
    const operation = stringOperation(access.name.text, call);
    if (operation?.on !== "array") return undefined;
    if (operation.gives === "string") return call;
    receiver = call;
  }
  return undefined;
}

// `a`, `a.b`, `a["b"]`: a chain of names, whose members a fold can look up.
function nameChain(node: ts.Expression, owners: ReadonlySet<string> | undefined): boolean {
  const bare = unwrap(node);
  if (isIdentifier(bare)) return owners === undefined || owners.has(bare.text);
  if (isPropertyAccessExpression(bare)) return nameChain(bare.expression, owners);
  if (isElementAccessExpression(bare)) {
    return isStringLiteralLike(bare.argumentExpression) && nameChain(bare.expression, owners);
  }
  return false;
}

// A string literal that is a value, not a name: not an import specifier, a
// property key, a literal type, a module name.
export function isValueLiteral(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): boolean {
  const parent = node.parent;
  switch (parent.kind) {
    case SyntaxKind.ImportDeclaration:
    case SyntaxKind.ExportDeclaration:
    case SyntaxKind.ExternalModuleReference:
    case SyntaxKind.LiteralType:
    case SyntaxKind.ModuleDeclaration:
    case SyntaxKind.ImportAttribute:
    case SyntaxKind.ImportSpecifier:
    case SyntaxKind.ExportSpecifier:
      return false;
    case SyntaxKind.PropertyAssignment:
    case SyntaxKind.PropertyDeclaration:
    case SyntaxKind.PropertySignature:
    case SyntaxKind.MethodDeclaration:
    case SyntaxKind.MethodSignature:
    case SyntaxKind.GetAccessor:
    case SyntaxKind.SetAccessor:
    case SyntaxKind.EnumMember:
    case SyntaxKind.BindingElement:
    case SyntaxKind.JsxAttribute:
      return (parent as ts.NamedDeclaration).name !== node;
    case SyntaxKind.CallExpression:
      // `import("x")`, `require("x")`.
      return (parent as ts.CallExpression).expression.kind !== SyntaxKind.ImportKeyword;
    default:
      return true;
  }
}

// An identifier worth keeping for the end of the file: one whose value may
// be (part of) a string expression.
export function isNameCandidate(node: ts.Identifier | ts.PropertyAccessExpression): boolean {
  const parent = node.parent;
  switch (parent.kind) {
    case SyntaxKind.BinaryExpression:
    case SyntaxKind.TemplateSpan:
    case SyntaxKind.ConditionalExpression:
    case SyntaxKind.ParenthesizedExpression:
    case SyntaxKind.AsExpression:
    case SyntaxKind.SatisfiesExpression:
    case SyntaxKind.NonNullExpression:
    case SyntaxKind.PropertyAccessExpression:
    case SyntaxKind.ElementAccessExpression:
      return (parent as { expression?: ts.Node }).expression === node || isBinaryExpression(parent) ||
        isTemplateSpan(parent) ||
        isConditionalExpression(parent);
    default:
      return isValuePosition(node);
  }
}

// A bare name here is a value that leaves the expression: an argument, an
// element, a property value, a returned or assigned value.
export function isValuePosition(node: ts.Expression): boolean {
  const parent = node.parent;
  switch (parent.kind) {
    case SyntaxKind.CallExpression:
    case SyntaxKind.NewExpression:
      return (parent as ts.CallExpression).expression !== node;
    case SyntaxKind.ArrayLiteralExpression:
    case SyntaxKind.ShorthandPropertyAssignment:
    case SyntaxKind.ReturnStatement:
    case SyntaxKind.ComputedPropertyName:
    case SyntaxKind.SpreadElement:
    case SyntaxKind.AwaitExpression:
    case SyntaxKind.ExportAssignment:
    case SyntaxKind.JsxExpression:
    case SyntaxKind.YieldExpression:
      return true;
    case SyntaxKind.PropertyAssignment:
    case SyntaxKind.VariableDeclaration:
    case SyntaxKind.PropertyDeclaration:
    case SyntaxKind.Parameter:
      return (parent as ts.VariableDeclaration).initializer === node;
    case SyntaxKind.ElementAccessExpression:
      return (parent as ts.ElementAccessExpression).argumentExpression === node;
    case SyntaxKind.ArrowFunction:
      return (parent as ts.ArrowFunction).body === node;
    case SyntaxKind.BinaryExpression:
      return (parent as ts.BinaryExpression).operatorToken.kind === SyntaxKind.EqualsToken &&
        (parent as ts.BinaryExpression).right === node;
    default:
      return false;
  }
}

// The name a root is the value of, when it defines it: `const X = …`,
// `let x = …`, `x = …`, `x += …`. Such a value is matched where the name is
// read (or, when it never is, where it is defined).
export function definedName(root: ts.Expression): ts.Identifier | undefined {
  const parent = root.parent;
  if (isVariableDeclaration(parent) && parent.initializer === root && isIdentifier(parent.name)) return parent.name;
  if (isBinaryExpression(parent) && parent.right === root && isIdentifier(parent.left)) {
    const op = parent.operatorToken.kind;
    if (op === SyntaxKind.EqualsToken || op === SyntaxKind.PlusEqualsToken) return parent.left;
  }
  return undefined;
}

// `const X = "…"` defines a constant; it is matched where X is used.
export function isConstDefinition(root: ts.Expression): boolean {
  const parent = root.parent;
  return isVariableDeclaration(parent) && parent.initializer === root && isIdentifier(parent.name) &&
    (getCombinedNodeFlags(parent) & NodeFlags.Const) !== 0;
}

// Methods and matchers that compare a string with another, or look for it
// in one: their string argument is data, never run.
const COMPARING_METHODS: ReadonlySet<string> = new Set([
  "startsWith",
  "endsWith",
  "includes",
  "indexOf",
  "lastIndexOf",
  "localeCompare",
  "toBe",
  "toEqual",
  "toStrictEqual",
  "toContain",
  "toMatch",
  "toContainEqual",
  "toMatchInlineSnapshot",
  "toHaveBeenCalledWith",
  "toHaveBeenLastCalledWith",
  "toHaveBeenNthCalledWith",
  "toBeCalledWith",
  "toThrow",
  "equal",
  "notEqual",
  "strictEqual",
  "notStrictEqual",
  "deepEqual",
  "deepStrictEqual",
  "notDeepStrictEqual",
  "eql",
  "equals",
]);

// `cmd === "FLUSHALL"`, `case "FLUSHALL":`, `sql.startsWith("drop user")`,
// `expect(sql).toContain("drop schema")`, `assert.equal(sql, "DROP …")`
// compare with the string; they run nothing.
export function isComparison(root: ts.Expression): boolean {
  const parent = root.parent;
  if (isCaseClause(parent)) return parent.expression === root;
  if (isCallExpression(parent) && parent.expression !== root && parent.arguments.includes(root)) {
    const callee = unwrap(parent.expression);
    return isPropertyAccessExpression(callee) && COMPARING_METHODS.has(callee.name.text);
  }
  if (!isBinaryExpression(parent)) return false;
  switch (parent.operatorToken.kind) {
    case SyntaxKind.EqualsEqualsEqualsToken:
    case SyntaxKind.ExclamationEqualsEqualsToken:
    case SyntaxKind.EqualsEqualsToken:
    case SyntaxKind.ExclamationEqualsToken:
      return true;
    default:
      return false;
  }
}

// The known text of every alternative, joined by a hole character: what
// rules test with a cheap regular expression before they tokenize. Undefined
// when nothing is known.
export function knownText(folded: Folded): string | undefined {
  let text = "";
  let known = false;
  for (const alternative of folded) {
    for (const piece of alternative) {
      if (piece === null) text += "\uFFFF";
      else if (piece.length > 0) {
        text += piece;
        known = true;
      }
    }
    text += "\uFFFF";
  }
  return known ? text : undefined;
}
