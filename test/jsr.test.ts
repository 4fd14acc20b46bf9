// JSR: `deno publish --dry-run` passes (every listed entry point type-checks
// with no slow types), and deno.json lists the same entry points, name and
// version as package.json, each the TypeScript source of the compiled file
// npm ships.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const npm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
};
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { name?: string; version?: string; exports?: Record<string, string> };
/**
 * npm entry points not yet on JSR, each with the reason. `./guard`: its rule
 * constants have no explicit type (slow types); the repo-wide JSR pass adds it.
 */
const NOT_YET_ON_JSR: Readonly<Record<string, string>> = { "./guard": "slow types in guard/rules/*.ts" };

describe("JSR", () => {
  test("deno.json has a scoped name, package.json's version, and the npm entry points as their sources", () => {
    assert.match(String(deno.name), /^@[a-z0-9-]+\/[a-z0-9-]+$/);
    assert.equal(deno.version, npm.version);
    const expected: Record<string, string> = {};
    for (const [subpath, target] of Object.entries(npm.exports)) {
      if (subpath === "./package.json" || subpath in NOT_YET_ON_JSR) continue;
      const built = typeof target === "string" ? target : target.default;
      expected[subpath] = built.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts");
    }
    assert.deepEqual(deno.exports, expected);
  });

  test("deno publish --dry-run passes: no slow types, every entry point type-checks", () => {
    const result = spawnSync(join(root, "node_modules", ".bin", "deno"), ["publish", "--dry-run", "--allow-dirty"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 170_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.status, 0, output);
    assert.match(output, /Success Dry run complete/);
    assert.doesNotMatch(output, /^error/m);
  });
});
