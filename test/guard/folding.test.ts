// Folding and prose (DESIGN §16): optional parts `cond && "X"` and
// `[…].filter(Boolean).join(sep)`, a helper whose keyword comes from its
// call's constant argument, the methods of a constant statements object, URL
// builders for the RabbitMQ management DELETE; and the prose that stays
// quiet: an Error subclass's `super(…)` message and i18n tables.

import { rabbitmqDelete, sqlDrop } from "../../guard/mod.ts";
import { ruleTester } from "./_rule_tester.ts";

const D =
  "declare const client: { query(q: unknown, v?: unknown[]): Promise<unknown> }; declare const name: string;\n" +
  "declare const o: { ifExists?: boolean; cascade?: boolean };\n";
// Line 3 is the first line after the header.
const err = (line: number, column: number) => ({ messageId: "sqlDrop", line, column });

ruleTester(sqlDrop, {
  valid: [
    {
      name: "an Error subclass's super() message",
      code:
        `${D}export class RefusedDrop extends Error {\n  constructor(db: string) { super(\`DROP DATABASE \${db} refused: the tenant is live\`); }\n}`,
    },
    {
      name: "an i18n table under a language key",
      code:
        `${D}export const resources = { en: { confirm: "DROP DATABASE will remove every table" }, de: { confirm: "DROP DATABASE löscht alles" } };`,
    },
    {
      name: "an i18n table by its name",
      code: `${D}export const messages = { confirmDrop: "DROP SCHEMA removes the tenant's data" };`,
    },
    {
      name: "filter(Boolean).join of other words",
      code: `${D}await client.query(["DROP", "TABLE", o.ifExists && "IF EXISTS", name].filter(Boolean).join(" "));`,
    },
    {
      name: "a helper whose constant argument makes no DROP",
      code:
        `${D}const stmt = (kind: string, id: string) => \`DROP \${kind} \${id}\`;\nawait client.query(stmt("TABLE", name));`,
    },
  ],
  invalid: [
    {
      name: "filter(Boolean).join",
      code: `${D}await client.query(["DROP", "SCHEMA", o.ifExists && "IF EXISTS", name].filter(Boolean).join(" "));`,
      errors: [err(3, 20)],
    },
    {
      name: "an optional part in a join",
      code: `${D}await client.query(["DROP", "DATABASE", o.ifExists && "IF EXISTS", name].join(" "));`,
      errors: [err(3, 20)],
    },
    {
      name: "filter(Boolean) with the optional part first",
      code: `${D}await client.query([o.cascade && "BEGIN;", "DROP SCHEMA", name].filter(Boolean).join(" "));`,
      errors: [err(3, 20)],
    },
    {
      name: "a helper whose keyword comes from its call's constant argument",
      code:
        `${D}const stmt = (kind: string, id: string) => \`DROP \${kind} \${id}\`;\nawait client.query(stmt("ROLE", name));`,
      errors: [err(4, 20)],
    },
    {
      name: "a function declaration helper",
      code:
        `${D}function stmt(kind: string, id: string) { return "DROP " + kind + " " + id; }\nawait client.query(stmt("DATABASE", name));`,
      errors: [err(4, 20)],
    },
    {
      name: "a method of a constant statements object",
      code:
        `${D}const SQL = { drop: (kind: string, id: string) => \`DROP \${kind} IF EXISTS \${id}\` } as const;\nawait client.query(SQL.drop("SCHEMA", name));`,
      errors: [err(4, 20)],
    },
  ],
});

const R = `declare const base: string; declare const vhost: string;\nimport path from "node:path";\n`;
ruleTester(rabbitmqDelete, {
  valid: [
    `${R}await fetch(new URL(path.join("/api/vhosts", encodeURIComponent(vhost)), base));`,
  ],
  invalid: [
    {
      name: "new URL(path.join(…), base) with DELETE",
      code:
        `${R}await fetch(new URL(path.join("/api/vhosts", encodeURIComponent(vhost)), base), { method: "DELETE" });`,
      errors: [{ messageId: "api", line: 3, column: 13 }],
    },
    {
      name: "new URL(path.posix.join(…), base) built in a helper",
      code:
        `${R}const url = (kind: string, name: string) => new URL(path.posix.join("/api", kind, encodeURIComponent(name)), base);\nawait fetch(url("users", vhost), { method: "DELETE" });`,
      errors: [{ messageId: "api", line: 4, column: 13 }],
    },
  ],
});
