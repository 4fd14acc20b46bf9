// mongodbShared and mongodbDedicated. With GD_MONGODB_URL (a user with root
// on a server that enforces auth) the full suites run on that server; the
// dedicated form uses the same server with its `dedicated_` names. MongoDB
// is not packaged on this machine, so without the URL those suites are
// skipped, with the reason. What needs no server (refusals, an unreachable
// or hung server, through the real driver) runs everywhere. Every drop goes
// through guardedDrop.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MongoClient } from "mongodb";
import type { Deprovisioner } from "../../lib/mod.ts";
import { type MongodbAdapterOptions, mongodbDedicated, mongodbShared } from "../../adapters/mongodb/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import { envUrl, freePort, HOW_TO_GET, uniqueToken } from "../support/servers.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS } from "../support/timing.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";

/** The connect timeout of the unreachable-server checks; healthy adapters use HEALTHY_CONNECT_TIMEOUT_MS. */
const CONNECT_TIMEOUT_MS = 1_500;
const MARGIN_MS = 1_500;
const DOCUMENTS = 100;

interface Form {
  readonly name: string;
  readonly factory: (options: MongodbAdapterOptions) => Deprovisioner;
  readonly databasePrefix: string;
  readonly userPrefix: string;
}

const FORMS: readonly Form[] = [
  { name: "mongodbShared", factory: mongodbShared, databasePrefix: "db_", userPrefix: "usr_" },
  {
    name: "mongodbDedicated",
    factory: mongodbDedicated,
    databasePrefix: "dedicated_db_",
    userPrefix: "dedicated_usr_",
  },
];

const mongoUrl = envUrl("GD_MONGODB_URL");

for (const form of FORMS) {
  describe(`${form.name} without a server`, () => {
    let fixture: AuditFixture;
    before(() => {
      fixture = createAuditFixture();
    });
    after(() => fixture.close());

    test("hostile tokens are refused before any connection", async () => {
      // A closed port: had the adapter connected, it would have failed `unavailable`, not `refused`.
      const adapter = form.factory({
        url: `mongodb://127.0.0.1:${await freePort()}`,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      });
      try {
        for (const hostile of HOSTILE_TOKENS) {
          await dropThrough(fixture, adapter, hostile, { expect: "refused" });
          // `refused`, not `unavailable`: the closed port was never tried. (No
          // timing bound: a loaded machine made a 200 ms one flaky.)
          await dropThrough(fixture, adapter, hostile, { requestToken: "gdvalid", expect: "refused" });
          await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
        }
      } finally {
        await adapter.close();
      }
    });

    const unreachable = () => ({
      fixture,
      token: uniqueToken(),
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      marginMs: MARGIN_MS,
    });

    test("a closed port is unavailable within the connect timeout, with one record and one count", () =>
      assertClosedPortUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({
            url: `mongodb://admin:${SECRET}@127.0.0.1:${port}/?authSource=admin`,
            connectTimeoutMs: CONNECT_TIMEOUT_MS,
          }),
        message: /^Cannot check the (dedicated )?MongoDB tenant "[^"]+" as no server was selected within 1500 ms/,
      }));

    test("a server that accepts and never answers is unavailable within the connect timeout", () =>
      assertHungServerUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({ url: `mongodb://127.0.0.1:${port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
        waitsForTimeout: false,
      }));
  });

  describe(
    form.name,
    { skip: mongoUrl === undefined ? `GD_MONGODB_URL is not set: ${HOW_TO_GET.mongodb}` : false },
    () => {
      let fixture: AuditFixture;
      let admin: MongoClient;
      let adapter: Deprovisioner;
      const token = uniqueToken();
      const neighbour = `${token}x`;
      let tenantSession: MongoClient;
      let neighbourSession: MongoClient;
      const authEnforced = mongoUrl !== undefined && new URL(mongoUrl).username !== "";

      function tenantClient(t: string): MongoClient {
        const url = new URL(mongoUrl!);
        url.username = encodeURIComponent(form.userPrefix + t);
        url.password = encodeURIComponent(`pw-${t}`);
        url.searchParams.set("authSource", "admin");
        return new MongoClient(url.toString(), { serverSelectionTimeoutMS: 5_000 });
      }

      async function createTenant(t: string): Promise<MongoClient> {
        await admin.db("admin").command({
          createUser: form.userPrefix + t,
          pwd: `pw-${t}`,
          roles: [{ role: "readWrite", db: form.databasePrefix + t }],
        });
        const session = tenantClient(t);
        await session.connect();
        await session.db(form.databasePrefix + t).collection("items").insertMany(
          Array.from({ length: DOCUMENTS }, (_, i) => ({ _id: i, body: `document ${i}` })) as never[],
        );
        return session;
      }

      async function catalog(t: string): Promise<{ users: number; databases: number }> {
        const users = await admin.db("admin").command({ usersInfo: { user: form.userPrefix + t, db: "admin" } });
        const { databases } = await admin.db("admin").admin().listDatabases({ nameOnly: true });
        return {
          users: users.users.length,
          databases: databases.filter((d) => d.name === form.databasePrefix + t).length,
        };
      }

      before(async () => {
        fixture = createAuditFixture();
        admin = new MongoClient(mongoUrl!, { serverSelectionTimeoutMS: 5_000 });
        await admin.connect();
        adapter = form.factory({ url: mongoUrl!, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
        tenantSession = await createTenant(token);
        neighbourSession = await createTenant(neighbour);
      });

      after(async () => {
        await tenantSession?.close(true).catch(() => {});
        await neighbourSession?.close(true).catch(() => {});
        if (adapter !== undefined) {
          await dropThrough(fixture, adapter, neighbour, { expect: "ok" }).catch(() => {});
          await dropThrough(fixture, adapter, token, { expect: "ok" }).catch(() => {});
          await adapter.close();
        }
        await admin?.close().catch(() => {});
        fixture?.close();
      });

      test("the tenant exists before the drop", async () => {
        assert.equal(await adapter.exists(token), true);
        assert.deepEqual(await catalog(token), { users: 1, databases: 1 });
      });

      test("deprovision drops the user and the database, and leaves the neighbour whole", async () => {
        await dropThrough(fixture, adapter, token, { expect: "ok" });

        assert.equal(await adapter.exists(token), false);
        assert.deepEqual(await catalog(token), { users: 0, databases: 0 });
        if (authEnforced) {
          // The open session lost its user: its next command is refused.
          await assert.rejects(tenantSession.db(form.databasePrefix + token).collection("items").countDocuments());
          const again = tenantClient(token);
          await assert.rejects(again.connect());
          await again.close(true).catch(() => {});
        }

        assert.equal(await adapter.exists(neighbour), true);
        assert.deepEqual(await catalog(neighbour), { users: 1, databases: 1 });
        const items = neighbourSession.db(form.databasePrefix + neighbour).collection("items");
        assert.equal(await items.countDocuments(), DOCUMENTS);
        assert.deepEqual(await items.findOne({ _id: 7 as never }), { _id: 7, body: "document 7" });
      });

      test("a second deprovision of the gone tenant succeeds, and is audited and counted", async () => {
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        await dropThrough(fixture, adapter, token, { expect: "ok" });
        assert.equal(await adapter.exists(token), false);
      });

      test("hostile tokens are refused, and nothing is dropped", async () => {
        for (const hostile of HOSTILE_TOKENS) {
          await dropThrough(fixture, adapter, hostile, { expect: "refused" });
          await dropThrough(fixture, adapter, hostile, { requestToken: neighbour, expect: "refused" });
          await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
        }
        const { databases } = await admin.db("admin").admin().listDatabases({ nameOnly: true });
        const names = new Set(databases.map((d) => d.name));
        assert.ok(names.has("admin"), "admin database");
        assert.ok(names.has("local") || names.has("config"), "local or config database");
        if (authEnforced) {
          const self = decodeURIComponent(new URL(mongoUrl!).username);
          const info = await admin.db("admin").command({ usersInfo: { user: self, db: "admin" } });
          assert.equal(info.users.length, 1, "the admin user still exists");
        }
        assert.deepEqual(await catalog(neighbour), { users: 1, databases: 1 });
      });
    },
  );

  describe(`${form.name}: names that differ only in case`, {
    skip: mongoUrl === undefined ? `GD_MONGODB_URL is not set: ${HOW_TO_GET.mongodb}` : false,
  }, () => {
    let fixture: AuditFixture;
    let admin: MongoClient;
    let adapter: Deprovisioner;

    before(async () => {
      fixture = createAuditFixture();
      admin = new MongoClient(mongoUrl!, { serverSelectionTimeoutMS: 5_000 });
      await admin.connect();
      adapter = form.factory({ url: mongoUrl!, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
    });

    after(async () => {
      await adapter?.close();
      await admin?.close().catch(() => {});
      fixture?.close();
    });

    /** The token with its first letter in upper case (uniqueToken starts with a letter). */
    const variantOf = (t: string) => `${t.charAt(0).toUpperCase()}${t.slice(1)}`;

    async function counts(
      database: string,
      user: string,
    ): Promise<{ users: number; databases: number; documents: number }> {
      const info = await admin.db("admin").command({ usersInfo: { user, db: "admin" } });
      const { databases } = await admin.db("admin").admin().listDatabases({ nameOnly: true });
      const hasDatabase = databases.some((d) => d.name === database);
      return {
        users: info.users.length,
        databases: hasDatabase ? 1 : 0,
        documents: hasDatabase ? await admin.db(database).collection("items").countDocuments() : 0,
      };
    }

    async function removeExactly(database: string, user: string): Promise<void> {
      await admin.db("admin").command({ dropUser: user }).catch(() => {});
      await admin.db(database).dropDatabase();
    }

    for (const variantHas of ["a database and a user", "a user alone"] as const) {
      test(`a variant with ${variantHas} keeps deprovision from ok and exists() from false, with nothing changed`, async () => {
        const t = uniqueToken("mc");
        const variant = { database: form.databasePrefix + variantOf(t), user: form.userPrefix + variantOf(t) };
        await admin.db("admin").command({ createUser: variant.user, pwd: `pw-${t}`, roles: [] });
        if (variantHas === "a database and a user") {
          await admin.db(variant.database).collection("items").insertMany(
            [{ _id: 1, body: "variant" }, { _id: 2, body: "variant" }] as never[],
          );
        }
        const expected = await counts(variant.database, variant.user);
        assert.deepEqual(
          expected,
          variantHas === "a database and a user"
            ? { users: 1, databases: 1, documents: 2 }
            : { users: 1, databases: 0, documents: 0 },
        );
        try {
          assert.equal(await adapter.exists(t), true, "exists() sees the variant");
          for (let attempt = 1; attempt <= 2; attempt++) {
            const { error } = await dropThrough(fixture, adapter, t, { expect: "error" });
            const named = variantHas === "a user alone"
              ? `user ${JSON.stringify(variant.user)}`
              : `database ${JSON.stringify(variant.database)}`;
            assert.ok(error!.message.includes(named), `the error names the ${named}: ${error!.message}`);
            assert.match(error!.message, /only in case, so nothing was changed/);
            assert.deepEqual(
              await counts(variant.database, variant.user),
              expected,
              `the variant after attempt ${attempt}`,
            );
          }
        } finally {
          await removeExactly(variant.database, variant.user);
        }
        assert.equal(await adapter.exists(t), false, "exists() once the variant is gone");
        await dropThrough(fixture, adapter, t, { expect: "ok" });
      });
    }

    test("with name rules that take tokens exactly, a variant is another tenant", async () => {
      const { createNameRules } = await import("../../lib/mod.ts");
      const exact = form.factory({
        url: mongoUrl!,
        connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS,
        nameRules: createNameRules({ mixedCaseTokens: "exact" }),
      });
      const t = uniqueToken("mc");
      const variant = { database: form.databasePrefix + variantOf(t), user: form.userPrefix + variantOf(t) };
      await admin.db("admin").command({ createUser: variant.user, pwd: `pw-${t}`, roles: [] });
      try {
        assert.equal(await exact.exists(t), false);
        await exact.deprovision(t);
        assert.deepEqual(await counts(variant.database, variant.user), { users: 1, databases: 0, documents: 0 });
      } finally {
        await exact.close();
        await removeExactly(variant.database, variant.user);
      }
    });
  });
}
