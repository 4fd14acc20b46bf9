// chokepoint-bypass: a guardedDrop wrapper that runs or hands on its drop
// callback without guardedDrop on some path is reported at the bypass.

import { chokepointBypass } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const H =
  `import { createGuardedDrop, type DropCallback, type DropRequest, type GuardedDrop, type GuardedDropOptions } from "guarded-drop";
declare const options: GuardedDropOptions; declare const req: DropRequest;
const guardedDrop = createGuardedDrop(options);
`;
const bypass = (line: number, column: number) => ({ messageId: "bypass", line, column });

ruleTester(chokepointBypass, {
  valid: [
    `${H}export const run = (r: DropRequest, drop: DropCallback<void>) => guardedDrop(r, drop);`,
    `${H}export function run<T>(r: DropRequest, drop: DropCallback<T>) { return guardedDrop(r, drop); }`,
    `${H}export const run: GuardedDrop = (r, drop) => guardedDrop(r, async (c) => { await drop(c); });`,
    {
      name: "a nested function's own parameter of the same name is not the callback",
      code:
        `${H}export const run = (r: DropRequest, drop: DropCallback<void>) => { const f = (drop: number) => drop + 1; void f; return guardedDrop(r, drop); };`,
    },
    {
      name: "a function that never forwards is not judged (the real createGuardedDrop runs the callback itself)",
      code: `${H}export const run = async (_r: DropRequest, drop: DropCallback<void>) => drop({} as never);`,
    },
    {
      name: "a property of the same name is not a reference",
      code:
        `${H}export const run = (r: DropRequest, drop: DropCallback<void>) => { const o = { drop: 1 }; void o.drop; return guardedDrop(r, drop); };`,
    },
    {
      name:
        "a second parameter whose members are read is an object, not the drop callback (the conformance checks' adapter)",
      code: `${H}declare const adapter0: { exists(t: string): Promise<boolean>; deprovision(t: string): Promise<void> };
export const check = async (r: DropRequest, adapter: typeof adapter0) => {
  if (await adapter.exists(r.token)) await guardedDrop(r, () => adapter.deprovision(r.token));
  await inspect(adapter);
};
declare function inspect(a: typeof adapter0): Promise<void>;`,
    },
  ],
  invalid: [
    {
      name: "drop.call runs the callback: still the drop callback, and a bypass",
      code:
        `${H}export const run: GuardedDrop = (r, drop) =>\n  process.env.SKIP_AUDIT === "1" ? drop.call(undefined, {} as never) : guardedDrop(r, drop);`,
      errors: [bypass(5, 36)],
    },
    {
      name: "an environment flag ternary",
      code:
        `${H}export const run: GuardedDrop = (r, drop) =>\n  process.env.SKIP_AUDIT === "1" ? Promise.resolve(drop({} as never)) : guardedDrop(r, drop);`,
      errors: [bypass(5, 52)],
    },
    {
      name: "a catch that calls the drop",
      code:
        `${H}export async function run(r: DropRequest, drop: DropCallback<void>) {\n  try { await guardedDrop(r, drop); } catch { await drop({} as never); }\n}`,
      errors: [bypass(5, 53)],
    },
    {
      name: "if/else",
      code:
        `${H}export async function run(r: DropRequest, drop: DropCallback<void>) {\n  if (r.caller === "ops") {\n    await drop({} as never);\n  } else {\n    await guardedDrop(r, drop);\n  }\n}`,
      errors: [bypass(6, 11)],
    },
    {
      name: "an early return",
      code:
        `${H}export async function run(r: DropRequest, drop: DropCallback<void>) {\n  if (process.env.DRY) return drop({} as never);\n  return guardedDrop(r, drop);\n}`,
      errors: [bypass(5, 31)],
    },
    {
      name: "handed to a plain function on one path",
      code:
        `${H}declare function plain(r: DropRequest, d: DropCallback<void>): Promise<void>;\nexport const run = (r: DropRequest, drop: DropCallback<void>) => (r.caller === "x" ? plain(r, drop) : guardedDrop(r, drop));`,
      errors: [bypass(5, 95)],
    },
    {
      name: "a factory's wrapper with a bypass",
      code:
        `${H}export const makeRun = (g: GuardedDrop) => (r: DropRequest, drop: DropCallback<void>) =>\n  process.env.FAST ? drop({} as never) : g(r, drop);`,
      errors: [bypass(5, 22)],
    },
  ],
});
