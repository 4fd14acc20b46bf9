// Self-application (DESIGN §7): drop-guard over this repository's own lib/,
// adapters/ and harness/, through the CLI entry and the repository's
// dropguard.json. It must pass, and it must prove that it saw the drops: every
// backend adapter has sanctioned functions holding destructive statements, and
// the harness reaches them only inside guardedDrop drop callbacks.
//
// It runs with `--base` where a base exists, as a pull request's CI job does:
// the ref in GD_GUARD_BASE when set (CI sets it to the pull request's base,
// e.g. origin/main), else HEAD~1 when the checkout has it (the last commit,
// or a merge's whole first-parent diff), else it says why it compared with
// nothing. A new suppression or a narrowed scope in lib/, adapters/ or
// harness/ then fails the suite until a reviewer has seen it.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, test } from "node:test";
import { REPO } from "./_rule_tester.ts";

const SCANNED = ["lib", "adapters", "harness"];
const BACKENDS = ["postgres", "redis", "mongodb", "rabbitmq", "nats"];
const DESTRUCTIVE_RULES = new Set([
  "cli-drop",
  "orm-drop",
  "sql-drop",
  "redis-acl-deluser",
  "redis-flush",
  "mongodb-drop",
  "rabbitmq-delete",
  "nats-delete",
]);

interface Report {
  filesScanned: number;
  sanctionedFound: number;
  files: string[];
  findings: {
    file: string;
    line: number;
    column: number;
    ruleId: string;
    message: string;
    level?: string;
    suppression?: unknown;
  }[];
  sanctioned: { name: string; file: string; source: string }[];
  allowed: { ruleId: string; file: string; line: number; where: string }[];
  base: { ref: string; commit: string } | null;
}

// The revision to compare with, or why there is none.
function chooseBase(): { ref: string } | { skip: string } {
  const given = process.env.GD_GUARD_BASE;
  if (given !== undefined && given.length > 0) return { ref: given };
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 30_000 });
  try {
    git("rev-parse", "--git-dir");
  } catch {
    return { skip: "not a git checkout, so there is no base revision (set GD_GUARD_BASE in a clone)" };
  }
  try {
    git("rev-parse", "--verify", "--quiet", "HEAD~1^{commit}");
    return { ref: "HEAD~1" };
  } catch {
    return {
      skip: "HEAD~1 is not in this checkout (the first commit, or a shallow clone): set GD_GUARD_BASE to the base ref",
    };
  }
}

const base = chooseBase();

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sources(path);
    return /\.[cm]?tsx?$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name) ? [relative(REPO, path)] : [];
  });
}

let report: Report;
let exitCode: number | null = null;
let stderr = "";

before(() => {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join("guard", "cli.ts"),
      "--project",
      "tsconfig.json",
      "--config",
      "dropguard.json",
      "--format",
      "json",
      ...("ref" in base ? ["--base", base.ref] : []),
    ],
    { cwd: REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: "" } },
  );
  exitCode = run.status;
  stderr = run.stderr;
  assert.notEqual(run.status, 2, run.stderr);
  report = JSON.parse(run.stdout) as Report;
});

describe("drop-guard on this repository", () => {
  test("passes: no finding in lib/, adapters/ or harness/", () => {
    // A new sanctioned function is a note for the reviewer, not a failure.
    const open = report.findings.filter((f) => f.suppression === undefined && f.level !== "note");
    assert.deepEqual(open.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`), [], stderr);
    assert.equal(exitCode, 0, stderr);
  });

  test("compares with the base revision: no new suppression and no narrowed scope", (t) => {
    if ("skip" in base) {
      t.skip(base.skip);
      return;
    }
    assert.equal(report.base?.ref, base.ref);
    const commit = execFileSync("git", ["rev-parse", "--verify", `${base.ref}^{commit}`], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 30_000,
    }).trim();
    assert.equal(report.base?.commit, commit);
    const changed = report.findings.filter((f) => f.ruleId === "new-suppression" || f.ruleId === "scope-narrowed");
    assert.deepEqual(changed.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.message}`), [], stderr);
    const notes = report.findings.filter((f) => f.ruleId === "new-sanction");
    t.diagnostic(
      `compared with ${base.ref} (${commit.slice(0, 7)}); ${notes.length} new sanctioned function(s)${
        notes.map((f) => `\n  ${f.file}:${f.line} ${f.message}`).join("")
      }`,
    );
  });

  test("scans every source file of lib/, adapters/ and harness/, and nothing else", () => {
    const expected = SCANNED.flatMap((dir) => sources(join(REPO, dir))).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual([...report.files].sort(), expected);
    assert.equal(report.filesScanned, expected.length);
  });

  test("finds the sanctioned functions", () => {
    assert.ok(report.sanctionedFound > 0, "no sanctioned function was found");
    assert.equal(report.sanctionedFound, report.sanctioned.length);
  });

  for (const backend of BACKENDS) {
    test(`adapters/${backend}: sanctioned functions that hold the destructive statements`, (t) => {
      const dir = `adapters/${backend}/`;
      if (sources(join(REPO, dir)).length === 0) {
        t.skip(`adapters/${backend}/ is not written yet`);
        return;
      }
      const sites = report.sanctioned.filter((s) => s.file.startsWith(dir));
      assert.ok(sites.length > 0, `no sanctioned function in ${dir}`);
      assert.ok(
        sites.some((s) => /(?:^|\.)deprovision$/.test(s.name)),
        `no sanctioned deprovision in ${dir}: ${sites.map((s) => s.name)}`,
      );
      const drops = report.allowed.filter((a) => a.file.startsWith(dir) && DESTRUCTIVE_RULES.has(a.ruleId));
      assert.ok(drops.length > 0, `the guard saw no destructive statement in ${dir}`);
      assert.ok(drops.every((a) => a.where === "sanctioned"));
    });
  }

  test("harness/ reaches the adapters only inside guardedDrop drop callbacks", (t) => {
    const callers = sources(join(REPO, "harness")).filter((f) =>
      /\bguardedDrop\s*\(/.test(readFileSync(join(REPO, f), "utf8"))
    );
    if (callers.length === 0) {
      t.skip("harness/ calls no guardedDrop yet");
      return;
    }
    const reached = report.allowed.filter((a) => a.file.startsWith("harness/") && a.where === "drop-callback");
    assert.ok(reached.length > 0, "the guard saw no deprovision inside a drop callback in harness/");
  });
});
