// redisShared on GD_REDIS_URL and redisDedicated on a second redis-server
// this file starts (or GD_REDIS_DEDICATED_URL). Every drop goes through
// guardedDrop.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type Deprovisioner } from "../../lib/mod.ts";
import { redisDedicated, redisShared } from "../../adapters/redis/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import {
  type ControlledServer,
  dedicatedRedisSkipReason,
  envUrl,
  freePort as freePortOf,
  HOW_TO_GET,
  startDedicatedRedis,
  uniqueToken,
} from "../support/servers.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS, LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";
import { explainCrashes } from "../support/crash_report.ts";
import { assertBreakerRule } from "../support/breaker_rule.ts";
import { assertConcurrentDropsAcrossProcesses, assertConcurrentDropsOk } from "../support/concurrent_drops.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";

/** The connect timeout of the unreachable-server checks; healthy adapters use HEALTHY_CONNECT_TIMEOUT_MS. */
const CONNECT_TIMEOUT_MS = 1_500;
const MARGIN_MS = 1_500;
const KEYS_PER_TENANT = 20_000;

function client(url: string, user?: { name: string; password: string }): Redis {
  const redis = new Redis(url, {
    ...(user === undefined ? {} : { username: user.name, password: user.password }),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  redis.on("error", () => {}); // the drop disconnects tenant sessions
  return redis;
}

async function fill(redis: Redis, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5_000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(count, start + 5_000); i++) pipeline.set(`${prefix}${i}`, `value-${prefix}${i}`);
    await pipeline.exec();
  }
}

/** Counts keys matching a pattern with our own SCAN: the direct check, independent of the adapter. */
async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = "0";
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
    count += keys.length;
    cursor = next;
  } while (cursor !== "0");
  return count;
}

/** How many times the server has run FLUSHALL since it started (`INFO commandstats`). */
async function flushallCalls(redis: Redis): Promise<number> {
  const stats = await redis.info("commandstats");
  return Number(/^cmdstat_flushall:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
}

/** Every key of every logical database, as `db:key` → value (small servers only). */
async function everyKey(redis: Redis): Promise<Map<string, string | null>> {
  const all = new Map<string, string | null>();
  const info = await redis.info("keyspace");
  for (const [, db] of info.matchAll(/^db(\d+):/gm)) {
    await redis.select(Number(db));
    for (const key of await redis.keys("*")) all.set(`${db}:${key}`, await redis.get(key));
  }
  await redis.select(0);
  return all;
}

async function aclUsers(redis: Redis): Promise<string[]> {
  return await redis.call("ACL", "USERS") as string[];
}

/** Both unreachable-server checks, for the adapter `factory` makes from a URL. */
async function unavailableChecks(fixture: AuditFixture, factory: (url: string) => Deprovisioner, token: string) {
  const common = { fixture, token, connectTimeoutMs: CONNECT_TIMEOUT_MS, marginMs: MARGIN_MS };
  await assertClosedPortUnavailable({
    ...common,
    adapterFor: (port) => factory(`redis://admin:${SECRET}@127.0.0.1:${port}`),
    serverCode: "ECONNREFUSED",
    message: /^Cannot check the (dedicated )?Redis tenant "[^"]+" as the server is unreachable \(ECONNREFUSED/,
  });
  await assertHungServerUnavailable({
    ...common,
    adapterFor: (port) => factory(`redis://127.0.0.1:${port}`),
    waitsForTimeout: true,
  });
}

const sharedUrl = envUrl("GD_REDIS_URL");

describe(
  "redisShared",
  { skip: sharedUrl === undefined ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}` : false },
  () => {
    let fixture: AuditFixture;
    let admin: Redis;
    let adapter: Deprovisioner;
    const token = uniqueToken();
    const neighbour = `${token}x`;
    let tenantSession: Redis;
    let neighbourSession: Redis;

    async function createTenant(t: string): Promise<Redis> {
      await admin.call("ACL", "SETUSER", `usr_${t}`, "reset", "on", `>pw-${t}`, `~${t}:*`, "+@all");
      await fill(admin, `${t}:`, KEYS_PER_TENANT);
      const session = client(sharedUrl!, { name: `usr_${t}`, password: `pw-${t}` });
      await session.connect();
      assert.equal(await session.get(`${t}:7`), `value-${t}:7`);
      return session;
    }

    before(async () => {
      fixture = createAuditFixture();
      admin = client(sharedUrl!);
      await admin.connect();
      adapter = redisShared({ url: sharedUrl!, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
      tenantSession = await createTenant(token);
      neighbourSession = await createTenant(neighbour);
      // Keys that only look close to the tenant's: no colon right after the token.
      await admin.set(`${token}`, "bare");
      await admin.set(`${token}-other:1`, "dash");
    });

    after(async () => {
      tenantSession?.disconnect();
      neighbourSession?.disconnect();
      if (adapter !== undefined) {
        await dropThrough(fixture, adapter, neighbour, { expect: "ok" }).catch(() => {});
        await dropThrough(fixture, adapter, token, { expect: "ok" }).catch(() => {});
        await adapter.close();
      }
      await admin?.unlink(`${token}`, `${token}-other:1`).catch(() => {});
      admin?.disconnect();
      fixture?.close();
    });

    test("the tenant exists before the drop", async () => {
      assert.equal(await adapter.exists(token), true);
      assert.equal(await countKeys(admin, `${token}:*`), KEYS_PER_TENANT);
    });

    test("deprovision removes the user and every key, ends the open session, and leaves the neighbour whole", async () => {
      const sizeBefore = await admin.dbsize();
      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      assert.ok(!(await aclUsers(admin)).includes(`usr_${token}`));
      assert.equal(await admin.call("ACL", "GETUSER", `usr_${token}`), null);
      assert.equal(await countKeys(admin, `${token}:*`), 0);
      // The tenant's session was disconnected by ACL DELUSER, and cannot authenticate again.
      await assert.rejects(tenantSession.get(`${token}:1`));
      const again = client(sharedUrl!, { name: `usr_${token}`, password: `pw-${token}` });
      await assert.rejects(again.connect());
      again.disconnect();

      // The neighbour `<t>x` and the look-alike keys are untouched.
      assert.equal(await adapter.exists(neighbour), true);
      assert.ok((await aclUsers(admin)).includes(`usr_${neighbour}`));
      assert.equal(await countKeys(admin, `${neighbour}:*`), KEYS_PER_TENANT);
      assert.equal(await neighbourSession.get(`${neighbour}:19999`), `value-${neighbour}:19999`);
      assert.equal(await admin.get(`${token}`), "bare");
      assert.equal(await admin.get(`${token}-other:1`), "dash");
      // Only the tenant's keys left the database (others may come and go
      // meanwhile, so this is a bound, not an equality).
      assert.ok(sizeBefore - (await admin.dbsize()) <= KEYS_PER_TENANT + 100);
    });

    test("a second deprovision of the gone tenant succeeds, and is audited and counted", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal(await adapter.exists(token), false);
    });

    test("keys alone, without an ACL user, are found by exists() and purged", async () => {
      const keysOnly = uniqueToken("ko");
      await fill(admin, `${keysOnly}:`, 10);
      assert.equal(await adapter.exists(keysOnly), true);
      await dropThrough(fixture, adapter, keysOnly, { expect: "ok" });
      assert.equal(await countKeys(admin, `${keysOnly}:*`), 0);
      assert.equal(await adapter.exists(keysOnly), false);
    });

    test("hostile tokens are refused, and nothing is dropped", async () => {
      const defaultBefore = await admin.call("ACL", "GETUSER", "default");
      for (const hostile of HOSTILE_TOKENS) {
        const byRequest = await dropThrough(fixture, adapter, hostile, { expect: "refused" });
        assert.equal(byRequest.error?.code, "GD_REFUSED");
        const byAdapter = await dropThrough(fixture, adapter, hostile, { requestToken: neighbour, expect: "refused" });
        assert.equal(byAdapter.error?.code, "GD_REFUSED");
        await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
      }
      assert.deepEqual(await admin.call("ACL", "GETUSER", "default"), defaultBefore);
      assert.ok((await aclUsers(admin)).includes("default"));
      assert.equal(await countKeys(admin, `${neighbour}:*`), KEYS_PER_TENANT);
      assert.equal(await admin.get(`${token}`), "bare");
    });

    test("an unreachable server is unavailable within the connect timeout, with one record and one count", async () => {
      await unavailableChecks(fixture, (url) => redisShared({ url, connectTimeoutMs: CONNECT_TIMEOUT_MS }), token);
    });

    test("a reply error (NOPERM) is `failed`, with the reply as serverCode", async () => {
      const weak = uniqueToken("weak");
      await admin.call("ACL", "SETUSER", `gd_weak_${weak}`, "on", ">pw", "~*", "+@read", "+ping", "+info");
      const target = new URL(sharedUrl!);
      target.username = `gd_weak_${weak}`;
      target.password = "pw";
      const limited = redisShared({ url: target.toString() });
      try {
        const result = await dropThrough(fixture, limited, neighbour, { expect: "error" });
        assert.equal(result.error?.kind, "failed");
        assert.equal((result.error?.cause as { serverCode?: string }).serverCode, "NOPERM");
        assert.equal(await countKeys(admin, `${neighbour}:*`), KEYS_PER_TENANT);
      } finally {
        await limited.close();
        await admin.call("ACL", "DELUSER", `gd_weak_${weak}`);
      }
    });
  },
);

describe("redisShared under concurrency and failure", {
  skip: sharedUrl === undefined ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}` : false,
}, () => {
  let fixture: AuditFixture;
  let admin: Redis;
  let adapter: Deprovisioner;

  before(async () => {
    fixture = createAuditFixture();
    admin = client(sharedUrl!);
    await admin.connect();
    adapter = redisShared({ url: sharedUrl!, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
  });
  after(async () => {
    await adapter?.close();
    admin?.disconnect();
    fixture?.close();
  });

  async function seed(t: string, keys: number): Promise<void> {
    await admin.call("ACL", "SETUSER", `usr_${t}`, "reset", "on", `>pw-${t}`, `~${t}:*`, "+@all");
    await fill(admin, `${t}:`, keys);
  }

  for (const n of [5, 10, 20]) {
    test(`${n} concurrent deprovisions of one tenant all end ok, with ${n} records and +${n}, and the breaker stays closed`, async () => {
      const t = uniqueToken("cc");
      const neighbour = `${t}x`;
      await seed(t, 2_000);
      await seed(neighbour, 50);
      try {
        await assertConcurrentDropsOk(fixture, adapter, t, n, uniqueToken("nx"));
        assert.equal(await countKeys(admin, `${t}:*`), 0);
        assert.equal(await admin.call("ACL", "GETUSER", `usr_${t}`), null);
        assert.equal(await countKeys(admin, `${neighbour}:*`), 50, "the neighbour's keys");
      } finally {
        await dropThrough(fixture, adapter, neighbour, { expect: "ok" });
      }
    });
  }

  test("2 processes × 10 concurrent deprovisions of one tenant all end ok", async () => {
    const t = uniqueToken("cp");
    await seed(t, 2_000);
    await assertConcurrentDropsAcrossProcesses({
      adapter: "redisShared",
      options: { url: sharedUrl! },
      token: t,
      drops: 10,
    }, 2);
    assert.equal(await countKeys(admin, `${t}:*`), 0);
    assert.equal(await admin.call("ACL", "GETUSER", `usr_${t}`), null);
  });

  test("the tenant's own failures (NOPERM) are `failed`, drop nothing and leave the breaker closed; unavailable ones open it", async () => {
    const weak = `gd_weak_${uniqueToken("weak")}`;
    await admin.call("ACL", "SETUSER", weak, "on", ">pw", "~*", "+@read", "+ping", "+info");
    const target = new URL(sharedUrl!);
    target.username = weak;
    target.password = "pw";
    const limited = redisShared({ url: target.toString() });
    const down = redisShared({ url: `redis://127.0.0.1:${await freePortOf()}`, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const t = uniqueToken("nf");
    await seed(t, 10);
    try {
      await assertBreakerRule({
        failing: limited,
        down,
        healthy: adapter,
        failedToken: () => t,
        token: () => uniqueToken("nx"),
        eachFailed: (result) => assert.equal((result.error?.cause as { serverCode?: string }).serverCode, "NOPERM"),
      });
      assert.equal(await countKeys(admin, `${t}:*`), 10, "nothing was dropped");
    } finally {
      await limited.close();
      await down.close();
      await admin.call("ACL", "DELUSER", weak);
      await dropThrough(fixture, adapter, t, { expect: "ok" });
    }
  });
});

describe("redisDedicated", { skip: dedicatedRedisSkipReason() ?? false }, () => {
  let fixture: AuditFixture;
  let server: ControlledServer;
  explainCrashes(() => [server]);
  let admin: Redis;
  let adapter: Deprovisioner;
  const token = uniqueToken();

  async function createTenant(t: string): Promise<Redis> {
    await admin.call("ACL", "SETUSER", `ded_${t}`, "reset", "on", `>pw-${t}`, "~*", "+@all");
    await fill(admin, "", 5_000); // a dedicated tenant names its keys as it likes
    await admin.select(3);
    await fill(admin, "db3:", 100);
    await admin.select(0);
    const session = client(server.url, { name: `ded_${t}`, password: `pw-${t}` });
    await session.connect();
    return session;
  }

  before(async () => {
    fixture = createAuditFixture();
    server = await startDedicatedRedis();
    admin = client(server.url);
    await admin.connect();
    adapter = redisDedicated({ url: server.url, connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS });
  });

  after(async () => {
    await adapter?.close();
    admin?.disconnect();
    fixture?.close();
    await server?.dispose();
  });

  test("deprovision removes the user and every key of the server, and ends the open session", async () => {
    const session = await createTenant(token);
    try {
      assert.equal(await adapter.exists(token), true);
      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      assert.deepEqual(await aclUsers(admin), ["default"]);
      assert.equal(await admin.dbsize(), 0);
      await admin.select(3);
      assert.equal(await admin.dbsize(), 0);
      await admin.select(0);
      await assert.rejects(session.get("1"));
    } finally {
      session.disconnect();
    }
  });

  test("a second deprovision succeeds, and is audited and counted", async () => {
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.equal(await adapter.exists(token), false);
  });

  test("a server with only `default` and another tenant's 100 keys is refused: no FLUSHALL, all 100 keys intact", async () => {
    const other = uniqueToken("oth");
    const t = uniqueToken();
    await fill(admin, `${other}:`, 100);
    const flushes = await flushallCalls(admin);
    try {
      assert.deepEqual(await aclUsers(admin), ["default"]);
      const result = await dropThrough(fixture, adapter, t, { expect: "refused" });
      assert.equal(result.error?.code, "GD_REFUSED");
      assert.match(
        result.error!.message,
        new RegExp(`holds no ACL user "ded_${t}", the proof that it is the tenant's own, and holds 100 keys`),
      );
      assert.equal(await countKeys(admin, `${other}:*`), 100);
      assert.equal(await admin.dbsize(), 100);
      assert.equal(await flushallCalls(admin), flushes, "FLUSHALL calls");
      // A retry is refused the same way: no proof ever appears by retrying.
      await dropThrough(fixture, adapter, t, { expect: "refused" });
      assert.equal(await countKeys(admin, `${other}:*`), 100);
    } finally {
      await admin.flushall();
    }
  });

  test("a server laid out like a shared one (usr_ users and their keys, no ded_<t>) is refused, and keeps every key", async () => {
    const t = uniqueToken();
    const tenants = [uniqueToken("sa"), uniqueToken("sb"), uniqueToken("sc")];
    for (const other of tenants) {
      await admin.call("ACL", "SETUSER", `usr_${other}`, "on", ">pw", `~${other}:*`, "+@all");
      await fill(admin, `${other}:`, 30);
    }
    const before = await everyKey(admin);
    const flushes = await flushallCalls(admin);
    try {
      await dropThrough(fixture, adapter, t, { expect: "refused" });
      assert.deepEqual(await everyKey(admin), before);
      assert.equal(before.size, 90);
      assert.equal(await flushallCalls(admin), flushes, "FLUSHALL calls");
      assert.deepEqual((await aclUsers(admin)).sort(), ["default", ...tenants.map((o) => `usr_${o}`)].sort());
    } finally {
      for (const other of tenants) await admin.call("ACL", "DELUSER", `usr_${other}`);
      await admin.flushall();
    }
  });

  test("after a crash between the steps, every state a crash can leave is finished by a re-run", async () => {
    const t = uniqueToken();
    // The user is still there and the server is already empty: the proof holds, the re-run finishes.
    await admin.call("ACL", "SETUSER", `ded_${t}`, "on", ">pw", "~*", "+@all");
    await dropThrough(fixture, adapter, t, { expect: "ok" });
    assert.deepEqual(await aclUsers(admin), ["default"]);
    // The user is gone and the server is empty: already gone, and nothing is sent.
    const flushes = await flushallCalls(admin);
    await dropThrough(fixture, adapter, t, { expect: "ok" });
    await dropThrough(fixture, adapter, t, { expect: "ok" });
    assert.equal(
      await flushallCalls(admin),
      flushes,
      "FLUSHALL calls: an empty server without the user is not flushed again",
    );
    assert.equal(await adapter.exists(t), false);
  });

  for (const n of [5, 10, 20]) {
    test(`${n} concurrent deprovisions of the tenant all end ok, with ${n} records and +${n}, and the breaker stays closed`, async () => {
      const t = uniqueToken();
      (await createTenant(t)).disconnect();
      await assertConcurrentDropsOk(fixture, adapter, t, n, uniqueToken());
      assert.deepEqual(await aclUsers(admin), ["default"]);
      assert.equal(await admin.dbsize(), 0);
      assert.equal(await adapter.exists(t), false);
    });
  }

  test("2 processes × 10 concurrent deprovisions of the tenant all end ok", async () => {
    const t = uniqueToken();
    (await createTenant(t)).disconnect();
    await assertConcurrentDropsAcrossProcesses({
      adapter: "redisDedicated",
      options: { url: server.url },
      token: t,
      drops: 10,
    }, 2);
    assert.deepEqual(await aclUsers(admin), ["default"]);
    assert.equal(await admin.dbsize(), 0);
  });

  test("a server with another tenant's user is refused before FLUSHALL, and keeps every key", async () => {
    const other = uniqueToken("oth");
    const t = uniqueToken();
    await admin.call("ACL", "SETUSER", `usr_${other}`, "on", ">pw", `~${other}:*`, "+@all");
    await admin.set(`${other}:1`, "another tenant's");
    const session = await createTenant(t);
    try {
      const result = await dropThrough(fixture, adapter, t, { expect: "refused" });
      assert.match(result.error!.message, /holds other ACL users/);
      assert.equal(await admin.get(`${other}:1`), "another tenant's");
      assert.ok((await aclUsers(admin)).includes(`ded_${t}`), "nothing was dropped, not even the tenant's user");
      assert.equal(await session.get("1"), "value-1");
    } finally {
      session.disconnect();
      await admin.call("ACL", "DELUSER", `usr_${other}`);
    }
    // Without the foreign user the same drop goes through.
    await dropThrough(fixture, adapter, t, { expect: "ok" });
    assert.equal(await admin.dbsize(), 0);
  });

  test("the platform's own users are allowed with 'allowedUsers'", async () => {
    const t = uniqueToken();
    await admin.call("ACL", "SETUSER", "metrics", "on", ">pw", "+info");
    (await createTenant(t)).disconnect();
    await dropThrough(fixture, adapter, t, { expect: "refused" });
    const allowing = redisDedicated({ url: server.url, allowedUsers: ["metrics"] });
    try {
      await dropThrough(fixture, allowing, t, { expect: "ok" });
      assert.deepEqual((await aclUsers(admin)).sort(), ["default", "metrics"]);
      assert.equal(await admin.dbsize(), 0);
    } finally {
      await allowing.close();
      await admin.call("ACL", "DELUSER", "metrics");
    }
  });

  test("hostile tokens are refused, and nothing is flushed", async () => {
    await admin.set("keep", "me");
    for (const hostile of HOSTILE_TOKENS) {
      await dropThrough(fixture, adapter, hostile, { expect: "refused" });
      await dropThrough(fixture, adapter, hostile, { requestToken: token, expect: "refused" });
      await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
    }
    assert.equal(await admin.get("keep"), "me");
    assert.ok((await aclUsers(admin)).includes("default"));
    await admin.unlink("keep");
  });

  test("an unreachable server is unavailable within the connect timeout", async () => {
    await unavailableChecks(fixture, (url) => redisDedicated({ url, connectTimeoutMs: CONNECT_TIMEOUT_MS }), token);
  });

  test("a stopped server is unavailable within the connect timeout, and the drop succeeds after a restart", {
    skip: envUrl("GD_REDIS_DEDICATED_URL") === undefined ? false : "only on the server this file starts and may stop",
  }, async () => {
    const t = uniqueToken();
    (await createTenant(t)).disconnect();
    admin.disconnect();
    await server.stop();
    try {
      const result = await dropThrough(fixture, adapter, t, { expect: "error" });
      assert.equal(result.error?.kind, "unavailable");
      assert.ok(result.elapsedMs < HEALTHY_CONNECT_TIMEOUT_MS + LOADED_MACHINE_SLACK_MS, `${result.elapsedMs} ms`);
    } finally {
      await server.start();
      admin = client(server.url);
      await admin.connect();
    }
    // The server kept nothing (no persistence): the user is gone with the restart.
    await createTenant(t).then((s) => s.disconnect());
    await dropThrough(fixture, adapter, t, { expect: "ok" });
    assert.equal(await adapter.exists(t), false);
  });
});
