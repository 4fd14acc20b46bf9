// Who the dedicated Redis adapter's connection authenticates as is no proof
// that the server is the tenant's: a URL holding another tenant's
// credentials (`redis://ded_zz:…@`) points at that tenant's server. Each row
// runs on a throwaway redis-server and counts the keys and the FLUSHALL
// calls (INFO commandstats) before and after the drop, through guardedDrop.

import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createNameRules, type DropOutcome } from "../../../lib/mod.ts";
import { redisDedicated } from "../../../adapters/redis/mod.ts";
import { type AuditFixture, createAuditFixture } from "../../support/audit_fixture.ts";
import { dropThrough } from "../../support/drop_through.ts";
import { type ControlledServer, startThrowawayRedis, throwawayRedisSkipReason } from "../../support/servers.ts";
import type { RedisDedicatedOptions } from "../../../adapters/redis/redis_options.ts";

const TOKEN = "acme";
const OTHER_KEYS = 100;

/** How many times the server has run FLUSHALL since it started. */
async function flushallCalls(redis: Redis): Promise<number> {
  const stats = await redis.info("commandstats");
  return Number(/^cmdstat_flushall:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

interface Row {
  readonly name: string;
  /** The ACL users to create besides `default` (each `on`, password `pw-<user>`, every key and command). */
  readonly users: readonly string[];
  /** Who the adapter connects as; `undefined` is `default` (no user in the URL). */
  readonly connectAs: string | undefined;
  readonly options?: Omit<RedisDedicatedOptions, "url">;
  readonly expect: DropOutcome;
  /** The refusal must name this user as the connection's own. */
  readonly names?: string;
}

const DEFAULT_RULES = createNameRules();

function unavailableRules(): never {
  throw new Error("the naming service is down");
}

const rows: readonly Row[] = [
  {
    name: "the review's repro: connected as another tenant's ded_zz, with a stray ded_acme",
    users: ["ded_zz", "ded_acme"],
    connectAs: "ded_zz",
    expect: "refused",
    names: "ded_zz",
  },
  {
    name: "connected as a shared tenant's usr_x",
    users: ["usr_x", "ded_acme"],
    connectAs: "usr_x",
    expect: "refused",
    names: "usr_x",
  },
  {
    name: "connected as a dedicated PostgreSQL-style tenant user dedicated_usr_y",
    users: ["dedicated_usr_y", "ded_acme"],
    connectAs: "dedicated_usr_y",
    expect: "refused",
    names: "dedicated_usr_y",
  },
  {
    name: "connected as a tenant prefix in another case (Ded_zz)",
    users: ["Ded_zz", "ded_acme"],
    connectAs: "Ded_zz",
    expect: "refused",
    names: "Ded_zz",
  },
  {
    name: "connected as a user with a default prefix and a reserved token (usr_root)",
    users: ["usr_root", "ded_acme"],
    connectAs: "usr_root",
    expect: "refused",
    names: "usr_root",
  },
  {
    name: "connected as a user the configured name rules take for a tenant's (tenant_q)",
    users: ["tenant_q", "ded_acme"],
    connectAs: "tenant_q",
    options: { nameRules: createNameRules({ userPrefixes: ["ded_", "tenant_"] }) },
    expect: "refused",
    names: "tenant_q",
  },
  {
    name: "connected as ops, with name rules that throw something other than a refusal for it (in doubt, not exempt)",
    users: ["ops", "ded_acme"],
    connectAs: "ops",
    options: {
      nameRules: {
        ...DEFAULT_RULES,
        checkUserName: (name: unknown) => name === "ded_acme" ? name : unavailableRules(),
      },
    },
    expect: "refused",
    names: "ops",
  },
  {
    name: "connected as another tenant's user that 'allowedUsers' lists explicitly",
    users: ["ded_zz", "ded_acme"],
    connectAs: "ded_zz",
    options: { allowedUsers: ["ded_zz"] },
    expect: "ok",
  },
  { name: "connected as the platform's admin user ops", users: ["ops", "ded_acme"], connectAs: "ops", expect: "ok" },
  { name: "connected as default", users: ["ded_acme"], connectAs: undefined, expect: "ok" },
  { name: "connected as the tenant's own ded_acme", users: ["ded_acme"], connectAs: "ded_acme", expect: "ok" },
  {
    name: "connected as the tenant's own ded_acme, with another tenant's usr_x there",
    users: ["ded_acme", "usr_x"],
    connectAs: "ded_acme",
    expect: "refused",
  },
  {
    name: "connected as ops, without the tenant's ded_acme (no proof)",
    users: ["ops"],
    connectAs: "ops",
    expect: "refused",
  },
];

describe("redisDedicated: the connection's own user", { skip: throwawayRedisSkipReason() ?? false }, () => {
  let fixture: AuditFixture;
  let server: ControlledServer;
  let admin: Redis;

  before(async () => {
    fixture = createAuditFixture();
    server = await startThrowawayRedis();
    admin = new Redis(server.url, { retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
    admin.on("error", () => {});
    await admin.connect();
  });

  after(async () => {
    admin?.disconnect();
    fixture?.close();
    await server?.dispose();
  });

  beforeEach(async () => {
    await admin.flushall(); // a throwaway server: this process started it
    for (const user of await admin.call("ACL", "USERS") as string[]) {
      if (user !== "default") await admin.call("ACL", "DELUSER", user);
    }
  });

  for (const row of rows) {
    test(`${row.name}: ${row.expect}`, async () => {
      for (const user of row.users) {
        await admin.call("ACL", "SETUSER", user, "reset", "on", `>pw-${user}`, "~*", "&*", "+@all");
      }
      const pipeline = admin.pipeline();
      for (let i = 0; i < OTHER_KEYS; i++) pipeline.set(`zz:${i}`, "another tenant's");
      await pipeline.exec();
      const keysBefore = await admin.dbsize();
      const flushesBefore = await flushallCalls(admin);
      const url = row.connectAs === undefined ? server.url : server.url.replace(
        "redis://",
        `redis://${encodeURIComponent(row.connectAs)}:${encodeURIComponent(`pw-${row.connectAs}`)}@`,
      );
      const adapter = redisDedicated({ url, connectTimeoutMs: 2_000, ...row.options });
      try {
        const result = await dropThrough(fixture, adapter, TOKEN, { expect: row.expect });
        const users = (await admin.call("ACL", "USERS") as string[]).sort();
        if (row.expect === "refused") {
          assert.equal(keysBefore, OTHER_KEYS);
          assert.equal(await admin.dbsize(), OTHER_KEYS, "every key is still there");
          assert.equal(await flushallCalls(admin), flushesBefore, "FLUSHALL never ran");
          assert.deepEqual(users, ["default", ...row.users].sort(), "no user was deleted");
          if (row.names !== undefined) {
            assert.match(
              result.error!.message,
              new RegExp(`holds other ACL users \\(.*"${row.names}".*"${row.names}" is the connection's own user`),
            );
          }
          assert.doesNotMatch(result.error!.message, /pw-/);
        } else {
          assert.equal(await admin.dbsize(), 0);
          assert.equal(await flushallCalls(admin), flushesBefore + 1, "one FLUSHALL");
          assert.deepEqual(
            users,
            ["default", ...row.users.filter((user) => user !== `ded_${TOKEN}`)].sort(),
            "only ded_acme went",
          );
        }
      } finally {
        await adapter.close();
      }
    });
  }

  test("connected as the tenant's own ded_acme, a re-run after the drop is ok and flushes nothing", async () => {
    await admin.call("ACL", "SETUSER", "ded_acme", "reset", "on", ">pw-ded_acme", "~*", "&*", "+@all");
    await admin.set("k", "v");
    const adapter = redisDedicated({
      url: server.url.replace("redis://", "redis://ded_acme:pw-ded_acme@"),
      connectTimeoutMs: 2_000,
    });
    const admins = redisDedicated({ url: server.url, connectTimeoutMs: 2_000 });
    try {
      await dropThrough(fixture, adapter, TOKEN, { expect: "ok" });
      const flushes = await flushallCalls(admin);
      assert.equal(await admin.dbsize(), 0);
      // The tenant's credentials are gone with its user: a re-run needs the admin's.
      await dropThrough(fixture, admins, TOKEN, { expect: "ok" });
      assert.equal(await flushallCalls(admin), flushes, "the re-run sent no FLUSHALL");
    } finally {
      await adapter.close();
      await admins.close();
    }
  });
});
