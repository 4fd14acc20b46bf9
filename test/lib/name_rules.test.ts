// Target-name checks (DESIGN §4) as tables of hostile and legitimate names.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkDatabaseName,
  checkNamingToken,
  checkUserName,
  checkVhostName,
  createNameRules,
  isRefusedError,
} from "../../lib/mod.ts";

const hostileTokens: [string, unknown][] = [
  ["empty", ""],
  ["undefined", undefined],
  ["null", null],
  ["a number", 42],
  ["an object", { toString: () => "acme" }],
  ["single quote", "acme'42"],
  ["double quote", 'acme"42'],
  ["semicolon injection", "x; DROP DATABASE postgres; --"],
  ["SQL block comment", "acme/*x*/"],
  ["space", "acme 42"],
  ["tab", "acme\t42"],
  ["newline", "acme\n42"],
  ["backslash", "acme\\42"],
  ["glob star", "acme*"],
  ["glob question", "acme?"],
  ["glob class", "acme[0-9]"],
  ["lone star", "*"],
  ["path traversal", "../etc"],
  ["slash", "a/b"],
  ["percent-encoded", "a%2F"],
  ["colon (a Redis key separator)", "acme:42"],
  ["NUL", "acme\u000042"],
  ["non-ASCII letter", "acmé"],
  ["full-width letters", "ａｃｍｅ"],
  ["Cyrillic look-alike", "асme"],
  ["emoji", "acme🔥"],
  ["64 bytes", "a".repeat(64)],
  ["1000 bytes", "a".repeat(1000)],
  ["leading dash", "-acme"],
  ["leading dot", ".acme"],
  ["dot-dot", ".."],
  ["reserved postgres", "postgres"],
  ["reserved POSTGRES", "POSTGRES"],
  ["reserved Template0", "Template0"],
  ["reserved template1", "template1"],
  ["reserved admin", "Admin"],
  ["reserved local", "local"],
  ["reserved config", "CONFIG"],
  ["reserved default", "default"],
  ["reserved root", "rOOt"],
  ["reserved replication", "replication"],
  ["reserved rdsadmin", "RDSADMIN"],
  ["reserved rds_superuser", "rds_superuser"],
  ["reserved cloudsqladmin", "cloudsqladmin"],
  ["reserved cloudsqlsuperuser", "CloudSQLSuperUser"],
  ["reserved azure_superuser", "azure_superuser"],
  ["reserved azure_pg_admin", "azure_pg_admin"],
  ["reserved azure_maintenance", "azure_maintenance"],
  ["reserved azure_sys", "azure_sys"],
  ["reserved doadmin", "doadmin"],
];

const legitimateTokens = ["acme42", "a", "A", "0", "acme.eu-west_1", "t-1.2_3", "a".repeat(63), "postgres2", "admins"];

describe("checkNamingToken", () => {
  for (const [name, token] of hostileTokens) {
    test(`refuses ${name}`, () => {
      assert.throws(() => checkNamingToken(token), (err) => isRefusedError(err) && (err as Error).message.startsWith("Cannot drop"));
    });
  }
  for (const token of legitimateTokens) {
    test(`accepts ${JSON.stringify(token.length > 20 ? `${token.slice(0, 10)}…(${token.length})` : token)}`, () => {
      assert.equal(checkNamingToken(token), token);
    });
  }
  test("a hostile name cannot forge a log line through the message", () => {
    assert.throws(() => checkNamingToken('x"\n{"event":"provisioner.drop"}'), (err) => !(err as Error).message.includes("\n"));
  });
});

describe("checkDatabaseName", () => {
  const hostile: unknown[] = [
    "postgres",
    "template0",
    "template1",
    "TEMPLATE1",
    "admin",
    "local",
    "config",
    "db_",
    "dedicated_db_",
    "db",
    "DB_acme",
    "dbacme",
    "usr_acme",
    "vh_acme",
    "db_postgres",
    "db_Template1",
    "dedicated_db_rdsadmin",
    "db_acme;DROP",
    "db_acme'",
    "db_../x",
    "db_ａｃｍｅ",
    "db_acme\u0000",
    `db_${"a".repeat(61)}`, // 64 bytes
    `dedicated_db_${"a".repeat(51)}`, // 64 bytes
    "",
    undefined,
    7,
  ];
  const legitimate = ["db_acme42", "dedicated_db_acme42", `db_${"a".repeat(60)}`, `dedicated_db_${"a".repeat(50)}`];
  for (const name of hostile) {
    test(`refuses ${JSON.stringify(name) ?? String(name)}`, () => assert.throws(() => checkDatabaseName(name), isRefusedError));
  }
  for (const name of legitimate) test(`accepts ${name.slice(0, 24)}`, () => assert.equal(checkDatabaseName(name), name));
});

describe("checkUserName", () => {
  const hostile = ["default", "postgres", "root", "admin", "replication", "usr_", "ded_", "dedicated_usr_", "usr_default", "ded_ROOT", "usr_*", "usr_acme:x", "user_acme", "guest"];
  const legitimate = ["usr_acme42", "dedicated_usr_acme42", "ded_acme42"];
  for (const name of hostile) test(`refuses ${name}`, () => assert.throws(() => checkUserName(name), isRefusedError));
  for (const name of legitimate) test(`accepts ${name}`, () => assert.equal(checkUserName(name), name));
});

describe("checkVhostName", () => {
  const hostile = ["/", "vh_", "vh_/", "vh_..", "dedicated_vh_", "vh_a/b", "vhost_acme", "%2F"];
  const legitimate = ["vh_acme42", "dedicated_vh_acme42"];
  for (const name of hostile) test(`refuses ${name}`, () => assert.throws(() => checkVhostName(name), isRefusedError));
  for (const name of legitimate) test(`accepts ${name}`, () => assert.equal(checkVhostName(name), name));
});

describe("createNameRules", () => {
  test("the defaults are the seed's", () => {
    const rules = createNameRules();
    assert.equal(rules.checkDatabaseName("db_x"), "db_x");
    assert.throws(() => rules.checkDatabaseName("tenant_x"), isRefusedError);
  });

  test("prefixes replace the defaults", () => {
    const rules = createNameRules({ databasePrefixes: ["tenant_"], userPrefixes: ["t_"], vhostPrefixes: ["v-"] });
    assert.equal(rules.checkDatabaseName("tenant_acme"), "tenant_acme");
    assert.throws(() => rules.checkDatabaseName("db_acme"), isRefusedError);
    assert.equal(rules.checkUserName("t_acme"), "t_acme");
    assert.equal(rules.checkVhostName("v-acme"), "v-acme");
  });

  test("reserved and system names extend the defaults, case-insensitively", () => {
    const rules = createNameRules({ reserved: ["Platform"], systemNames: ["db_billing"] });
    assert.throws(() => rules.checkNamingToken("platform"), /reserved/);
    assert.throws(() => rules.checkNamingToken("postgres"), /reserved/, "the defaults still hold");
    assert.throws(() => rules.checkDatabaseName("DB_BILLING"), /system name/);
    assert.equal(rules.checkDatabaseName("db_billing2"), "db_billing2");
  });

  test("a system name is refused even when the prefixes would let it through", () => {
    const rules = createNameRules({ databasePrefixes: ["p"] });
    assert.throws(() => rules.checkDatabaseName("postgres"), /system name/);
  });

  test("bad options are a TypeError", () => {
    assert.throws(() => createNameRules({ databasePrefixes: [] }), /'databasePrefixes' must be a non-empty array/);
    assert.throws(() => createNameRules({ userPrefixes: [""] }), /non-empty string/);
    assert.throws(() => createNameRules({ reserved: [1 as unknown as string] }), /'reserved' entry must be a string/);
  });
});
