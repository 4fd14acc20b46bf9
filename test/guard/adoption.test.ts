// Adoption (DESIGN §16): a baseline records today's findings so that later
// runs fail only on new ones, robust to moved lines, with --prune-baseline
// removing the fixed ones; suppressions with an expiry; SARIF helpUri and
// security-severity for every rule; --version.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../../guard/mod.ts";
import { REPO } from "./_rule_tester.ts";

const HEAD = `declare const client: { query(q: string): Promise<unknown> };\n`;
const TWO_DROPS = `${HEAD}await client.query("DROP DATABASE a");\nawait client.query("DROP ROLE b");\n`;

async function cli(cwd: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["main.ts", ...args], {
    cwd,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}

describe("--baseline", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "drop-guard-baseline-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("records today's findings, fails only on new ones after lines moved, and prunes the fixed ones", async () => {
    writeFileSync(join(dir, "main.ts"), TWO_DROPS);
    const recorded = await cli(dir, "--baseline", "baseline.json");
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stderr, /recorded 2 finding\(s\) in the baseline 'baseline\.json'/);
    const file = JSON.parse(readFileSync(join(dir, "baseline.json"), "utf8")) as {
      version: number;
      findings: { ruleId: string }[];
    };
    assert.equal(file.version, 1);
    assert.deepEqual(file.findings.map((f) => f.ruleId), ["sql-drop", "sql-drop"]);

    // Three lines above push both findings down: still the recorded ones.
    writeFileSync(join(dir, "main.ts"), `// a\n// b\n// c\n${TWO_DROPS}`);
    const moved = await cli(dir, "--baseline", "baseline.json");
    assert.equal(moved.code, 0, moved.stdout + moved.stderr);
    assert.equal(moved.stdout, "");
    assert.match(moved.stderr, /0 new finding\(s\) \(2 in the baseline\)/);

    // A new drop fails the run, and only it is printed.
    writeFileSync(join(dir, "main.ts"), `${TWO_DROPS}await client.query("DROP SCHEMA c");\n`);
    const added = await cli(dir, "--baseline", "baseline.json");
    assert.equal(added.code, 1);
    assert.deepEqual(added.stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["main.ts:4:20"]);

    // In SARIF, the recorded ones are unchanged and the new one is new.
    const sarif = JSON.parse((await cli(dir, "--baseline", "baseline.json", "--format", "sarif")).stdout) as {
      runs: { results: { baselineState: string }[] }[];
    };
    assert.deepEqual(sarif.runs[0]!.results.map((r) => r.baselineState), ["unchanged", "unchanged", "new"]);

    // One is fixed: said, then pruned.
    writeFileSync(join(dir, "main.ts"), `${HEAD}await client.query("DROP ROLE b");\n`);
    const fixed = await cli(dir, "--baseline", "baseline.json");
    assert.equal(fixed.code, 0);
    assert.match(fixed.stderr, /1 finding\(s\) in the baseline 'baseline\.json' are fixed: run with --prune-baseline/);
    const pruned = await cli(dir, "--baseline", "baseline.json", "--prune-baseline");
    assert.equal(pruned.code, 0);
    assert.match(pruned.stderr, /pruned 1 fixed finding\(s\)/);
    assert.equal(
      (JSON.parse(readFileSync(join(dir, "baseline.json"), "utf8")) as { findings: unknown[] }).findings.length,
      1,
    );

    // The fixed drop coming back is new again.
    writeFileSync(join(dir, "main.ts"), TWO_DROPS);
    assert.equal((await cli(dir, "--baseline", "baseline.json")).code, 1);
  });

  test("a baseline that is not one, and --prune-baseline alone, are usage errors", async () => {
    writeFileSync(join(dir, "main.ts"), TWO_DROPS);
    writeFileSync(join(dir, "bad.json"), `{ "version": 7, "findings": [] }`);
    const bad = await cli(dir, "--baseline", "bad.json");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Cannot read the baseline 'bad\.json' as it must be \{ "version": 1/);
    const alone = await cli(dir, "--prune-baseline");
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /'--prune-baseline' needs '--baseline <file>'/);
  });
});

describe("suppression expiry", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "drop-guard-until-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (until: string) => {
    writeFileSync(
      join(dir, "main.ts"),
      `${HEAD}// drop-guard-ignore-next-line sql-drop ${until} -- a fixture the checks must refuse\nawait client.query("DROP DATABASE a");\n`,
    );
    const { code, stdout } = await cli(dir, "--format", "json");
    const findings =
      (JSON.parse(stdout) as { findings: { ruleId: string; message: string; suppression?: unknown }[] }).findings;
    return { code, open: findings.filter((f) => f.suppression === undefined) };
  };

  test("a date to come suppresses", async () => {
    const { code, open } = await run("until=2999-12-31");
    assert.equal(code, 0);
    assert.equal(open.length, 0);
  });

  test("an expired date makes it a finding again", async () => {
    const { code, open } = await run("until=2020-01-31");
    assert.equal(code, 1);
    assert.deepEqual(open.map((f) => f.ruleId).sort(), ["invalid-suppression", "sql-drop"]);
    assert.match(open.find((f) => f.ruleId === "invalid-suppression")!.message, /expired on 2020-01-31/);
  });

  for (const unreadable of ["until=2027-02-30", "until=31.03.2027", "until="]) {
    test(`an unreadable date (${unreadable}) makes it a finding again`, async () => {
      const { code, open } = await run(unreadable);
      assert.equal(code, 1);
      assert.deepEqual(open.map((f) => f.ruleId).sort(), ["invalid-suppression", "sql-drop"]);
      assert.match(open.find((f) => f.ruleId === "invalid-suppression")!.message, /unreadable expiry/);
    });
  }
});

describe("SARIF for code scanning, and --version", () => {
  test("every rule has a helpUri and a security-severity", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drop-guard-sarif-"));
    try {
      writeFileSync(join(dir, "main.ts"), TWO_DROPS);
      const { stdout } = await cli(dir, "--format", "sarif");
      const rules = (JSON.parse(stdout) as {
        runs: {
          tool: { driver: { rules: { id: string; helpUri: string; properties: Record<string, string> }[] } };
        }[];
      })
        .runs[0]!.tool.driver.rules;
      assert.ok(rules.length >= 12);
      for (const rule of rules) {
        assert.equal(
          rule.helpUri,
          `https://github.com/guarded-drop/guarded-drop/blob/main/docs/guard.md#rule-${rule.id}`,
        );
        assert.match(rule.properties["security-severity"]!, /^(?:10|\d)\.\d$/, rule.id);
      }
      assert.equal(rules.find((r) => r.id === "sql-drop")!.properties["security-severity"], "9.0");
      assert.equal(rules.find((r) => r.id === "unused-suppression")!.properties["security-severity"], "2.0");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--version prints the package version and exits 0", async () => {
    const { code, stdout } = await cli(REPO, "--version");
    assert.equal(code, 0);
    assert.equal(
      stdout.trim(),
      (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version,
    );
  });
});
