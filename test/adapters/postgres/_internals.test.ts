// The PostgreSQL adapter's internals without a server: the error
// classification table, the 55006 retry of DROP DATABASE, and option checks.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Client } from "pg";
import { createNameRules, type GuardedDrop } from "../../../lib/mod.ts";
import { classifyPostgresError, sqlStateOf } from "../../../adapters/postgres/_classify.ts";
import { dropDatabase, dropRole } from "../../../adapters/postgres/_statements.ts";
import { isRetryablePostgresError, postgresDedicated, postgresShared } from "../../../adapters/postgres/mod.ts";
import { copiesOf } from "../../../adapters/postgres/_quarantine.ts";
import { parseMark, type QuarantineMark, quarantineName } from "../../../adapters/postgres/_quarantine_statements.ts";

const context = { action: "deprovision", what: "the PostgreSQL tenant", token: "acme42" } as const;
const serverError = (code: string, message = `server says ${code}`) =>
  Object.assign(new Error(message), { code, severity: "ERROR" });

describe("classifyPostgresError", () => {
  const table: [string, unknown, string, "unavailable" | "failed"][] = [
    ["08006 connection_failure", serverError("08006"), "DROP DATABASE", "unavailable"],
    ["08001 sqlclient_unable_to_establish_sqlconnection", serverError("08001"), "connect", "unavailable"],
    ["57P01 admin_shutdown", serverError("57P01"), "DROP ROLE", "unavailable"],
    ["57P02 crash_shutdown", serverError("57P02"), "DROP ROLE", "unavailable"],
    ["57P03 cannot_connect_now", serverError("57P03"), "connect", "unavailable"],
    ["53300 too_many_connections", serverError("53300"), "connect", "unavailable"],
    ["42501 insufficient_privilege", serverError("42501"), "REVOKE CONNECT", "failed"],
    ["28P01 invalid_password, even while connecting", serverError("28P01"), "connect", "failed"],
    ["55006 object_in_use after the retries", serverError("55006"), "DROP DATABASE", "failed"],
    ["57014 statement timeout", serverError("57014"), "DROP DATABASE", "failed"],
    ["55P03 lock_not_available", serverError("55P03"), "pg_advisory_lock", "failed"],
    [
      "XX000 tuple concurrently updated",
      serverError("XX000", "tuple concurrently updated"),
      "REVOKE CONNECT",
      "failed",
    ],
    ["2BP01 dependent objects", serverError("2BP01"), "DROP ROLE", "failed"],
    [
      "ECONNREFUSED",
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" }),
      "connect",
      "unavailable",
    ],
    [
      "EPIPE (five letters, not a SQLSTATE)",
      Object.assign(new Error("write EPIPE"), { code: "EPIPE" }),
      "DROP ROLE",
      "unavailable",
    ],
    [
      "ENOTFOUND",
      Object.assign(new Error("getaddrinfo ENOTFOUND db"), { code: "ENOTFOUND" }),
      "connect",
      "unavailable",
    ],
    [
      "EHOSTUNREACH",
      Object.assign(new Error("connect EHOSTUNREACH"), { code: "EHOSTUNREACH" }),
      "connect",
      "unavailable",
    ],
    ["a connect timeout", new Error("timeout expired"), "connect", "unavailable"],
    [
      "a connection lost mid-statement",
      new Error("Connection terminated unexpectedly"),
      "DROP DATABASE",
      "unavailable",
    ],
    ["a client-side query timeout", new Error("Query read timeout"), "DROP DATABASE", "unavailable"],
    ["a programming error", new TypeError("x is not a function"), "DROP ROLE", "failed"],
  ];
  for (const [name, err, step, kind] of table) {
    test(`${name} at ${step} is ${kind}`, () => {
      const classified = classifyPostgresError(context, step, err, 5_000);
      assert.equal(classified.kind, kind);
      assert.equal(classified.name, "BackendError");
      assert.equal(classified.code, kind === "unavailable" ? "GD_BACKEND_UNAVAILABLE" : "GD_BACKEND_FAILED");
      // The cause is a copy that keeps what says what failed, never the
      // driver's own object, whose other properties could hold anything.
      const cause = classified.cause as Error & { code?: unknown };
      assert.notEqual(cause, err);
      assert.match(cause.message, new RegExp(`^${(err as Error).message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      assert.equal(cause.code, (err as { code?: unknown }).code);
      assert.match(classified.message, /^Cannot deprovision the PostgreSQL tenant "acme42" as /);
      const sqlState = sqlStateOf(err);
      assert.equal(classified.sqlState, sqlState);
      const retryable = kind === "unavailable" ||
        ["57014", "55P03", "55006", "40001", "40P01", "XX000"].includes(sqlState ?? "");
      assert.equal(classified.retryable, retryable);
    });
  }

  test("a statement timeout (57014) is `failed`, `retryable`, and says to retry", () => {
    const classified = classifyPostgresError(
      context,
      "DROP DATABASE",
      serverError("57014", "canceling statement due to statement timeout"),
      5_000,
    );
    assert.equal(classified.kind, "failed");
    assert.equal(classified.retryable, true);
    assert.match(
      classified.message,
      /DROP DATABASE failed with SQLSTATE 57014 \(a statement timeout; a retry can succeed\)/,
    );
  });

  test("the server's DETAIL is kept in the message and the cause, scrubbed", () => {
    const err = Object.assign(
      serverError("2BP01", 'role "usr_acme42" cannot be dropped because some objects depend on it'),
      {
        detail: 'privileges for table t in database "db_other" password=hunter2',
      },
    );
    const classified = classifyPostgresError(context, "DROP ROLE", err, 5_000);
    assert.match(classified.message, /DETAIL: privileges for table t in database "db_other"/);
    assert.doesNotMatch(classified.message, /hunter2/);
    assert.match(String((classified.cause as Error).message), /DETAIL: .*db_other/);
    assert.doesNotMatch(String((classified.cause as Error).message), /hunter2/);
    assert.equal(classified.retryable, false);
  });

  test("a credential in a driver message is scrubbed from the message and the cause", () => {
    const err = new Error("could not connect to postgres://admin:hunter2@db:5432/postgres");
    const classified = classifyPostgresError(context, "connect", err, 5_000);
    assert.doesNotMatch(classified.message, /hunter2/);
    assert.doesNotMatch(String((classified.cause as Error).message), /hunter2/);
    assert.doesNotMatch(String((classified.cause as Error).stack), /hunter2/);
  });
});

/** A pg Client stand-in that answers each statement from a script. */
function scriptedClient(answers: ((sql: string) => unknown)[]): { client: Client; statements: string[] } {
  const statements: string[] = [];
  const client = {
    escapeIdentifier: (name: string) => `"${name.replaceAll('"', '""')}"`,
    async query(sql: string) {
      statements.push(sql);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected statement ${sql}`);
      const result = answer(sql);
      if (result instanceof Error) throw result;
      return { rows: [] };
    },
  } as unknown as Client;
  return { client, statements };
}

describe("dropDatabase", () => {
  test("is tried again while the server answers 55006, then succeeds", async () => {
    const busy = () => serverError("55006", 'database "db_acme42" is being accessed by other users');
    const { client, statements } = scriptedClient([busy, busy, () => undefined]);
    await dropDatabase(client, "db_acme42", 5);
    assert.equal(statements.length, 3);
    assert.ok(statements.every((s) => s === 'DROP DATABASE IF EXISTS "db_acme42" WITH (FORCE)'));
  });

  test("gives up after the configured attempts with the last 55006", async () => {
    const busy = () => serverError("55006");
    const { client, statements } = scriptedClient([busy, busy, busy]);
    await assert.rejects(dropDatabase(client, "db_acme42", 3), (err) => sqlStateOf(err) === "55006");
    assert.equal(statements.length, 3);
  });

  test("does not retry any other error", async () => {
    const { client, statements } = scriptedClient([() => serverError("42501")]);
    await assert.rejects(dropDatabase(client, "db_acme42", 5), (err) => sqlStateOf(err) === "42501");
    assert.equal(statements.length, 1);
  });

  test("quotes the name with the driver's escaping", async () => {
    const { client, statements } = scriptedClient([() => undefined]);
    await dropDatabase(client, 'db_a"b', 1);
    assert.equal(statements[0], 'DROP DATABASE IF EXISTS "db_a""b" WITH (FORCE)');
  });
});

describe("dropRole", () => {
  test("without objects in the admin database, drops the role alone", async () => {
    const { client, statements } = scriptedClient([() => undefined]);
    await dropRole(client, "usr_acme42", false);
    assert.deepEqual(statements, ['DROP ROLE IF EXISTS "usr_acme42"']);
  });

  test("with objects in the admin database, drops them and the role in one transaction", async () => {
    const { client, statements } = scriptedClient([() => undefined, () => undefined, () => undefined, () => undefined]);
    await dropRole(client, "usr_acme42", true);
    assert.deepEqual(statements, ["BEGIN", 'DROP OWNED BY "usr_acme42"', 'DROP ROLE IF EXISTS "usr_acme42"', "COMMIT"]);
  });

  test("a DROP ROLE that still fails rolls the DROP OWNED back", async () => {
    const { client, statements } = scriptedClient([
      () => undefined,
      () => undefined,
      () => serverError("2BP01"),
      () => undefined,
    ]);
    await assert.rejects(dropRole(client, "usr_acme42", true), (err) => sqlStateOf(err) === "2BP01");
    assert.deepEqual(statements, [
      "BEGIN",
      'DROP OWNED BY "usr_acme42"',
      'DROP ROLE IF EXISTS "usr_acme42"',
      "ROLLBACK",
    ]);
  });
});

describe("postgresShared and postgresDedicated options", () => {
  for (const factory of [postgresShared, postgresDedicated]) {
    test(`${factory.name} checks its options up front, and never echoes a string`, () => {
      assert.throws(() => factory({} as never), {
        name: "TypeError",
        message: /'connectionString' must be a non-empty string: current value is undefined/,
      });
      assert.throws(
        () => factory({ connectionString: "postgres://x", connectTimeoutMs: -1 }),
        /'connectTimeoutMs' must be a positive finite number: current value is -1/,
      );
      assert.throws(
        () => factory({ connectionString: "postgres://x", operationTimeoutMs: Number.NaN }),
        /'operationTimeoutMs'/,
      );
      assert.throws(
        () => factory({ connectionString: "postgres://x", dropDatabaseAttempts: 1.5 }),
        /'dropDatabaseAttempts' must be a positive integer/,
      );
      assert.throws(
        () => factory({ connectionString: "postgres://x", connectTimeoutMs: "postgres://a:hunter2@h/db" as never }),
        (err: Error) => !err.message.includes("hunter2") && /a string of \d+ characters/.test(err.message),
      );
      assert.throws(
        () => factory({ connectionString: "postgres://x", nameRules: {} as never }),
        /'nameRules.checkNamingToken' must be a function/,
      );
      const adapter = factory({ connectionString: "postgres://x" });
      assert.equal(adapter.resourceType, "postgres");
      assert.equal(adapter.backend, factory === postgresShared ? "shared" : "dedicated");
    });
  }

  for (const factory of [postgresShared, postgresDedicated]) {
    test(`${factory.name}: mixed-case tokens are refused by default, before any connection, by deprovision and exists`, async () => {
      // Port 1: nothing listens, so any connection attempt would be `unavailable`.
      const adapter = factory({ connectionString: "postgres://postgres@127.0.0.1:1/postgres" });
      for (const token of ["relAbc", "RELABC", "a-B.c"]) {
        for (const call of [() => adapter.deprovision(token), () => adapter.exists(token)]) {
          await assert.rejects(call(), (err: Error & { code?: string }) => {
            assert.equal(err.code, "GD_REFUSED");
            assert.equal(err.name, "RefusedError");
            assert.match(
              err.message,
              /the naming token must be lower case, the case policy of guardedDrop and every adapter: current value is "[A-Za-z.-]+"\. A server that folds names \(PostgreSQL unquoted/,
            );
            return true;
          });
        }
      }
      assert.throws(
        () => factory({ connectionString: "postgres://x", mixedCaseTokens: "lower" as never }),
        /'mixedCaseTokens' must be "refuse", "fold" or "exact"/,
      );
      // The adapter's rule follows the name rules' case policy, never against it.
      for (const mode of ["fold", "exact"] as const) {
        assert.throws(
          () => factory({ connectionString: "postgres://x", mixedCaseTokens: mode }),
          /'mixedCaseTokens' must agree with the case policy of its name rules, "refuse"/,
        );
      }
      const exact = createNameRules({ mixedCaseTokens: "exact" });
      assert.throws(
        () => factory({ connectionString: "postgres://x", nameRules: exact, mixedCaseTokens: "refuse" }),
        /'mixedCaseTokens' must agree with the case policy of its name rules, "exact"/,
      );
      factory({ connectionString: "postgres://x", nameRules: exact, mixedCaseTokens: "fold" });
      await adapter.close();
    });
  }

  test("the quarantine's calls on a closed port are `unavailable`; a broken clock is a TypeError", async () => {
    const never = (async () => assert.fail("no copy can be listed, so nothing is dropped")) as unknown as GuardedDrop;
    const down = postgresShared({
      connectionString: "postgres://postgres@127.0.0.1:1/postgres",
      retention: { days: 1 },
    });
    await assert.rejects(down.purgeExpired(never), {
      code: "GD_BACKEND_UNAVAILABLE",
      message: /^Cannot purge the quarantined copies of each PostgreSQL tenant/,
    });
    await assert.rejects(down.quarantined("acme42"), { code: "GD_BACKEND_UNAVAILABLE" });
    await assert.rejects(down.restore("acme42"), {
      code: "GD_BACKEND_UNAVAILABLE",
      message: /^Cannot restore the PostgreSQL tenant "acme42"/,
    });
    await assert.rejects(down.deprovision("acme42"), {
      code: "GD_BACKEND_UNAVAILABLE",
      message: /^Cannot quarantine the PostgreSQL tenant "acme42"/,
    });
    await assert.rejects(down.purgeExpired(undefined as never), {
      name: "TypeError",
      message: /'guardedDrop' must be a function/,
    });
    await assert.rejects(down.purgeExpired(never, { now: Number.NaN }), {
      name: "TypeError",
      message: /'now' must be a number/,
    });
    const broken = postgresShared({
      connectionString: "postgres://postgres@127.0.0.1:1/postgres",
      retention: { days: 1, now: () => Number.NaN },
    });
    await assert.rejects(broken.deprovision("acme42"), {
      name: "TypeError",
      message: /'retention.now\(\)' must return a finite number/,
    });
    await down.close();
    await broken.close();
  });

  test("a closed adapter refuses to work, as `failed`", async () => {
    const adapter = postgresShared({ connectionString: "postgres://postgres@127.0.0.1:1/postgres" });
    await adapter.close();
    await assert.rejects(adapter.exists("acme42"), { code: "GD_BACKEND_FAILED", message: /the adapter is closed/ });
  });
});

describe("isRetryablePostgresError", () => {
  const table: [string, unknown, boolean][] = [
    ["an adapter error marked retryable", {
      code: "GD_BACKEND_FAILED",
      kind: "failed",
      sqlState: "42501",
      retryable: true,
    }, true],
    [
      "an adapter error marked not retryable",
      { code: "GD_BACKEND_UNAVAILABLE", kind: "unavailable", retryable: false },
      false,
    ],
    ["guardedDrop's error around an unavailable cause", {
      code: "GD_DROP_FAILED",
      kind: "unavailable",
      cause: { code: "GD_BACKEND_UNAVAILABLE", kind: "unavailable" },
    }, true],
    ["guardedDrop's error around a statement timeout", {
      code: "GD_DROP_FAILED",
      kind: "failed",
      cause: { code: "GD_BACKEND_FAILED", kind: "failed", sqlState: "57014" },
    }, true],
    ["guardedDrop's error around a missing privilege", {
      code: "GD_DROP_FAILED",
      kind: "failed",
      cause: { code: "GD_BACKEND_FAILED", kind: "failed", sqlState: "42501" },
    }, false],
    ["guardedDrop's error around blocking objects", {
      code: "GD_DROP_FAILED",
      kind: "failed",
      cause: { code: "GD_BACKEND_FAILED", kind: "failed", sqlState: "2BP01" },
    }, false],
    ["a refusal", { code: "GD_REFUSED", kind: "refused" }, false],
    ["a plain error", new Error("x"), false],
    ["not an error", "57014", false],
  ];
  for (const [name, err, expected] of table) {
    test(`${name}: ${expected}`, () => assert.equal(isRetryablePostgresError(err), expected));
  }
});

describe("quarantine names and marks", () => {
  const NAME = quarantineName("db_acme42", new Date("2026-12-01T22:30:00.000Z"));
  const mark = (overrides: Partial<QuarantineMark> = {}): QuarantineMark => ({
    guarded_drop: "quarantine",
    v: 1,
    token: "acme42",
    backend: "shared",
    name: NAME,
    database: "db_acme42",
    role: "usr_acme42",
    quarantined_at: "2026-12-01T22:30:00.000Z",
    had_database: true,
    had_role: true,
    login: true,
    connect: ["PUBLIC"],
    database_comment: null,
    role_comment: null,
    ...overrides,
  });

  test("a quarantine name is q_, the UTC second and 12 hex digits, 29 bytes, and two never collide", () => {
    const at = new Date("2026-12-01T22:30:00.123Z");
    const names = new Set(Array.from({ length: 200 }, () => quarantineName(`dedicated_db_${"x".repeat(50)}`, at)));
    for (const name of names) assert.match(name, /^q_20261201223000_[0-9a-f]{12}$/);
    assert.equal([...names][0]!.length, 29);
    assert.ok(names.size > 190, `${names.size} distinct names of 200`);
  });

  test("only a well-formed mark is one of ours", () => {
    assert.deepEqual(parseMark(JSON.stringify(mark())), mark());
    for (
      const comment of [
        null,
        undefined,
        "",
        "platform: acme",
        "{",
        JSON.stringify({ ...mark(), guarded_drop: "other" }),
        JSON.stringify({ ...mark(), v: 2 }),
        JSON.stringify({ ...mark(), token: 5 }),
        JSON.stringify({ ...mark(), quarantined_at: "soon" }),
        JSON.stringify({ ...mark(), connect: "PUBLIC" }),
        // A mark a tenant could plant on its own database: booleans as
        // strings, arrays of other things, a name outside q_, too long, or
        // not of its database or time.
        JSON.stringify({ ...mark(), login: "false" }),
        JSON.stringify({ ...mark(), had_role: 1 }),
        JSON.stringify({ ...mark(), connect: [1] }),
        JSON.stringify({ ...mark(), members: [{ role: "x", admin: "yes" }] }),
        JSON.stringify({ ...mark(), database_comment: 3 }),
        JSON.stringify({ ...mark(), name: "postgres" }),
        JSON.stringify({ ...mark(), name: "db_hijack" }),
        JSON.stringify({ ...mark(), name: `q_${"1".repeat(88)}` }),
        JSON.stringify({ ...mark(), name: quarantineName("db_other", new Date("2026-12-01T22:30:00.000Z")) }),
        JSON.stringify({ ...mark(), quarantined_at: "1970-01-01T00:00:00.000Z" }),
        JSON.stringify({
          ...mark(),
          name: quarantineName("db_acme42", new Date(0)),
          quarantined_at: "1970-01-01T00:00:00Z",
        }),
        JSON.stringify([mark()]),
      ]
    ) {
      assert.equal(parseMark(comment), undefined, String(comment));
    }
  });

  test("copies are grouped by name, newest first, with their expiry; a role-only copy has no database", () => {
    const older = mark({ name: "q_20261101000000_aaaaaaaaaaaa", quarantined_at: "2026-11-01T00:00:00.000Z" });
    const newer = mark({
      name: "q_20261201000000_bbbbbbbbbbbb",
      quarantined_at: "2026-12-01T00:00:00.000Z",
      had_database: false,
    });
    const other = mark({ name: "q_20261201000000_cccccccccccc", database: "db_other", role: "usr_other" });
    const acme = (m: QuarantineMark) => (m.database === "db_acme42" ? "acme42" : undefined);
    const rows = [
      { kind: "database" as const, name: older.name, mark: older, sizeBytes: 123, oid: 10 },
      { kind: "role" as const, name: older.name, mark: older, sizeBytes: null, oid: 11 },
      { kind: "role" as const, name: newer.name, mark: newer, sizeBytes: null, oid: 5 },
      { kind: "database" as const, name: other.name, mark: other, sizeBytes: 9, oid: 7 },
    ];
    const copies = copiesOf(rows, acme, 7).map((c) => c.copy);
    assert.deepEqual(copies.map((c) => [c.name, c.database, c.role, c.sizeBytes]), [
      [newer.name, null, newer.name, null],
      [older.name, older.name, older.name, 123],
    ]);
    assert.equal(copies[1]!.expiresAt!.toISOString(), "2026-11-08T00:00:00.000Z");
    assert.equal(copiesOf(rows, () => "acme42", undefined)[0]!.copy.expiresAt, null);
    // Two copies of the same time: the later-made one (higher oid) is the newer.
    const twin = mark({ name: "q_20261201000000_dddddddddddd", quarantined_at: newer.quarantined_at });
    const tied = copiesOf(
      [...rows, { kind: "database" as const, name: twin.name, mark: twin, sizeBytes: 1, oid: 99 }],
      acme,
      7,
    );
    assert.deepEqual(tied.map((c) => c.copy.name), [twin.name, newer.name, older.name]);
    // The role's mark describes a copy, whatever its database's comment (which the role could write) says.
    const planted = { ...older, token: "victim", quarantined_at: "1970-01-01T00:00:00.000Z" };
    const trusted = copiesOf(
      [
        { kind: "role" as const, name: older.name, mark: older, sizeBytes: null, oid: 11 },
        { kind: "database" as const, name: older.name, mark: planted, sizeBytes: 123, oid: 10 },
      ],
      acme,
      7,
    );
    assert.deepEqual(trusted.map((c) => [c.copy.token, c.copy.quarantinedAt.toISOString(), c.copy.sizeBytes]), [
      ["acme42", older.quarantined_at, 123],
    ]);
  });
});
