/**
 * Which npm packages declare a symbol: how the rules tell a driver's or an
 * ORM's method from a look-alike of the same name.
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import type { PackageLookup } from "./_package.ts";

// The TypeScript namespace exports its members as getters: read them once.
const { isImportDeclaration, isModuleDeclaration, isStringLiteral, SymbolFlags } = typescript;

// Prisma generates its client: into `node_modules/.prisma/client`, or into
// the project (`output` in schema.prisma), where it imports Prisma's runtime.
const PRISMA_GENERATED = ".prisma/client";
const PRISMA_RUNTIME = /^@prisma\/client\/runtime\b/;
const PRISMA = "@prisma/client";

/**
 * Finds the packages that declare symbols, with one answer per file cached.
 */
export class DeclaringPackages {
  readonly #checker: () => ts.TypeChecker;
  readonly #packages: PackageLookup;
  readonly #byFile = new Map<ts.SourceFile, string | null>();

  /**
   * @param checker Returns the type checker.
   * @param packages The package lookup.
   */
  constructor(checker: () => ts.TypeChecker, packages: PackageLookup) {
    this.#checker = checker;
    this.#packages = packages;
  }

  /**
   * The packages whose declarations a symbol has, after aliases: the
   * nearest named `package.json` of each declaration's file, or the
   * ambient module (`declare module "knex" { … }`) it is declared in.
   * Prisma's generated client counts as `@prisma/client`.
   *
   * @param symbol A symbol.
   * @returns Package names, for example `knex` or `@mikro-orm/knex`.
   */
  of(symbol: ts.Symbol): Set<string> {
    const resolved = symbol.flags & SymbolFlags.Alias ? this.#checker().getAliasedSymbol(symbol) : symbol;
    const names = new Set<string>();
    for (const declaration of resolved.declarations ?? []) {
      const name = this.#ofDeclaration(declaration);
      if (name !== undefined) names.add(name);
    }
    return names;
  }

  #ofDeclaration(declaration: ts.Node): string | undefined {
    for (let current: ts.Node | undefined = declaration.parent; current !== undefined; current = current.parent) {
      if (isModuleDeclaration(current) && isStringLiteral(current.name)) return packageOfSpecifier(current.name.text);
    }
    const file = declaration.getSourceFile();
    let known = this.#byFile.get(file);
    if (known === undefined) {
      known = this.#packages.packageName(file.fileName) ?? null;
      if (known === PRISMA_GENERATED) known = PRISMA;
      else if (known !== PRISMA && importsPrismaRuntime(file)) known = PRISMA;
      this.#byFile.set(file, known);
    }
    return known ?? undefined;
  }
}

function importsPrismaRuntime(file: ts.SourceFile): boolean {
  return file.statements.some((s) => isImportDeclaration(s) && isStringLiteral(s.moduleSpecifier) && PRISMA_RUNTIME.test(s.moduleSpecifier.text));
}

// `knex/types` → `knex`, `@mikro-orm/core/typings` → `@mikro-orm/core`.
function packageOfSpecifier(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

// The ORMs and schema builders whose drop APIs the guard knows, by package.
const ORMS: readonly (readonly [RegExp, string])[] = [
  [/^knex$/, "knex"],
  [/^kysely$/, "Kysely"],
  [/^sequelize$|^@sequelize\//, "Sequelize"],
  [/^typeorm$/, "TypeORM"],
  [/^@mikro-orm\//, "MikroORM"],
  [/^@prisma\/client$/, "Prisma"],
];

/**
 * The ORM or schema builder among a symbol's declaring packages.
 *
 * @param packages Package names.
 * @returns Its display name (`"TypeORM"`), or `undefined` when none is one.
 */
export function ormOf(packages: ReadonlySet<string>): string | undefined {
  for (const name of packages) {
    for (const [pattern, display] of ORMS) if (pattern.test(name)) return display;
  }
  return undefined;
}
