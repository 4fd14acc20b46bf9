// A consumer project: guarded-drop installed under node_modules as compiled
// declarations, as the packed tarball ships it. The guard must recognise
// GuardedDrop, Deprovisioner and the adapters from `dist/…d.ts`, and the
// sanctioned functions declared there.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { scan } from "../../guard/mod.ts";
import { REPO } from "./_rule_tester.ts";

let work = "";
let consumer = "";

before(() => {
  work = mkdtempSync(join(tmpdir(), "drop-guard-consumer-"));
  consumer = join(work, "consumer");
  const pkg = join(consumer, "node_modules", "guarded-drop");
  execFileSync(
    join(REPO, "node_modules", ".bin", "tsc"),
    [
      "--ignoreConfig",
      "--declaration",
      "--emitDeclarationOnly",
      "--outDir",
      join(pkg, "dist"),
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
      join(REPO, "lib", "mod.ts"),
    ],
    { cwd: REPO, encoding: "utf8" },
  );
  const files: Record<string, string> = {
    "node_modules/guarded-drop/package.json": JSON.stringify({
      name: "guarded-drop",
      type: "module",
      exports: {
        ".": { types: "./dist/lib/mod.d.ts", default: "./dist/lib/mod.js" },
        "./adapters/fake": { types: "./dist/adapters/fake/mod.d.ts", default: "./dist/adapters/fake/mod.js" },
      },
    }),
    "node_modules/guarded-drop/dist/adapters/fake/mod.d.ts":
      `import type { Backend, Deprovisioner } from "../../lib/mod.js";
export declare class FakeAdapter implements Deprovisioner {
  readonly resourceType = "fake";
  readonly backend: Backend;
  /**
   * Drops the tenant.
   *
   * @sanctionedDrop
   */
  deprovision(token: string): Promise<void>;
  exists(token: string): Promise<boolean>;
  close(): Promise<void>;
}
export declare function fakeShared(): FakeAdapter;
/** @sanctionedDrop */
export declare function dropEverything(): Promise<void>;
`,
    "package.json": JSON.stringify({ name: "consumer", type: "module" }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        types: [],
        noEmit: true,
      },
      include: ["src"],
    }),
    "src/app.ts": `import { createGuardedDrop, type DropRequest } from "guarded-drop";
import { dropEverything, fakeShared } from "guarded-drop/adapters/fake";

const guardedDrop = createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } });
const adapter = fakeShared();
declare const request: DropRequest;

await guardedDrop(request, () => adapter.deprovision(request.token));
await guardedDrop(request, () => dropEverything());
await adapter.deprovision(request.token);
await dropEverything();
`,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(consumer, file, ".."), { recursive: true });
    writeFileSync(join(consumer, file), text);
  }
});
after(() => rmSync(work, { recursive: true, force: true }));

describe("a consumer of the installed package", () => {
  test("recognises guarded-drop's types and sanctioned functions from its declarations", async () => {
    const result = await scan({ cwd: consumer });
    assert.deepEqual(result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`), [
      "src/app.ts:10:15 adapter-deprovision",
      "src/app.ts:11:7 sanctioned-reference",
    ]);
    assert.equal(result.filesScanned, 1);
    // Sanctioned functions in node_modules are known, but are not counted as found in the scan.
    assert.equal(result.sanctionedFound, 0);
  });

  test("a same-named GuardedDrop outside the package is not the chokepoint", async () => {
    const own = join(consumer, "src", "own.ts");
    writeFileSync(
      own,
      `import type { Deprovisioner, DropRequest } from "guarded-drop";
export interface GuardedDrop { <T>(request: DropRequest, drop: () => Promise<T>): Promise<T> }
declare const guardedDrop: GuardedDrop; declare const adapter: Deprovisioner; declare const request: DropRequest;
await guardedDrop(request, () => adapter.deprovision(request.token));
`,
    );
    try {
      const result = await scan({ cwd: consumer, paths: ["src/own.ts"] });
      assert.deepEqual(result.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`), ["4:42 adapter-deprovision"]);
    } finally {
      rmSync(own);
    }
  });
});
