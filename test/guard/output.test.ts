// Where a finding's destructive text was written (related locations, code
// flows, "built at"), which files the scan covers (JavaScript, globs in
// include, files the project leaves out), and what the summary counts.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { formatSarif, formatText, runCli, scan } from "../../guard/mod.ts";
import { REPO, testTsconfig } from "./_rule_tester.ts";

const work = mkdtempSync(join(tmpdir(), "drop-guard-output-"));
after(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const CLIENT = "export const client = { async query(sql: string) { void sql; } };\n";

describe("where the destructive text was written", () => {
  const dir = project("related", {
    "tsconfig.json": testTsconfig(),
    "db.ts": CLIENT,
    "sql.ts": `export const DROP_HEAD = "DROP ";\nexport const DROP_ALL = "DROP OWNED BY tenant";\n`,
    "main.ts": `import { client } from "./db.ts";
import { DROP_ALL, DROP_HEAD } from "./sql.ts";
declare const name: string;
await client.query(DROP_ALL);
const statement = DROP_HEAD + "DATABASE " + name;
await client.query(statement);
await client.query("DROP ROLE x");
`,
    "unused.ts": `const NEVER_RUN = "DROP SCHEMA s";\n`,
  });

  test("a statement defined in one module and run in another is reported where it runs, with its literal", async () => {
    const result = await scan({ cwd: dir, project: "tsconfig.json", config: {} });
    const found = result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);
    assert.deepEqual(found, [
      "main.ts:4:20 sql-drop",
      "main.ts:6:20 sql-drop",
      "main.ts:7:20 sql-drop",
      "unused.ts:1:19 sql-drop",
    ]);
    const [imported, built, inline, unused] = result.findings;
    assert.deepEqual(imported!.related!.map((r) => `${r.file}:${r.line}:${r.column}`), ["sql.ts:2:25"]);
    // Several literals reach one sink: each is a related location.
    assert.deepEqual(built!.related!.map((r) => `${r.file}:${r.line}:${r.column}`).sort(), [
      "main.ts:5:31",
      "sql.ts:1:26",
    ]);
    // It crossed bindings: a flow from the literals to the call.
    assert.ok(built!.flow!.length >= 3);
    assert.equal(`${built!.flow!.at(-1)!.file}:${built!.flow!.at(-1)!.line}`, "main.ts:6");
    // Written where it runs: the literal itself, no flow.
    assert.deepEqual(inline!.related!.map((r) => `${r.line}:${r.column}`), ["7:20"]);
    assert.equal(inline!.flow, undefined);
    // Never run: reported at its definition.
    assert.deepEqual(unused!.related!.map((r) => `${r.file}:${r.line}`), ["unused.ts:1"]);

    const sarif = JSON.parse(formatSarif(result)) as {
      runs: {
        results: {
          relatedLocations?: {
            id: number;
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
          codeFlows?: unknown[];
        }[];
      }[];
    };
    const results = sarif.runs[0]!.results;
    assert.deepEqual(
      results[0]!.relatedLocations!.map((r) =>
        `${r.physicalLocation.artifactLocation.uri}:${r.physicalLocation.region.startLine}`
      ),
      ["sql.ts:2"],
    );
    assert.equal(results[0]!.codeFlows!.length, 1);
    assert.equal(results[1]!.relatedLocations!.length, 2);
    assert.equal(results[2]!.codeFlows, undefined);

    const text = formatText(result).split("\n");
    assert.match(text[0]!, /^main\.ts:4:20 sql-drop .* \(built at sql\.ts:2\)$/);
    assert.match(text[1]!, /\(built at (main\.ts:5, sql\.ts:1|sql\.ts:1, main\.ts:5)\)$/);
  });

  test("a sanctioned function reached outside guardedDrop names its declaration", async () => {
    const reach = project("declared", {
      "tsconfig.json": testTsconfig(),
      "drop.ts": `/** @sanctionedDrop */\nexport async function dropTenant(token: string) { void token; }\n`,
      "main.ts": `import { dropTenant } from "./drop.ts";\nawait dropTenant("t");\n`,
    });
    const result = await scan({ cwd: reach, project: "tsconfig.json", config: {} });
    assert.deepEqual(
      result.findings.map((f) => `${f.file}:${f.line} ${f.related?.map((r) => `${r.file}:${r.line}`).join(",")}`),
      [
        "main.ts:2 drop.ts:2",
      ],
    );
    assert.match(formatText(result), /\(declared at drop\.ts:2\)\n$/);
  });
});

describe("the files the scan covers", () => {
  const JS = `const client = { async query(sql) { void sql; } };\nawait client.query("DROP DATABASE x");\n`;

  test("JavaScript on its own, without a tsconfig.json: .js, .mjs and .cjs are scanned", async () => {
    const dir = project("js-only", {
      "a.js": JS,
      "b.mjs": JS,
      "lib/c.cjs": `const c = { query(s) {} };\nc.query("DROP ROLE r");\n`,
    });
    const result = await scan({ cwd: dir, config: {} });
    assert.deepEqual(result.findings.map((f) => `${f.file}:${f.line}`), ["a.js:2", "b.mjs:2", "lib/c.cjs:2"]);
    assert.equal(result.filesScanned, 3);
  });

  test("JavaScript a project leaves out (no allowJs) is named and counted; with allowJs it is scanned", async () => {
    const options = {
      target: "ES2023",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      types: [],
    };
    const dir = project("js-left-out", {
      "tsconfig.json": JSON.stringify({ compilerOptions: options, include: ["src"] }),
      "src/a.ts": `export const ok = "SELECT 1";\n`,
      "src/legacy.mjs": JS,
      "scripts/wipe.ts": JS,
    });
    const run = await cli(dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: 2 source file\(s\) .* not scanned .*: scripts\/wipe\.ts, src\/legacy\.mjs\n/);
    assert.match(run.stderr, /0 finding\(s\) in 0 file\(s\) of 1 scanned, 2 left out;/);

    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { ...options, allowJs: true }, include: ["src", "scripts"] }),
    );
    const scanned = await scan({ cwd: dir, config: {} });
    assert.deepEqual(scanned.findings.map((f) => `${f.file}:${f.line}`).sort(), [
      "scripts/wipe.ts:2",
      "src/legacy.mjs:2",
    ]);
    assert.deepEqual(scanned.leftOut, []);
  });

  test("include takes globs as exclude does", async () => {
    const dir = project("include-glob", {
      "tsconfig.json": testTsconfig(),
      "packages/a/src/drop.ts": `declare const c: { query(s: string): void };\nc.query("DROP USER a");\n`,
      "packages/b/src/drop.ts": `declare const c: { query(s: string): void };\nc.query("DROP USER b");\n`,
      "packages/b/test/drop.test.ts": `declare const c: { query(s: string): void };\nc.query("DROP USER t");\n`,
    });
    const result = await scan({ cwd: dir, project: "tsconfig.json", config: { include: ["packages/*/src/**/*.ts"] } });
    assert.deepEqual(result.files, ["packages/a/src/drop.ts", "packages/b/src/drop.ts"]);
    assert.equal(result.findings.length, 2);
    await assert.rejects(
      scan({ cwd: dir, project: "tsconfig.json", config: { include: ["nothing/**/*.ts"] } }),
      /matches no file/,
    );
  });

  test("the summary counts files with findings; narrowed by paths, the sanctioned functions in use", async () => {
    const fixture = join(REPO, "test", "guard", "fixtures", "reachability");
    const run = await cli(fixture, "src/bypass.ts", "--config", "dropguard.json");
    assert.equal(run.code, 1);
    // bypass.ts reaches dropTenant, dropEverything, TenantAdmin.deprovision, legacyDrop and Legacy.purge.
    assert.match(run.stderr, /8 finding\(s\) in 1 file\(s\) of 1 scanned; 5 sanctioned function\(s\) found/);
  });
});
