// drop-guard --base: fixture repositories made with `git init` in a temp
// dir, a base and a head committed in the test, run through the CLI. Each
// case asserts the exit code and what the output names (file, line, reason,
// hidden file, rule), and most assert that the head alone passes, so that
// the base comparison is what fails it.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../guard/mod.ts";
import { REPO, testTsconfig } from "./_rule_tester.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Finding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  message: string;
  level?: string;
  base?: { ref: string; commit: string };
  suppression?: { reason: string };
}

// The fixture repositories' git sees no global or system config: only what
// the test sets in the repository.
const GIT_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.startsWith("GIT_")),
);
// The guard runs in this process: a GIT_DIR or GIT_WORK_TREE from a git hook
// that runs the tests would point its git at this repository instead.
for (const key of Object.keys(process.env)) if (key.startsWith("GIT_")) delete process.env[key];

class Repo {
  constructor(readonly dir: string) {}

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: {
        ...GIT_ENV,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: join(this.dir, "..", "no-global-gitconfig"),
        HOME: join(this.dir, ".."),
      },
      timeout: 30_000,
    });
  }

  write(files: Record<string, string | null>): this {
    for (const [file, text] of Object.entries(files)) {
      const path = join(this.dir, file);
      if (text === null) rmSync(path, { force: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      }
    }
    return this;
  }

  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD").trim();
  }

  async cli(...args: string[]): Promise<Run> {
    return run(this.dir, ...args);
  }

  async json(
    ...args: string[]
  ): Promise<{ code: number; findings: Finding[]; report: Record<string, unknown>; stderr: string }> {
    const result = await this.cli(...args, "--format", "json");
    const report = JSON.parse(result.stdout) as { findings: Finding[] };
    return { code: result.code, findings: report.findings, report, stderr: result.stderr };
  }
}

async function run(cwd: string, ...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

// A fresh repository with a tsconfig.json and the base files committed on
// `main`; removed in `finally`.
async function withRepo(base: Record<string, string>, body: (repo: Repo) => Promise<void>, root = "."): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "drop-guard-base-"));
  try {
    const top = join(work, "repo");
    mkdirSync(top);
    const repo = new Repo(top);
    repo.git("init", "-q", "-b", "main");
    repo.git("config", "user.name", "Drop Guard Test");
    repo.git("config", "user.email", "drop-guard@example.invalid");
    repo.git("config", "commit.gpgsign", "false");
    repo.write({ [join(root, "tsconfig.json")]: testTsconfig({ types: [] }) });
    repo.write(Object.fromEntries(Object.entries(base).map(([file, text]) => [join(root, file), text])));
    repo.commit("base");
    await body(root === "." ? repo : new Repo(join(top, root)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const open = (findings: readonly Finding[]) => findings.filter((f) => f.suppression === undefined);
const at = (findings: readonly Finding[]) => open(findings).map((f) => `${f.file}:${f.line} ${f.ruleId}`);

const D = "declare const client: { query(q: string): Promise<void> }; declare const redis: any;\n";
const FLUSH =
  `${D}export async function wipe() {\n  // drop-guard-ignore-next-line redis-flush -- the test server is wiped between runs\n  await redis.flushall();\n}\n`;
const RAW_DROP = `${D}export async function purge() {\n  await client.query("DROP DATABASE db_x");\n}\n`;
const CLEAN = `${D}export function hello() {\n  return "hello";\n}\n`;
const SANCTIONED =
  `${D}/** @sanctionedDrop */\nexport async function dropIt() {\n  await client.query("DROP DATABASE db_x");\n}\n`;

describe("new-suppression", () => {
  test("a suppression the base does not have: exit 1, naming the file, the line and the reason", async () => {
    await withRepo({ "src/a.ts": CLEAN }, async (repo) => {
      repo.write({
        "src/a.ts":
          `${D}export async function purge() {\n  // drop-guard-ignore-next-line sql-drop -- cleanup\n  await client.query("DROP DATABASE db_x");\n}\n`,
      });
      repo.commit("head");
      assert.equal((await repo.cli()).code, 0, "the head alone passes: the suppression silences the drop");
      const head = await repo.cli("--base", "HEAD~1");
      assert.equal(head.code, 1, head.stderr);
      const lines = head.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 1);
      assert.match(
        lines[0]!,
        /^src\/a\.ts:3:3 new-suppression new suppression of `sql-drop`, not in 'HEAD~1' \([0-9a-f]{7}\), with the reason: cleanup$/,
      );
      assert.match(
        head.stderr,
        /compared with 'HEAD~1' \([0-9a-f]{7}\): 1 new suppression\(s\), 0 scope change\(s\), 0 new sanctioned function\(s\)/,
      );

      const sarif = JSON.parse((await repo.cli("--base", "HEAD~1", "--format", "sarif")).stdout);
      const [sarifRun] = sarif.runs;
      const baseCommit = repo.git("rev-parse", "HEAD~1").trim();
      const newOne = sarifRun.results.filter((r: { ruleId: string }) => r.ruleId === "new-suppression");
      assert.equal(newOne.length, 1);
      assert.equal(newOne[0].level, "error");
      assert.deepEqual(newOne[0].properties, { baseRef: "HEAD~1", baseCommit });
      assert.match(newOne[0].partialFingerprints["dropGuard/v1"], /^[0-9a-f]{32}$/);
      assert.equal(newOne[0].locations[0].physicalLocation.region.startLine, 3);
      assert.equal(sarifRun.tool.driver.rules[newOne[0].ruleIndex].id, "new-suppression");
      const suppressed = sarifRun.results.filter((r: { suppressions?: unknown }) => r.suppressions !== undefined);
      assert.deepEqual(suppressed.map((r: { ruleId: string; suppressions: unknown }) => [r.ruleId, r.suppressions]), [
        ["sql-drop", [{ kind: "inSource", status: "accepted", justification: "cleanup" }]],
      ]);
      assert.deepEqual(sarifRun.properties, { baseRef: "HEAD~1", baseCommit });
      const ids = sarifRun.tool.driver.rules.map((r: { id: string }) => r.id);
      for (const id of ["new-suppression", "scope-narrowed", "new-sanction"]) assert.ok(ids.includes(id), id);
    });
  });

  test("the same suppression already in the base: exit 0", async () => {
    await withRepo({ "src/a.ts": FLUSH }, async (repo) => {
      repo.write({ "src/b.ts": CLEAN });
      repo.commit("head: an unrelated file");
      const result = await repo.json("--base", "HEAD~1");
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(at(result.findings), []);
      assert.equal(result.findings.length, 1, "the suppressed flush is still listed");
      assert.deepEqual(result.report.base, { ref: "HEAD~1", commit: repo.git("rev-parse", "HEAD~1").trim() });
      // The working tree against its own commit: nothing new either.
      assert.equal((await repo.cli("--base", "HEAD")).code, 0);
    });
  });

  test("a moved, re-indented suppression, and one in a renamed file, is not new: exit 0", async () => {
    await withRepo({ "src/a.ts": FLUSH, "src/b.ts": FLUSH.replace("wipe", "wipeB") }, async (repo) => {
      repo.write({
        // Lines added above, and the code re-indented inside a new block.
        "src/a.ts":
          `${D}// a new first line\n\nexport async function wipe(really: boolean) {\n  if (really) {\n        // drop-guard-ignore-next-line   redis-flush   --   the test server is wiped between runs\n        await   redis.flushall( );\n  }\n}\n`,
        "src/b.ts": null,
        "src/renamed/b2.ts": FLUSH.replace("wipe", "wipeB"),
      });
      repo.commit("head: move and rename");
      const result = await repo.json("--base", "HEAD~1");
      assert.equal(result.code, 0, JSON.stringify(at(result.findings)));
      assert.deepEqual(result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`), [
        "src/a.ts:7 redis-flush",
        "src/renamed/b2.ts:4 redis-flush",
      ]);
    });
  });

  test("a suppression moved in from a file the base did not scan is new", async () => {
    await withRepo(
      { "src/a.ts": CLEAN, "test/fixture.ts": FLUSH, "dropguard.json": `{ "include": ["src"] }` },
      async (repo) => {
        repo.write({ "test/fixture.ts": null, "src/a.ts": FLUSH });
        const result = await repo.json("--base", "HEAD");
        assert.equal(result.code, 1);
        assert.deepEqual(at(result.findings), ["src/a.ts:3 new-suppression"]);
      },
    );
  });

  test("two identical suppressions in the head and one in the base: one is new, the added one", async () => {
    const twice =
      `${FLUSH}export async function wipeAgain() {\n  // drop-guard-ignore-next-line redis-flush -- the test server is wiped between runs\n  await redis.flushall();\n}\n`;
    await withRepo({ "src/a.ts": FLUSH }, async (repo) => {
      repo.write({ "src/a.ts": twice });
      repo.commit("head: a copy");
      const result = await repo.json("--base", "HEAD~1");
      assert.equal(result.code, 1);
      assert.deepEqual(at(result.findings), ["src/a.ts:7 new-suppression"]);
      // A copy into another file is new too, the original is not.
      repo.write({ "src/a.ts": FLUSH, "src/c.ts": FLUSH.replace("wipe", "wipeC") });
      const copied = await repo.json("--base", "HEAD~1");
      assert.deepEqual(at(copied.findings), ["src/c.ts:3 new-suppression"]);
    });
  });

  test("a changed reason, a changed rule list or changed covered code makes it new", async () => {
    await withRepo({ "src/a.ts": FLUSH }, async (repo) => {
      const variants = [
        FLUSH.replace("between runs", "between test runs"),
        FLUSH.replace("redis-flush --", "redis-flush, sql-drop --"),
        FLUSH.replace("redis.flushall()", "redis.flushdb()"),
      ];
      for (const variant of variants) {
        repo.write({ "src/a.ts": variant });
        const result = await repo.json("--base", "HEAD");
        assert.equal(result.code, 1, variant);
        assert.ok(at(result.findings).includes("src/a.ts:3 new-suppression"), `${variant}: ${at(result.findings)}`);
      }
    });
  });

  test("an invalid suppression is reported as invalid, not as new", async () => {
    await withRepo({ "src/a.ts": CLEAN }, async (repo) => {
      repo.write({ "src/a.ts": FLUSH.replace(" -- the test server is wiped between runs", "") });
      const result = await repo.json("--base", "HEAD");
      assert.deepEqual(at(result.findings), ["src/a.ts:3 invalid-suppression", "src/a.ts:4 redis-flush"]);
    });
  });

  test('"newSuppressions": "warning": reported as a warning, exit 0; lowering it from the base is scope-narrowed', async () => {
    const config = `{ "include": ["src"], "newSuppressions": "warning" }`;
    await withRepo({ "src/a.ts": CLEAN, "dropguard.json": config }, async (repo) => {
      repo.write({ "src/a.ts": FLUSH });
      const text = await repo.cli("--base", "HEAD");
      assert.equal(text.code, 0, text.stdout);
      assert.match(
        text.stdout,
        /^src\/a\.ts:3:3 new-suppression warning: new suppression of `redis-flush`, not in 'HEAD' \([0-9a-f]{7}\), with the reason: the test server is wiped between runs\n$/,
      );
      assert.match(text.stderr, /0 finding\(s\) \(1 suppressed\), 1 warning\(s\) in 1 file\(s\)/);
      const github = await repo.cli("--base", "HEAD", "--format", "github");
      assert.match(
        github.stdout,
        /^::warning file=src\/a\.ts,line=3,col=3,.*title=drop-guard new-suppression::new suppression/,
      );
      const sarif = JSON.parse((await repo.cli("--base", "HEAD", "--format", "sarif")).stdout);
      assert.deepEqual(sarif.runs[0].results.map((r: { ruleId: string; level: string }) => `${r.ruleId} ${r.level}`), [
        "new-suppression warning",
        "redis-flush error",
      ]);
    });
    await withRepo({ "src/a.ts": CLEAN, "dropguard.json": `{ "include": ["src"] }` }, async (repo) => {
      repo.write({ "dropguard.json": config });
      const result = await repo.json("--base", "HEAD");
      assert.equal(result.code, 1);
      assert.deepEqual(open(result.findings).map((f) => [f.file, f.line, f.ruleId, f.message]), [
        [
          "dropguard.json",
          1,
          "scope-narrowed",
          `the config lowers newSuppressions from "error" to "warning", since 'HEAD' (${
            repo.git("rev-parse", "--short=7", "HEAD").trim()
          })`,
        ],
      ]);
    });
  });
});

describe("scope-narrowed", () => {
  test("a new exclude that hides a raw DROP: exit 1, naming the hidden file", async () => {
    await withRepo(
      { "src/a.ts": CLEAN, "src/legacy/purge.ts": CLEAN, "dropguard.json": `{ "include": ["src"] }` },
      async (repo) => {
        repo.write({
          "src/legacy/purge.ts": RAW_DROP,
          "dropguard.json": `{\n  "include": ["src"],\n  "exclude": ["**/*.test.ts", "src/legacy"]\n}\n`,
        });
        repo.commit("head: exclude legacy");
        assert.equal((await repo.cli()).code, 0, "the head alone passes: the drop is excluded");
        const result = await repo.cli("--base", "HEAD~1");
        assert.equal(result.code, 1);
        assert.equal(
          result.stdout,
          `dropguard.json:3:31 scope-narrowed the exclude pattern 'src/legacy', new since 'HEAD~1' (${
            repo.git("rev-parse", "--short=7", "HEAD~1").trim()
          }), takes 1 file(s) out of the scan: src/legacy/purge.ts\n`,
        );
        assert.match(result.stderr, /0 new suppression\(s\), 1 scope change\(s\)/);
      },
    );
  });

  test("a narrowed include: exit 1, naming every file it no longer covers", async () => {
    await withRepo({
      "src/a.ts": CLEAN,
      "jobs/nightly.ts": RAW_DROP,
      "jobs/weekly.ts": CLEAN,
      "dropguard.json": `{ "include": ["src", "jobs"] }`,
    }, async (repo) => {
      repo.write({ "dropguard.json": `{ "include": ["src"] }` });
      assert.equal((await repo.cli()).code, 0);
      const result = await repo.json("--base", "HEAD");
      assert.equal(result.code, 1);
      assert.deepEqual(open(result.findings).map((f) => [f.file, f.line, f.column, f.ruleId]), [[
        "dropguard.json",
        1,
        3,
        "scope-narrowed",
      ]]);
      assert.match(
        open(result.findings)[0]!.message,
        /^the config's include no longer covers 2 file\(s\) that 'HEAD' \([0-9a-f]{7}\) scans: jobs\/nightly\.ts, jobs\/weekly\.ts$/,
      );
      // Changed paths: the include points elsewhere.
      repo.write({ "dropguard.json": `{ "include": ["src", "cron"] }`, "cron/x.ts": CLEAN });
      const moved = await repo.json("--base", "HEAD");
      assert.equal(moved.code, 1);
      assert.match(
        open(moved.findings)[0]!.message,
        /no longer covers 2 file\(s\).*jobs\/nightly\.ts, jobs\/weekly\.ts/,
      );
    });
  });

  test("a removed config widens the scan: not a finding, and the drop it hid is found", async () => {
    await withRepo(
      { "src/a.ts": CLEAN, "jobs/nightly.ts": RAW_DROP, "dropguard.json": `{ "exclude": ["jobs"] }` },
      async (repo) => {
        repo.write({ "dropguard.json": null });
        const wider = await repo.json("--base", "HEAD");
        assert.equal(wider.code, 1);
        assert.deepEqual(at(wider.findings), ["jobs/nightly.ts:3 sql-drop"]);
      },
    );
  });

  test("a tsconfig.json that lists fewer files, when the config has no include: exit 1, at the tsconfig.json", async () => {
    await withRepo({ "src/a.ts": CLEAN, "lib/c.ts": RAW_DROP.replace("DROP DATABASE", "SELECT") }, async (repo) => {
      repo.write({
        "tsconfig.json": testTsconfig({ types: [] }).replace(`"**/*.ts"`, `"src/**/*.ts"`),
        "lib/c.ts": RAW_DROP,
      });
      assert.equal((await repo.cli()).code, 0);
      const fewer = await repo.json("--base", "HEAD");
      assert.equal(fewer.code, 1);
      assert.deepEqual(open(fewer.findings).map((f) => [f.file, f.ruleId]), [["tsconfig.json", "scope-narrowed"]]);
      assert.match(
        open(fewer.findings)[0]!.message,
        /no longer covers 1 file\(s\) that 'HEAD' .* scans \('tsconfig\.json' includes fewer files\): lib\/c\.ts$/,
      );
      // The same tsconfig.json named with --project.
      const named = await repo.json("--project", "tsconfig.json", "--base", "HEAD");
      assert.deepEqual(open(named.findings).map((f) => [f.file, f.ruleId]), [["tsconfig.json", "scope-narrowed"]]);
    });
  });

  test("a file the head deletes is not hidden; an exclude that hides nothing is not a finding", async () => {
    await withRepo(
      { "src/a.ts": CLEAN, "src/old.ts": CLEAN, "dropguard.json": `{ "include": ["src"] }` },
      async (repo) => {
        repo.write({
          "src/old.ts": null,
          "dropguard.json": `{ "include": ["src"], "exclude": ["src/old.ts", "**/*.test.ts"] }`,
        });
        const result = await repo.json("--base", "HEAD");
        assert.equal(result.code, 0, JSON.stringify(at(result.findings)));
        assert.deepEqual(result.findings, []);
      },
    );
  });

  test("a rule turned off: exit 1, naming the rule; narrowed options too; widened options are fine", async () => {
    await withRepo({
      "src/a.ts": CLEAN,
      "dropguard.json":
        `{ "include": ["src"], "rules": { "sql-drop": ["error", { "objects": ["DATABASE", "ROLE"] }] } }`,
    }, async (repo) => {
      repo.write({
        "dropguard.json":
          `{\n  "include": ["src"],\n  "rules": {\n    "redis-flush": "off",\n    "sql-drop": ["error", { "objects": ["DATABASE", "ROLE"] }]\n  }\n}\n`,
      });
      const off = await repo.json("--base", "HEAD");
      assert.equal(off.code, 1);
      assert.deepEqual(open(off.findings).map((f) => [f.file, f.line, f.column, f.ruleId]), [[
        "dropguard.json",
        4,
        5,
        "scope-narrowed",
      ]]);
      assert.match(
        open(off.findings)[0]!.message,
        /^the config turns the rule 'redis-flush' off, which 'HEAD' \([0-9a-f]{7}\) runs$/,
      );

      repo.write({
        "dropguard.json": `{ "include": ["src"], "rules": { "sql-drop": ["error", { "objects": ["DATABASE"] }] } }`,
      });
      const narrowed = await repo.json("--base", "HEAD");
      assert.equal(narrowed.code, 1);
      assert.match(
        open(narrowed.findings)[0]!.message,
        /narrows the options of the rule 'sql-drop' from \[\{"objects":\["DATABASE","ROLE"\]\}\] to \[\{"objects":\["DATABASE"\]\}\]/,
      );

      repo.write({ "dropguard.json": `{ "include": ["src"] }` });
      const widened = await repo.json("--base", "HEAD");
      assert.equal(widened.code, 0, JSON.stringify(at(widened.findings)));
    });
  });
});

describe("new-sanction", () => {
  test("a newly sanctioned function: exit 0, a note in SARIF and in the text summary", async () => {
    await withRepo({
      "src/old.ts": SANCTIONED,
      "src/legacy.ts": RAW_DROP,
      "dropguard.json": `{ "include": ["src"], "sanctioned": ["src/legacy.ts#purge"] }`,
    }, async (repo) => {
      repo.write({
        "src/new.ts": SANCTIONED.replace("dropIt", "dropNew"),
        "src/cfg.ts": RAW_DROP.replace("purge", "purgeMore"),
        "dropguard.json": `{ "include": ["src"], "sanctioned": ["src/legacy.ts#purge", "src/cfg.ts#purgeMore"] }`,
      });
      repo.commit("head: two new sanctions");
      const text = await repo.cli("--base", "HEAD~1");
      assert.equal(text.code, 0, text.stdout);
      assert.deepEqual(text.stdout.trimEnd().split("\n").sort(), [
        `src/cfg.ts:2:23 new-sanction note: 'purgeMore' is newly sanctioned (by the config) since 'HEAD~1' (${
          repo.git("rev-parse", "--short=7", "HEAD~1").trim()
        }): it may hold destructive statements; review it`,
        `src/new.ts:3:23 new-sanction note: 'dropNew' is newly sanctioned (by @sanctionedDrop) since 'HEAD~1' (${
          repo.git("rev-parse", "--short=7", "HEAD~1").trim()
        }): it may hold destructive statements; review it`,
      ]);
      assert.match(
        text.stderr,
        /0 finding\(s\), 2 note\(s\) in 2 file\(s\) of 4 scanned; 4 sanctioned function\(s\) found/,
      );
      assert.match(text.stderr, /: 0 new suppression\(s\), 0 scope change\(s\), 2 new sanctioned function\(s\)/);
      assert.match(text.stderr, /new sanctioned function src\/new\.ts:3: 'dropNew'/);
      assert.match(text.stderr, /new sanctioned function src\/cfg\.ts:2: 'purgeMore'/);

      const sarif = JSON.parse((await repo.cli("--base", "HEAD~1", "--format", "sarif")).stdout);
      const [sarifRun] = sarif.runs;
      const notes = sarifRun.results.filter((r: { ruleId: string }) => r.ruleId === "new-sanction");
      assert.equal(notes.length, 2);
      for (const note of notes) {
        assert.equal(note.level, "note");
        assert.deepEqual(note.properties, { baseRef: "HEAD~1", baseCommit: repo.git("rev-parse", "HEAD~1").trim() });
        assert.match(note.partialFingerprints["dropGuard/v1"], /^[0-9a-f]{32}$/);
      }
      const rule = sarifRun.tool.driver.rules.find((r: { id: string }) => r.id === "new-sanction");
      assert.equal(rule.defaultConfiguration.level, "note");
    });
  });

  test("a sanction moved from the tag to the config, or into a renamed file, is not new", async () => {
    await withRepo({ "src/old.ts": SANCTIONED }, async (repo) => {
      repo.write({ "src/old.ts": null, "src/moved.ts": SANCTIONED });
      const renamed = await repo.json("--base", "HEAD");
      assert.deepEqual(renamed.findings, []);
      repo.write({
        "src/moved.ts": null,
        "src/old.ts": SANCTIONED.replace("/** @sanctionedDrop */\n", ""),
        "dropguard.json": `{ "sanctioned": ["src/old.ts#dropIt"] }`,
      });
      const configured = await repo.json("--base", "HEAD");
      assert.equal(configured.code, 0);
      assert.deepEqual(configured.findings, []);
    });
  });
});

describe("paths, --project and a guard root below the repository's top level", () => {
  test("the config, the files and the findings are relative to the guard's directory", async () => {
    const config = `{ "include": ["src"] }`;
    await withRepo({ "src/a.ts": CLEAN, "src/jobs/nightly.ts": CLEAN, "dropguard.json": config }, async (repo) => {
      repo.write({
        "src/a.ts": FLUSH,
        "src/jobs/nightly.ts": RAW_DROP,
        "dropguard.json": `{ "include": ["src"], "exclude": ["src/jobs"] }`,
      });
      const result = await repo.json("--base", "HEAD");
      assert.equal(result.code, 1);
      assert.deepEqual(at(result.findings), ["src/a.ts:3 new-suppression", "dropguard.json:1 scope-narrowed"]);
      assert.match(open(result.findings)[1]!.message, /takes 1 file\(s\) out of the scan: src\/jobs\/nightly\.ts$/);
      // Paths on the command line: the same paths on both sides.
      const one = await repo.json("src/a.ts", "--base", "HEAD");
      assert.deepEqual(at(one.findings), ["src/a.ts:3 new-suppression"]);
      const dir = await repo.json("src", "--base", "HEAD");
      assert.deepEqual(at(dir.findings), ["src/a.ts:3 new-suppression", "dropguard.json:1 scope-narrowed"]);
    }, "packages/api");
  });

  test("--project and --config given from the repository's top level", async () => {
    await withRepo({ "src/a.ts": CLEAN, "dropguard.json": `{ "include": ["src"] }` }, async (repo) => {
      repo.write({ "src/a.ts": FLUSH });
      const top = join(repo.dir, "..", "..");
      const result = await run(
        top,
        "--project",
        "packages/api/tsconfig.json",
        "--config",
        "packages/api/dropguard.json",
        "--base",
        "HEAD",
        "--format",
        "json",
      );
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(at(JSON.parse(result.stdout).findings), ["packages/api/src/a.ts:3 new-suppression"]);
      // From outside the repository: the config's directory finds it.
      const outside = join(top, "..");
      const far = await run(
        outside,
        "--project",
        "repo/packages/api/tsconfig.json",
        "--config",
        "repo/packages/api/dropguard.json",
        "--base",
        "HEAD",
        "--format",
        "json",
      );
      assert.equal(far.code, 1, far.stderr);
      assert.deepEqual(at(JSON.parse(far.stdout).findings), ["repo/packages/api/src/a.ts:3 new-suppression"]);
      // Or the paths to scan.
      const byPath = await run(outside, "repo/packages/api/src", "--base", "HEAD", "--format", "json");
      assert.deepEqual(at(JSON.parse(byPath.stdout).findings), ["repo/packages/api/src/a.ts:3 new-suppression"]);
    }, "packages/api");
  });
});

describe("bad input: exit 2 with a clear message", () => {
  test("an unknown ref", async () => {
    await withRepo({ "src/a.ts": CLEAN }, async (repo) => {
      const result = await repo.cli("--base", "origin/nope");
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^drop-guard: Cannot compare with a base as '--base' must name a commit of the repository '.*': current value is 'origin\/nope', which git does not know; is it fetched\? \(in GitHub Actions, check out with `fetch-depth: 0`/,
      );
      assert.equal(result.stdout, "");
      // A shallow clone has no parent commit, and the message says why.
      repo.write({ "src/b.ts": CLEAN });
      repo.commit("second");
      const shallow = join(repo.dir, "..", "shallow");
      repo.git("clone", "-q", "--depth", "1", `file://${repo.dir}`, shallow);
      const parent = await run(shallow, "--base", "HEAD~1");
      assert.equal(parent.code, 2);
      assert.match(
        parent.stderr,
        /current value is 'HEAD~1', which git does not know; the clone is shallow \(in GitHub Actions, check out with `fetch-depth: 0`/,
      );
      for (const ref of ["", "--output=/tmp/x", "-n"]) {
        const bad = await repo.cli(`--base=${ref}`);
        assert.equal(bad.code, 2, ref);
        assert.match(bad.stderr, /'--base' must be a git ref/);
      }
    });
  });

  test("a directory that is not in a git repository, and a repository without history", async () => {
    const work = mkdtempSync(join(tmpdir(), "drop-guard-nogit-"));
    try {
      writeFileSync(join(work, "a.ts"), CLEAN);
      const result = await run(work, "a.ts", "--base", "main");
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /Cannot compare with 'main' as '.*' is not inside a git repository: --base reads the base revision through git/,
      );
      execFileSync("git", ["init", "-q"], { cwd: work, env: GIT_ENV });
      const empty = await run(work, "a.ts", "--base", "HEAD");
      assert.equal(empty.code, 2);
      assert.match(
        empty.stderr,
        /Cannot compare with 'HEAD' as the git repository '.*' has no history: there is no commit yet/,
      );
      assert.equal((await run(work, "a.ts")).code, 0, "without --base git is not needed");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("git that cannot be run", async () => {
    await withRepo({ "src/a.ts": CLEAN }, async (repo) => {
      const tsx = import.meta.resolve("tsx");
      const noGit = mkdtempSync(join(tmpdir(), "drop-guard-nopath-"));
      try {
        const result = spawnSync(process.execPath, ["--import", tsx, join(REPO, "guard", "cli.ts"), "--base", "HEAD"], {
          cwd: repo.dir,
          encoding: "utf8",
          env: { ...GIT_ENV, PATH: noGit, NODE_OPTIONS: "" },
          timeout: 60_000,
        });
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, /^drop-guard: Cannot compare with a base as git cannot be run: .*ENOENT/);
      } finally {
        rmSync(noGit, { recursive: true, force: true });
      }
    });
  });

  test("a base whose config does not parse or validate, naming the ref", async () => {
    await withRepo({ "src/a.ts": CLEAN, "dropguard.json": `{ "include": [` }, async (repo) => {
      repo.write({ "dropguard.json": `{ "include": ["src"] }` });
      const broken = await repo.cli("--base", "HEAD");
      assert.equal(broken.code, 2);
      assert.match(
        broken.stderr,
        /^drop-guard: Cannot load config as the base config 'dropguard\.json' at 'HEAD' \([0-9a-f]{7}\) is not valid JSON/,
      );
      repo.write({ "dropguard.json": `{ "include": ["src"], "exlcude": [] }` });
      repo.commit("bad key");
      repo.write({ "dropguard.json": `{ "include": ["src"] }` });
      const key = await repo.cli("--base", "HEAD");
      assert.equal(key.code, 2);
      assert.match(
        key.stderr,
        /the base config 'dropguard\.json' at 'HEAD' \([0-9a-f]{7}\) has an unknown key 'exlcude'/,
      );
    });
  });

  test("a base without the config file: the defaults", async () => {
    await withRepo({ "src/a.ts": CLEAN, "scripts/seed.ts": RAW_DROP }, async (repo) => {
      // The base scans the project (both files); the head's include hides scripts/.
      repo.write({ "dropguard.json": `{ "include": ["src"] }` });
      const result = await repo.json("--base", "HEAD");
      assert.equal(result.code, 1);
      assert.match(
        open(result.findings)[0]!.message,
        /include no longer covers 1 file\(s\) that 'HEAD' \([0-9a-f]{7}\) scans: scripts\/seed\.ts$/,
      );
    });
  });
});

// A suppression is known by what it suppresses: the whole statement of the
// covered line and the constants it uses, not the one line below it.
describe("new-suppression: what the suppression covers", () => {
  const C = "declare const c: { query(q: string): Promise<void> };\n";
  const REASON = "a fixture string, never run";
  const multi = (target: string, indent = "  ", inner = "    ") =>
    `${C}export async function seed() {\n${indent}// drop-guard-ignore-next-line sql-drop -- ${REASON}\n${indent}await c.query(\`DROP DATABASE\n${inner}${target}\`);\n}\n`;
  const above = (sql: string) =>
    `${C}const sql = ${
      JSON.stringify(sql)
    };\nexport async function seed() {\n  // drop-guard-ignore-next-line sql-drop -- ${REASON}\n  await c.query(sql);\n}\n`;

  test("a multi-line statement whose second line changes its target: exit 1, naming the file, the line and the reason", async () => {
    await withRepo({ "src/a.ts": multi("fixture_db") }, async (repo) => {
      repo.write({ "src/a.ts": multi("prod_customers; DROP USER admin") });
      repo.commit("head");
      assert.equal((await repo.cli()).code, 0, "the head alone passes: the suppression silences the drop");
      const head = await repo.cli("--base", "HEAD~1");
      assert.equal(head.code, 1, head.stderr);
      const lines = head.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 1, head.stdout);
      assert.match(
        lines[0]!,
        new RegExp(
          `^src/a\\.ts:3:3 new-suppression new suppression of \`sql-drop\`, not in 'HEAD~1' \\([0-9a-f]{7}\\), with the reason: ${REASON}$`,
        ),
      );
    });
  });

  test("a changed constant above a suppressed query(sql): exit 1", async () => {
    await withRepo({ "src/a.ts": above("DROP DATABASE fixture_db") }, async (repo) => {
      repo.write({ "src/a.ts": above("DROP DATABASE prod_customers") });
      const result = await repo.json("--base", "HEAD");
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(at(result.findings), ["src/a.ts:4 new-suppression"]);
      // A constant that the constant uses, changed, is a changed target too.
      const chained = (name: string) =>
        `${C}const db = "${name}";\nconst sql = "DROP DATABASE " + db;\nexport async function seed() {\n  // drop-guard-ignore-next-line sql-drop -- ${REASON}\n  await c.query(sql);\n}\n`;
      repo.write({ "src/a.ts": chained("fixture_db") });
      repo.commit("chained");
      repo.write({ "src/a.ts": chained("prod_customers") });
      const changed = await repo.json("--base", "HEAD");
      assert.equal(changed.code, 1, changed.stderr);
      assert.deepEqual(at(changed.findings), ["src/a.ts:5 new-suppression"]);
    });
  });

  test("the same multi-line statement re-indented, or moved with lines added above: exit 0", async () => {
    await withRepo({ "src/a.ts": multi("fixture_db"), "src/b.ts": above("DROP DATABASE fixture_db") }, async (repo) => {
      repo.write({
        "src/a.ts": `// a new first line\n\n${
          multi("fixture_db", "      ", "          ").replace("await c.query(", "await   c.query( ")
        }`,
        "src/b.ts": `// moved down\n${above("DROP DATABASE fixture_db").replace("export async", "\n\nexport async")}`,
      });
      repo.commit("head: re-indent and move");
      const result = await repo.json("--base", "HEAD~1");
      assert.equal(result.code, 0, JSON.stringify(at(result.findings)));
      assert.deepEqual(result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`), [
        "src/a.ts:6 sql-drop",
        "src/b.ts:8 sql-drop",
      ]);
    });
  });
});
