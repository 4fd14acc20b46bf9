// The one table of string operations (DESIGN §16): root finding and folding
// both read guard/_string_operations.ts. Every row of the table has a row
// here, a statement built through that operation that sql-drop must flag, so
// adding an operation is one table row and one test row (this test fails on
// a row without one). `.filter(Boolean)` is the example: its table row, and
// its row below.

import assert from "node:assert/strict";
import { test } from "node:test";
import { sqlDrop } from "../../guard/mod.ts";
import { STRING_OPERATIONS } from "../../guard/_string_operations.ts";
import { ruleTester } from "./_rule_tester.ts";

const D =
  "declare const client: { query(q: unknown): Promise<unknown> }; declare const name: string; declare const o: { ifExists?: boolean };\n";
// Each statement is reported where it runs: the argument of `client.query(…)` on line 2.
const flagged = (code: string) => ({
  messageId: "sqlDrop",
  line: 2,
  column: code.indexOf("client.query(") + "client.query(".length + 1,
});

// One statement per operation.
const ROWS: Readonly<Record<string, string>> = {
  toUpperCase: `await client.query("drop database x".toUpperCase());`,
  toLowerCase: `await client.query("DROP DATABASE X".toLowerCase());`,
  toLocaleUpperCase: `await client.query("drop role x".toLocaleUpperCase());`,
  toLocaleLowerCase: `await client.query("DROP ROLE X".toLocaleLowerCase());`,
  toString: `await client.query("DROP SCHEMA x".toString());`,
  valueOf: `await client.query("DROP SCHEMA x".valueOf());`,
  trim: `await client.query("  DROP USER x ".trim());`,
  trimStart: `await client.query("  DROP USER x".trimStart());`,
  trimEnd: `await client.query("DROP USER x  ".trimEnd());`,
  normalize: `await client.query("DROP OWNED BY x".normalize());`,
  padStart: `await client.query("DROP DATABASE x".padStart(20));`,
  padEnd: `await client.query("DROP DATABASE x".padEnd(20));`,
  concat: `await client.query("DROP ".concat("DATABASE ", name));`,
  replace: `await client.query("{verb} DATABASE x".replace("{verb}", "DROP"));`,
  replaceAll: `await client.query("{verb} ROLE x".replaceAll("{verb}", "DROP"));`,
  join: `await client.query(["DROP", "DATABASE", name].join(" "));`,
  get: `const SQL = new Map([["db", "DROP DATABASE x"]]); await client.query(SQL.get("db"));`,
  filter: `await client.query(["DROP", "SCHEMA", o.ifExists && "IF EXISTS", name].filter(Boolean).join(" "));`,
};

test("every string operation of the table has a test row", () => {
  assert.deepEqual([...STRING_OPERATIONS.keys()].filter((method) => ROWS[method] === undefined), []);
});

ruleTester(sqlDrop, {
  valid: [],
  invalid: Object.entries(ROWS).map(([method, code]) => ({
    name: `.${method}()`,
    code: `${D}${code}`,
    errors: [flagged(code)],
  })),
});
