// The published shape: `npm pack` gives a tarball that publint and
// @arethetypeswrong/cli accept; a plain JavaScript project on Node 20 installs
// it with pino and prom-client alone (no TypeScript, at most 12 MB) and
// imports it with no loader; the core alone installs one package, also next
// to a pinned TypeScript 4.9; and its drop-guard bin runs on the user's own
// TypeScript, 5.x or 6.x, or exits 2 saying how to install one.
//
// Every entry point, bin and TypeScript check is derived from package.json,
// so a new subpath export or bin is checked without touching this file.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { publint } from "publint";

const root = new URL("..", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const work = mkdtempSync(join(tmpdir(), "guarded-drop-pack-"));
/** The core-only install: the tarball, pino and prom-client. */
const consumer = join(work, "consumer");
/** The tarball alone: the core installs nothing else. */
const coreOnly = join(work, "core-only");
/** The same, where each TypeScript under test is linked in turn. */
const guardProject = join(work, "guard-project");
const INSTALL_BUDGET_BYTES = 12 * 1024 * 1024;
/** The TypeScripts the guard is run on: the lowest of the peer range, the last 5.x, and this repository's 6.x. */
const TYPESCRIPTS = ["6", "5.9.3", "5.0.4"] as const;
let tarball = "";
let listing: string[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs a command that may fail; its status, stdout and stderr. */
function attempt(
  command: string,
  args: string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function install(project: string, packages: string[]): void {
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // pino and prom-client come from npm's cache after `npm ci`.
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...packages], project);
}

/** Files and bytes under a directory, without following links (as `du --apparent-size`). */
function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? sizeOf(path) : lstatSync(path).size;
  }
  return bytes;
}

/** Every installed package named `name`, at any depth. */
function installed(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory()) return [];
    const path = join(dir, entry.name);
    if (entry.name.startsWith("@")) return installed(path, name);
    return [...(entry.name === name ? [path] : []), ...installed(join(path, "node_modules"), name)];
  });
}

/**
 * A TypeScript of the given version, installed once under .tmp/ (npm's own
 * cache makes a reinstall a local copy). "6" is this repository's own.
 */
function typescriptDir(version: string): string {
  if (version === "6") return join(root, "node_modules", "typescript");
  const dir = join(root, ".tmp", "typescript", version);
  const target = join(dir, "node_modules", "typescript");
  if (existsSync(join(target, "package.json"))) return target;
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, "package.json"), JSON.stringify({ private: true }));
  run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", `typescript@${version}`],
    staging,
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return target;
}

function useTypescript(project: string, dir: string): string {
  const link = join(project, "node_modules", "typescript");
  rmSync(link, { recursive: true, force: true });
  symlinkSync(dir, link, "dir");
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

before(() => {
  // `npm pack` runs `prepack`, which builds dist/ from a clean tsc run.
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], root)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, packed[0]!.filename);
  listing = packed[0]!.files.map((f) => f.path);
  install(consumer, [tarball, "pino", "prom-client"]);
  install(guardProject, [tarball]);
  install(coreOnly, [tarball]);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe("the packed tarball", () => {
  test("ships compiled JavaScript, declarations, LICENSE, the README and docs/; no sources or tests", () => {
    for (
      const file of [
        "package.json",
        "LICENSE",
        "README.md",
        "CONTRIBUTING.md",
        "docs/contract.md",
        "dist/lib/mod.js",
        "dist/lib/mod.d.ts",
        "dist/adapters/pino/mod.js",
      ]
    ) {
      assert.ok(listing.includes(file), file);
    }
    assert.deepEqual(listing.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts")), [], "no .ts sources");
    const docs = (p: string) => p.startsWith("docs/") && p.endsWith(".md");
    assert.deepEqual(
      listing.filter((p) =>
        !p.startsWith("dist/") && !docs(p) && !["package.json", "LICENSE", "README.md", "CONTRIBUTING.md"].includes(p)
      ),
      [],
    );
    assert.match(readFileSync(join(root, "LICENSE"), "utf8"), new RegExp(`^${manifest.license} License`));
  });

  test("publint finds no error and no warning", async () => {
    const data = readFileSync(tarball);
    const { messages } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
      level: "suggestion",
    });
    assert.deepEqual(messages.filter((m) => m.type !== "suggestion"), []);
    assert.deepEqual(messages, [], "not even a suggestion");
  });

  test("@arethetypeswrong/cli finds no problem on any entry point of the ESM-only package", () => {
    // esm-only: CommonJS (node16-cjs) and pre-exports resolution (node10) do
    // not apply to a package that is ESM only and requires Node 20.
    const result = attempt(join(root, "node_modules", ".bin", "attw"), [
      tarball,
      "--profile",
      "esm-only",
      "--format",
      "json",
    ], work);
    const report = JSON.parse(result.stdout) as {
      analysis: {
        entrypoints: Record<string, unknown>;
        problems: { kind: string; entrypoint: string; resolutionKind?: string }[];
      };
    };
    const problems = report.analysis.problems.filter((p) =>
      p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs"
    );
    assert.deepEqual(problems, []);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), Object.keys(manifest.exports).sort());
  });

  test("every subpath export resolves to a file in the package, and every bin to a node script", () => {
    const dir = join(consumer, "node_modules", manifest.name);
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const files = typeof target === "string" ? [target] : Object.values(target);
      assert.ok(files.length > 0, subpath);
      for (const file of files) assert.ok(existsSync(join(dir, file)), `${subpath} → ${file}`);
      if (typeof target !== "string") {
        assert.equal(Object.keys(target)[0], "types", `${subpath}: "types" must come first`);
      }
    }
    assert.ok(Object.keys(manifest.bin).length > 0);
    for (const [name, file] of Object.entries(manifest.bin)) {
      assert.equal(readFileSync(join(dir, file), "utf8").split("\n")[0], "#!/usr/bin/env node", name);
      assert.ok(existsSync(join(consumer, "node_modules", ".bin", name)), `npm links the ${name} bin`);
    }
  });

  test("TypeScript is an optional peer of any version: the guard itself refuses one older than 5.x", () => {
    // npm turns a conflict with an optional peer's range into ERESOLVE for the
    // whole package, the core included; the guard checks the version it loads.
    assert.equal(manifest.peerDependencies.typescript, "*");
    assert.equal(manifest.peerDependenciesMeta.typescript?.optional, true);
  });

  test("has no dependencies, and every peer dependency is optional", () => {
    const raw = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
    for (const field of ["dependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"]) {
      assert.equal(raw[field], undefined, field);
    }
    const required = Object.keys(manifest.peerDependencies).filter((name) =>
      manifest.peerDependenciesMeta[name]?.optional !== true
    );
    assert.deepEqual(required, []);
    for (const name of ["pino", "prom-client", "@opentelemetry/api", "@grpc/grpc-js"]) {
      assert.ok(name in manifest.peerDependencies, name);
    }
  });
});

/** The packages npm installed in a project, from its hidden lockfile. */
function installedPackages(project: string): string[] {
  const lock = JSON.parse(readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8")) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages).filter((path) => path !== "").sort();
}

describe("the core alone (npm i guarded-drop in an empty project)", () => {
  test("installs exactly one package, and the core runs a guarded drop with a plain logger", () => {
    assert.deepEqual(installedPackages(coreOnly), [`node_modules/${manifest.name}`]);
    writeFileSync(
      join(coreOnly, "main.js"),
      `
import { createGuardedDrop } from "guarded-drop";
const lines = [];
const logger = { info: (o) => void lines.push(o), warn: (o) => void lines.push(o), error: (o) => void lines.push(o) };
let counted = 0;
const guardedDrop = createGuardedDrop({ logger, counter: { inc: () => void counted++ } });
const value = await guardedDrop({ token: "acme42", resourceType: "postgres", backend: "shared", requestId: "r1" }, () => "dropped");
console.log(JSON.stringify({ value, records: lines.length, counted }));
`,
    );
    assert.deepEqual(JSON.parse(run(process.execPath, ["main.js"], coreOnly)), {
      value: "dropped",
      records: 1,
      counted: 1,
    });
  });

  test("guarded-drop/grpc loads without @grpc/grpc-js; guarded-drop/opentelemetry names its missing optional peer", () => {
    writeFileSync(
      join(coreOnly, "optional.js"),
      `
const { grpcCallerOf } = await import("guarded-drop/grpc");
const otel = await import("guarded-drop/opentelemetry").then(() => "loaded", (err) => err.code + " " + err.message);
console.log(JSON.stringify({ caller: grpcCallerOf({ getPeer: () => "10.0.0.7:5000" }), otel }));
`,
    );
    const out = JSON.parse(run(process.execPath, ["optional.js"], coreOnly)) as { caller: string; otel: string };
    assert.equal(out.caller, "unauthenticated (peer 10.0.0.7:5000)");
    assert.match(out.otel, /^ERR_MODULE_NOT_FOUND .*'@opentelemetry\/api'/);
  });

  test("installs next to a pinned TypeScript 4.9 without ERESOLVE", (t) => {
    const project = join(work, "typescript-4.9");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const result = attempt(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "typescript@4.9", tarball],
      project,
    );
    if (result.status !== 0 && /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(result.stderr)) {
      return t.skip(`typescript@4.9 could not be fetched from the npm registry: ${result.stderr.split("\n")[0]}`);
    }
    assert.doesNotMatch(result.stderr, /ERESOLVE/);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(installedPackages(project), [`node_modules/${manifest.name}`, "node_modules/typescript"]);
    const typescript = JSON.parse(
      readFileSync(join(project, "node_modules", "typescript", "package.json"), "utf8"),
    ) as { version: string };
    assert.match(typescript.version, /^4\.9\./);
  });
});

describe("a core-only install (the tarball, pino and prom-client)", () => {
  test(`pulls in no TypeScript and stays within ${INSTALL_BUDGET_BYTES / 1024 / 1024} MB`, (t) => {
    assert.deepEqual(installed(join(consumer, "node_modules"), "typescript"), []);
    const bytes = sizeOf(join(consumer, "node_modules"));
    const message = `core-only install: ${(bytes / 1024 / 1024).toFixed(2)} MB in node_modules (budget ${
      INSTALL_BUDGET_BYTES / 1024 / 1024
    } MB)`;
    t.diagnostic(message);
    console.log(message);
    assert.ok(bytes <= INSTALL_BUDGET_BYTES, message);
  });

  test("a plain JavaScript project imports the core and both bindings, and a drop is audited and counted", () => {
    writeFileSync(
      join(consumer, "main.js"),
      `
import { createGuardedDrop, checkDatabaseName } from "guarded-drop";
import { createAuditLogger } from "guarded-drop/pino";
import { createDropCounter } from "guarded-drop/prom-client";
import { Registry } from "prom-client";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const registry = new Registry();
const guardedDrop = createGuardedDrop({
  logger: createAuditLogger({ destination: "audit.log" }),
  counter: createDropCounter({ registry }),
});
const value = await guardedDrop(
  { token: "acme42", resourceType: "postgres", backend: "shared", requestId: "r1", caller: "consumer" },
  () => "dropped",
);
const refused = await guardedDrop(
  { token: "postgres", resourceType: "postgres", backend: "shared", requestId: "r2" },
  () => "dropped",
).catch((err) => err.code);
const lines = readFileSync("audit.log", "utf8").trim().split("\\n").map((l) => JSON.parse(l));
const metrics = await registry.metrics();
console.log(JSON.stringify({
  value,
  refused,
  records: lines.filter((l) => l.event === "provisioner.drop").length,
  ok: /outcome="ok"} 1/.test(metrics),
  db: checkDatabaseName("db_acme42"),
  typescriptLoaded: Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes("typescript")),
}));
`,
    );
    const out = JSON.parse(run(process.execPath, ["main.js"], consumer));
    assert.deepEqual(out, {
      value: "dropped",
      refused: "GD_REFUSED",
      records: 2,
      ok: true,
      db: "db_acme42",
      typescriptLoaded: false,
    });
  });

  test("drop-guard without TypeScript exits 2 and says how to install it", () => {
    const result = attempt("npx", ["--no-install", "drop-guard", "--format", "sarif"], consumer);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^drop-guard: Cannot run drop-guard as 'typescript' must be installed .*: current value is not installed\. Install it with: npm i -D typescript\n$/,
    );
    // The library entry says the same, as a typed usage error.
    writeFileSync(
      join(consumer, "guard.js"),
      `await import("guarded-drop/guard").catch((err) => console.log(JSON.stringify({ code: err.code, name: err.name })));\n`,
    );
    assert.deepEqual(JSON.parse(run(process.execPath, ["guard.js"], consumer)), {
      code: "GD_GUARD_USAGE",
      name: "GuardUsageError",
    });
  });

  test("every other bin answers --help with no optional dependency installed", () => {
    for (const [name, file] of Object.entries(manifest.bin)) {
      if (file === manifest.bin["drop-guard"]) continue;
      const result = attempt("npx", ["--no-install", name, "--help"], consumer);
      assert.equal(result.status, 0, `${name} --help: ${result.stderr}`);
      assert.ok(result.stdout.length > 0, `${name} --help prints its usage`);
    }
  });

  test("npx guarded-drop runs from the tarball: --help prints its usage, --version the package's version, a usage error exits 2", () => {
    assert.match(run("npx", ["--no-install", "guarded-drop", "--help"], consumer), /Usage: guarded-drop audit verify/);
    const usage = attempt("npx", ["--no-install", "guarded-drop", "audit", "verify"], consumer);
    assert.equal(usage.status, 2, usage.stderr);
    assert.equal(run("npx", ["--no-install", "guarded-drop", "--version"], consumer), `${manifest.version}\n`);
  });
});

const CONSUMER_TSCONFIG = JSON.stringify({
  // ES2022: TypeScript 5.0 has no ES2023 target.
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ["src"],
});
const CONSUMER_SOURCE = `import { createGuardedDrop } from "guarded-drop";
import { postgresShared } from "guarded-drop/adapters/postgres";

const guardedDrop = createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } });
const adapter = postgresShared({ connectionString: "postgres://provisioner@db/postgres" });

export async function audited(token: string): Promise<void> {
  await guardedDrop({ token, resourceType: "postgres", backend: "shared", requestId: "r1" }, () => adapter.deprovision(token));
}

export async function unaudited(token: string): Promise<void> {
  await adapter.deprovision(token);
}

export const api = {
  /** @sanctionedDrop */
  async dropTenantDatabase(client: { query(sql: string): Promise<unknown> }, name: string) {
    await client.query(\`DROP DATABASE IF EXISTS "\${name}"\`);
  },
};

export async function bypass(client: { query(sql: string): Promise<unknown> }): Promise<void> {
  await api.dropTenantDatabase(client, "db_x");
}
`;

/** The guard's JSON report of this repository and of the reachability fixture, from the TypeScript 6 run. */
const reference: { self?: string; fixture?: string } = {};

for (const version of TYPESCRIPTS) {
  describe(`drop-guard from the tarball on TypeScript ${version}`, () => {
    let skip: string | undefined;
    let actual = "";
    before(() => {
      try {
        actual = useTypescript(guardProject, typescriptDir(version));
      } catch (err) {
        skip = `typescript@${version} could not be installed from the npm registry: ${
          (err as Error).message.split("\n")[0]
        }`;
      }
    });
    const cli = join(guardProject, "node_modules", manifest.name, manifest.bin["drop-guard"]!);

    test("finds an un-audited deprovision and a bypassed object-literal sanctioned method, in SARIF", (t) => {
      if (skip) return t.skip(skip);
      assert.ok(version === "6" ? actual.startsWith("6.") : actual === version, actual);
      mkdirSync(join(guardProject, "src"), { recursive: true });
      writeFileSync(join(guardProject, "tsconfig.json"), CONSUMER_TSCONFIG);
      writeFileSync(join(guardProject, "src", "deprovision.ts"), CONSUMER_SOURCE);
      const result = attempt("npx", ["--no-install", "drop-guard", "--format", "sarif"], guardProject);
      assert.equal(result.status, 1, `exit 1: findings; ${result.stderr}`);
      const log = JSON.parse(result.stdout) as {
        version: string;
        runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
      };
      assert.equal(log.version, "2.1.0");
      const found = log.runs[0]!.results.map((r) => `${r.locations[0]!.physicalLocation.region.startLine} ${r.ruleId}`);
      assert.deepEqual(found, ["12 adapter-deprovision", "23 sanctioned-reference"]);
      assert.match(result.stderr, /2 finding\(s\) in 1 file\(s\) of 1 scanned; 1 sanctioned function\(s\) found/);
    });

    test("without a tsconfig.json, on its default options, it finds the same", (t) => {
      if (skip) return t.skip(skip);
      rmSync(join(guardProject, "tsconfig.json"), { force: true });
      const result = attempt(process.execPath, [cli, "src", "--format", "json"], guardProject);
      assert.equal(result.status, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { findings: { line: number; ruleId: string }[] };
      assert.deepEqual(report.findings.map((f) => `${f.line} ${f.ruleId}`), [
        "12 adapter-deprovision",
        "23 sanctioned-reference",
      ]);
    });

    // This repository and the fixture are configured for ES2023, which TypeScript 5.0 does not know.
    if (version === "5.0.4") return;

    test("on this repository (self-application) and on the reachability fixture, it reports exactly what TypeScript 6 reports", (t) => {
      if (skip) return t.skip(skip);
      const self = attempt(process.execPath, [
        cli,
        "--project",
        "tsconfig.json",
        "--config",
        "dropguard.json",
        "--format",
        "json",
      ], root);
      assert.equal(self.status, 0, self.stderr);
      const selfReport = JSON.parse(self.stdout) as {
        filesScanned: number;
        sanctionedFound: number;
        findings: { suppression?: unknown }[];
      };
      assert.equal(selfReport.findings.filter((f) => f.suppression === undefined).length, 0);
      assert.ok(selfReport.filesScanned > 0 && selfReport.sanctionedFound > 0, self.stderr);
      const fixture = attempt(
        process.execPath,
        [cli, "--format", "json"],
        join(root, "test", "guard", "fixtures", "reachability"),
      );
      assert.equal(fixture.status, 1, fixture.stderr);
      const fixtureReport = JSON.parse(fixture.stdout) as { findings: unknown[]; sanctionedFound: number };
      assert.equal(fixtureReport.findings.length, 26);
      assert.equal(fixtureReport.sanctionedFound, 9);
      if (version === "6") {
        reference.self = self.stdout;
        reference.fixture = fixture.stdout;
      } else {
        assert.ok(reference.self !== undefined && reference.fixture !== undefined, "the TypeScript 6 run comes first");
        assert.deepEqual(JSON.parse(self.stdout), JSON.parse(reference.self));
        assert.deepEqual(JSON.parse(fixture.stdout), JSON.parse(reference.fixture));
      }
    });
  });
}

describe("drop-guard on an unsupported TypeScript", () => {
  test("exits 2, naming the version and the supported range", () => {
    // A stand-in package: the guard reads `version` before using anything else.
    const fake = join(work, "typescript-4");
    mkdirSync(fake, { recursive: true });
    writeFileSync(
      join(fake, "package.json"),
      JSON.stringify({ name: "typescript", version: "4.9.5", main: "index.js" }),
    );
    writeFileSync(join(fake, "index.js"), `module.exports = { version: "4.9.5" };\n`);
    useTypescript(guardProject, fake);
    const result = attempt("npx", ["--no-install", "drop-guard"], guardProject);
    assert.equal(result.status, 2, result.stderr);
    assert.match(
      result.stderr,
      /^drop-guard: Cannot run drop-guard as 'typescript' must be 5\.x or 6\.x: current value is 4\.9\.5 .*npm i -D typescript@6\n$/,
    );
  });
});
