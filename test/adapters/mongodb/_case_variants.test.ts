// The MongoDB adapter's case-variant helpers, which need no server: the
// comparison, and the filter that asks the server for every case of a name.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { anyCase, caseVariantsOf } from "../../../adapters/mongodb/_case_variants.ts";

describe("caseVariantsOf", () => {
  const table: [string, readonly string[], string, readonly string[]][] = [
    ["an upper-case first letter", ["db_Acme", "db_acme"], "db_acme", ["db_Acme"]],
    ["every letter in upper case", ["DB_ACME"], "db_acme", ["DB_ACME"]],
    ["two variants, in the server's order", ["usr_ACME", "usr_Acme", "usr_acme"], "usr_acme", ["usr_ACME", "usr_Acme"]],
    ["the exact name alone", ["db_acme"], "db_acme", []],
    ["a longer name", ["db_Acme2", "db_acme-x"], "db_acme", []],
    ["a prefix of the name", ["db_Acm"], "db_acme", []],
    ["nothing found", [], "db_acme", []],
    ["dots, dashes and digits", ["db_R3.Dot-9", "db_r3.dot-9"], "db_r3.dot-9", ["db_R3.Dot-9"]],
  ];
  for (const [name, found, wanted, expected] of table) {
    test(name, () => assert.deepEqual(caseVariantsOf(found, wanted), expected));
  }
});

describe("anyCase", () => {
  const matches = (name: string, candidate: string) => {
    const { $regex, $options } = anyCase(name);
    assert.equal($options, "i");
    return new RegExp($regex, $options).test(candidate);
  };

  test("matches the name in any case, and only the whole name", () => {
    assert.equal(matches("db_acme", "db_acme"), true);
    assert.equal(matches("db_acme", "DB_Acme"), true);
    assert.equal(matches("db_acme", "db_acme2"), false);
    assert.equal(matches("db_acme", "xdb_acme"), false);
  });

  test("every character the name rules accept is literal", () => {
    // A dot would match any character, unescaped.
    assert.equal(matches("db_r3.dot", "db_r3.DOT"), true);
    assert.equal(matches("db_r3.dot", "db_r3xdot"), false);
    assert.equal(matches("usr_a-b_c", "USR_A-B_C"), true);
    assert.equal(anyCase("db_a.b-c").$regex, "^db_a\\.b\\-c$");
  });
});
