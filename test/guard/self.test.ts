// Self-application (DESIGN §7): drop-guard over this repository's own lib/,
// adapters/ and harness/, through the CLI entry and the repository's
// dropguard.json. It must pass, and it must prove that it saw the drops: every
// backend adapter has sanctioned functions holding destructive statements, and
// the harness reaches them only inside guardedDrop drop callbacks.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, test } from "node:test";
import { REPO } from "./_rule_tester.ts";

const SCANNED = ["lib", "adapters", "harness"];
const BACKENDS = ["postgres", "redis", "mongodb", "rabbitmq"];
const DESTRUCTIVE_RULES = new Set(["cli-drop", "orm-drop", "sql-drop", "redis-acl-deluser", "redis-flush", "mongodb-drop", "rabbitmq-delete"]);

interface Report {
  filesScanned: number;
  sanctionedFound: number;
  files: string[];
  findings: { file: string; line: number; column: number; ruleId: string; message: string; suppression?: unknown }[];
  sanctioned: { name: string; file: string; source: string }[];
  allowed: { ruleId: string; file: string; line: number; where: string }[];
}

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
    ["--import", "tsx", join("guard", "cli.ts"), "--project", "tsconfig.json", "--config", "dropguard.json", "--format", "json"],
    { cwd: REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: "" } },
  );
  exitCode = run.status;
  stderr = run.stderr;
  report = JSON.parse(run.stdout) as Report;
});

describe("drop-guard on this repository", () => {
  test("passes: no finding in lib/, adapters/ or harness/", () => {
    const open = report.findings.filter((f) => f.suppression === undefined);
    assert.deepEqual(open.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`), [], stderr);
    assert.equal(exitCode, 0, stderr);
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
      assert.ok(sites.some((s) => /(?:^|\.)deprovision$/.test(s.name)), `no sanctioned deprovision in ${dir}: ${sites.map((s) => s.name)}`);
      const drops = report.allowed.filter((a) => a.file.startsWith(dir) && DESTRUCTIVE_RULES.has(a.ruleId));
      assert.ok(drops.length > 0, `the guard saw no destructive statement in ${dir}`);
      assert.ok(drops.every((a) => a.where === "sanctioned"));
    });
  }

  test("harness/ reaches the adapters only inside guardedDrop drop callbacks", (t) => {
    const callers = sources(join(REPO, "harness")).filter((f) => /\bguardedDrop\s*\(/.test(readFileSync(join(REPO, f), "utf8")));
    if (callers.length === 0) {
      t.skip("harness/ calls no guardedDrop yet");
      return;
    }
    const reached = report.allowed.filter((a) => a.file.startsWith("harness/") && a.where === "drop-callback");
    assert.ok(reached.length > 0, "the guard saw no deprovision inside a drop callback in harness/");
  });
});
