// Which wrappers of guardedDrop count as the chokepoint (DESIGN §16): the
// forms the README promises (module-level, inside a function, generic, typed
// with DropCallback, made by a factory, typed GuardedDrop) are followed, and
// a wrapper with a bypass on any path does not count, so the drops routed
// through it are findings whose message says what would make it count.

import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { sanctionedReference, scan } from "../../guard/mod.ts";
import { ruleTester, testTsconfig } from "./_rule_tester.ts";

const H =
  `import { createGuardedDrop, type DropCallback, type DropRequest, type GuardedDrop, type GuardedDropOptions } from "guarded-drop";
declare const options: GuardedDropOptions; declare const req: DropRequest;
const guardedDrop = createGuardedDrop(options);
/** @sanctionedDrop */
async function dropTenant(token: string): Promise<void> { void token; }
`;
// Line 6 is the first line after the header.
const ref = (line: number, column: number) => ({ messageId: "sanctionedReference", line, column });

export const WRAPPER_CASES = {
  valid: [
    {
      name: "module-level",
      code:
        `${H}const run = (r: DropRequest, drop: () => Promise<void>) => guardedDrop(r, drop);\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "inside a function",
      code:
        `${H}export async function handle() {\n  const run = (r: DropRequest, drop: () => Promise<void>) => guardedDrop(r, drop);\n  await run(req, () => dropTenant(req.token));\n}`,
    },
    {
      name: "generic",
      code:
        `${H}function run<T>(r: DropRequest, drop: DropCallback<T>): Promise<T> { return guardedDrop(r, drop); }\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "typed with DropCallback",
      code:
        `${H}const run = (r: DropRequest, drop: DropCallback<void>) => guardedDrop(r, drop);\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "made by a factory",
      code:
        `${H}const makeRun = (g: GuardedDrop) => (r: DropRequest, drop: DropCallback<void>) => g(r, drop);\nconst run = makeRun(guardedDrop);\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "typed GuardedDrop",
      code:
        `${H}const run: GuardedDrop = (r, drop) => guardedDrop(r, drop);\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "a wrapper that logs inside the real drop callback",
      code:
        `${H}const run = (r: DropRequest, drop: DropCallback<void>) => guardedDrop(r, async (c) => { console.log("go"); await drop(c); });\nawait run(req, () => dropTenant(req.token));`,
    },
    {
      name: "a wrapper of a wrapper",
      code:
        `${H}const inner = (r: DropRequest, drop: DropCallback<void>) => guardedDrop(r, drop);\nconst outer = (r: DropRequest, drop: DropCallback<void>) => inner(r, drop);\nawait outer(req, () => dropTenant(req.token));`,
    },
  ],
  invalid: [
    {
      name: "an environment flag that skips the audit, typed GuardedDrop",
      code:
        `${H}const maybe: GuardedDrop = (r, drop) => (process.env.SKIP_AUDIT === "1" ? Promise.resolve(drop({} as never)) : guardedDrop(r, drop));\nawait maybe(req, () => dropTenant(req.token));`,
      errors: [ref(7, 24)],
    },
    {
      name: "a catch that calls the drop directly",
      code:
        `${H}async function run(r: DropRequest, drop: DropCallback<void>) {\n  try { await guardedDrop(r, drop); } catch { await drop({} as never); }\n}\nawait run(req, () => dropTenant(req.token));`,
      errors: [ref(9, 22)],
    },
    {
      name: "if/else",
      code:
        `${H}async function run(r: DropRequest, drop: DropCallback<void>) {\n  if (r.caller === "ops") await drop({} as never);\n  else await guardedDrop(r, drop);\n}\nawait run(req, () => dropTenant(req.token));`,
      errors: [ref(10, 22)],
    },
    {
      name: "an early return",
      code:
        `${H}async function run(r: DropRequest, drop: DropCallback<void>) {\n  if (process.env.DRY) return drop({} as never);\n  return guardedDrop(r, drop);\n}\nawait run(req, () => dropTenant(req.token));`,
      errors: [ref(10, 22)],
    },
    {
      name: "handed to another function on one path",
      code:
        `${H}declare function plain(r: DropRequest, d: DropCallback<void>): Promise<void>;\nconst run = (r: DropRequest, drop: DropCallback<void>) => r.caller === "x" ? plain(r, drop) : guardedDrop(r, drop);\nawait run(req, () => dropTenant(req.token));`,
      errors: [ref(8, 22)],
    },
    {
      name: "a function that never forwards is no wrapper",
      code:
        `${H}const run = async (_r: DropRequest, drop: DropCallback<void>) => drop({} as never);\nawait run(req, () => dropTenant(req.token));`,
      errors: [ref(7, 22)],
    },
  ],
};

ruleTester(sanctionedReference, WRAPPER_CASES);

test("a finding through a wrapper with a bypass says what would make it count", async () => {
  const work = mkdtempSync(join(tmpdir(), "drop-guard-wrappers-"));
  try {
    writeFileSync(join(work, "tsconfig.json"), testTsconfig());
    mkdirSync(join(work, "src"));
    writeFileSync(join(work, "src", "main.ts"), WRAPPER_CASES.invalid[0]!.code);
    const result = await scan({ cwd: work, project: "tsconfig.json", config: {} });
    const found = result.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`).sort();
    assert.deepEqual(found, ["6:91 chokepoint-bypass", "7:24 sanctioned-reference"]);
    const through = result.findings.find((f) => f.ruleId === "sanctioned-reference")!;
    assert.match(
      through.message,
      /`maybe` is not a chokepoint: it runs its drop callback without guardedDrop \(line 6\); a wrapper counts when every path hands the callback to guardedDrop/,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
