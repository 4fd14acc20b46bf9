// sql-drop: SQL DROP DATABASE|ROLE|USER|SCHEMA|OWNED, through every evasion,
// and the look-alikes that must stay quiet.

import { sqlDrop } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = "declare const client: { query(q: unknown, v?: unknown[]): Promise<unknown> }; declare const name: string;\n";
const err = (line: number, column: number) => ({ messageId: "sqlDrop", line, column });
// mysql2, with the real driver's declarations: MySQL's DROP DATABASE / DROP USER through query and execute.
const MYSQL =
  `import mysql from "mysql2/promise";\nconst conn = await mysql.createConnection({ uri: "mysql://root@127.0.0.1:3306/" });\ndeclare const user: string;\n`;

ruleTester(sqlDrop, {
  valid: [
    // Comments are never matched.
    `${D}// await client.query("DROP DATABASE x");\n/* DROP ROLE y */\n/** DROP SCHEMA z */ export {};`,
    // English prose in log and error messages.
    `${D}console.log("tenant database dropped");`,
    `${D}throw new Error("cannot drop databases while replicating");`,
    `${D}console.warn("failed to drop user usr_x, retrying");`,
    `${D}console.warn(\`could not drop role \${name}\`);`,
    // Other objects.
    `${D}await client.query("DROP TABLE IF EXISTS jobs");`,
    `${D}await client.query("DROP INDEX CONCURRENTLY jobs_idx");`,
    `${D}await client.query("DROP USER MAPPING FOR bob SERVER remote");`,
    // Not whole words.
    `${D}await client.query("SELECT drop_database_guard()"); console.log("DROPDATABASE", "dropped_user");`,
    // Commented-out SQL.
    `${D}await client.query("-- DROP DATABASE x\\nSELECT 1");`,
    `${D}await client.query("/* DROP ROLE x; */ SELECT 1");`,
    // Names, types and comparisons are not SQL that runs.
    `${D}type Q = "DROP DATABASE x"; const keys = { "DROP DATABASE": 1 }; console.log(keys);`,
    `${D}declare const q: string; if (q === "DROP DATABASE x") console.log("no");`,
    `${D}declare const sql: string; if (sql.startsWith("drop user") || sql.includes("DROP ROLE")) console.log("seen");`,
    `${D}declare const expect: any; declare const diff: string;\nexpect(diff).toContain('drop schema if exists "s" cascade'); expect(diff).not.toContain("drop schema");`,
    `${D}import assert from "node:assert/strict";\ndeclare const sql: string;\nassert.equal(sql, "DROP DATABASE x");`,
    // Inside sanctioned functions: a declaration, a const arrow, a method, a nested callback.
    `${D}/** @sanctionedDrop */\nexport async function dropDb() { await client.query("DROP DATABASE " + name); }`,
    `${D}/**\n * Drops the role.\n * @sanctionedDrop\n */\nexport const dropRole = async () => client.query(\`DROP ROLE \${name}\`);`,
    `${D}export class Pg {\n  /** @sanctionedDrop */\n  async drop() { await client.query("DROP SCHEMA s CASCADE"); }\n}`,
    `${D}/** @sanctionedDrop */\nexport async function drop() { await [1].reduce(async (p) => { await p; await client.query("DROP OWNED BY x"); }, Promise.resolve()); }`,
    // A constant is matched where it is used: here only inside a sanctioned function.
    `${D}const DROP = "DROP DATABASE ";\n/** @sanctionedDrop */\nexport async function dropDb() { await client.query(DROP + name); }`,
    {
      name: "an exported const from another module, used only in a sanctioned function",
      code:
        `${D}import { DROP_DB } from "./sql.ts";\n/** @sanctionedDrop */\nexport async function dropDb() { await client.query(\`\${DROP_DB} \${name}\`); }`,
      files: { "sql.ts": `export const DROP_DB = "DROP DATABASE";` },
    },
    // Quotes and backticks in human-readable text are not statement starts.
    `${D}export const note = \`refusing "DROP DATABASE \${name}": not sanctioned\`;\nawait client.query("SELECT $1", [note]);`,
    `${D}export const doc = "Use \`DROP DATABASE\` only inside a sanctioned function";\nawait client.query("SELECT $1", [doc]);`,
    `${D}export const hint = "cannot run 'DROP ROLE x' here";\nawait client.query("SELECT $1", [hint]);`,
    // Log and error messages, test titles, help text.
    `${D}declare const logger: any;\nlogger.warn(\`DROP DATABASE \${name} refused\`); console.error("DROP ROLE x failed");`,
    `${D}throw new Error(\`Cannot run "DROP DATABASE \${name}" outside guardedDrop\`);`,
    `${D}declare function test(t: string, f: () => void): void;\ntest("DROP DATABASE is refused for a shared tenant", () => {});`,
    `${D}declare const yargs: any;\nyargs.option("force", { describe: "DROP DATABASE without asking" }).usage("DROP SCHEMA s");`,
    `${D}export const errors = { message: "DROP ROLE x is not allowed", hint: "DROP OWNED BY x first" };`,
    `${D}process.stderr.write("DROP DATABASE refused\\n");`,
    // A long option that is no value, and a comment in a script.
    `${D}await client.query("SELECT 1 --DROP DATABASE x");`,
    {
      name: "options: only DATABASE",
      code: `${D}await client.query("DROP ROLE x");`,
      options: [{ objects: ["DATABASE"] }],
    },
    // Folding and flow: what the code builds, and what it does not run.
    `${D}let q = "DROP DATABASE x";\nq = "SELECT 1";\nawait client.query(q);`,
    `${D}let q = "SELECT ";\nq += "1";\nawait client.query(q);`,
    `${D}const parts: string[] = [];\nparts.push("DROP");\nparts.push("TABLE", name);\nawait client.query(parts.join(" "));`,
    `${D}export async function f(kind: "TABLE" | "INDEX") { await client.query(\`DROP \${kind} \${name}\`); }`,
    `${D}function verb() { return "SELECT"; }\nawait client.query(\`\${verb()} DATABASE \${name}\`);`,
    `${D}const SQL = { drop: "DROP TABLE x", list: "SELECT 1" } as const;\nawait client.query(SQL.list);\nawait client.query(SQL.drop);`,
    `${D}const enum Verb { Drop = "DROP", Select = "SELECT" }\nawait client.query(\`\${Verb.Select} DATABASE \${name}\`);`,
    `${D}const M = new Map([["list", "SELECT 1"], ["size", "SELECT 2"]]);\nawait client.query(M.get("list")!);`,
    `${D}const T = "DROP TABLE {name}";\nawait client.query(T.replace("{name}", name));`,
    `${D}const T = "DROP {what} x";\nawait client.query(T.replace("{what}", "TABLE"));`,
    `${D}const UNUSED = "SELECT 1";\nvoid UNUSED;`,
    // mysql2: reads and other objects stay quiet; a sanctioned function may drop.
    `${MYSQL}await conn.query("SELECT Host FROM mysql.user WHERE BINARY User = ?", [user]);`,
    `${MYSQL}await conn.execute("DROP TABLE IF EXISTS jobs");`,
    `${MYSQL}/** @sanctionedDrop */\nexport async function dropUser() { await conn.query("DROP USER IF EXISTS ?@?", [user, "%"]); }`,
  ],
  invalid: [
    { code: `${D}await client.query("DROP DATABASE " + name);`, errors: [err(2, 20)] },
    { code: `${D}await client.query(\`DROP DATABASE \${name}\`);`, errors: [err(2, 20)] },
    {
      name: "tagged template",
      code:
        `${D}declare function sql(s: TemplateStringsArray, ...v: unknown[]): unknown;\nawait client.query(sql\`DROP ROLE \${name}\`);`,
      errors: [err(3, 20)],
    },
    { code: `${D}await client.query(String.raw\`DROP SCHEMA s\`);`, errors: [err(2, 20)] },
    { code: `${D}const Q = "DROP USER ";\nawait client.query(Q + name);`, errors: [err(3, 20)] },
    {
      code: `${D}const A = "DR" + "OP";\nconst B = \`\${A} DATA\` + "BASE";\nawait client.query(\`\${B} x\`);`,
      errors: [err(4, 20)],
    },
    {
      name: "an exported const from another module",
      code: `${D}import { DROP_DB } from "./sql.ts";\nawait client.query(\`\${DROP_DB} \${name}\`);`,
      files: { "sql.ts": `export const DROP_DB = "DROP DATABASE";` },
      errors: [err(3, 20)],
    },
    {
      name: "a renamed import of a re-exported const",
      code: `${D}import { drop as d } from "./index.ts";\nawait client.query(d + name);`,
      files: {
        "sql.ts": `export const DROP_DB = "DROP DATABASE ";`,
        "index.ts": `export { DROP_DB as drop } from "./sql.ts";`,
      },
      errors: [err(3, 20)],
    },
    {
      name: "a namespace import",
      code: `${D}import * as sql from "./sql.ts";\nawait client.query(sql.DROP_DB + name);`,
      files: { "sql.ts": `export const DROP_DB = "DROP DATABASE ";` },
      errors: [err(3, 20)],
    },
    {
      name: "a const used bare as the argument",
      code: `${D}import { STATEMENT } from "./sql.ts";\nawait client.query(STATEMENT);`,
      files: { "sql.ts": `const NAME = "db_x";\nexport const STATEMENT = \`DROP DATABASE \${NAME}\`;` },
      errors: [err(3, 20)],
    },
    { code: `${D}await client.query("drop database x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DrOp UsEr x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP\\n\\tSCHEMA x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query(\`\n  DROP\n      DATABASE x\`);`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP /* sneaky */ DATABASE x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP -- sneaky\\nROLE x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP /* a /* nested */ b */ ROLE x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP\\u0020DATABASE x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("\\u0044ROP \\x4fWNED BY x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query(["DROP", "DATABASE", name].join(" "));`, errors: [err(2, 20)] },
    { code: `${D}await client.query("DROP ".concat("DATABASE ", name));`, errors: [err(2, 20)] },
    { code: `${D}await client.query("select 1; drop role x");`, errors: [err(2, 20)] },
    { code: `${D}await client.query("SELECT '--'; DROP DATABASE x");`, errors: [err(2, 20)] },
    {
      code: `${D}await client.query("DO $$ BEGIN EXECUTE 'DROP ROLE ' || quote_ident('x'); END $$");`,
      errors: [err(2, 20)],
    },
    {
      code: `${D}import { execSync } from "node:child_process";\nexecSync(\`psql -c 'DROP DATABASE \${name}'\`);`,
      errors: [err(3, 10)],
    },
    { code: `${D}await client.query({ text: "DROP DATABASE x", values: [] });`, errors: [err(2, 28)] },
    {
      code: `${D}declare const force: boolean;\nawait client.query(force ? "DROP DATABASE x" : "SELECT 1");`,
      errors: [err(3, 20)],
    },
    { code: `${D}console.log(await client.query("DROP DATABASE x"));`, errors: [err(2, 32)] },
    { code: `${D}let q = "DROP USER bob";\nawait client.query(q);`, errors: [err(3, 20)] }, // reported where it runs
    {
      code:
        `${D}export class Cleanup {\n  async run() {\n    await client.query("DROP SCHEMA tenant CASCADE");\n  }\n}`,
      errors: [err(4, 24)],
    },
    {
      code: `${D}export const run = () => [1].forEach(() => setTimeout(() => client.query("DROP DATABASE x")));`,
      errors: [err(2, 74)],
    },
    {
      name: "a const in an inner scope shadows the outer one",
      code:
        `${D}const Q = "SELECT 1";\nexport async function f() {\n  const Q = "DROP DATABASE x";\n  await client.query(Q);\n}\nawait client.query(Q);`,
      errors: [err(5, 22)],
    },
    {
      name: "a plain block comment is no JSDoc tag",
      code: `${D}/* @sanctionedDrop */\nexport async function dropDb() { await client.query("DROP DATABASE x"); }`,
      errors: [err(3, 53)],
    },
    {
      name: "a same-named function elsewhere is sanctioned, this one is not",
      code: `${D}export async function dropTenant() { await client.query("DROP DATABASE x"); }`,
      files: {
        "other.ts":
          `${D}/** @sanctionedDrop */\nexport async function dropTenant() { await client.query("DROP DATABASE y"); }`,
      },
      errors: [err(2, 57)],
    },
    { code: `${D}await client.query("DROP DATABASE a; DROP ROLE b");`, errors: [err(2, 20)] },
    // Statement boundaries: `=` of a long option, a new line, a psql meta-command line.
    {
      code: `${D}import { spawn } from "node:child_process";\nspawn("psql", [\`--command=DROP DATABASE \${name}\`]);`,
      errors: [err(3, 16)],
    },
    {
      code: `${D}declare const sh: (c: string) => void;\nsh(\`psql "--command=DROP ROLE \${name}"\`);`,
      errors: [err(3, 4)],
    },
    { code: `${D}await client.query(\`SELECT 1\nDROP SCHEMA t_\${name} CASCADE\`);`, errors: [err(2, 20)] },
    {
      code: `${D}export const script = "\\\\c postgres\\nDROP DATABASE db_x";\nawait client.query(script);`,
      errors: [err(3, 20)],
    },
    { code: `${D}await client.query("-- tear down\\nDROP OWNED BY usr_x");`, errors: [err(2, 20)] },
    {
      code:
        `${D}declare const sh: (c: string) => void;\nsh(String.raw\`psql -c '\\c postgres \\\\ DROP DATABASE db_x'\`);`,
      errors: [err(3, 4)],
    },
    { code: `${D}await client.query(\`DROP GROUP \${name}\`);`, errors: [err(2, 20)] },
    { code: `${D}await client.query("drop group if exists grp_x");`, errors: [err(2, 20)] },
    // Quotes that open code: after a flag, `=`, a pipe, EXECUTE, SELECT, echo.
    {
      code: `${D}declare const sh: (c: string) => void;\nsh(\`mysql -uroot -e "DROP DATABASE \${name}"\`);`,
      errors: [err(3, 4)],
    },
    {
      code: `${D}declare const sh: (c: string) => void;\nsh(\`echo 'DROP ROLE \${name}' | psql\`);`,
      errors: [err(3, 4)],
    },
    {
      code: `${D}await client.query(\`SELECT 'DROP DATABASE ' || quote_ident(datname) FROM pg_database \\gexec\`);`,
      errors: [err(2, 20)],
    },
    { code: `${D}await client.query("PREPARE s FROM 'DROP DATABASE x'");`, errors: [err(2, 20)] },
    {
      code: `${D}declare const sh: (c: string) => void;\nsh(\`SQL="DROP SCHEMA s CASCADE" && psql -c "$SQL"\`);`,
      errors: [err(3, 4)],
    },
    { code: `${D}await client.query("SELECT E'x'; EXECUTE E'DROP ROLE x'");`, errors: [err(2, 20)] },
    // Folding and flow: reported where the statement runs.
    { code: `${D}let q = "DROP ";\nq += "DATABASE ";\nq += name;\nawait client.query(q);`, errors: [err(5, 20)] },
    { code: `${D}let q = "SELECT 1";\nq = \`DROP ROLE \${name}\`;\nawait client.query(q);`, errors: [err(4, 20)] },
    {
      code:
        `${D}const parts: string[] = [];\nparts.push("DROP");\nparts.push("ROLE", name);\nawait client.query(parts.join(" "));`,
      errors: [err(5, 20)],
    },
    {
      code: `${D}const HEAD = ["DROP", "SCHEMA"] as const;\nawait client.query([...HEAD, name].join(" "));`,
      errors: [err(3, 20)],
    },
    {
      code: `${D}const all = ["DROP", "USER"];\nconst sql = [...all, name];\nawait client.query(sql.join(" "));`,
      errors: [err(4, 20)],
    },
    {
      code:
        `${D}export async function f(kind: "DATABASE" | "ROLE") { await client.query(\`DROP \${kind} \${name}\`); }`,
      errors: [err(2, 73)],
    },
    {
      code:
        `${D}type Kind = "TABLE" | "SCHEMA";\nexport async function f(k: Kind) { await client.query("DROP " + k + " x"); }`,
      errors: [err(3, 55)],
    },
    {
      code: `${D}function verb() { return "DROP"; }\nawait client.query(\`\${verb()} DATABASE \${name}\`);`,
      errors: [err(3, 20)],
    },
    { code: `${D}const verb = () => "drop";\nawait client.query(verb() + " role " + name);`, errors: [err(3, 20)] },
    {
      code: `${D}function sqlFor(db: string) { return "DROP DATABASE " + db; }\nawait client.query(sqlFor(name));`,
      errors: [err(2, 38)],
    },
    {
      code: `${D}const SQL = { drop: "DROP USER x", list: "SELECT 1" } as const;\nawait client.query(SQL.drop);`,
      errors: [err(3, 20)],
    },
    {
      code:
        `${D}const SQL = { tenant: { drop: "DROP SCHEMA t" } } as const;\nawait client.query(SQL["tenant"]["drop"]);`,
      errors: [err(3, 20)],
    },
    {
      code: `${D}const enum Verb { Drop = "DROP" }\nawait client.query(\`\${Verb.Drop} DATABASE \${name}\`);`,
      errors: [err(3, 20)],
    },
    {
      code: `${D}enum Obj { Db = "DATABASE" }\nawait client.query(\`DROP \${Obj.Db} \${name}\`);`,
      errors: [err(3, 20)],
    },
    {
      code:
        `${D}const M = new Map([["db", "DROP DATABASE tenant"], ["ok", "SELECT 1"]]);\nawait client.query(M.get("db")!);`,
      errors: [err(3, 20)],
    },
    {
      code: `${D}const T = "DROP DATABASE {name}";\nawait client.query(T.replace("{name}", name));`,
      errors: [err(3, 20)],
    },
    {
      code: `${D}const T = "DROP {what} x";\nawait client.query(T.replaceAll("{what}", "ROLE").trim());`,
      errors: [err(3, 20)],
    },
    { code: `${D}const T = "  drop owned by x  ";\nawait client.query(T.trim().concat(";"));`, errors: [err(3, 20)] },
    { code: `${D}const T = "DROP DATABASE $1";\nawait client.query(T.replace(/\\$1/g, name));`, errors: [err(3, 20)] },
    // A definition nothing runs is reported where it is written.
    { code: `${D}const UNUSED = "DROP DATABASE never_run";`, errors: [err(2, 16)] },
    { code: `${D}export const EXPORTED = "DROP ROLE nobody";`, errors: [err(2, 25)] },
    {
      name: "an exported const run in another module is reported where it runs",
      code: `${D}import { DROP_ALL } from "./sql.ts";\nawait client.query(DROP_ALL);`,
      files: { "sql.ts": `export const DROP_ALL = "DROP OWNED BY tenant";` },
      errors: [err(3, 20)],
    },
    // mysql2's query and execute, pool and connection, with MySQL's quoting.
    {
      code: `${MYSQL}await conn.query(\`DROP DATABASE IF EXISTS \${conn.escapeId("db_" + user)}\`);`,
      errors: [err(4, 18)],
    },
    { code: `${MYSQL}await conn.execute("DROP USER IF EXISTS ?@?", [user, "%"]);`, errors: [err(4, 20)] },
    {
      code:
        `${MYSQL}const pool = mysql.createPool({ uri: "mysql://root@127.0.0.1/" });\nawait pool.query("DROP SCHEMA \`db_x\`");`,
      errors: [err(5, 18)],
    },
    {
      code:
        `${D}class Repo {\n  verb() { return "DROP"; }\n  async run() { await client.query(\`\${this.verb()} DATABASE \${name}\`); }\n}`,
      errors: [err(4, 36)],
    },
    {
      code: `${D}const SQL = Object.freeze({ drop: "DROP ROLE r" });\nawait client.query(SQL.drop);`,
      errors: [err(3, 20)],
    },
    {
      name: "a member of an imported enum",
      code:
        `${D}import { Verb } from "./verbs.ts";\nawait client.query(\`\${Verb.Drop} SCHEMA s\`);\nawait client.query(\`\${Verb.Select} SCHEMA s\`);`,
      files: { "verbs.ts": `export enum Verb { Drop = "DROP", Select = "SELECT" }` },
      errors: [err(3, 20)],
    },
  ],
});
