// The published shape (DESIGN §1): `npm pack` gives a tarball that a plain
// JavaScript project on Node 20 installs and imports with no TypeScript
// loader, and the drop-guard bin runs from it.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "guarded-drop-pack-"));
const consumer = join(work, "consumer");
let tarball = "";

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

before(() => {
  // `npm pack` runs `prepare`, which builds dist/ from a clean tsc run.
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], root)) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed[0]!.filename);
  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // Peer dependencies (pino, prom-client) come from npm's cache after `npm ci`.
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], consumer);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe("the packed tarball", () => {
  test("ships compiled JavaScript and declarations, not sources or tests", () => {
    const listing = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], root))[0].files.map((f: { path: string }) => f.path) as string[];
    assert.ok(listing.includes("dist/lib/mod.js"));
    assert.ok(listing.includes("dist/lib/mod.d.ts"));
    assert.ok(listing.includes("dist/adapters/pino/mod.js"));
    assert.equal(listing.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts")).length, 0, "no .ts sources");
    assert.equal(listing.filter((p) => p.startsWith("test/") || p.startsWith("bench/")).length, 0);
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
}));
`,
    );
    const out = JSON.parse(run(process.execPath, ["main.js"], consumer));
    assert.deepEqual(out, { value: "dropped", refused: "GD_REFUSED", records: 2, ok: true, db: "db_acme42" });
  });

  test("npx drop-guard --format sarif runs from the tarball and flags an un-audited deprovision", () => {
    mkdirSync(join(consumer, "src"), { recursive: true });
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true },
        include: ["src"],
      }),
    );
    writeFileSync(
      join(consumer, "src", "deprovision.ts"),
      `import { createGuardedDrop } from "guarded-drop";
import { postgresShared } from "guarded-drop/adapters/postgres";

const guardedDrop = createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } });
const adapter = postgresShared({ connectionString: "postgres://provisioner@db/postgres" });

export async function audited(token: string): Promise<void> {
  await guardedDrop({ token, resourceType: "postgres", backend: "shared", requestId: "r1" }, () => adapter.deprovision(token));
}

export async function unaudited(token: string): Promise<void> {
  await adapter.deprovision(token);
}
`,
    );
    let sarif = "";
    let status = 0;
    try {
      sarif = run("npx", ["--no-install", "drop-guard", "--format", "sarif"], consumer);
    } catch (err) {
      status = (err as { status: number }).status;
      sarif = (err as { stdout: string }).stdout;
    }
    assert.equal(status, 1, "exit 1: findings");
    const log = JSON.parse(sarif) as {
      version: string;
      runs: { tool: { driver: { name: string } }; results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    };
    assert.equal(log.version, "2.1.0");
    const results = log.runs[0]!.results;
    assert.equal(results.length, 1, JSON.stringify(results));
    assert.equal(results[0]!.ruleId, "adapter-deprovision");
    assert.equal(results[0]!.locations[0]!.physicalLocation.region.startLine, 12);
  });

  test("every subpath export resolves to a file in the package", () => {
    const installed = join(consumer, "node_modules", "guarded-drop");
    const pkg = JSON.parse(run(process.execPath, ["-p", "JSON.stringify(require('./package.json'))"], installed));
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, string | { default: string; types: string }>)) {
      const files = typeof target === "string" ? [target] : [target.default, target.types];
      for (const file of files) assert.ok(existsSync(join(installed, file)), `${subpath} → ${file}`);
    }
    assert.ok(existsSync(join(installed, pkg.bin["drop-guard"])), "the drop-guard bin");
    assert.ok(existsSync(join(installed, pkg.bin["guarded-drop"])), "the guarded-drop bin");
    assert.ok(readdirSync(join(installed, "dist")).length > 0);
  });

  test("npx guarded-drop runs from the tarball: --help exits 0, a usage error exits 2", () => {
    assert.match(run("npx", ["--no-install", "guarded-drop", "--help"], consumer), /Usage: guarded-drop audit verify/);
    assert.throws(() => run("npx", ["--no-install", "guarded-drop", "audit", "verify"], consumer), (err: unknown) => {
      assert.equal((err as { status?: number }).status, 2);
      return true;
    });
  });
});
