// Target-name checks (DESIGN §4) as tables of hostile and legitimate names.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createAuditFixture } from "../support/audit_fixture.ts";
import {
  checkDatabaseName,
  checkNamingToken,
  checkTenantToken,
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

const legitimateTokens = ["acme42", "a", "0", "acme.eu-west_1", "t-1.2_3", "a".repeat(63), "postgres2", "admins"];

describe("checkNamingToken", () => {
  for (const [name, token] of hostileTokens) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => checkNamingToken(token),
        (err) => isRefusedError(err) && (err as Error).message.startsWith("Cannot drop"),
      );
    });
  }
  for (const token of legitimateTokens) {
    test(`accepts ${JSON.stringify(token.length > 20 ? `${token.slice(0, 10)}…(${token.length})` : token)}`, () => {
      assert.equal(checkNamingToken(token), token);
    });
  }
  test("a hostile name cannot forge a log line through the message", () => {
    assert.throws(
      () => checkNamingToken('x"\n{"event":"provisioner.drop"}'),
      (err) => !(err as Error).message.includes("\n"),
    );
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
    test(`refuses ${JSON.stringify(name) ?? String(name)}`, () =>
      assert.throws(() => checkDatabaseName(name), isRefusedError));
  }
  for (const name of legitimate) {
    test(`accepts ${name.slice(0, 24)}`, () => assert.equal(checkDatabaseName(name), name));
  }
});

describe("checkUserName", () => {
  const hostile = [
    "default",
    "postgres",
    "root",
    "admin",
    "replication",
    "usr_",
    "ded_",
    "dedicated_usr_",
    "usr_default",
    "ded_ROOT",
    "usr_*",
    "usr_acme:x",
    "user_acme",
    "guest",
  ];
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
    assert.throws(
      () => createNameRules({ mixedCaseTokens: "fold" as never }),
      /'mixedCaseTokens' must be "refuse" or "exact"/,
    );
  });
});

describe("the case policy (mixedCaseTokens), decided once for every backend", () => {
  const mixed = ["relAbc", "A", "Z9", "a.B-c_d", "ACME42"];

  test("by default a token with upper-case letters is refused, with the lower-case token named", () => {
    assert.equal(createNameRules().mixedCaseTokens, "refuse");
    for (const token of mixed) {
      for (const check of [checkNamingToken, createNameRules().checkNamingToken]) {
        assert.throws(() => check(token), (err: Error) => {
          assert.equal(isRefusedError(err), true);
          assert.equal(
            err.message.startsWith(
              `Cannot drop as the naming token must be lower case, the case policy of guardedDrop and every adapter: current value is ${
                JSON.stringify(token)
              }.`,
            ),
            true,
            err.message,
          );
          assert.match(
            err.message,
            new RegExp(`may hold it as ${JSON.stringify(token.toLowerCase()).replace(/[.]/g, "\\.")}`),
          );
          return true;
        });
      }
    }
  });

  test('"exact" accepts them as given; whole names accept either case under both policies', () => {
    const exact = createNameRules({ mixedCaseTokens: "exact" });
    assert.equal(exact.mixedCaseTokens, "exact");
    for (const token of mixed) assert.equal(exact.checkNamingToken(token), token);
    for (const rules of [exact, createNameRules()]) {
      assert.equal(rules.checkDatabaseName("db_relAbc"), "db_relAbc");
      assert.equal(rules.checkUserName("usr_relAbc"), "usr_relAbc");
      assert.throws(() => rules.checkNamingToken("POSTGRES"), /reserved/, "reserved words stay reserved in any case");
    }
  });

  test("checkTenantToken refuses upper case for rules that declare no policy, and follows those that do", () => {
    const exact = createNameRules({ mixedCaseTokens: "exact" });
    const undeclared = { ...exact, mixedCaseTokens: undefined };
    assert.equal(checkTenantToken(undeclared, "acme42"), "acme42");
    assert.throws(() => checkTenantToken(undeclared, "Acme42"), /must be lower case/);
    assert.equal(checkTenantToken(exact, "Acme42"), "Acme42");
    assert.throws(() => checkTenantToken(createNameRules(), "Acme42"), /must be lower case/);
    assert.throws(() => checkTenantToken(exact, "acme 42"), isRefusedError, "the rules' own checks still run");
  });

  test("guardedDrop refuses a mixed-case token before the drop runs, with any rules that do not declare exact", async () => {
    const exact = createNameRules({ mixedCaseTokens: "exact" });
    for (
      const [nameRules, expected] of [
        [undefined, "refused"],
        [{ ...exact, mixedCaseTokens: undefined }, "refused"],
        [exact, "ok"],
      ] as const
    ) {
      const recorder = createAuditFixture(nameRules === undefined ? {} : { nameRules });
      try {
        let ran = 0;
        const request = { token: "relAbc", resourceType: "redis", backend: "shared", requestId: "req-case" } as const;
        const outcome = await recorder.guardedDrop(request, () => {
          ran++;
        }).then(() => "ok", (err: { outcome?: string }) => err.outcome);
        assert.equal(outcome, expected);
        assert.equal(ran, expected === "ok" ? 1 : 0);
        assert.equal(recorder.dropRecords().length, 1);
        assert.deepEqual(recorder.failedRecords().map((line) => line.outcome), expected === "ok" ? [] : ["refused"]);
        assert.equal(await recorder.count({ resource_type: "redis", backend: "shared", outcome: expected }), 1);
      } finally {
        recorder.close();
      }
    }
  });
});
