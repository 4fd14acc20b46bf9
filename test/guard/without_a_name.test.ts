// Reached without a name (DESIGN §16): a sanctioned method that a framework
// calls through a decorator, and a sanctioned module's exports enumerated,
// are findings; the same shapes without a sanctioned function stay quiet.

import { sanctionedReference } from "../../guard/mod.ts";
import { ruleTester } from "./_rule_tester.ts";

const H = `import type { DropRequest, GuardedDrop } from "guarded-drop";
declare const guardedDrop: GuardedDrop; declare const req: DropRequest;
declare function OnEvent(name: string): MethodDecorator; declare function Cron(spec: string): MethodDecorator;
declare function Process(name: string): MethodDecorator; declare function EventPattern(name: string): MethodDecorator;
declare function Subscribe(name: string): MethodDecorator; declare function MessagePattern(name: string): MethodDecorator;
declare function Injectable(): MethodDecorator;
`;
// Line 7 is the first line after the header.
const DROPS =
  `/** @sanctionedDrop */\nexport async function dropTenant(token: string): Promise<void> { void token; }\n` +
  `/** @sanctionedDrop */\nexport async function dropRole(token: string): Promise<void> { void token; }\n`;
const files = { "drops.ts": DROPS, "plain.ts": `export async function list(): Promise<void> {}\n` };
const entrance = (line: number, column: number) => ({ messageId: "frameworkEntrance", line, column });
const enumerated = (line: number, column: number) => ({ messageId: "enumerated", line, column });
const method = (decorator: string) =>
  `${H}export class Tenants {\n  /** @sanctionedDrop */\n  ${decorator}\n  async drop(token: string) { void token; }\n}`;

ruleTester(sanctionedReference, {
  valid: [
    { name: "an annotation that no framework calls through", code: method(`@Injectable()`) },
    {
      name: "a decorated handler that goes through guardedDrop",
      code:
        `${H}class Tenants {\n  /** @sanctionedDrop */\n  async drop(token: string) { void token; }\n  @OnEvent("tenant.deleted")\n  async onDeleted(token: string) { await guardedDrop(req, () => this.drop(token)); }\n}\nvoid Tenants;`,
    },
    {
      name: "a plain module enumerated",
      code: `${H}import * as plain from "./plain.ts";\nfor (const f of Object.values(plain)) await f();`,
      files,
    },
    {
      name: "enumerated inside a drop callback",
      code:
        `${H}import * as ns from "./drops.ts";\nawait guardedDrop(req, () => Promise.all(Object.values(ns).map((f) => f(req.token))));`,
      files,
    },
    `${H}const o = { a: 1 };\nexport const p = { ...o };\nfor (const k in o) void k;`,
  ],
  invalid: [
    { name: "@OnEvent", code: method(`@OnEvent("tenant.deleted")`), errors: [entrance(9, 3)] },
    { name: "@Cron", code: method(`@Cron("0 3 * * *")`), errors: [entrance(9, 3)] },
    { name: "@Process", code: method(`@Process("drop")`), errors: [entrance(9, 3)] },
    { name: "@EventPattern", code: method(`@EventPattern("tenant.deleted")`), errors: [entrance(9, 3)] },
    { name: "@Subscribe", code: method(`@Subscribe("tenant.deleted")`), errors: [entrance(9, 3)] },
    { name: "@MessagePattern", code: method(`@MessagePattern({ cmd: "drop" } as never)`), errors: [entrance(9, 3)] },
    {
      name: "Object.values",
      code: `${H}import * as ns from "./drops.ts";\nfor (const f of Object.values(ns)) await f("t");`,
      files,
      errors: [enumerated(8, 17)],
    },
    {
      name: "Object.entries",
      code: `${H}import * as ns from "./drops.ts";\nfor (const [, f] of Object.entries(ns)) await f("t");`,
      files,
      errors: [enumerated(8, 21)],
    },
    {
      name: "Object.keys and an index",
      code:
        `${H}import * as ns from "./drops.ts";\nfor (const k of Object.keys(ns)) await ns[k as keyof typeof ns]("t");`,
      files,
      errors: [enumerated(8, 17)],
    },
    {
      name: "for…in",
      code: `${H}import * as ns from "./drops.ts";\nfor (const k in ns) await ns[k as keyof typeof ns]("t");`,
      files,
      errors: [enumerated(8, 17)],
    },
    {
      name: "a spread",
      code: `${H}import * as ns from "./drops.ts";\nexport const all = { ...ns };`,
      files,
      errors: [enumerated(8, 22)],
    },
  ],
});
