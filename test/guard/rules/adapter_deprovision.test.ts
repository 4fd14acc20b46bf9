// adapter-deprovision: an adapter's deprovision, recognised by type, reached
// outside a guardedDrop drop callback.

import { adapterDeprovision } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = `import type { Deprovisioner, DropRequest, GuardedDrop } from "guarded-drop";
declare const adapter: Deprovisioner; declare const guardedDrop: GuardedDrop; declare const req: DropRequest;
`;
const err = (line: number, column: number) => ({ messageId: "deprovision", line, column });
const PG_CLASS = `export class Pg implements Deprovisioner {
  readonly resourceType = "postgres"; readonly backend = "shared" as const;
  async deprovision(token: string) { void token; }
  async exists() { return false; }
  async close() {}
}
`;

ruleTester(adapterDeprovision, {
  valid: [
    `${D}await guardedDrop(req, () => adapter.deprovision(req.token));`,
    `${D}await guardedDrop(req, async function () { await adapter.deprovision(req.token); });`,
    `${D}await guardedDrop(req, async () => { for (const t of [req.token]) await adapter.deprovision(t); });`,
    `${D}await guardedDrop(req, adapter.deprovision.bind(adapter, req.token));`,
    `${D}declare const deps: { guardedDrop?: GuardedDrop };\nawait deps.guardedDrop?.(req, () => adapter.deprovision(req.token));`,
    `${D}type Drop = GuardedDrop;\ndeclare const drop: Drop;\nawait drop(req, () => adapter.deprovision(req.token));`,
    {
      name: "a drop callback passed by reference",
      code: `${D}async function dropIt() { await adapter.deprovision(req.token); }\nawait guardedDrop(req, dropIt);`,
    },
    {
      name: "a drop callback made by a factory",
      code:
        `${D}const dropOf = (a: Deprovisioner) => () => a.deprovision(req.token);\nawait guardedDrop(req, dropOf(adapter));`,
    },
    {
      name: "a drop callback made by a factory with a block body",
      code:
        `${D}function dropOf(a: Deprovisioner) {\n  return async () => { await a.deprovision(req.token); };\n}\nawait guardedDrop(req, dropOf(adapter));`,
    },
    `${D}/** @sanctionedDrop */\nexport async function drop(a: Deprovisioner) { await a.deprovision(req.token); }`,
    `${D}${PG_CLASS}`,
    `${D}export interface Mine extends Deprovisioner { deprovision(token: string): Promise<void> }`,
    `${D}class Vm { async deprovision(id: string) { void id; } }\nawait new Vm().deprovision("vm-1");`,
    `${D}interface OwnDeprovisioner { deprovision(t: string): Promise<void> }\ndeclare const own: OwnDeprovisioner;\nawait own.deprovision("x");`,
    {
      name: "a structural type holding a value of the user's own",
      code:
        `${D}type Holder = { deprovision(t: string): Promise<void> };\nconst vm: Holder = { async deprovision(t: string) { void t; } };\nawait vm.deprovision("x");`,
    },
    {
      name: "a deprovision awaited inside the drop callback",
      code: `${D}await guardedDrop(req, async () => { await adapter.deprovision(req.token); });`,
    },
  ],
  invalid: [
    { code: `${D}await adapter.deprovision(req.token);`, errors: [err(3, 15)] },
    { code: `${D}${PG_CLASS}await new Pg().deprovision("t");`, errors: [err(9, 16)] },
    { code: `${D}${PG_CLASS}class Pg2 extends Pg {}\nawait new Pg2().deprovision("t");`, errors: [err(10, 17)] },
    {
      code:
        `${D}const a = { resourceType: "x", backend: "shared", deprovision: async () => {}, exists: async () => false, close: async () => {} } satisfies Deprovisioner;\nawait a.deprovision("t");`,
      errors: [err(4, 9)],
    },
    {
      name: "a type from guarded-drop's adapters/",
      code: `import { FakeAdapter } from "./pkg/adapters/fake/mod.ts";\nawait new FakeAdapter().deprovision("t");`,
      files: {
        "pkg/package.json": `{ "name": "guarded-drop" }`,
        "pkg/adapters/fake/mod.ts": `export class FakeAdapter { async deprovision(token: string) { void token; } }`,
      },
      errors: [err(2, 25)],
    },
    {
      code:
        `${D}import { EventEmitter } from "node:events";\nnew EventEmitter().on("tenant.deleted", adapter.deprovision);`,
      errors: [err(4, 49)],
    },
    { code: `${D}const { deprovision } = adapter;\nawait deprovision.call(adapter, "t");`, errors: [err(3, 9)] },
    { code: `${D}await adapter["deprovision"]("t");`, errors: [err(3, 15)] },
    { code: `${D}setTimeout(() => adapter.deprovision("t"), 10);`, errors: [err(3, 26)] },
    {
      name: "a two-argument call that is not guardedDrop",
      code:
        `${D}declare const queue: { add(r: DropRequest, job: () => unknown): void };\nqueue.add(req, () => adapter.deprovision("t"));`,
      errors: [err(4, 30)],
    },
    {
      name: "a look-alike GuardedDrop type of the user's own",
      code:
        `${D}interface FakeDrop { <T>(r: DropRequest, d: () => T): Promise<T> }\ndeclare const fake: FakeDrop;\nawait fake(req, () => adapter.deprovision("t"));`,
      errors: [err(5, 31)],
    },
    {
      code: `${D}declare const maybe: Deprovisioner | undefined;\nawait maybe?.deprovision("t");`,
      errors: [err(4, 14)],
    },
    {
      code: `${D}const byType = new Map<string, Deprovisioner>();\nawait byType.get("pg")!.deprovision("t");`,
      errors: [err(4, 25)],
    },
    {
      code: `${D}declare const all: Deprovisioner[];\nawait Promise.all(all.map((a) => a.deprovision("t")));`,
      errors: [err(4, 36)],
    },
    {
      name: "the drop runs when the factory is called, before guardedDrop",
      code:
        `${D}function dropOf(a: Deprovisioner) {\n  void a.deprovision(req.token);\n  return async () => {};\n}\nawait guardedDrop(req, dropOf(adapter));`,
      errors: [err(4, 10)],
    },
    {
      name: "the first argument of guardedDrop is no drop callback",
      code: `${D}await guardedDrop({ ...req, token: String(await adapter.deprovision("t")) }, () => 1);`,
      errors: [err(3, 57)],
    },
    {
      name: "an adapter held as a structural type of the user's own",
      code:
        `${D}type Holder = { deprovision(t: string): Promise<void> };\nconst held: Holder = adapter;\nawait held.deprovision("x");`,
      errors: [err(5, 12)],
    },
    {
      name: "an adapter passed to a parameter of a structural type",
      code:
        `${D}interface Dropper { deprovision(t: string): Promise<void> }\nasync function run(d: Dropper) { await d.deprovision("x"); }\nawait run(adapter);`,
      errors: [err(4, 42)],
    },
    {
      name: "a shim typed GuardedDrop is not a chokepoint",
      code:
        `${D}const shim = ((_r: DropRequest, d: () => unknown) => d()) as unknown as GuardedDrop;\nawait shim(req, () => adapter.deprovision(req.token));`,
      errors: [err(4, 31)],
    },
    {
      name: "deferred out of the drop callback by a timer",
      code: `${D}await guardedDrop(req, async () => { setTimeout(() => void adapter.deprovision(req.token), 1); });`,
      errors: [{ messageId: "deferred", line: 3, column: 68 }],
    },
    {
      name: "a promise the drop callback neither awaits nor returns",
      code: `${D}await guardedDrop(req, async () => { adapter.deprovision(req.token); });`,
      errors: [{ messageId: "deferred", line: 3, column: 46 }],
    },
  ],
});
