// The drop-guard's cost (DESIGN §8): on a generated project of 600 modules
// that import each other, with non-destructive SQL, Redis, MongoDB and
// management API calls and a dozen planted drops, time on the same files:
//
// - the guard's full run as the compiled `drop-guard` CLI, against
//   `tsc --noEmit` (both spawned): budget, ≤ 0.5× tsc;
// - the guard's syntactic pass (parse, walk, syntactic rules; no checker)
//   against a parse-only pass (`ts.createSourceFile` for every file), both
//   in-process: budget, ≤ 2× parse;
// - the guard's full run as `scan()`, against ESLint with
//   `no-restricted-syntax` selectors for the same driver calls on
//   typescript-eslint's parser, both in-process: budget, ESLint takes ≥ 3×.
//
// - at scale, the same generated project with 5,000 modules: the CLI
//   against `tsc --noEmit` (both spawned): budget, ≤ 0.3× tsc, and a peak
//   memory (the child process's maxRSS, read by a preload at its exit) of at
//   most half of tsc's;
//
// - a small project (a dozen modules) that imports heavy driver types (pg,
//   ioredis, mongodb, mysql2 from node_modules; typeorm, sequelize and
//   prisma from the guard tests' declaration stubs), the guard's CLI against
//   `tsc --noEmit`: budget, ≤ 0.7× tsc.
//
// The in-process measures load the guard compiled to JavaScript, as shipped.
// Rounds alternate the two sides of each pair, so that drift (CPU frequency,
// page cache, another process on the other core) hits both alike; each ratio
// is the median of the per-round ratios. The guard must find exactly the
// planted drops. The process exits non-zero when it does not, or when a
// budget is missed.
//
// Run: node --import tsx bench/guard.ts [--modules 600] [--runs 5] [--scale-modules 5000] [--scale-runs 3]
//      node --import tsx bench/guard.ts --generate <dir>   (only writes the project, to profile on it)

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import tsParser from "@typescript-eslint/parser";
import { ESLint } from "eslint";
import ts from "typescript";

const BUDGET_TSC = 0.5;
const BUDGET_PARSE = 2;
const BUDGET_SCALE_TSC = 0.3;
const BUDGET_SCALE_MEMORY = 0.5;
const BUDGET_ESLINT = 3;
const BUDGET_DRIVER_HEAVY = 0.7;
const HEAVY_MODULES = 12;
const PASS_PAIRS = 3;

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const MODULES = Number(args.get("modules") ?? 600);
const RUNS = Number(args.get("runs") ?? 5);
const SCALE_MODULES = Number(args.get("scale-modules") ?? 5000);
const SCALE_RUNS = Number(args.get("scale-runs") ?? 3);
const REPO = fileURLToPath(new URL("..", import.meta.url));

// --- the generated project ---------------------------------------------------

interface Planted {
  readonly file: string;
  readonly line: number;
  readonly ruleId: string;
}

const INFRA = `// Stand-ins for the drivers: the project type-checks without them installed.
export interface Row { id: string; name: string; tenant: string; created_at: string }
export interface QueryResult<R> { rows: R[]; rowCount: number }
export interface Client { query<R = Row>(sql: string, values?: readonly unknown[]): Promise<QueryResult<R>> }
export declare const client: Client;
export interface Redis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode?: "EX", ttl?: number): Promise<"OK">;
  call(...args: string[]): Promise<unknown>;
  flushall(mode?: "ASYNC" | "SYNC"): Promise<"OK">;
}
export declare const redis: Redis;
export interface Collection<T> { countDocuments(filter: Partial<T>): Promise<number>; drop(): Promise<boolean> }
export interface Db {
  collection<T>(name: string): Collection<T>;
  dropDatabase(): Promise<boolean>;
  command(document: Record<string, unknown>): Promise<unknown>;
}
export declare const db: Db;
export declare const mgmt: string;
`;

const SQL_CONSTS = `export const DROP_ROLE = "DROP ROLE";\nexport const SELECT_ALL = "SELECT * FROM";\n`;

const ADAPTERS = `import type { Backend, Deprovisioner } from "guarded-drop";
import { client, db, redis } from "./infra.ts";

/** @sanctionedDrop */
export async function dropTenantDatabase(token: string): Promise<void> {
  await client.query(\`DROP DATABASE IF EXISTS "db_\${token}" WITH (FORCE)\`);
  await client.query(\`DROP ROLE IF EXISTS "usr_\${token}"\`);
}

/** @sanctionedDrop */
export async function dropTenantCache(token: string): Promise<void> {
  await redis.call("ACL", "DELUSER", \`usr_\${token}\`);
}

export class TenantAdapter implements Deprovisioner {
  readonly resourceType = "postgres";
  readonly backend: Backend = "shared";
  /** @sanctionedDrop */
  async deprovision(token: string): Promise<void> {
    await dropTenantDatabase(token);
    await db.dropDatabase();
  }
  async exists(token: string): Promise<boolean> {
    const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [\`db_\${token}\`]);
    return result.rowCount > 0;
  }
  async close(): Promise<void> {}
}
`;

// A drop planted in module i, as lines appended to it; `at` is the index of
// the line that must be reported.
function plantedCode(n: number): { lines: string[]; at: number; ruleId: string; imports: string } {
  switch (n) {
    case 0:
      return {
        lines: ["export async function purge0(name: string) {", '  await client.query("DROP DATABASE " + name);', "}"],
        at: 1,
        ruleId: "sql-drop",
        imports: "",
      };
    case 1:
      return {
        lines: [
          "export async function purge1(name: string) {",
          "  await client.query(`${DROP_ROLE} usr_${name}`);",
          "}",
        ],
        at: 1,
        ruleId: "sql-drop",
        imports: 'import { DROP_ROLE } from "./sql_consts.ts";\n',
      };
    case 2:
      return {
        lines: [
          "export async function purge2(name: string) {",
          "  await client.query(`drop /* why not */",
          "     schema t_${name} cascade`);",
          "}",
        ],
        at: 1,
        ruleId: "sql-drop",
        imports: "",
      };
    case 3:
      return {
        lines: ["export async function purge3() {", '  await redis.flushall("ASYNC");', "}"],
        at: 1,
        ruleId: "redis-flush",
        imports: "",
      };
    case 4:
      return {
        lines: ["export async function purge4(user: string) {", '  await redis.call("acl", "deluser", user);', "}"],
        at: 1,
        ruleId: "redis-acl-deluser",
        imports: "",
      };
    case 5:
      return {
        lines: ["export async function purge5() {", "  await db.dropDatabase();", "}"],
        at: 1,
        ruleId: "mongodb-drop",
        imports: "",
      };
    case 6:
      return {
        lines: ["export async function purge6(user: string) {", "  await db.command({ dropUser: user });", "}"],
        at: 1,
        ruleId: "mongodb-drop",
        imports: "",
      };
    case 7:
      return {
        lines: [
          "export async function purge7(vhost: string) {",
          '  await fetch(`${mgmt}/api/vhosts/${encodeURIComponent(vhost)}`, { method: "DELETE" });',
          "}",
        ],
        at: 1,
        ruleId: "rabbitmq-delete",
        imports: "",
      };
    case 8:
      return {
        lines: ["export function purge8(user: string) {", '  return spawn("rabbitmqctl", ["delete_user", user]);', "}"],
        at: 1,
        ruleId: "cli-drop",
        imports: 'import { spawn } from "node:child_process";\n',
      };
    case 9:
      return {
        lines: [
          "export async function purge9(token: string) {",
          "  await new TenantAdapter().deprovision(token);",
          "}",
        ],
        at: 1,
        ruleId: "adapter-deprovision",
        imports: 'import { TenantAdapter } from "./adapters.ts";\n',
      };
    case 10:
      return {
        lines: ["export async function purge10(token: string) {", "  await dropTenantCache(token);", "}"],
        at: 1,
        ruleId: "sanctioned-reference",
        imports: 'import { dropTenantCache } from "./adapters.ts";\n',
      };
    default:
      return {
        lines: [
          "export function purge11(events: EventEmitter) {",
          '  events.on("tenant.cancelled", dropTenantDatabase);',
          "}",
        ],
        at: 1,
        ruleId: "sanctioned-reference",
        imports: 'import { EventEmitter } from "node:events";\nimport { dropTenantDatabase } from "./adapters.ts";\n',
      };
  }
}

function moduleText(i: number, planted: number | undefined): { text: string; line?: number; ruleId?: string } {
  const deps = i === 0 ? [] : [...new Set([(i * 7) % i, (i * 13 + 5) % i, i - 1])];
  const plant = planted === undefined ? undefined : plantedCode(planted);
  const dropService = i % 20 === 10;
  let text = "";
  text += 'import type { DropRequest, GuardedDrop } from "guarded-drop";\n';
  text += 'import { client, db, mgmt, redis, type Row } from "./infra.ts";\n';
  if (dropService) text += 'import { dropTenantCache, dropTenantDatabase, TenantAdapter } from "./adapters.ts";\n';
  for (const d of deps) text += `import { helper${d} } from "./m${d}.ts";\n`;
  if (plant !== undefined) text += plant.imports;
  text += `
export interface Record${i} { id: string; name: string; tenant: string; createdAt: Date; tags: readonly string[] }

const TABLE_${i} = "records_${i}";

export async function load${i}(id: string): Promise<Record${i} | undefined> {
  const result = await client.query<Row>(\`SELECT id, name, tenant, created_at FROM \${TABLE_${i}} WHERE id = $1\`, [id]);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return { id: row.id, name: row.name, tenant: row.tenant, createdAt: new Date(row.created_at), tags: [] };
}

export async function save${i}(r: Record${i}): Promise<void> {
  await client.query("INSERT INTO " + TABLE_${i} + " (id, name, tenant) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = $2", [r.id, r.name, r.tenant]);
  await client.query(\`DELETE FROM sessions_${i} WHERE tenant = $1 AND expires_at < now()\`, [r.tenant]);
  await redis.set(\`cache:\${r.tenant}:\${r.id}\`, JSON.stringify(r), "EX", 60);
}

export class Service${i} {
  readonly #cache = new Map<string, Record${i}>();
  constructor(private readonly prefix: string) {}

  async get(id: string): Promise<Record${i} | undefined> {
    const hit = this.#cache.get(id);
    if (hit !== undefined) return hit;
    const loaded = await load${i}(\`\${this.prefix}\${id}\`);
    if (loaded !== undefined) this.#cache.set(id, loaded);
    return loaded;
  }

  async count(tenant: string): Promise<number> {
    const docs = await db.collection<{ tenant: string }>("records_${i}").countDocuments({ tenant });
    return docs${deps.map((d) => ` + helper${d}(tenant.length)`).join("")};
  }

  async vhosts(): Promise<string[]> {
    const response = await fetch(\`\${mgmt}/api/vhosts\`, { headers: { accept: "application/json" } });
    const body = (await response.json()) as { name: string }[];
    return body.map((v) => v.name).filter((name) => name.startsWith("vh_"));
  }

  describe(r: Record${i}): string {
    return r.tags.length > 0 ? \`\${r.name} [\${r.tags.join(", ")}]\` : r.name;
  }
}

export function helper${i}(n: number): number {
  const values = Array.from({ length: n % 7 }, (_, x) => x * ${i});
  return values.reduce((a, b) => a + b, 0);
}

export function log${i}(tenant: string): void {
  console.log(\`tenant database dropped for \${tenant}\`);
  console.warn("cannot drop databases while replicating");
}
`;
  if (dropService) {
    text += `
export async function cancel${i}(guardedDrop: GuardedDrop, request: DropRequest): Promise<void> {
  await guardedDrop(request, () => dropTenantDatabase(request.token));
  await guardedDrop(request, async () => {
    await dropTenantCache(request.token);
    await new TenantAdapter().deprovision(request.token);
  });
}
`;
  } else {
    text += "\nexport type Unused" + i + " = DropRequest | GuardedDrop;\n";
  }
  if (plant === undefined) return { text };
  const line = text.split("\n").length + plant.at;
  text += `${plant.lines.join("\n")}\n`;
  return { text, line, ruleId: plant.ruleId };
}

function generate(dir: string, modules = MODULES): { files: string[]; planted: Planted[] } {
  const src = join(dir, "src");
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(REPO, "node_modules", "@types")],
        paths: { "guarded-drop": [join(REPO, "lib", "mod.ts")] },
      },
      include: ["src"],
    }),
  );
  const files = ["infra.ts", "sql_consts.ts", "adapters.ts"];
  writeFileSync(join(src, "infra.ts"), INFRA);
  writeFileSync(join(src, "sql_consts.ts"), SQL_CONSTS);
  writeFileSync(join(src, "adapters.ts"), ADAPTERS);
  // A dozen drops, spread over the project.
  const plantAt = new Map(Array.from({ length: 12 }, (_, n) => [Math.floor(((n + 0.5) * modules) / 12), n]));
  const planted: Planted[] = [];
  for (let i = 0; i < modules; i++) {
    const { text, line, ruleId } = moduleText(i, plantAt.get(i));
    writeFileSync(join(src, `m${i}.ts`), text);
    files.push(`m${i}.ts`);
    if (line !== undefined) planted.push({ file: `src/m${i}.ts`, line, ruleId: ruleId! });
  }
  return { files: files.map((f) => join(src, f)), planted };
}

// A dozen modules that import the drivers' and ORMs' types and use them
// harmlessly, and two planted drops (TypeORM's dropDatabase(), SQL).
function generateDriverHeavy(dir: string): Planted[] {
  const src = join(dir, "src");
  mkdirSync(src, { recursive: true });
  // The drivers from this repository's node_modules, resolved as a project would.
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const stubs = join(REPO, "test", "guard", "fixtures", "packages");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        paths: {
          typeorm: [join(stubs, "typeorm", "index.d.ts")],
          sequelize: [join(stubs, "sequelize", "types", "index.d.ts")],
          "@prisma/client": [join(stubs, "prisma-client", "index.d.ts")],
        },
      },
      include: ["src"],
    }),
  );
  const planted: Planted[] = [];
  // The drivers that are installed (they are devDependencies; a partial
  // install measures with fewer).
  const installed = (name: string) => existsSync(join(REPO, "node_modules", name, "package.json"));
  const drivers = [
    installed("@types/pg") &&
    [
      `import pg from "pg";`,
      `  const pool = new pg.Pool({ connectionString: url });`,
      `  await pool.query("SELECT * FROM records WHERE tenant = $1", [tenant]);`,
    ],
    installed("ioredis") &&
    [`import { Redis } from "ioredis";`, `  const redis = new Redis(url);`, `  await redis.get(\`cache:\${tenant}\`);`],
    installed("mongodb") &&
    [
      `import { MongoClient } from "mongodb";`,
      `  const mongo = new MongoClient(url);`,
      `  await mongo.db(tenant).collection("events").findOne({});`,
    ],
    installed("mysql2") &&
    [
      `import mysql from "mysql2/promise";`,
      `  const my = await mysql.createConnection(url);`,
      `  await my.query("SELECT 1");`,
    ],
  ].filter((d): d is string[] => d !== false);
  for (let i = 0; i < HEAVY_MODULES; i++) {
    const lines = [
      ...drivers.map((d) => d[0]!),
      `import { DataSource } from "typeorm";`,
      `import { Sequelize } from "sequelize";`,
      `import { PrismaClient } from "@prisma/client";`,
      `export async function work${i}(url: string, tenant: string): Promise<void> {`,
      ...drivers.flatMap((d) => [d[1]!, d[2]!]),
      `  const ds = new DataSource({ type: "postgres" } as never);`,
      `  const sequelize = new Sequelize(url);`,
      `  const prisma = new PrismaClient();`,
      `  void ds; void sequelize; void prisma; void tenant;`,
    ];
    if (i === 3) {
      planted.push({ file: `src/m${i}.ts`, line: lines.length + 1, ruleId: "orm-drop" });
      lines.push(`  await ds.dropDatabase();`);
    }
    if (i === 8) {
      planted.push({ file: `src/m${i}.ts`, line: lines.length + 1, ruleId: "sql-drop" });
      lines.push(`  await ds.query(\`DROP DATABASE tenant_\${tenant}\`);`);
    }
    lines.push("}");
    writeFileSync(join(src, `m${i}.ts`), `${lines.join("\n")}\n`);
  }
  return planted;
}

// --- measurements -------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spawnTimed(command: string, commandArgs: string[], cwd: string, okCodes: number[]): () => void {
  return () => {
    const run = spawnSync(command, commandArgs, {
      cwd,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    if (!okCodes.includes(run.status ?? -1)) {
      throw new Error(`${command} ${commandArgs.join(" ")} exited ${run.status}: ${run.stderr}`);
    }
  };
}

// Runs a node script as a child process and reads its peak memory: a
// preload writes `process.resourceUsage().maxRSS` (KiB) to a file when the
// child exits (tsc and the guard's CLI both end with process.exit).
function spawnMeasured(
  script: string,
  scriptArgs: string[],
  cwd: string,
  okCodes: number[],
  preload: string,
): () => { ms: number; maxRssKiB: number } {
  return () => {
    const report = join(cwd, `.maxrss-${process.pid}`);
    const started = performance.now();
    const run = spawnSync(process.execPath, ["--require", preload, script, ...scriptArgs], {
      cwd,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: "", GD_MAXRSS_FILE: report },
    });
    const ms = performance.now() - started;
    if (!okCodes.includes(run.status ?? -1)) {
      throw new Error(`${script} ${scriptArgs.join(" ")} exited ${run.status}: ${run.stderr}`);
    }
    const maxRssKiB = Number(readFileSync(report, "utf8"));
    rmSync(report);
    return { ms, maxRssKiB };
  };
}

const MAXRSS_PRELOAD = `"use strict";
process.on("exit", () => require("node:fs").writeFileSync(process.env.GD_MAXRSS_FILE, String(process.resourceUsage().maxRSS)));
`;

if (args.has("generate")) {
  const { files, planted } = generate(args.get("generate")!);
  console.log(`Generated ${files.length} modules with ${planted.length} planted drops in ${args.get("generate")}`);
  process.exit(0);
}

const JSDOC_MODE = ts.JSDocParsingMode.ParseForTypeErrors;
const work = mkdtempSync(join(tmpdir(), "drop-guard-bench-"));
const build = join(REPO, ".tmp", `drop-guard-bench-build-${process.pid}`);
let failed = false;
try {
  const { files, planted } = generate(work);
  const texts = files.map((f) => readFileSync(f, "utf8"));
  const lines = texts.reduce((n, t) => n + t.split("\n").length, 0);
  console.log(`Generated ${files.length} modules (${lines} lines, ${planted.length} planted drops) in ${work}`);

  // The CLI as shipped: compiled to JavaScript, run by node without a loader.
  execFileSync(
    join(REPO, "node_modules", ".bin", "tsc"),
    [
      "--ignoreConfig",
      "--outDir",
      build,
      "--rootDir",
      REPO,
      "--target",
      "ES2023",
      "--lib",
      "ES2023",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--types",
      "node",
      "--strict",
      "--skipLibCheck",
      "--allowImportingTsExtensions",
      "--rewriteRelativeImportExtensions",
      "--verbatimModuleSyntax",
      join(REPO, "guard", "cli.ts"),
      join(REPO, "guard", "mod.ts"),
    ],
    { cwd: REPO },
  );
  const cli = join(build, "guard", "cli.js");
  // In-process measures use the same compiled JavaScript, not the sources
  // through a TypeScript loader.
  const load = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(join(build, "guard", file)).href)) as T;
  const { rules, scan } = await load<typeof import("../guard/mod.ts")>("mod.js");
  const { runEngine } = await load<typeof import("../guard/_engine.ts")>("_engine.js");
  const { PackageLookup } = await load<typeof import("../guard/_package.ts")>("_package.js");
  const { indexSanctioned } = await load<typeof import("../guard/_sanctioned.ts")>("_sanctioned.js");

  // Correctness first: exactly the planted drops, in-process and from the CLI.
  const key = (f: { file: string; line: number; ruleId: string }) => `${f.file}:${f.line} ${f.ruleId}`;
  const expected = planted.map(key).sort();
  const result = await scan({ cwd: work, project: "tsconfig.json", config: {} });
  const cliRun = spawnSync(process.execPath, [cli, "--project", "tsconfig.json", "--format", "json"], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const cliFindings = (JSON.parse(cliRun.stdout) as { findings: Planted[] }).findings;
  for (const [what, found] of [["scan()", result.findings], ["drop-guard CLI", cliFindings]] as const) {
    const actual = found.map(key).sort();
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      failed = true;
      console.error(
        `FAIL: ${what} found\n  ${actual.join("\n  ")}\nbut the planted drops are\n  ${expected.join("\n  ")}`,
      );
    }
  }
  if (cliRun.status !== 1) {
    failed = true;
    console.error(`FAIL: the CLI exited ${cliRun.status}, not 1: ${cliRun.stderr}`);
  }
  console.log(
    `The guard found exactly the ${planted.length} planted drops: ${!failed}; ${result.sanctionedFound} sanctioned functions, ${result.allowed.length} allowed operations.`,
  );

  const runCli = spawnTimed(process.execPath, [cli, "--project", "tsconfig.json", "--format", "json"], work, [1]);
  const runTsc = spawnTimed(join(REPO, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json", "--noEmit"], work, [0]);
  const runScan = () => scan({ cwd: work, project: "tsconfig.json", config: {} });
  // Both keep the trees until they are done, as a program does: the
  // difference is the guard's walk alone.
  const parse = () =>
    files.map((file, i) =>
      ts.createSourceFile(file, texts[i]!, { languageVersion: ts.ScriptTarget.ES2023, jsDocParsingMode: JSDOC_MODE })
    );
  const parseOnly = () => parse().length;
  // The syntactic pass: the same parse, then the walk (which sets the parent
  // pointers), the folding and the syntactic rules; no checker, no program.
  const syntacticRules = rules.filter((r) => r.meta.docs.requiresTypeChecking !== true).map((rule) => ({
    rule,
    options: rule.defaultOptions,
  }));
  const syntacticPass = () => {
    const sourceFiles = parse();
    const program = { getSourceFiles: () => sourceFiles, getCurrentDirectory: () => work } as unknown as ts.Program;
    const sanctioned = indexSanctioned(sourceFiles, [], new Map());
    runEngine({
      program,
      files: sourceFiles,
      rules: syntacticRules,
      sanctioned,
      packages: new PackageLookup(),
      semantic: false,
    });
  };
  const drop = "(DATABASE|ROLE|USER|SCHEMA|OWNED)";
  const selectors = [
    "CallExpression[callee.property.name=/^(flushall|flushdb|acldeluser|dropDatabase|dropUser|dropAllUsersFromDatabase|deprovision)$/i]",
    `Literal[value=/\\bDROP\\s+${drop}\\b/i]`,
    `TemplateElement[value.raw=/\\bDROP\\s+${drop}\\b/i]`,
    "Literal[value=/^(deluser|flushall|flushdb)$/i]",
    "Property[key.name=/^(dropDatabase|dropUser|dropAllUsersFromDatabase)$/]",
    "Literal[value=/\\/api\\/(vhosts|users)\\//]",
    "TemplateElement[value.raw=/\\/api\\/(vhosts|users)\\//]",
    "Literal[value=/^(rabbitmqctl|delete_vhost|delete_user)$/]",
  ].map((selector) => ({ selector, message: "destructive operation" }));
  let eslintProblems = 0;
  const runEslint = async () => {
    const linter = new ESLint({
      cwd: work,
      overrideConfigFile: true,
      overrideConfig: [{
        files: ["**/*.ts"],
        languageOptions: { parser: tsParser },
        rules: { "no-restricted-syntax": ["error", ...selectors] },
      }],
    });
    const results = await linter.lintFiles(["src/**/*.ts"]);
    eslintProblems = results.reduce((n, r) => n + r.errorCount, 0);
  };

  // Rounds alternate each pair, so that drift (CPU frequency, page cache, the
  // other core's load) hits both sides alike; a ratio is the median of the
  // per-round ratios. The in-process measures get one warm-up round.
  await runScan();
  parseOnly();
  syntacticPass();
  await runEslint();
  const samples: Record<"cli" | "tsc" | "syntactic" | "parse" | "scan" | "eslint", number[]> = {
    cli: [],
    tsc: [],
    syntactic: [],
    parse: [],
    scan: [],
    eslint: [],
  };
  const once = async (fn: () => unknown) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const ratios = { tsc: [] as number[], parse: [] as number[], eslint: [] as number[] };
  for (let round = 0; round < RUNS; round++) {
    const cliMs = await once(runCli);
    const tscMs = await once(runTsc);
    // The in-process pass pair is short: three pairs per round.
    let syntacticMs = 0;
    let parseMs = 0;
    for (let pair = 0; pair < PASS_PAIRS; pair++) {
      const syntacticOnce = await once(syntacticPass);
      const parseOnce = await once(parseOnly);
      ratios.parse.push(syntacticOnce / parseOnce);
      syntacticMs += syntacticOnce / PASS_PAIRS;
      parseMs += parseOnce / PASS_PAIRS;
    }
    const scanMs = await once(runScan);
    const eslintMs = await once(runEslint);
    samples.cli.push(cliMs);
    samples.tsc.push(tscMs);
    samples.syntactic.push(syntacticMs);
    samples.parse.push(parseMs);
    samples.scan.push(scanMs);
    samples.eslint.push(eslintMs);
    ratios.tsc.push(cliMs / tscMs);
    ratios.eslint.push(eslintMs / scanMs);
    console.log(
      `round ${round + 1}/${RUNS}: cli/tsc ${(cliMs / tscMs).toFixed(2)}, syntactic/parse ${
        (syntacticMs / parseMs).toFixed(2)
      }, eslint/scan ${(eslintMs / scanMs).toFixed(2)}`,
    );
  }
  const toTsc = median(ratios.tsc);
  const toParse = median(ratios.parse);
  const eslintTimes = median(ratios.eslint);
  const rows: [string, number, string, string, boolean | undefined][] = [
    [
      "guard full run: `drop-guard` CLI (compiled, spawned)",
      median(samples.cli),
      `${toTsc.toFixed(2)}× tsc`,
      `≤ ${BUDGET_TSC}× tsc`,
      toTsc <= BUDGET_TSC,
    ],
    ["`tsc --noEmit` (spawned)", median(samples.tsc), "1.00× tsc", "", undefined],
    [
      "guard syntactic pass: parse + walk + syntactic rules (in-process)",
      median(samples.syntactic),
      `${toParse.toFixed(2)}× parse`,
      `≤ ${BUDGET_PARSE}× parse`,
      toParse <= BUDGET_PARSE,
    ],
    ["parse-only: `ts.createSourceFile` per file (in-process)", median(samples.parse), "1.00× parse", "", undefined],
    [
      "guard full run: `scan()` (in-process)",
      median(samples.scan),
      `ESLint takes ${eslintTimes.toFixed(2)}×`,
      `ESLint ≥ ${BUDGET_ESLINT}×`,
      eslintTimes >= BUDGET_ESLINT,
    ],
    [
      `ESLint \`no-restricted-syntax\`, typescript-eslint parser (in-process; ${eslintProblems} matches)`,
      median(samples.eslint),
      "",
      "",
      undefined,
    ],
  ];
  console.log(
    `\n${files.length} modules, ${lines} lines; medians of ${RUNS} alternating rounds; ${process.platform}/${process.arch}, Node ${process.version}\n`,
  );
  console.log("| measure | median | ratio (median of rounds) | budget | met |");
  console.log("|---|---:|---:|---|---|");
  for (const [name, ms, ratio, budget, ok] of rows) {
    console.log(
      `| ${name} | ${ms.toFixed(0)} ms | ${ratio} | ${budget} | ${ok === undefined ? "" : ok ? "yes" : "**NO**"} |`,
    );
    if (ok === false) failed = true;
  }
  console.log(
    `\nscan() of the correctness run: program ${result.timings.programMs.toFixed(0)} ms, rules ${
      result.timings.rulesMs.toFixed(0)
    } ms`,
  );

  // The driver-heavy project: most of tsc's time is the drivers' declarations.
  const heavy = join(work, "driver-heavy");
  const heavyPlanted = generateDriverHeavy(heavy);
  const heavyRun = spawnSync(process.execPath, [cli, "--project", "tsconfig.json", "--format", "json"], {
    cwd: heavy,
    encoding: "utf8",
  });
  const heavyFound = (JSON.parse(heavyRun.stdout) as { findings: { file: string; line: number; ruleId: string }[] })
    .findings.map(key).sort();
  if (JSON.stringify(heavyFound) !== JSON.stringify(heavyPlanted.map(key).sort())) {
    console.error(
      `driver-heavy: expected ${JSON.stringify(heavyPlanted.map(key))}, found ${JSON.stringify(heavyFound)}`,
    );
    failed = true;
  }
  const heavyCli = spawnTimed(process.execPath, [cli, "--project", "tsconfig.json", "--format", "json"], heavy, [1]);
  const heavyTsc = spawnTimed(join(REPO, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json", "--noEmit"], heavy, [
    0,
  ]);
  const heavySamples = { cli: [] as number[], tsc: [] as number[], ratio: [] as number[] };
  for (let round = 0; round < RUNS; round++) {
    const cliMs = await once(heavyCli);
    const tscMs = await once(heavyTsc);
    heavySamples.cli.push(cliMs);
    heavySamples.tsc.push(tscMs);
    heavySamples.ratio.push(cliMs / tscMs);
  }
  const heavyRatio = median(heavySamples.ratio);
  console.log(
    `\ndriver-heavy (${HEAVY_MODULES} modules importing pg, ioredis, mongodb, mysql2, typeorm, sequelize, prisma; the guard finds its ` +
      `${heavyPlanted.length} planted drops: ${
        JSON.stringify(heavyFound) === JSON.stringify(heavyPlanted.map(key).sort())
      }): CLI ` +
      `${median(heavySamples.cli).toFixed(0)} ms against tsc ${median(heavySamples.tsc).toFixed(0)} ms, ${
        heavyRatio.toFixed(2)
      }× tsc ` +
      `(budget ≤ ${BUDGET_DRIVER_HEAVY}×): ${heavyRatio <= BUDGET_DRIVER_HEAVY ? "met" : "**NOT MET**"}`,
  );
  if (heavyRatio > BUDGET_DRIVER_HEAVY) failed = true;

  // At scale: the same project with 5,000 modules. Time and peak memory of
  // the CLI against tsc, both spawned, alternating.
  if (SCALE_MODULES > 0) {
    const scale = join(work, "scale");
    const { files: scaleFiles, planted: scalePlanted } = generate(scale, SCALE_MODULES);
    const preload = join(work, "maxrss.cjs");
    writeFileSync(preload, MAXRSS_PRELOAD);
    const tscJs = join(REPO, "node_modules", "typescript", "lib", "tsc.js");
    const scaleCli = spawnMeasured(cli, ["--project", "tsconfig.json", "--format", "json"], scale, [1], preload);
    const scaleTsc = spawnMeasured(tscJs, ["-p", "tsconfig.json", "--noEmit"], scale, [0], preload);
    const scaleRun = spawnSync(process.execPath, [cli, "--project", "tsconfig.json", "--format", "json"], {
      cwd: scale,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const scaleFound = (JSON.parse(scaleRun.stdout) as { findings: Planted[] }).findings.map(key).sort();
    const scaleOk = JSON.stringify(scaleFound) === JSON.stringify(scalePlanted.map(key).sort());
    if (!scaleOk) {
      console.error(`scale: expected ${JSON.stringify(scalePlanted.map(key))}, found ${JSON.stringify(scaleFound)}`);
      failed = true;
    }
    const scaleSamples = {
      cli: [] as number[],
      tsc: [] as number[],
      time: [] as number[],
      cliRss: [] as number[],
      tscRss: [] as number[],
      memory: [] as number[],
    };
    for (let round = 0; round < SCALE_RUNS; round++) {
      const guard = scaleCli();
      const checker = scaleTsc();
      scaleSamples.cli.push(guard.ms);
      scaleSamples.tsc.push(checker.ms);
      scaleSamples.time.push(guard.ms / checker.ms);
      scaleSamples.cliRss.push(guard.maxRssKiB);
      scaleSamples.tscRss.push(checker.maxRssKiB);
      scaleSamples.memory.push(guard.maxRssKiB / checker.maxRssKiB);
      console.log(
        `scale round ${round + 1}/${SCALE_RUNS}: cli/tsc time ${(guard.ms / checker.ms).toFixed(2)}, peak memory ${
          (guard.maxRssKiB / checker.maxRssKiB).toFixed(2)
        }`,
      );
    }
    const timeRatio = median(scaleSamples.time);
    const memoryRatio = median(scaleSamples.memory);
    const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
    console.log(
      `\nscale: ${scaleFiles.length} modules; the guard finds its ${scalePlanted.length} planted drops: ${scaleOk}; medians of ${SCALE_RUNS} alternating rounds\n`,
    );
    console.log("| measure | guard CLI | `tsc --noEmit` | ratio (median of rounds) | budget | met |");
    console.log("|---|---:|---:|---:|---|---|");
    console.log(
      `| time | ${median(scaleSamples.cli).toFixed(0)} ms | ${median(scaleSamples.tsc).toFixed(0)} ms | ${
        timeRatio.toFixed(2)
      }× | ≤ ${BUDGET_SCALE_TSC}× | ${timeRatio <= BUDGET_SCALE_TSC ? "yes" : "**NO**"} |`,
    );
    console.log(
      `| peak memory (maxRSS) | ${mib(median(scaleSamples.cliRss))} | ${mib(median(scaleSamples.tscRss))} | ${
        memoryRatio.toFixed(2)
      }× | ≤ ${BUDGET_SCALE_MEMORY}× | ${memoryRatio <= BUDGET_SCALE_MEMORY ? "yes" : "**NO**"} |`,
    );
    if (timeRatio > BUDGET_SCALE_TSC || memoryRatio > BUDGET_SCALE_MEMORY) failed = true;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}
if (failed) {
  console.error("\ndrop-guard bench: FAILED (see above)");
  process.exit(1);
}
