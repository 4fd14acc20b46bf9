/**
 * The `orm-drop` rule: the drop APIs of ORMs and schema builders (knex,
 * Kysely, Sequelize, TypeORM, MikroORM, Prisma).
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { ormOf } from "../_declaring_packages.ts";
import { unwrap } from "../_fold.ts";
import { findSqlDrops, SQL_DROP_OBJECTS } from "../_sql.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isCallExpression,
  isElementAccessExpression,
  isIdentifier,
  isMethodDeclaration,
  isMethodSignature,
  isObjectLiteralExpression,
  isPropertyAccessExpression,
  isStringLiteralLike,
  isTaggedTemplateExpression,
  SymbolFlags,
  SyntaxKind,
} = typescript;

// What each method drops. The receiver's type decides whether it is the
// ORM's: the name alone proves nothing.
const METHODS: ReadonlyMap<string, string> = new Map([
  ["dropDatabase", "the database"],
  ["dropSchema", "a schema"],
  ["dropSchemaIfExists", "a schema"],
  ["dropAllSchemas", "every schema"],
  // MikroORM: drops the schema, then creates it empty.
  ["refreshDatabase", "the schema"],
  // TypeORM: `synchronize(true)` drops the database first.
  ["synchronize", "the database"],
]);
const RAW_METHODS: ReadonlySet<string> = new Set(["$executeRaw", "$executeRawUnsafe", "$queryRaw", "$queryRawUnsafe"]);
// Prisma's helpers that wrap SQL text: `Prisma.sql\`…\``, `Prisma.raw("…")`.
const SQL_WRAPPERS: ReadonlySet<string> = new Set(["sql", "raw"]);
const OBJECTS: ReadonlySet<string> = new Set(SQL_DROP_OBJECTS);

/**
 * Reports an ORM's or schema builder's drop API outside a sanctioned
 * function, recognised by the receiver's type from the package's
 * declarations:
 *
 * - knex `schema.dropSchema()`/`dropSchemaIfExists()`; Kysely
 *   `schema.dropSchema()`;
 * - Sequelize `dropSchema()`/`dropAllSchemas()`, and the query interface's
 *   `dropDatabase()`;
 * - TypeORM `dropDatabase()`/`dropSchema()` (data source, query runner),
 *   `synchronize(true)`, and the `dropSchema: true` data-source option;
 * - MikroORM's schema generator `dropDatabase()`/`dropSchema()`/`refreshDatabase()`;
 * - Prisma `$executeRaw`/`$executeRawUnsafe`/`$queryRaw`/`$queryRawUnsafe`
 *   carrying a `DROP DATABASE|ROLE|USER|SCHEMA|OWNED`.
 *
 * A method of the same name on an unrelated type stays quiet, and so does
 * an untyped receiver (`any`): the SQL and MongoDB rules still see the
 * text and the MongoDB method names.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * await knex.schema.dropSchemaIfExists(`t_${id}`, true);       // flagged
 * await dataSource.dropDatabase();                             // flagged
 * await prisma.$executeRawUnsafe(`DROP SCHEMA "t_${id}"`);     // flagged
 * await myCache.dropSchema("x");                               // quiet: not an ORM
 * ```
 */
export const ormDrop: RuleModule<"method" | "option" | "raw", readonly []> = createRule({
  name: "orm-drop",
  meta: {
    docs: {
      description: "An ORM's or schema builder's database or schema drop outside a sanctioned function",
      details:
        "knex, Kysely, Sequelize, TypeORM, MikroORM and Prisma can drop a tenant's database or schema: dropDatabase(), " +
        "dropSchema(), dropSchemaIfExists(), dropAllSchemas(), MikroORM's refreshDatabase(), TypeORM's synchronize(true) and " +
        "dropSchema: true option, and Prisma's $executeRaw/$queryRaw (also Unsafe) carrying a DROP. They may appear only " +
        "inside a function tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. The method " +
        "is recognised by the receiver's type, from the package's declarations; a same-named method elsewhere is not reported.",
      requiresTypeChecking: true,
    },
    messages: {
      method:
        "{{library}} `{{method}}()` drops {{what}} outside a sanctioned function: move it into a function tagged " +
        "/** @sanctionedDrop */ and call that function only inside a guardedDrop(request, () => …) drop callback",
      option:
        "{{library}} option `dropSchema: true` drops the schema whenever the data source is initialized: remove it, or " +
        "drop through a function tagged /** @sanctionedDrop */ inside a guardedDrop drop callback",
      raw:
        "{{library}} `{{method}}` runs `DROP {{object}}` outside a sanctioned function: move it into a function tagged " +
        "/** @sanctionedDrop */ and call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    // Fetched at the first candidate: a project without these names never
    // builds the checker.
    let checker: ts.TypeChecker | undefined;
    const typeChecker = (): ts.TypeChecker => (checker ??= context.checker);
    const libraryOf = (name: ts.Node, receiver: ts.Expression, method: string): string | undefined => {
      const checker = typeChecker();
      const symbol = checker.getSymbolAtLocation(name) ??
        checker.getNonNullableType(checker.getTypeAtLocation(receiver)).getProperty(method);
      // A method: `options.dropSchema`, a boolean option, is no drop by itself.
      if (symbol === undefined || !isMethod(symbol)) return undefined;
      return ormOf(context.packagesOf(symbol));
    };
    const check = (access: ts.PropertyAccessExpression | ts.ElementAccessExpression, name: ts.Node, method: string) => {
      const what = METHODS.get(method);
      if (what !== undefined) {
        if (method === "synchronize" && !dropsBeforeSync(access)) return;
        const library = libraryOf(name, access.expression, method);
        if (library === undefined || (method === "synchronize" && library !== "TypeORM")) return;
        context.report({ node: name, messageId: "method", data: { library, method, what } });
        return;
      }
      if (!RAW_METHODS.has(method)) return;
      const sql = sqlOf(access);
      if (sql === undefined) return;
      const found = findSqlDrops(context.fold(sql), OBJECTS);
      if (found.length === 0) return;
      const library = libraryOf(name, access.expression, method);
      if (library === undefined) return;
      context.report({ node: sql, messageId: "raw", data: { library, method, object: found.join("`, `DROP ") } });
    };
    // Checked when the file's walk is over: the SQL argument's parents are
    // set only then, and folding needs them.
    const candidates: [ts.PropertyAccessExpression | ts.ElementAccessExpression, ts.Node, string][] = [];
    return {
      PropertyAccessExpression(node) {
        const method = node.name.text;
        if (METHODS.has(method) || RAW_METHODS.has(method)) candidates.push([node, node.name, method]);
      },
      ElementAccessExpression(node) {
        const key = node.argumentExpression;
        if (isStringLiteralLike(key) && (METHODS.has(key.text) || RAW_METHODS.has(key.text))) {
          candidates.push([node, key, key.text]);
        }
      },
      "SourceFile:exit"() {
        for (const [access, name, method] of candidates.splice(0)) check(access, name, method);
      },
      PropertyAssignment(node) {
        // `new DataSource({ …, dropSchema: true })`
        if (!isIdentifier(node.name) || node.name.text !== "dropSchema" || !isObjectLiteralExpression(node.parent)) {
          return;
        }
        if (unwrap(node.initializer).kind === SyntaxKind.FalseKeyword) return;
        const checker = typeChecker();
        const contextual = checker.getContextualType(node.parent);
        // An optional parameter's type is `Options | undefined`.
        const symbol = contextual === undefined
          ? undefined
          : checker.getNonNullableType(contextual).getProperty("dropSchema");
        const library = symbol === undefined ? undefined : ormOf(context.packagesOf(symbol));
        if (library === "TypeORM") context.report({ node: node.name, messageId: "option", data: { library } });
      },
    };
  },
});

// A method, also through a mapped type (`Omit<PrismaClient, …>` keeps the
// declarations).
function isMethod(symbol: ts.Symbol): boolean {
  if (symbol.flags & SymbolFlags.Method) return true;
  return (symbol.declarations ?? []).some((d) => isMethodDeclaration(d) || isMethodSignature(d));
}

// `synchronize(true)`: any first argument but `false` (a variable may be true).
function dropsBeforeSync(access: ts.Expression): boolean {
  const call = access.parent;
  if (!isCallExpression(call) || call.expression !== access) return false;
  const flag = call.arguments[0];
  return flag !== undefined && unwrap(flag).kind !== SyntaxKind.FalseKeyword;
}

// The SQL a raw-query method is given: the tagged template itself
// (`prisma.$executeRaw\`…\``), or the first argument, out of a
// `Prisma.sql\`…\``/`Prisma.raw("…")` wrapper.
function sqlOf(access: ts.PropertyAccessExpression | ts.ElementAccessExpression): ts.Expression | undefined {
  const parent = access.parent;
  if (isTaggedTemplateExpression(parent) && parent.tag === access) return parent;
  if (!isCallExpression(parent) || parent.expression !== access) return undefined;
  const argument = parent.arguments[0];
  if (argument === undefined) return undefined;
  const bare = unwrap(argument);
  if (isCallExpression(bare) && isWrapper(bare.expression) && bare.arguments[0] !== undefined) return bare.arguments[0];
  return argument;
}

function isWrapper(callee: ts.Expression): boolean {
  const bare = unwrap(callee);
  const name = isIdentifier(bare)
    ? bare.text
    : isPropertyAccessExpression(bare)
    ? bare.name.text
    : isElementAccessExpression(bare)
    ? ""
    : "";
  return SQL_WRAPPERS.has(name);
}
