// Every drop in a drop callback is awaited before the callback settles
// (DESIGN §16): promises made by .map() with no Promise.all, `void
// Promise.all(…)`, a promise stored and never awaited are findings; awaited,
// returned and joined forms stay quiet.

import { sanctionedReference } from "../../guard/mod.ts";
import { ruleTester } from "./_rule_tester.ts";

const H = `import type { DropRequest, GuardedDrop } from "guarded-drop";
declare const guardedDrop: GuardedDrop; declare const req: DropRequest; declare const tokens: string[];
/** @sanctionedDrop */
async function dropTenantRole(token: string): Promise<void> { void token; }
`;
// Line 5 is the first line after the header.
const deferred = (line: number, column: number) => ({ messageId: "deferred", line, column });

ruleTester(sanctionedReference, {
  valid: [
    `${H}await guardedDrop(req, async () => { await Promise.all(tokens.map((t) => dropTenantRole(t))); });`,
    `${H}await guardedDrop(req, () => Promise.all(tokens.map((t) => dropTenantRole(t))));`,
    `${H}await guardedDrop(req, async () => { await Promise.allSettled(tokens.map(dropTenantRole)); });`,
    `${H}await guardedDrop(req, async () => { await Promise.all([dropTenantRole("a"), dropTenantRole("b")]); });`,
    `${H}await guardedDrop(req, async () => { const p = dropTenantRole("a"); await p; });`,
    `${H}await guardedDrop(req, async () => { const p = dropTenantRole("a"); return p; });`,
    `${H}await guardedDrop(req, async () => { const ps = tokens.map((t) => dropTenantRole(t)); await Promise.all(ps); });`,
    `${H}await guardedDrop(req, async () => { for (const t of tokens) await dropTenantRole(t); });`,
    `${H}await guardedDrop(req, async () => { await Promise.all(tokens.map(async (t) => { await dropTenantRole(t); })); });`,
    `${H}await guardedDrop(req, () => dropTenantRole("a").then(() => dropTenantRole("b")));`,
  ],
  invalid: [
    {
      name: "map with no Promise.all",
      code: `${H}await guardedDrop(req, async () => { tokens.map((t) => dropTenantRole(t)); });`,
      errors: [deferred(5, 56)],
    },
    {
      name: "map returned as an array",
      code: `${H}await guardedDrop(req, () => tokens.map((t) => dropTenantRole(t)));`,
      errors: [deferred(5, 48)],
    },
    {
      name: "map awaited as an array",
      code: `${H}await guardedDrop(req, async () => { await tokens.map((t) => dropTenantRole(t)); });`,
      errors: [deferred(5, 62)],
    },
    {
      name: "map by reference",
      code: `${H}await guardedDrop(req, async () => { tokens.map(dropTenantRole); });`,
      errors: [deferred(5, 49)],
    },
    {
      name: "map of async functions that await, with no Promise.all",
      code: `${H}await guardedDrop(req, async () => { tokens.map(async (t) => { await dropTenantRole(t); }); });`,
      errors: [deferred(5, 70)],
    },
    {
      name: "void Promise.all",
      code: `${H}await guardedDrop(req, async () => { void Promise.all(tokens.map((t) => dropTenantRole(t))); });`,
      errors: [deferred(5, 73)],
    },
    {
      name: "Promise.all as a statement",
      code: `${H}await guardedDrop(req, async () => { Promise.all([dropTenantRole("a")]); });`,
      errors: [deferred(5, 51)],
    },
    {
      name: "a promise stored and never awaited",
      code: `${H}await guardedDrop(req, async () => { const p = dropTenantRole("a"); void p; });`,
      errors: [deferred(5, 48)],
    },
    {
      name: "forEach of a function returning the promise",
      code: `${H}await guardedDrop(req, async () => { tokens.forEach((t) => dropTenantRole(t)); });`,
      errors: [deferred(5, 60)],
    },
    {
      name: "forEach by reference",
      code: `${H}await guardedDrop(req, async () => { tokens.forEach(dropTenantRole); });`,
      errors: [deferred(5, 53)],
    },
  ],
});
