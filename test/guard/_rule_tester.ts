// A RuleTester in the shape of typescript-eslint's: a table of valid code
// (must stay quiet) and invalid code (must be flagged, with message id, line
// and column), run through the same `scan` the CLI uses. Every case is its
// own module in one temporary project, so a table costs one program.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Finding, type RuleModule, scan } from "../../guard/mod.ts";

/** The repository root: the tester's projects import guarded-drop from it. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const PACKAGE_STUBS = join(REPO, "test", "guard", "fixtures", "packages");
const STUBS: Readonly<Record<string, string>> = {
  knex: "knex/types/index.d.ts",
  kysely: "kysely/index.d.ts",
  sequelize: "sequelize/types/index.d.ts",
  typeorm: "typeorm/index.d.ts",
  "@mikro-orm/core": "mikro-orm-core/index.d.ts",
  "@prisma/client": "prisma-client/index.d.ts",
  mongoose: "mongoose/types/index.d.ts",
  "@sequelize/core": "unpackaged/sequelize-core.d.ts",
};

export interface CaseBase {
  /** The code of the case's `main.ts`. */
  readonly code: string;
  /** More files of the case, by path relative to its directory. */
  readonly files?: Readonly<Record<string, string>>;
  /** The rule's options. */
  readonly options?: readonly unknown[];
  /** A name for the test; defaults to the first line of code. */
  readonly name?: string;
}

export interface ExpectedError {
  readonly messageId: string;
  readonly line: number;
  readonly column: number;
  /** The file the error is in, relative to the case; defaults to `main.ts`. */
  readonly file?: string;
}

export interface InvalidCase extends CaseBase {
  readonly errors: readonly ExpectedError[];
}

export type ValidCase = string | CaseBase;

/**
 * The compiler options of the tester's projects: a Node ESM project that
 * imports `guarded-drop` (mapped to this repository's sources, so that the
 * guard recognises its types by package name).
 */
export function testTsconfig(extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        moduleDetection: "force",
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(REPO, "node_modules", "@types")],
        paths: {
          "guarded-drop": [join(REPO, "lib", "mod.ts")],
          "guarded-drop/adapters/*": [join(REPO, "adapters", "*", "mod.ts")],
          // The real driver, and stubs of the ORMs' declarations in their
          // packages' shape (each under a package.json of the package's name).
          mongodb: [join(REPO, "node_modules", "mongodb", "mongodb.d.ts")],
          ...Object.fromEntries(Object.entries(STUBS).map(([name, path]) => [name, [join(PACKAGE_STUBS, path)]])),
        },
        ...extra,
      },
      include: ["**/*.ts"],
    },
    null,
    2,
  );
}

/**
 * Registers a `describe` block that runs the rule over every case and checks
 * it: valid cases have no finding, invalid cases exactly the expected ones.
 */
export function ruleTester(
  rule: RuleModule,
  cases: { valid: readonly ValidCase[]; invalid: readonly InvalidCase[] },
): void {
  describe(`rule ${rule.name}`, () => {
    const all: { kind: "valid" | "invalid"; index: number; case: CaseBase; errors: readonly ExpectedError[] }[] = [
      ...cases.valid.map((c, index) => ({
        kind: "valid" as const,
        index,
        case: typeof c === "string" ? { code: c } : c,
        errors: [],
      })),
      ...cases.invalid.map((c, index) => ({ kind: "invalid" as const, index, case: c, errors: c.errors })),
    ];
    const results = new Map<string, Finding[]>();
    let work = "";

    before(async () => {
      work = mkdtempSync(join(tmpdir(), `drop-guard-${rule.name}-`));
      // One project per distinct options value.
      const groups = new Map<string, typeof all>();
      for (const item of all) {
        const key = JSON.stringify(item.case.options ?? null);
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      let group = 0;
      for (const [key, items] of groups) {
        const project = join(work, `g${group++}`);
        mkdirSync(project, { recursive: true });
        writeFileSync(join(project, "tsconfig.json"), testTsconfig());
        for (const item of items) {
          const dir = join(project, `${item.kind}${item.index}`);
          for (const [file, text] of Object.entries({ "main.ts": item.case.code, ...item.case.files })) {
            mkdirSync(dirname(join(dir, file)), { recursive: true });
            writeFileSync(join(dir, file), text);
          }
        }
        const options = JSON.parse(key) as unknown[] | null;
        const result = await scan({
          cwd: project,
          project: join(project, "tsconfig.json"),
          rules: [rule],
          config: options === null ? {} : { rules: { [rule.name]: ["error", ...options] as ["error", ...unknown[]] } },
        });
        for (const item of items) {
          const prefix = `${item.kind}${item.index}/`;
          results.set(prefix, result.findings.filter((f) => f.file.startsWith(prefix)));
        }
      }
    });
    after(() => {
      if (work !== "") rmSync(work, { recursive: true, force: true });
    });

    for (const item of all) {
      const title = item.case.name ??
        item.case.code.trim().split("\n").find((l) => l.trim() !== "" && !l.startsWith("import"))!.trim();
      test(`${item.kind} #${item.index}: ${title.slice(0, 100)}`, () => {
        const prefix = `${item.kind}${item.index}/`;
        const actual = (results.get(prefix) ?? []).map((f) => ({
          messageId: f.messageId,
          line: f.line,
          column: f.column,
          file: f.file.slice(prefix.length),
        }));
        const expected = item.errors.map((e) => ({
          messageId: e.messageId,
          line: e.line,
          column: e.column,
          file: e.file ?? "main.ts",
        }));
        const order = (a: { file: string; line: number; column: number }, b: typeof a) =>
          a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
        assert.deepEqual(
          actual.sort(order),
          expected.sort(order),
          `${item.kind} case #${item.index} of ${rule.name}:\n${item.case.code}\nfindings: ${
            JSON.stringify(results.get(prefix), null, 2)
          }`,
        );
      });
    }
  });
}
