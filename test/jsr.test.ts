// JSR: `deno publish --dry-run` passes (every listed entry point type-checks
// with no slow types), `deno doc --lint` finds nothing on any entry point
// (every exported member documented, no public type naming a private one),
// and deno.json lists the same entry points, name and version as
// package.json, each the TypeScript source of the compiled file npm ships.

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
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as {
  name?: string;
  version?: string;
  exports?: Record<string, string>;
};
const DENO = join(root, "node_modules", ".bin", "deno");

/**
 * Types of the dependencies the public API names, which `deno doc --lint`
 * reports as private-type-ref, each with where it comes from. Re-exporting
 * one makes its whole declaration part of our docs, linted: `export type {
 * default as ts } from "typescript"` turns 44 reports into 4,334, all in the
 * dependency's .d.ts. Replacing them with hand-written structural types
 * would change the API (the guard's rules receive TypeScript's own nodes).
 */
const DEPENDENCY_TYPES: Readonly<Record<string, string>> = {
  ts:
    "typescript: the guard's rule API (RuleContext, ReportDescriptor, NodeTypes…) hands rules the compiler's own nodes",
  ClientConfig: "pg: the `ssl` options of the postgres adapter and audit store are pg's",
  Registry: "prom-client: the registry createDropCounter and the harness's AuditRecorder count in",
  Counter: "prom-client: what createDropCounter answers",
  Tracer: "@opentelemetry/api: DropTracerOptions.tracer",
  TracerProvider: "@opentelemetry/api: DropTracerOptions.tracerProvider",
};

/** Runs deno in the package's root, without colours; answers its exit status and its whole output. */
function runDeno(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(DENO, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 170_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("JSR", () => {
  test("deno.json has a scoped name, package.json's version, and the npm entry points as their sources", () => {
    assert.match(String(deno.name), /^@[a-z0-9-]+\/[a-z0-9-]+$/);
    assert.equal(deno.version, npm.version);
    const expected: Record<string, string> = {};
    for (const [subpath, target] of Object.entries(npm.exports)) {
      if (subpath === "./package.json") continue;
      const built = typeof target === "string" ? target : target.default;
      expected[subpath] = built.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts");
    }
    assert.deepEqual(deno.exports, expected);
  });

  test("the one formatter, deno fmt with deno.json's settings, finds every source file formatted", () => {
    const { status, output } = runDeno(["fmt", "--check"]);
    assert.equal(status, 0, output.split("\n").slice(0, 40).join("\n"));
  });

  test("deno publish --dry-run passes: no slow types, every entry point type-checks", () => {
    const { status, output } = runDeno(["publish", "--dry-run", "--allow-dirty"]);
    assert.equal(status, 0, output);
    assert.match(output, /Success Dry run complete/);
    assert.doesNotMatch(output, /^error/m);
  });

  test("deno doc --lint finds nothing on any entry point but the listed dependency types: every export documented", () => {
    const entryPoints = Object.values(deno.exports ?? {});
    assert.equal(entryPoints.length, Object.keys(npm.exports).length - 1, "every npm entry point but ./package.json");
    const { status, output } = runDeno(["doc", "--lint", ...entryPoints]);
    const errors = output.split("\n").filter((line) => /^error\[/.test(line));
    const named = new Set<string>();
    const unexpected = errors.filter((line) => {
      const privateType = /^error\[private-type-ref\]: public type '.+' references private type '([^']+)'$/.exec(line)
        ?.[1];
      const allowed = privateType === undefined
        ? undefined
        : Object.keys(DEPENDENCY_TYPES).find((name) => privateType === name || privateType.startsWith(`${name}.`));
      if (allowed !== undefined) named.add(allowed);
      return allowed === undefined;
    });
    assert.deepEqual(unexpected, [], output);
    assert.deepEqual(
      [...named].sort(),
      Object.keys(DEPENDENCY_TYPES).sort(),
      "every listed dependency type is still named (drop the ones no longer)",
    );
    assert.equal(status, errors.length === 0 ? 0 : 1, output);
  });
});
