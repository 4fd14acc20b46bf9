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
const { isExportDeclaration, isImportDeclaration, isModuleDeclaration, isSourceFile, isStringLiteral, SymbolFlags } =
  typescript;

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
  readonly #files: () => readonly ts.SourceFile[];
  readonly #byFile = new Map<ts.SourceFile, readonly string[]>();
  #importedAs: Map<ts.SourceFile, string> | undefined;

  /**
   * @param checker Returns the type checker.
   * @param packages The package lookup.
   * @param files Returns the program's files: how they import each other
   *   names the packages that have no `package.json` of their own (a stub
   *   mapped by `paths`).
   */
  constructor(checker: () => ts.TypeChecker, packages: PackageLookup, files: () => readonly ts.SourceFile[]) {
    this.#checker = checker;
    this.#packages = packages;
    this.#files = files;
  }

  /**
   * The packages whose declarations a symbol has, after aliases: the
   * ambient module (`declare module "knex" { … }`) a declaration is in, the
   * package directory under `node_modules/`, the nearest named
   * `package.json`, and the bare specifier the declaring file is imported
   * by (`import … from "knex"`). Prisma's generated client counts as
   * `@prisma/client`.
   *
   * @param symbol A symbol.
   * @returns Package names, for example `knex` or `@mikro-orm/knex`.
   */
  of(symbol: ts.Symbol): Set<string> {
    const resolved = symbol.flags & SymbolFlags.Alias ? this.#checker().getAliasedSymbol(symbol) : symbol;
    const names = new Set<string>();
    for (const declaration of resolved.declarations ?? []) {
      for (const name of this.#ofDeclaration(declaration)) names.add(name);
    }
    return names;
  }

  #ofDeclaration(declaration: ts.Node): readonly string[] {
    for (let current: ts.Node | undefined = declaration.parent; current !== undefined; current = current.parent) {
      if (isModuleDeclaration(current) && isStringLiteral(current.name)) return [packageOfSpecifier(current.name.text)];
    }
    const file = declaration.getSourceFile();
    let known = this.#byFile.get(file);
    if (known === undefined) {
      const names = new Set<string>();
      const installed = NODE_MODULES.exec(file.fileName.split("\\").join("/"));
      if (installed !== null) names.add(fromTypesPackage(installed[1]!));
      const manifest = this.#packages.packageName(file.fileName);
      if (manifest !== undefined) names.add(manifest);
      const imported = this.#importedAsOf(file);
      if (imported !== undefined) names.add(imported);
      if (names.has(PRISMA_GENERATED) || names.has(".prisma") || importsPrismaRuntime(file)) names.add(PRISMA);
      this.#byFile.set(file, known = [...names]);
    }
    return known;
  }

  // The bare specifier a file is imported by, over every import of the
  // program: built once, at the first question.
  #importedAsOf(file: ts.SourceFile): string | undefined {
    if (this.#importedAs === undefined) {
      const checker = this.#checker();
      const importedAs = new Map<ts.SourceFile, string>();
      for (const from of this.#files()) {
        for (const statement of from.statements) {
          const specifier = isImportDeclaration(statement) || isExportDeclaration(statement)
            ? statement.moduleSpecifier
            : undefined;
          if (specifier === undefined || !isStringLiteral(specifier) || /^[./]/.test(specifier.text)) continue;
          const target = checker.getSymbolAtLocation(specifier)?.declarations?.[0];
          if (target !== undefined && isSourceFile(target) && !importedAs.has(target)) {
            importedAs.set(target, packageOfSpecifier(specifier.text));
          }
        }
      }
      this.#importedAs = importedAs;
    }
    return this.#importedAs.get(file);
  }
}

// The package directory of an installed file: `node_modules/@mikro-orm/core/…`.
const NODE_MODULES = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

// `@types/mongoose` → `mongoose`, `@types/scope__name` → `@scope/name`.
function fromTypesPackage(name: string): string {
  if (!name.startsWith("@types/")) return name;
  const bare = name.slice("@types/".length);
  return bare.includes("__") ? `@${bare.replace("__", "/")}` : bare;
}

function importsPrismaRuntime(file: ts.SourceFile): boolean {
  return file.statements.some((s) =>
    isImportDeclaration(s) && isStringLiteral(s.moduleSpecifier) && PRISMA_RUNTIME.test(s.moduleSpecifier.text)
  );
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
