/**
 * Building the TypeScript program the guard reads, and choosing the files it
 * scans.
 *
 * @module
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type ts from "typescript";
import { typescript } from "./_typescript.ts";
import { globToRegExp } from "./_glob.ts";
import { GuardUsageError } from "./usage_error.ts";

/** The source extensions the guard scans. */
export const SOURCE_EXTENSIONS: readonly string[] = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const TSCONFIG = "tsconfig.json";

/**
 * The options used when no tsconfig.json exists: what a current Node
 * project compiles with.
 */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  // TypeScript 5.0 and 5.1 have no ES2023 target.
  target: typescript.ScriptTarget.ES2023 ?? typescript.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: typescript.ModuleKind.NodeNext,
  moduleResolution: typescript.ModuleResolutionKind.NodeNext,
  allowJs: true,
  allowImportingTsExtensions: true,
  strict: true,
  skipLibCheck: true,
};

/** What to build the program from. */
export interface ProgramRequest {
  readonly cwd: string;
  /** A tsconfig.json; `undefined` looks for one in `cwd`. */
  readonly project: string | undefined;
  /** Files or directories to scan; empty: the project's files. */
  readonly paths: readonly string[];
  /** Glob patterns of files not to scan, relative to `excludeBase`. */
  readonly exclude: readonly string[];
  readonly excludeBase: string;
}

/** The program and the files to scan. */
export interface GuardProgram {
  readonly program: ts.Program;
  readonly files: readonly ts.SourceFile[];
  /** The tsconfig.json used, if any. */
  readonly project: string | undefined;
  /**
   * Source files under the scanned directories (the paths, else the
   * project's directory) that the scan leaves out: not in the project (its
   * `include`/`exclude`/`files`, or JavaScript without `allowJs`), and not
   * excluded by the config. Absolute, sorted.
   */
  readonly leftOut: readonly string[];
}

/**
 * Builds the program: from the tsconfig.json when there is one (given, or
 * in `cwd`), plus the given paths; otherwise from the paths alone with
 * default options. Only parsing and module resolution happen here: nothing
 * is type-checked.
 *
 * @param request What to build from.
 * @returns The program and the files to scan (not declaration files, not
 * under node_modules, not excluded).
 * @throws {GuardUsageError} If the tsconfig.json is missing or invalid, or a path does not exist.
 */
export function createGuardProgram(request: ProgramRequest): GuardProgram {
  const { cwd } = request;
  const projectPath = request.project !== undefined
    ? resolve(cwd, request.project)
    : existsSync(resolve(cwd, TSCONFIG))
    ? resolve(cwd, TSCONFIG)
    : undefined;
  let options: ts.CompilerOptions = DEFAULT_OPTIONS;
  let projectFiles: readonly string[] = [];
  if (projectPath !== undefined) {
    const parsed = parseProject(projectPath);
    options = parsed.options;
    projectFiles = parsed.fileNames;
  }
  const given = request.paths.map((path) => {
    const absolute = resolve(cwd, path);
    if (!existsSync(absolute)) throw new GuardUsageError(`Cannot scan as the path '${path}' does not exist`);
    return absolute;
  });
  // Without a project or paths, the sources under the working directory
  // (JavaScript on its own too) are the project.
  const extra = given.length === 0 && projectPath === undefined
    ? sourceFilesUnder(cwd)
    : given.flatMap((path) => sourceFilesUnder(path));
  options = {
    ...options,
    noEmit: true,
    // A build-info file or composite settings would make createProgram
    // reach for outputs the guard never writes.
    incremental: false,
    composite: false,
    tsBuildInfoFile: undefined,
    allowJs: options.allowJs === true || extra.some((f) => /\.[cm]?jsx?$/.test(f)),
  };
  // No parent pointers: setting them is a pass over every file, the
  // libraries too. The guard's walk sets them on the files it scans, and the
  // binder on all files once the checker is needed.
  const host = typescript.createCompilerHost(options, false);
  // The same as tsc: JSDoc in TypeScript files is not parsed, since types
  // never come from it there. The guard reads its own tag from the comment
  // text. TypeScript before 5.3 has no such mode and parses all JSDoc:
  // slower, with the same findings.
  if (typescript.JSDocParsingMode !== undefined) host.jsDocParsingMode = typescript.JSDocParsingMode.ParseForTypeErrors;
  // Declarations of packages no rule asks about (Node's own, pg, ioredis,
  // mysql2, …) are read as empty modules: parsing and binding them is most
  // of the cost on a project that imports heavy driver types, and nothing
  // the guard decides depends on them.
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!isTypedPackageNeeded(fileName)) return typescript.createSourceFile(fileName, "export {};", languageVersion);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const rootNames = [...new Set([...projectFiles, ...extra])];
  const program = typescript.createProgram({ rootNames, options, host });

  const normalized = (file: string) => file.split("\\").join("/");
  const scopes = given.map(normalized);
  const roots = new Set(rootNames.map(normalized));
  const excludes = request.exclude.map(globToRegExp);
  const excludeBase = normalized(request.excludeBase);
  const files = program.getSourceFiles().filter((file) => {
    if (file.isDeclarationFile || /\/node_modules\//.test(file.fileName)) return false;
    const inScope = scopes.length === 0
      ? roots.has(file.fileName)
      : scopes.some((scope) => file.fileName === scope || file.fileName.startsWith(`${scope}/`));
    if (!inScope) return false;
    const rel = normalized(relative(excludeBase, file.fileName));
    return !excludes.some((pattern) => pattern.test(rel));
  });
  const scanned = new Set(files.map((f) => f.fileName));
  const outputs = [options.outDir, options.declarationDir].filter((d): d is string => d !== undefined).map(normalized);
  const walked = scopes.length > 0 ? given : [projectPath === undefined ? cwd : dirname(projectPath)];
  const leftOut = [
    ...new Set(walked.flatMap((path) => (existsSync(path) ? sourceFilesUnder(path) : [])).map(normalized)),
  ].filter((file) => {
    if (scanned.has(file) || outputs.some((dir) => file.startsWith(`${dir}/`))) return false;
    const rel = normalized(relative(excludeBase, file));
    return !excludes.some((pattern) => pattern.test(rel));
  });
  return { program, files, project: projectPath, leftOut };
}

// The packages whose declarations the type-aware rules read: guarded-drop's
// contract and adapters, the ORMs and schema builders (orm-drop), and the
// MongoDB driver and mongoose (mongodb-drop), with their own dependencies'
// types they are built from.
const NEEDED_PACKAGES =
  /^(?:guarded-drop|typeorm|sequelize|knex|kysely|mongoose|mongodb|bson|prisma|@prisma\/[^/]+|\.prisma|@mikro-orm\/[^/]+|@types\/(?:mongodb|mongoose|knex|sequelize))$/;

/**
 * Whether the guard needs a file's declarations: every file outside
 * `node_modules`, and the declarations of the packages its rules recognise
 * by type.
 *
 * NOTE: a type that reaches one of those packages only through another
 * package's declarations (a framework's wrapper returning an ORM's type) is
 * not seen: the wrapper's declarations are not read.
 *
 * @param fileName An absolute file name.
 * @returns `false` for another package's declaration file.
 */
export function isTypedPackageNeeded(fileName: string): boolean {
  const normalized = fileName.split("\\").join("/");
  const at = normalized.lastIndexOf("/node_modules/");
  if (at === -1 || !/\.d\.[cm]?ts$/.test(normalized)) return true;
  const rest = normalized.slice(at + "/node_modules/".length).split("/");
  const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  // TypeScript's own libraries (Promise, Map) are always read.
  if (name === "typescript") return true;
  return NEEDED_PACKAGES.test(name);
}

function parseProject(path: string): ts.ParsedCommandLine {
  if (!existsSync(path)) throw new GuardUsageError(`Cannot scan as the project '${path}' does not exist`);
  const diagnostics: ts.Diagnostic[] = [];
  const parsed = typescript.getParsedCommandLineOfConfigFile(path, {}, {
    ...typescript.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => void diagnostics.push(diagnostic),
  });
  const errors = [...diagnostics, ...(parsed?.errors ?? [])].filter((d) =>
    d.category === typescript.DiagnosticCategory.Error &&
    // "No inputs were found" is fine when paths are given; the guard's own
    // zero-files check decides.
    d.code !== 18003
  );
  if (parsed === undefined || errors.length > 0) {
    const message = errors.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, " ")).join("; ");
    throw new GuardUsageError(`Cannot scan as the project '${path}' is invalid: ${message}`);
  }
  return parsed;
}

/**
 * The source files under a path (the path itself when it is a file), as the
 * guard collects paths to scan: no declaration files, no `node_modules`, no
 * dot-directories.
 *
 * @param path An existing file or directory.
 * @returns Absolute paths, sorted.
 */
export function sourceFilesUnder(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  const found: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const child = resolve(directory, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !/\.d\.[cm]?ts$/.test(entry.name)) {
        found.push(child);
      }
    }
  };
  walk(path);
  return found.sort();
}
