// The MongoDB adapter's error classification, with the driver's own error classes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MongoClient, MongoNetworkError, MongoServerError } from "mongodb";
import { classifyMongoError } from "../../../adapters/mongodb/_classify.ts";
import { dropTenantDatabase } from "../../../adapters/mongodb/_commands.ts";
import { mongodbDedicated, mongodbShared } from "../../../adapters/mongodb/mod.ts";

describe("classifyMongoError", () => {
  const context = { action: "deprovision", what: "the MongoDB tenant", token: "acme42" } as const;
  const server = (code: number, codeName: string) =>
    new MongoServerError({ code, codeName, errmsg: `${codeName} happened`, ok: 0 });
  const table: [string, unknown, "unavailable" | "failed", string | undefined][] = [
    ["a network error", new MongoNetworkError("connection 1 to 10.0.0.5:27017 closed"), "unavailable", undefined],
    ["ShutdownInProgress (91)", server(91, "ShutdownInProgress"), "unavailable", "ShutdownInProgress"],
    ["PrimarySteppedDown (189)", server(189, "PrimarySteppedDown"), "unavailable", "PrimarySteppedDown"],
    ["NotWritablePrimary (10107)", server(10107, "NotWritablePrimary"), "unavailable", "NotWritablePrimary"],
    ["Unauthorized (13)", server(13, "Unauthorized"), "failed", "Unauthorized"],
    ["AuthenticationFailed (18)", server(18, "AuthenticationFailed"), "failed", "AuthenticationFailed"],
    [
      "a server selection timeout, by name",
      Object.assign(new Error("Server selection timed out"), { name: "MongoServerSelectionError" }),
      "unavailable",
      undefined,
    ],
  ];
  for (const [name, err, kind, serverCode] of table) {
    test(`${name} is ${kind}`, () => {
      const classified = classifyMongoError(context, "dropDatabase", err, 5_000);
      assert.equal(classified.kind, kind);
      assert.equal(classified.serverCode, serverCode);
      assert.match(classified.message, /^Cannot deprovision the MongoDB tenant "acme42" as /);
    });
  }
});

describe("mongodbShared and mongodbDedicated options", () => {
  test("are checked up front", () => {
    assert.throws(() => mongodbShared({} as never), /'url' must be a non-empty string: current value is undefined/);
    assert.throws(
      () => mongodbDedicated({ url: "mongodb://x", connectTimeoutMs: 0 }),
      /'connectTimeoutMs' must be a positive finite number/,
    );
    assert.equal(mongodbShared({ url: "mongodb://x" }).resourceType, "mongodb");
    assert.equal(mongodbDedicated({ url: "mongodb://x" }).backend, "dedicated");
  });
});

describe("dropTenantDatabase", () => {
  test("a name with a dot, which MongoDB cannot hold, is already gone: nothing is sent, the drop of its user goes on", async () => {
    // Port 1: nothing listens, so anything sent would reject after the selection timeout.
    const client = new MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300");
    try {
      assert.throws(() => client.db("db_r3.dot"), /cannot contain the character '\.'/);
      await dropTenantDatabase(client, "db_r3.dot");
    } finally {
      await client.close();
    }
  });
});
