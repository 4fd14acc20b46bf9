// lib/ is the dependency-free core (DESIGN §1): it imports nothing but other
// lib/ files, so that it runs unchanged on Node.js and Deno.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const libDir = new URL("../../lib/", import.meta.url).pathname;
const IMPORT = /\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

test("every import in lib/ is a relative .ts specifier inside lib/", () => {
  const files = readdirSync(libDir).filter((name) => name.endsWith(".ts"));
  assert.ok(files.length >= 15, `found ${files.length} files in lib/`);
  let imports = 0;
  for (const name of files) {
    const source = readFileSync(join(libDir, name), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      imports++;
      assert.match(specifier, /^\.\/[a-z_]+\.ts$/, `${name} imports ${specifier}`);
    }
  }
  assert.ok(imports > 20, `checked ${imports} imports`);
});

test("lib/ uses no Node.js-only global", () => {
  for (const name of readdirSync(libDir).filter((n) => n.endsWith(".ts"))) {
    const source = readFileSync(join(libDir, name), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(source, /\b(?:process|Buffer|require|__dirname)\b/, name);
  }
});
