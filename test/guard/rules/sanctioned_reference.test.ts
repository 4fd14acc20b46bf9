// sanctioned-reference: every reference to a sanctioned function, resolved by
// symbol through imports, renames, re-exports and default exports, must sit
// inside a guardedDrop drop callback or another sanctioned function.

import { sanctionedReference } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = `import type { DropRequest, GuardedDrop } from "guarded-drop";
declare const guardedDrop: GuardedDrop; declare const req: DropRequest;
`;
const DROP = `/** @sanctionedDrop */\nexport async function dropTenant(token: string): Promise<void> { void token; }\n`;
const files = { "drop.ts": DROP };
const ref = (line: number, column: number, file?: string) => ({
  messageId: "sanctionedReference",
  line,
  column,
  ...(file ? { file } : {}),
});
const cb = (line: number, column: number) => ({ messageId: "callbackReference", line, column });

ruleTester(sanctionedReference, {
  valid: [
    `${D}${DROP}await guardedDrop(req, () => dropTenant(req.token));`,
    {
      code:
        `${D}import { dropTenant } from "./drop.ts";\nawait guardedDrop(req, async () => { await dropTenant(req.token); });`,
      files,
    },
    {
      code: `${D}import { dropTenant } from "./drop.ts";\nawait guardedDrop(req, dropTenant.bind(null, req.token));`,
      files,
    },
    {
      code:
        `${D}import { dropTenant } from "./drop.ts";\n/** @sanctionedDrop */\nexport async function dropAll() { await dropTenant("a"); }`,
      files,
    },
    {
      name: "a same-named function in another file is not sanctioned",
      code: `${D}import { dropTenant } from "./other.ts";\nawait dropTenant("t");`,
      files: { ...files, "other.ts": `export async function dropTenant(token: string) { void token; }` },
    },
    {
      code:
        `${D}import { dropTenant } from "./drop.ts";\ntype Args = Parameters<typeof dropTenant>;\nexport type { Args };`,
      files,
    },
    { code: `${D}export { dropTenant } from "./drop.ts";\nexport { dropTenant as nuke } from "./drop.ts";`, files },
    {
      name: "a drop callback passed by reference, referenced nowhere else",
      code:
        `${D}import { dropTenant } from "./drop.ts";\nasync function dropIt() { await dropTenant(req.token); }\nawait guardedDrop(req, dropIt);`,
      files,
    },
    {
      name: "sanctioned methods calling each other",
      code:
        `${D}export class Pg {\n  /** @sanctionedDrop */\n  async dropDb() {}\n  /** @sanctionedDrop */\n  async deprovision() { await this.dropDb(); }\n}\nawait guardedDrop(req, () => new Pg().deprovision());`,
    },
    {
      name: "a call through an interface no sanctioned class implements",
      code:
        `${D}interface Purger { purge(t: string): Promise<void> }\nclass Mine implements Purger { async purge(t: string) { void t; } }\nawait (new Mine() as Purger).purge("t");`,
    },
    { code: `${D}import * as ns from "./drop.ts";\nawait guardedDrop(req, () => ns["dropTenant"](req.token));`, files },
  ],
  invalid: [
    { code: `${D}${DROP}await dropTenant("t");`, errors: [ref(5, 7)] },
    { code: `${D}import { dropTenant } from "./drop.ts";\nawait dropTenant("t");`, files, errors: [ref(4, 7)] },
    { code: `${D}import { dropTenant as nuke } from "./drop.ts";\nawait nuke("t");`, files, errors: [ref(4, 7)] },
    {
      name: "through a barrel that renames",
      code: `${D}import { wipe } from "./index.ts";\nawait wipe("t");`,
      files: { ...files, "index.ts": `export { dropTenant as wipe } from "./drop.ts";` },
      errors: [ref(4, 7)],
    },
    {
      name: "a default export",
      code: `${D}import nuke from "./all.ts";\nawait nuke();`,
      files: { "all.ts": `/** @sanctionedDrop */\nexport default async function dropAll(): Promise<void> {}` },
      errors: [ref(4, 7)],
    },
    {
      name: "a default export of a named sanctioned function, re-exported as default again",
      code: `${D}import whatever from "./again.ts";\nawait whatever("t");`,
      files: {
        ...files,
        "def.ts": `import { dropTenant } from "./drop.ts";\nexport default dropTenant;`,
        "again.ts": `export { default } from "./def.ts";`,
      },
      errors: [ref(4, 7)],
    },
    { code: `${D}import * as drops from "./drop.ts";\nawait drops.dropTenant("t");`, files, errors: [ref(4, 13)] },
    {
      name: "passed as a value: an event handler",
      code:
        `${D}import { EventEmitter } from "node:events";\nimport { dropTenant } from "./drop.ts";\nnew EventEmitter().on("tenant.cancelled", dropTenant);`,
      files,
      errors: [ref(5, 43)],
    },
    {
      code: `${D}import { dropTenant } from "./drop.ts";\nexport const handlers = { dropTenant };`,
      files,
      errors: [ref(4, 27)],
    },
    {
      code: `${D}import { dropTenant } from "./drop.ts";\nprocess.on("SIGTERM", () => void dropTenant("t"));`,
      files,
      errors: [ref(4, 34)],
    },
    {
      name: "a sanctioned method called from an unsanctioned one",
      code:
        `${D}export class Pg {\n  /** @sanctionedDrop */\n  async dropDb() {}\n  async cleanup() { await this.dropDb(); }\n}`,
      errors: [ref(6, 32)],
    },
    {
      name: "a sanctioned const arrow, destructured from a namespace",
      code: `${D}import * as m from "./m.ts";\nconst { drop } = m;\nawait drop();`,
      files: { "m.ts": `/** @sanctionedDrop */\nexport const drop = async () => {};` },
      errors: [ref(4, 9)],
    },
    {
      name: "a drop callback passed by reference is also called directly",
      code:
        `${D}import { dropTenant } from "./drop.ts";\nexport async function dropIt() { await dropTenant(req.token); }\nawait guardedDrop(req, dropIt);\nawait dropIt();`,
      files,
      errors: [cb(6, 7)],
    },
    {
      name: "a drop callback passed by reference, called from another module",
      code: `${D}import { dropIt } from "./cb.ts";\nawait dropIt();`,
      files: {
        ...files,
        "cb.ts":
          `${D}import { dropTenant } from "./drop.ts";\nexport async function dropIt() { await dropTenant(req.token); }\nawait guardedDrop(req, dropIt);`,
      },
      errors: [cb(4, 7)],
    },
    {
      name: "interface dispatch: the sanctioned class implements the interface",
      code:
        `${D}interface Purger { purge(t: string): Promise<void> }\nclass Pg implements Purger {\n  /** @sanctionedDrop */\n  async purge(t: string) { void t; }\n}\ndeclare const p: Purger;\nawait p.purge("t");`,
      errors: [ref(9, 9)],
    },
    {
      name: "a generic constraint of a sanctioned class's base",
      code:
        `${D}abstract class Base { abstract purge(): Promise<void> }\nclass Pg extends Base { /** @sanctionedDrop */ async purge() {} }\nasync function run<B extends Base>(b: B) { await b.purge(); }\nvoid run;`,
      errors: [ref(5, 52)],
    },
    { code: `${D}import * as ns from "./drop.ts";\nawait ns["dropTenant"]("t");`, files, errors: [ref(4, 10)] },
    {
      code: `${D}import * as ns from "./drop.ts";\nawait (Reflect.get(ns, "dropTenant") as () => Promise<void>)();`,
      files,
      errors: [ref(4, 24)],
    },
    {
      name: "a default export of a sanctioned function by name",
      code: `${D}import nuke from "./def.ts";\nawait nuke("t");`,
      files: { ...files, "def.ts": `import { dropTenant } from "./drop.ts";\nexport default dropTenant;` },
      errors: [ref(4, 7)],
    },
    {
      name: "a shim typed GuardedDrop is not a chokepoint",
      code:
        `${D}${DROP}const shim = (async (_r: DropRequest, d: () => Promise<void>) => d()) as unknown as GuardedDrop;\nawait shim(req, () => dropTenant(req.token));`,
      errors: [ref(6, 23)],
    },
    {
      name: "deferred with process.nextTick",
      code: `${D}${DROP}await guardedDrop(req, async () => { process.nextTick(() => void dropTenant(req.token)); });`,
      errors: [{ messageId: "deferred", line: 5, column: 66 }],
    },
    {
      name: "a property holding the function, through a default-exported object",
      code: `${D}import api from "./api.ts";\nawait api.dropTenant("t");`,
      files: { ...files, "api.ts": `import { dropTenant } from "./drop.ts";\nexport default { dropTenant };` },
      errors: [ref(4, 11), ref(2, 18, "api.ts")],
    },
    {
      name: "passed by reference to a timer inside the drop callback",
      code: `${D}${DROP}await guardedDrop(req, async () => { setTimeout(dropTenant, 10, req.token); });`,
      errors: [{ messageId: "deferred", line: 5, column: 49 }],
    },
    {
      name: "a class implementing a type alias, called through it",
      code:
        `${D}type Purger = { purge(): Promise<void> };\nclass Pg implements Purger { /** @sanctionedDrop */ async purge() {} }\ndeclare const p: Purger;\nawait p.purge();\nvoid Pg;`,
      errors: [ref(6, 9)],
    },
  ],
});
