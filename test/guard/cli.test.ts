// The drop-guard CLI: every output format (SARIF parsed back and checked),
// exit codes 0/1/2, config errors, zero files, suppressions, and the bin
// itself, from source and compiled.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../../guard/mod.ts";
import { REPO, testTsconfig } from "./_rule_tester.ts";

let work = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function project(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  // No @types/node: these projects need only the language's own library.
  writeFileSync(join(dir, "tsconfig.json"), testTsconfig({ types: [] }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const D = "declare const client: { query(q: string): Promise<void> }; declare const redis: any;\n";
const BAD =
  `${D}export async function a() {\n  await client.query("DROP DATABASE db_x");\n  await redis.flushall();\n}\n`;
const CLEAN = `${D}/** @sanctionedDrop */\nexport async function a() { await client.query("DROP DATABASE db_x"); }\n`;

before(() => {
  work = mkdtempSync(join(tmpdir(), "drop-guard-cli-"));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe("output formats", () => {
  let dir = "";
  before(() => {
    dir = project("formats", {
      "bad.ts": BAD,
      "quiet.ts":
        `${D}// drop-guard-ignore-next-line redis-flush -- the test server is wiped between runs\nawait redis.flushall();\n`,
    });
  });

  test("text: file:line:col rule-id message, saying how to route it through guardedDrop", async () => {
    const run = await cli(dir);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^bad\.ts:3:22 sql-drop SQL `DROP DATABASE` outside a sanctioned function: .*guardedDrop\(request, \(\) => …\)/,
    );
    assert.match(
      lines[1]!,
      /^bad\.ts:4:15 redis-flush Redis `FLUSHALL` outside a sanctioned function: .*@sanctionedDrop/,
    );
    assert.match(run.stderr, /2 finding\(s\) \(1 suppressed\) in 1 file\(s\) of 2 scanned/);
  });

  test("json: findings with positions and fingerprints, suppressed ones marked", async () => {
    const run = await cli(dir, "--format", "json");
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.filesScanned, 2);
    assert.equal(report.findings.length, 3);
    const suppressed = report.findings.filter((f: { suppression?: unknown }) => f.suppression !== undefined);
    assert.deepEqual(
      suppressed.map((
        f: { file: string; line: number; suppression: { reason: string } },
      ) => [f.file, f.line, f.suppression.reason]),
      [
        ["quiet.ts", 3, "the test server is wiped between runs"],
      ],
    );
    for (const f of report.findings) assert.match(f.fingerprint, /^[0-9a-f]{32}$/);
  });

  test("sarif: a valid 2.1.0 log with rules, results, locations, fingerprints and suppressions", async () => {
    const run = await cli(dir, "--format", "sarif");
    assert.equal(run.code, 1);
    const log = JSON.parse(run.stdout);
    assert.equal(log.version, "2.1.0");
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const [sarifRun] = log.runs;
    const driver = sarifRun.tool.driver;
    assert.equal(driver.name, "drop-guard");
    assert.match(driver.version, /^\d+\.\d+\.\d+/);
    const ids = driver.rules.map((r: { id: string }) => r.id);
    for (
      const id of [
        "sql-drop",
        "redis-acl-deluser",
        "redis-flush",
        "mongodb-drop",
        "rabbitmq-delete",
        "nats-delete",
        "adapter-deprovision",
        "sanctioned-reference",
        "invalid-suppression",
        "unused-suppression",
        "sanctioned-not-found",
      ]
    ) {
      assert.ok(ids.includes(id), `rule ${id} is listed`);
    }
    for (const rule of driver.rules) {
      assert.equal(typeof rule.shortDescription.text, "string");
      assert.ok(rule.shortDescription.text.length > 10);
      assert.ok(rule.fullDescription.text.length > rule.shortDescription.text.length);
    }
    assert.equal(sarifRun.results.length, 3);
    for (const result of sarifRun.results) {
      assert.equal(driver.rules[result.ruleIndex].id, result.ruleId);
      assert.equal(result.level, "error");
      assert.ok(result.message.text.length > 0);
      const location = result.locations[0].physicalLocation;
      assert.match(location.artifactLocation.uri, /^(bad|quiet)\.ts$/);
      assert.equal(location.artifactLocation.uriBaseId, "%SRCROOT%");
      assert.ok(location.region.startLine >= 1 && location.region.startColumn >= 1);
      assert.ok(location.region.endLine >= location.region.startLine);
      assert.match(result.partialFingerprints["dropGuard/v1"], /^[0-9a-f]{32}$/);
    }
    assert.match(sarifRun.originalUriBaseIds["%SRCROOT%"].uri, /^file:\/\/.*\/$/);
    const suppressed = sarifRun.results.filter((r: { suppressions?: unknown[] }) => r.suppressions !== undefined);
    assert.equal(suppressed.length, 1);
    assert.deepEqual(suppressed[0].suppressions, [{
      kind: "inSource",
      status: "accepted",
      justification: "the test server is wiped between runs",
    }]);
    assert.equal(suppressed[0].ruleId, "redis-flush");
  });

  test("github: ::error annotations with file, line, col and title", async () => {
    const run = await cli(dir, "--format", "github");
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^::error file=bad\.ts,line=3,col=22,endLine=3,endColumn=\d+,title=drop-guard sql-drop::SQL `DROP DATABASE` outside/,
    );
    assert.match(
      lines[1]!,
      /^::error file=bad\.ts,line=4,col=15,endLine=4,endColumn=\d+,title=drop-guard redis-flush::Redis `FLUSHALL`/,
    );
  });

  test("fingerprints stay the same when lines above are added", async () => {
    const before = JSON.parse((await cli(dir, "--format", "json")).stdout).findings;
    const moved = project("moved", { "bad.ts": `// a new first line\n\n${BAD}` });
    const later = JSON.parse((await cli(moved, "--format", "json")).stdout).findings;
    assert.deepEqual(
      later.map((f: { fingerprint: string }) => f.fingerprint),
      before.filter((f: { file: string }) => f.file === "bad.ts").map((f: { fingerprint: string }) => f.fingerprint),
    );
    assert.deepEqual(later.map((f: { line: number }) => f.line), [5, 6]);
  });
});

describe("exit codes", () => {
  test("0 when clean, and sanctioned functions are counted", async () => {
    const dir = project("clean", { "clean.ts": CLEAN });
    const run = await cli(dir, "--format", "json");
    assert.equal(run.code, 0);
    const report = JSON.parse(run.stdout);
    assert.equal(report.findings.length, 0);
    assert.equal(report.sanctionedFound, 1);
  });

  test("1 with findings; paths select what is scanned", async () => {
    const dir = project("paths", { "src/bad.ts": BAD, "src/ok/clean.ts": CLEAN, "other/bad.ts": BAD });
    const all = await cli(dir, "--format", "json");
    assert.equal(all.code, 1);
    assert.equal(JSON.parse(all.stdout).findings.length, 4);
    const some = await cli(dir, "src/ok", "--format", "json");
    assert.equal(some.code, 0);
    assert.deepEqual(JSON.parse(some.stdout).files, ["src/ok/clean.ts"]);
    const one = await cli(dir, "src/bad.ts");
    assert.equal(one.code, 1);
    assert.equal(one.stdout.trimEnd().split("\n").length, 2);
  });

  test("the config's include and exclude choose the files when no path is given", async () => {
    const dir = project("include-exclude", {
      "src/bad.ts": BAD,
      "src/bad.test.ts": BAD,
      "src/fixtures/bad.ts": BAD,
      "scripts/bad.ts": BAD,
      "dropguard.json": `{ "include": ["src"], "exclude": ["*.test.ts", "src/fixtures"] }`,
    });
    const run = await cli(dir, "--format", "json");
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.stdout).files, ["src/bad.ts"]);
    const given = await cli(dir, "scripts", "--format", "json");
    assert.deepEqual(JSON.parse(given.stdout).files, ["scripts/bad.ts"]);
  });

  test("paths without a tsconfig.json use default options", async () => {
    const dir = join(work, "no-tsconfig");
    mkdirSync(dir);
    writeFileSync(join(dir, "job.js"), `export async function run(redis) { await redis.flushdb(); }\n`);
    const run = await cli(dir, "job.js");
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^job\.js:1:48 redis-flush /);
  });

  test("2 for zero files scanned", async () => {
    const dir = project("empty", { "README.md": "nothing to scan" });
    const run = await cli(dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Cannot scan as no file was found to scan/);
    mkdirSync(join(dir, "src"));
    assert.equal((await cli(dir, "src")).code, 2);
  });

  test("2 for a path or project that does not exist", async () => {
    const dir = project("missing", { "clean.ts": CLEAN });
    const run = await cli(dir, "nope");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the path 'nope' does not exist/);
    const project2 = await cli(dir, "--project", "nope.json");
    assert.equal(project2.code, 2);
    assert.match(project2.stderr, /nope\.json' does not exist/);
  });

  test("2 for an unknown option or format", async () => {
    const dir = project("usage", { "clean.ts": CLEAN });
    const option = await cli(dir, "--fromat", "json");
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--fromat'/);
    assert.match(option.stderr, /Usage: drop-guard/);
    const format = await cli(dir, "--format", "xml");
    assert.equal(format.code, 2);
    assert.match(format.stderr, /'--format' must be one of text, json, sarif, github: current value is 'xml'/);
  });

  test("2 for an unknown config key, naming the key", async () => {
    const dir = project("config-key", { "clean.ts": CLEAN, "dropguard.json": `{ "sanctionned": [] }` });
    const run = await cli(dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown key 'sanctionned'/);
  });

  test("2 for an unknown rule or a bad rule option in the config, naming it", async () => {
    const dir = project("config-rule", {
      "clean.ts": CLEAN,
      "a.json": `{ "rules": { "sql-dorp": "off" } }`,
      "b.json": `{ "rules": { "sql-drop": ["error", { "objects": ["TABLE"] }] } }`,
      "c.json": `{ "rules": { "sql-drop": ["error", { "object": [] }] } }`,
    });
    const a = await cli(dir, "--config", "a.json");
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown rule 'sql-dorp'/);
    const b = await cli(dir, "--config", "b.json");
    assert.equal(b.code, 2);
    assert.match(b.stderr, /'rules\.sql-drop\[1\]\.objects\[0\]' must be one of/);
    const c = await cli(dir, "--config", "c.json");
    assert.equal(c.code, 2);
    assert.match(c.stderr, /unknown key 'object'/);
  });

  test("2 for a config file that is missing or not JSON", async () => {
    const dir = project("config-bad", { "clean.ts": CLEAN, "broken.json": `{ "rules": ` });
    assert.equal((await cli(dir, "--config", "absent.json")).code, 2);
    const broken = await cli(dir, "--config", "broken.json");
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /is not valid JSON/);
  });

  test("1 for a config that sanctions functions of which none is found, saying so", async () => {
    const dir = project("config-none", {
      "clean.ts": CLEAN,
      "dropguard.json": `{ "sanctioned": ["clean.ts#gone", "missing.ts#dropAll"] }`,
    });
    const run = await cli(dir);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^dropguard\.json:1:\d+ sanctioned-not-found the config sanctions 'clean\.ts#gone', but .*none of the 2 configured sanctioned functions was found/,
    );
    assert.match(lines[1]!, /'missing\.ts#dropAll', but the file is not part of the program/);
  });

  test("1 for a config entry that is stale while others are found", async () => {
    const dir = project("config-stale", {
      "legacy.ts": `${D}export async function purge() { await client.query("DROP ROLE r"); }\n`,
      "dropguard.json": `{\n  "sanctioned": [\n    "legacy.ts#purge",\n    "legacy.ts#purgeAll"\n  ]\n}`,
    });
    const run = await cli(dir, "--format", "json");
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(
      report.findings.map((
        f: { file: string; line: number; column: number; ruleId: string; messageId: string },
      ) => [f.file, f.line, f.column, f.ruleId, f.messageId]),
      [
        ["dropguard.json", 4, 5, "sanctioned-not-found", "missing"],
      ],
    );
    assert.equal(report.sanctionedFound, 1);
  });
});

describe("suppressions", () => {
  const flush = "await redis.flushall();";
  const cases: [string, string, string[]][] = [
    ["with a reason", `// drop-guard-ignore-next-line redis-flush -- wiping the test server`, []],
    ["with two rules", `// drop-guard-ignore-next-line sql-drop, redis-flush -- wiping the test server`, []],
    ["without a reason", `// drop-guard-ignore-next-line redis-flush`, ["2:1 invalid-suppression", "3:13 redis-flush"]],
    ["with an empty reason", `// drop-guard-ignore-next-line redis-flush --`, [
      "2:1 invalid-suppression",
      "3:13 redis-flush",
    ]],
    ["with an unknown rule id", `// drop-guard-ignore-next-line redis-flsuh -- typo`, [
      "2:1 invalid-suppression",
      "3:13 redis-flush",
    ]],
    ["without a rule id", `// drop-guard-ignore-next-line -- no rule`, ["2:1 invalid-suppression", "3:13 redis-flush"]],
    ["for another rule", `// drop-guard-ignore-next-line sql-drop -- wrong rule`, [
      "2:1 unused-suppression",
      "3:13 redis-flush",
    ]],
  ];
  for (const [name, comment, expected] of cases) {
    test(`a suppression ${name}`, async () => {
      const dir = project(`suppress-${name.replaceAll(" ", "-")}`, { "a.ts": `${D}${comment}\n${flush}\n` });
      const run = await cli(dir, "--format", "json");
      const report = JSON.parse(run.stdout);
      const open = report.findings.filter((f: { suppression?: unknown }) => f.suppression === undefined);
      assert.deepEqual(
        open.map((f: { line: number; column: number; ruleId: string }) => `${f.line}:${f.column} ${f.ruleId}`),
        expected,
      );
      assert.equal(run.code, expected.length > 0 ? 1 : 0);
    });
  }

  test("an unused suppression is reported, with its rule id", async () => {
    const dir = project("suppress-unused", {
      "a.ts": `${D}// drop-guard-ignore-next-line redis-flush -- nothing here any more\nconsole.log("ok");\n`,
    });
    const run = await cli(dir);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^a\.ts:2:1 unused-suppression unused suppression: no `redis-flush` finding on the next line/,
    );
  });

  test("the directive in a string or a block comment is not a suppression", async () => {
    const dir = project("suppress-string", {
      "a.ts":
        `${D}const doc = "// drop-guard-ignore-next-line redis-flush -- in a string";\n/* // drop-guard-ignore-next-line redis-flush -- in a block */\n${flush}\nconsole.log(doc);\n`,
    });
    const run = await cli(dir, "--format", "json");
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.findings.map((f: { line: number; ruleId: string }) => `${f.line} ${f.ruleId}`), [
      "4 redis-flush",
    ]);
  });

  test("a suppression applies to the next line only", async () => {
    const dir = project("suppress-next", {
      "a.ts": `${D}// drop-guard-ignore-next-line redis-flush -- only the next line\n\n${flush}\n`,
    });
    const run = await cli(dir, "--format", "json");
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.findings.map((f: { line: number; ruleId: string }) => `${f.line} ${f.ruleId}`), [
      "2 unused-suppression",
      "4 redis-flush",
    ]);
  });
});

describe("the bin", () => {
  test("runs from source: exit codes and output reach the shell", () => {
    const dir = project("bin", { "bad.ts": BAD, "clean/clean.ts": CLEAN });
    const bin = join(REPO, "guard", "cli.ts");
    // The temporary project has no node_modules: the loader is named by path.
    const tsx = import.meta.resolve("tsx");
    const bad = spawnSync(process.execPath, ["--import", tsx, bin, "bad.ts"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /^bad\.ts:3:22 sql-drop /);
    const clean = spawnSync(process.execPath, ["--import", tsx, bin, "clean"], { cwd: dir, encoding: "utf8" });
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stderr, /0 finding\(s\) in 0 file\(s\) of 1 scanned; 1 sanctioned function\(s\) found/);
    const help = spawnSync(process.execPath, ["--import", tsx, bin, "--help"], { cwd: dir, encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: drop-guard \[paths…\]/);
    const version = spawnSync(process.execPath, ["--import", tsx, bin, "--version"], { cwd: dir, encoding: "utf8" });
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    assert.equal(version.stdout.trim(), manifest.version);
  });

  test("runs compiled, with no TypeScript loader", () => {
    // The build's own settings (tsconfig.build.json) for the guard's files:
    // `.ts` specifiers are rewritten to `.js`.
    const out = join(REPO, ".tmp", `guard-build-${process.pid}`);
    try {
      execFileSync(
        join(REPO, "node_modules", ".bin", "tsc"),
        [
          "--ignoreConfig",
          "--outDir",
          out,
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
          "--declaration",
          join(REPO, "guard", "cli.ts"),
          join(REPO, "guard", "mod.ts"),
        ],
        { cwd: REPO, encoding: "utf8" },
      );
      const dir = project("compiled", { "bad.ts": BAD });
      const run = spawnSync(process.execPath, [join(out, "guard", "cli.js"), "--format", "sarif"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "" },
      });
      assert.equal(run.status, 1, run.stderr);
      const log = JSON.parse(run.stdout);
      assert.equal(log.runs[0].results.length, 2);
      assert.equal(readFileSync(join(out, "guard", "cli.js"), "utf8").split("\n")[0], "#!/usr/bin/env node");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
