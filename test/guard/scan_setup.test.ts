// The scan's first stage: the options and the config loaded, checked and
// derived once into the one object the later stages read.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { prepareScan, relativeTo, versionedConfigPath } from "../../guard/_scan_setup.ts";
import { rules as builtinRules } from "../../guard/mod.ts";

test("an inline config: reported at (config), not versioned, every rule but the one turned off", () => {
  const setup = prepareScan({
    cwd: "/repo",
    config: { rules: { "redis-flush": "off" }, newSuppressions: "warning" },
    paths: ["src", "/abs/b.ts"],
  });
  assert.equal(setup.inline, true);
  assert.equal(setup.configFile, "(config)");
  assert.equal(setup.configPath, undefined);
  assert.equal(versionedConfigPath(setup), undefined);
  assert.equal(setup.active.length, builtinRules.length - 1);
  assert.equal(setup.activeIds.has("redis-flush"), false);
  assert.equal(setup.knownIds.size, builtinRules.length);
  assert.equal(setup.newSuppressions, "warning");
  assert.deepEqual(setup.paths, ["src", "/abs/b.ts"]);
  assert.deepEqual(setup.given, ["/repo/src", "/abs/b.ts"]);
});

test("a config file: its include expanded, its entries located, its path versioned", () => {
  const dir = mkdtempSync(join(tmpdir(), "gd-scan-setup-"));
  try {
    mkdirSync(join(dir, "src", "deep"), { recursive: true });
    writeFileSync(join(dir, "src", "a.ts"), "export {};\n");
    writeFileSync(join(dir, "src", "deep", "b.ts"), "export {};\n");
    writeFileSync(join(dir, "src", "c.md"), "# not a source\n");
    writeFileSync(
      join(dir, "dropguard.json"),
      `{\n  "include": ["src/**/*.ts"],\n  "exclude": ["src/deep/**"],\n  "sanctioned": ["src/a.ts#dropAll"]\n}\n`,
    );
    const setup = prepareScan({ cwd: dir });
    assert.equal(setup.inline, false);
    assert.equal(setup.configFile, "dropguard.json");
    assert.equal(versionedConfigPath(setup), join(dir, "dropguard.json"));
    assert.deepEqual(setup.paths, [join(dir, "src", "a.ts"), join(dir, "src", "deep", "b.ts")]);
    assert.deepEqual(setup.given, []);
    assert.deepEqual(setup.exclude, ["src/deep/**"]);
    assert.equal(setup.sanctionedEntries.length, 1);
    assert.deepEqual(
      { ...setup.sanctionedEntries[0] },
      { entry: "src/a.ts#dropAll", file: join(dir, "src", "a.ts"), path: ["dropAll"], line: 4, column: 18 },
    );
    assert.equal(setup.newSuppressions, "error");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: an unknown rule and an include that matches nothing are usage errors, raised once up front", () => {
  assert.throws(() => prepareScan({ cwd: "/repo", config: { rules: { "no-such-rule": "off" } } }), {
    name: "GuardUsageError",
    message: /names an unknown rule 'no-such-rule'/,
  });
  const dir = mkdtempSync(join(tmpdir(), "gd-scan-setup-"));
  try {
    assert.throws(() => prepareScan({ cwd: dir, config: { include: ["src/**/*.ts"] } }), {
      name: "GuardUsageError",
      message: /include of the config matches no file: current value is \["src\/\*\*\/\*\.ts"\]/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("relativeTo: forward slashes, and . for the directory itself", () => {
  assert.equal(relativeTo("/repo", "/repo/src/a.ts"), "src/a.ts");
  assert.equal(relativeTo("/repo", "/repo"), ".");
  assert.equal(relativeTo("/repo/pkg", "/repo/other/a.ts"), "../other/a.ts");
});
