// The Redis adapter's internals without a server: the SCAN pattern, the
// error classification table and option checks.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ReplyError } from "ioredis";
import { createNameRules } from "../../../lib/mod.ts";
import { tenantKeyPattern } from "../../../adapters/redis/_commands.ts";
import { classifyRedisError } from "../../../adapters/redis/_connection.ts";
import { redisDedicated, redisShared } from "../../../adapters/redis/mod.ts";

describe("tenantKeyPattern", () => {
  test("anchors the pattern on the colon", () => {
    assert.equal(tenantKeyPattern("abc"), "abc:*");
  });

  test("escapes every glob character, so that a pattern never widens", () => {
    assert.equal(tenantKeyPattern("a*b?c[d]e\\f^g"), "a\\*b\\?c\\[d\\]e\\\\f\\^g:*");
  });

  test("the default rules never let a glob character reach it", () => {
    const rules = createNameRules();
    for (const token of ["*", "a*", "a?", "a[b]", "a\\b", "a^b"]) {
      assert.throws(() => rules.checkNamingToken(token), { code: "GD_REFUSED" });
    }
  });
});

describe("classifyRedisError", () => {
  const context = { action: "deprovision", what: "the Redis tenant", token: "acme42" } as const;
  const reply = (message: string) => new ReplyError(message);
  const table: [string, unknown, string, "unavailable" | "failed", string | undefined][] = [
    [
      "ECONNREFUSED",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" }),
      "connect",
      "unavailable",
      "ECONNREFUSED",
    ],
    [
      "ETIMEDOUT",
      Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT" }),
      "connect",
      "unavailable",
      "ETIMEDOUT",
    ],
    ["a closed connection", new Error("Connection is closed."), "SCAN and UNLINK", "unavailable", undefined],
    ["a command timeout", new Error("Command timed out"), "SCAN and UNLINK", "unavailable", undefined],
    ["LOADING", reply("LOADING Redis is loading the dataset in memory"), "ACL DELUSER", "unavailable", "LOADING"],
    ["BUSY", reply("BUSY Redis is busy running a script"), "ACL DELUSER", "unavailable", "BUSY"],
    ["MASTERDOWN", reply("MASTERDOWN Link with MASTER is down"), "ACL DELUSER", "unavailable", "MASTERDOWN"],
    [
      "NOPERM",
      reply("NOPERM this user has no permissions to run the 'acl' command"),
      "ACL DELUSER",
      "failed",
      "NOPERM",
    ],
    ["WRONGPASS while connecting", reply("WRONGPASS invalid username-password pair"), "connect", "failed", "WRONGPASS"],
    ["ERR unknown command", reply("ERR unknown command 'ACL'"), "ACL DELUSER", "failed", "ERR"],
    ["anything at connect", new Error("something odd"), "connect", "unavailable", undefined],
    ["a programming error", new TypeError("x is not a function"), "SCAN and UNLINK", "failed", undefined],
  ];
  for (const [name, err, step, kind, serverCode] of table) {
    test(`${name} at ${step} is ${kind}`, () => {
      const classified = classifyRedisError(context, step, err, 5_000);
      assert.equal(classified.kind, kind);
      assert.equal(classified.serverCode, serverCode);
      assert.match(classified.message, /^Cannot deprovision the Redis tenant "acme42" as /);
    });
  }
});

describe("redisShared and redisDedicated options", () => {
  test("are checked up front, and a URL is never echoed", () => {
    assert.throws(() => redisShared({} as never), /'url' must be a non-empty string: current value is undefined/);
    assert.throws(
      () => redisShared({ url: "redis://x", scanCount: 0 }),
      /'scanCount' must be a positive finite number: current value is 0/,
    );
    assert.throws(() => redisShared({ url: "redis://x", scanCount: 2.5 }), /'scanCount' must be a positive integer/);
    assert.throws(
      () => redisDedicated({ url: "redis://x", allowedUsers: "metrics" as never }),
      /'allowedUsers' must be an array of non-empty strings: current value is a string of 7 characters/,
    );
    assert.throws(() => redisDedicated({ url: 42 as never }), /current value is 42/);
    assert.equal(redisShared({ url: "redis://x" }).backend, "shared");
    assert.equal(redisDedicated({ url: "redis://x" }).backend, "dedicated");
  });
});
