// The Redis quarantine on throwaway redis-servers: a shared tenant's keys
// are renamed into `#gdq:d:<name>:` and its user deleted with its rules kept
// in a mark; a dedicated tenant's user is disabled and its server kept.
// `restore` brings each back, `purgeExpired` drops the expired copies
// through guardedDrop. Throwaway servers, because the purge drops every
// expired copy of a server and the dedicated one FLUSHALLs. The clock is
// injected.
//
// Every comparison is a fingerprint of the keys: each key's name, type,
// DUMP (its exact value) and absolute expiry (PEXPIRETIME).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { type RedisAdapter, redisDedicated, redisShared } from "../../adapters/redis/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough } from "../support/drop_through.ts";
import {
  type ControlledServer,
  startThrowawayRedis,
  throwawayRedisSkipReason,
  uniqueToken,
} from "../support/servers.ts";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;
const SCAN_COUNT = 100;
const BULK_KEYS = 1_500;
const QUARANTINE_NAME = /^q_\d{14}_[0-9a-f]{12}$/;
const CHILD = fileURLToPath(new URL("./redis/quarantine_child.ts", import.meta.url));
const CHILD_TIMEOUT_MS = 60_000;
// A tenant's rules as a platform gives them: its own keys and channels, no admin commands.
const TENANT_RULES = ["+@all", "-@admin", "-@dangerous"];

function connect(url: string, user?: { name: string; password: string }): Redis {
  const redis = new Redis(url, {
    ...(user === undefined ? {} : { username: user.name, password: user.password }),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  redis.on("error", () => {});
  return redis;
}

/** Every key that starts with `prefix` (Buffers: binary-safe), found with our own SCAN. */
async function keysUnder(redis: Redis, prefix: string): Promise<Buffer[]> {
  const pattern = `${prefix.replace(/[\\*?[\]^]/g, "\\$&")}*`;
  const keys: Buffer[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", 1_000);
    keys.push(...batch);
    cursor = String(next);
  } while (cursor !== "0");
  return keys;
}

/** A fingerprint of the keys under `prefix`, named without the prefix: type, DUMP and absolute expiry of each. */
async function fingerprint(redis: Redis, prefix: string): Promise<{ keys: number; hash: string }> {
  const keys = await keysUnder(redis, prefix);
  const rows: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    const dump = await redis.dumpBuffer(key);
    const expiry = await redis.call("PEXPIRETIME", key);
    rows.push(
      JSON.stringify([key.subarray(Buffer.byteLength(prefix)).toString("hex"), type, dump?.toString("hex"), expiry]),
    );
  }
  rows.sort();
  return { keys: keys.length, hash: createHash("sha256").update(rows.join("\n")).digest("hex") };
}

/** One key of every type under `prefix`, TTLs on two of them, a binary key, and `bulk` plain strings. */
async function fillKeys(redis: Redis, prefix: string, marker: string, bulk: number): Promise<void> {
  await redis.set(`${prefix}string`, `${marker} string`);
  await redis.set(`${prefix}expiring`, `${marker} expiring`, "PX", 3_600_000);
  await redis.hset(`${prefix}hash`, { a: "1", b: marker });
  await redis.rpush(`${prefix}list`, "x", "y", marker);
  await redis.sadd(`${prefix}set`, "p", "q", marker);
  await redis.zadd(`${prefix}zset`, 1, "one", 2, marker);
  await redis.xadd(`${prefix}stream`, "1-1", "field", marker);
  await redis.pexpire(`${prefix}hash`, 7_200_000);
  await redis.set(Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0x00, 0x80])]), Buffer.from([1, 2, 3]));
  const pipeline = redis.pipeline();
  for (let i = 0; i < bulk; i++) pipeline.set(`${prefix}bulk:${i}`, `${marker}-${i}`);
  await pipeline.exec();
}

/** Asserts that the user cannot log in with the password: `AUTH` answers WRONGPASS. */
async function assertAuthFails(url: string, user: string, password: string): Promise<void> {
  const probe = connect(url);
  try {
    await probe.connect();
    await assert.rejects(probe.call("AUTH", user, password), /WRONGPASS/);
  } finally {
    probe.disconnect();
  }
}

/** The user's rules as ACL LIST prints them. */
async function rulesOf(redis: Redis, user: string): Promise<string | undefined> {
  const lines = (await redis.call("ACL", "LIST")) as string[];
  return lines.find((line) => line.startsWith(`user ${user} `));
}

describe("Redis quarantine (retention) on throwaway servers", { skip: throwawayRedisSkipReason() ?? false }, () => {
  let fixture: AuditFixture;
  const adapters: RedisAdapter[] = [];
  const clients: Redis[] = [];
  let clock = Date.now();
  const track = (redis: Redis) => (clients.push(redis), redis);

  before(() => {
    fixture = createAuditFixture();
  });

  after(async () => {
    for (const adapter of adapters) await adapter.close();
    for (const redis of clients) redis.disconnect();
    fixture?.close();
  });

  describe("redisShared", () => {
    let server: ControlledServer;
    let admin: Redis;
    let adapter: RedisAdapter;
    const token = uniqueToken("rq");
    const neighbour = `${token}x`;
    let original = { keys: 0, hash: "" };
    let originalRules: string | undefined;
    let neighbourPrint = { keys: 0, hash: "" };

    before(async () => {
      server = await startThrowawayRedis();
      admin = track(connect(server.url));
      await admin.connect();
      adapter = redisShared({
        url: server.url,
        scanCount: SCAN_COUNT,
        retention: { days: RETENTION_DAYS, now: () => clock },
      });
      adapters.push(adapter);
    });

    after(async () => {
      await server?.dispose();
    });

    async function createTenant(t: string, marker: string, bulk = 20): Promise<void> {
      await admin.call(
        "ACL",
        "SETUSER",
        `usr_${t}`,
        "on",
        `>pw-${t}`,
        `~${t}:*`,
        "resetchannels",
        `&${t}:*`,
        ...TENANT_RULES,
      );
      await fillKeys(admin, `${t}:`, marker, bulk);
    }

    async function login(t: string): Promise<Redis> {
      const session = track(connect(server.url, { name: `usr_${t}`, password: `pw-${t}` }));
      await session.connect();
      return session;
    }

    test("a tenant with an open session is quarantined: its client is cut, its login fails, every key moves intact", async () => {
      clock = Date.now();
      await createTenant(token, "first", BULK_KEYS);
      await createTenant(neighbour, "neighbour");
      original = await fingerprint(admin, `${token}:`);
      originalRules = await rulesOf(admin, `usr_${token}`);
      neighbourPrint = await fingerprint(admin, `${neighbour}:`);
      assert.equal(original.keys, BULK_KEYS + 8);
      const session = await login(token);
      assert.equal(await session.get(`${token}:string`), "first string");

      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      await assert.rejects(session.get(`${token}:string`));
      await assertAuthFails(server.url, `usr_${token}`, `pw-${token}`);
      const copies = await adapter.quarantined(token);
      assert.equal(copies.length, 1);
      const copy = copies[0]!;
      assert.match(copy.name, QUARANTINE_NAME);
      assert.deepEqual(
        [copy.token, copy.database, copy.role, copy.originalDatabase, copy.originalRole],
        [token, `#gdq:d:${copy.name}:`, null, `${token}:*`, `usr_${token}`],
      );
      assert.equal(copy.quarantinedAt.getTime(), clock);
      assert.equal(copy.expiresAt!.getTime(), clock + RETENTION_DAYS * DAY_MS);
      assert.equal((await keysUnder(admin, `${token}:`)).length, 0);
      // The same keys, types, values and expiry times, under the copy's prefix.
      assert.deepEqual(await fingerprint(admin, `${copy.database}${token}:`), original);
      // The mark holds the user's full rules, its password hash included.
      const mark = JSON.parse(String(await admin.hget("#gdq:marks", copy.name))) as { acl: string; state: string };
      assert.equal(`user usr_${token} ${mark.acl}`, originalRules);
      assert.match(mark.acl, /#[0-9a-f]{64}/);
      assert.equal(mark.state, "quarantined");
      // The neighbour, whose token extends the tenant's, is untouched.
      assert.deepEqual(await fingerprint(admin, `${neighbour}:`), neighbourPrint);
      assert.equal(await (await login(neighbour)).get(`${neighbour}:string`), "neighbour string");
    });

    test("a second deprovision of the quarantined tenant succeeds and makes no second copy", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal((await adapter.quarantined(token)).length, 1);
    });

    test("restore brings back every key with its type, value and expiry, and the user exactly: the tenant's own password works", async () => {
      const [copy] = await adapter.quarantined(token);
      const restored = await adapter.restore(token);
      assert.equal(restored.name, copy!.name);
      assert.equal(await adapter.exists(token), true);
      assert.deepEqual(await fingerprint(admin, `${token}:`), original);
      assert.equal((await keysUnder(admin, copy!.database!)).length, 0);
      assert.equal(await rulesOf(admin, `usr_${token}`), originalRules);
      assert.equal(await admin.hexists("#gdq:marks", copy!.name), 0);
      const session = await login(token);
      assert.equal(await session.get(`${token}:string`), "first string");
      assert.deepEqual(await adapter.quarantined(token), []);
      assert.deepEqual(await fingerprint(admin, `${neighbour}:`), neighbourPrint);
    });

    test("restore refuses, with nothing changed, when the user or a key is taken, or there is no copy", async () => {
      await assert.rejects(adapter.restore(token), {
        code: "GD_REFUSED",
        message: /must have a quarantined copy: current value is none/,
      });
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      const [copy] = await adapter.quarantined(token);
      const copyPrint = await fingerprint(admin, copy!.database!);
      // A new tenant of the same token: a key only, then a user only.
      await admin.set(`${token}:new`, "new tenant");
      await assert.rejects(adapter.restore(token), {
        code: "GD_REFUSED",
        message: /names must be free: current value is keys matching/,
      });
      await admin.del(`${token}:new`);
      await admin.call("ACL", "SETUSER", `usr_${token}`, "on", ">other");
      await assert.rejects(adapter.restore(token), {
        code: "GD_REFUSED",
        message: /names must be free: current value is the user/,
      });
      assert.deepEqual(await fingerprint(admin, copy!.database!), copyPrint);
      assert.deepEqual((await adapter.quarantined(token)).map((c) => c.name), [copy!.name]);
      await admin.call("ACL", "DELUSER", `usr_${token}`);
      await adapter.restore(token);
      assert.deepEqual(await fingerprint(admin, `${token}:`), original);
    });

    test("5 concurrent quarantines of one tenant all end ok and make one copy; a quarantine racing a restore loses nothing", async () => {
      const racer = uniqueToken("rr");
      await createTenant(racer, "racer-1", 300);
      const first = await fingerprint(admin, `${racer}:`);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          fixture.guardedDrop(
            {
              token: racer,
              resourceType: "redis",
              backend: "shared",
              requestId: `race-${racer}-${i}`,
              caller: "test/quarantine",
            },
            () => adapter.deprovision(racer),
          )),
      );
      assert.deepEqual(
        results.map((r) => (r.status === "fulfilled" ? "ok" : String((r.reason as Error).message))),
        Array(5).fill("ok"),
      );
      const copies = await adapter.quarantined(racer);
      assert.equal(copies.length, 1);
      assert.deepEqual(await fingerprint(admin, `${copies[0]!.database}${racer}:`), first);

      clock += 1_000;
      await createTenant(racer, "racer-2", 300);
      const second = await fingerprint(admin, `${racer}:`);
      const [quarantine, restore] = await Promise.allSettled([adapter.deprovision(racer), adapter.restore(racer)]);
      assert.equal(quarantine.status, "fulfilled");
      if (restore.status === "rejected") assert.equal((restore.reason as { code?: string }).code, "GD_REFUSED");
      const prints = await Promise.all(
        (await adapter.quarantined(racer)).map((c) => fingerprint(admin, `${c.database}${racer}:`)),
      );
      if (await adapter.exists(racer)) prints.push(await fingerprint(admin, `${racer}:`));
      assert.deepEqual(prints.map((p) => p.hash).sort(), [first.hash, second.hash].sort());
    });

    test("a tenant that writes what it can (its keys, a fake mark among them) never makes its copy look expired or another's", async () => {
      clock = Date.now();
      const victim = uniqueToken("rv");
      const t = uniqueToken("rt");
      await createTenant(t, "tamper");
      const session = await login(t);
      const fake = JSON.stringify({
        v: 1,
        name: "q_19700101000000_000000000000",
        backend: "shared",
        token: victim,
        user: `usr_${victim}`,
        pattern: `${victim}:*`,
        quarantined_at: new Date(0).toISOString(),
        state: "quarantined",
        acl: "on nopass ~* +@all",
      });
      await session.hset(`${t}:#gdq:marks`, "q_19700101000000_000000000000", fake);
      // The quarantine's namespace and the ACL are out of its reach.
      await assert.rejects(session.hset("#gdq:marks", "q_19700101000000_000000000000", fake), /NOPERM/);
      await assert.rejects(session.set("#gdq:lock:usr_x", "1"), /NOPERM/);
      await assert.rejects(session.call("ACL", "SETUSER", `usr_${t}`, "~*"), /NOPERM/);
      const before = await fingerprint(admin, `${t}:`);
      await dropThrough(fixture, adapter, t, { expect: "ok" });
      const [copy] = await adapter.quarantined(t);
      assert.deepEqual([copy!.token, copy!.quarantinedAt.getTime()], [t, clock]);
      assert.deepEqual(await adapter.quarantined(victim), []);
      const result = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `tamper-${t}` });
      assert.equal(result.purged.some((c) => c.token === t || c.token === victim), false);
      await adapter.restore(t);
      assert.deepEqual(await fingerprint(admin, `${t}:`), before);
    });

    test("a tenant whose ACL covers the quarantine's keys (~*) is refused before anything changes", async () => {
      const t = uniqueToken("rw");
      await createTenant(t, "wide");
      await admin.call("ACL", "SETUSER", `usr_${t}`, "~*");
      const before = await fingerprint(admin, `${t}:`);
      const rules = await rulesOf(admin, `usr_${t}`);
      const result = await dropThrough(fixture, adapter, t, { expect: "error" });
      assert.match(result.error!.message, /may write the quarantine's keys .*nothing was changed/);
      assert.deepEqual(await fingerprint(admin, `${t}:`), before);
      assert.equal(await rulesOf(admin, `usr_${t}`), rules);
      assert.deepEqual(await adapter.quarantined(t), []);
      await admin.call("ACL", "SETUSER", `usr_${t}`, "resetkeys", `~${t}:*`);
    });

    test("purgeExpired drops only the expired copies, each through guardedDrop with intent quarantine_expired", async () => {
      const now = Date.now();
      const old = uniqueToken("ro");
      const fresh = uniqueToken("rf");
      for (const [t, age] of [[old, 10], [fresh, 1]] as const) {
        await createTenant(t, t, 250);
        clock = now - age * DAY_MS;
        await dropThrough(fixture, adapter, t, { expect: "ok" });
      }
      clock = now;
      const expired = (await adapter.quarantined(old))[0]!;
      const kept = (await adapter.quarantined(fresh))[0]!;
      const keptPrint = await fingerprint(admin, kept.database!);
      const labels = { resource_type: "redis", backend: "shared" } as const;
      const okBefore = await fixture.count({ ...labels, outcome: "ok" });
      const prefix = `purge-${token}`;

      const result = await adapter.purgeExpired(fixture.guardedDrop, { requestId: prefix, caller: "test/purge" });

      assert.deepEqual(result.failed, []);
      assert.deepEqual(result.purged.map((c) => c.name), [expired.name]);
      const records = fixture.dropRecords(`${prefix}/${expired.name}`);
      assert.equal(records.length, 1);
      assert.deepEqual(
        [records[0]!.intent, records[0]!.token, records[0]!.provider_resource_id, records[0]!.caller],
        ["quarantine_expired", old, expired.name, "test/purge"],
      );
      assert.equal(await fixture.count({ ...labels, outcome: "ok" }) - okBefore, 1);
      assert.equal((await keysUnder(admin, expired.database!)).length, 0);
      assert.equal(await admin.hexists("#gdq:marks", expired.name), 0);
      assert.deepEqual(await fingerprint(admin, kept.database!), keptPrint);
      const again = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `${prefix}-again` });
      assert.deepEqual([again.purged.length, again.failed.length], [0, 0]);
    });

    test("a copy whose purge fails does not stop the others: one failed, the next purged", async () => {
      const now = Date.now();
      const [first, second] = [uniqueToken("pf"), uniqueToken("pg")];
      for (const t of [first, second]) {
        await createTenant(t, t, 30);
        clock = now - 20 * DAY_MS;
        await dropThrough(fixture, adapter, t, { expect: "ok" });
      }
      clock = now;
      const [failing] = await adapter.quarantined(first);
      const [next] = await adapter.quarantined(second);
      // A guardedDrop that refuses one copy (its policy, say), and lets the others through.
      const picky = (async (req, drop) => {
        if (req.providerResourceId === failing!.name) {
          throw Object.assign(new Error("denied by the test"), { outcome: "denied" });
        }
        return await fixture.guardedDrop(req, drop);
      }) as typeof fixture.guardedDrop;
      const result = await adapter.purgeExpired(picky, { requestId: `picky-${first}` });
      assert.deepEqual(result.failed.map((f) => f.copy.name), [failing!.name]);
      assert.ok(result.purged.some((c) => c.name === next!.name));
      assert.deepEqual(await adapter.quarantined(second), []);
      assert.deepEqual((await adapter.quarantined(first)).map((c) => c.name), [failing!.name]);
      await adapter.restore(first);
    });

    test("a purge racing a restore of the same expired copy: exactly one of them gets it", async () => {
      const now = Date.now();
      const contested = uniqueToken("rx");
      await createTenant(contested, "contested", 200);
      const print = await fingerprint(admin, `${contested}:`);
      clock = now - 30 * DAY_MS;
      await dropThrough(fixture, adapter, contested, { expect: "ok" });
      clock = now;
      const [copy] = await adapter.quarantined(contested);
      const [purge, restore] = await Promise.allSettled([
        adapter.purgeExpired(fixture.guardedDrop, { requestId: `race-purge-${contested}` }),
        adapter.restore(contested),
      ]);
      assert.equal(purge.status, "fulfilled");
      const purgedIt = purge.status === "fulfilled" && purge.value.purged.some((c) => c.name === copy!.name);
      const restoredIt = restore.status === "fulfilled";
      assert.notEqual(purgedIt, restoredIt, "one of the two, never both or neither");
      if (restoredIt) assert.deepEqual(await fingerprint(admin, `${contested}:`), print);
      else assert.equal((await keysUnder(admin, `${contested}:`)).length, 0);
      assert.equal((await keysUnder(admin, copy!.database!)).length, 0);
    });

    for (const action of ["deprovision", "restore"] as const) {
      test(`a ${action} killed before each kind of command leaves the tenant whole or a copy that restore brings back intact`, async () => {
        const probe = uniqueToken("rk");
        await createTenant(probe, "probe", 350);
        if (action === "restore") await adapter.deprovision(probe);
        const full = (await runChild(server.url, probe, action, -1)).split("\n");
        const sent = JSON.parse(full[1]!) as string[];
        // Before the first command of each kind that changes something, and
        // in the middle of the renames (between two scripts of at most 100
        // RENAMENX each, for SCAN batches of 100 of 358 keys).
        const seen = new Set<string>();
        const points = sent.flatMap((command, i) => {
          if (/^(SCAN|HGETALL|INFO|GET)\b|^ACL (LIST|USERS|DRYRUN|GETUSER)/.test(command) || seen.has(command)) {
            return [];
          }
          seen.add(command);
          return [i];
        });
        const renames = sent.flatMap((command, i) => (command === "EVAL RENAMENX" ? [i] : []));
        assert.ok(renames.length >= 3, `the renames took ${renames.length} scripts`);
        points.push(renames[Math.floor(renames.length / 2)]!, sent.length - 1);
        assert.ok(points.length >= 5, JSON.stringify(sent.slice(0, 20)));
        for (const [n, stop] of points.entries()) {
          const t = uniqueToken("rk");
          await createTenant(t, `kill-${stop}`, 350);
          const print = await fingerprint(admin, `${t}:`);
          const rules = await rulesOf(admin, `usr_${t}`);
          if (action === "restore") await adapter.deprovision(t);
          const out = await runChild(server.url, t, action, stop);
          // The dead process's lock would expire in 10 s; free it now.
          await admin.del(`#gdq:lock:usr_${t}`);
          if (n % 2 === 0) await adapter.deprovision(t);
          const copies = await adapter.quarantined(t);
          if (copies.length === 0) {
            assert.equal(await adapter.exists(t), true, `${out}: neither a live tenant nor a copy`);
          } else {
            assert.equal(copies.length, 1, `${out}: more than one copy`);
            await adapter.restore(t);
          }
          assert.deepEqual(await fingerprint(admin, `${t}:`), print, out);
          assert.equal(await rulesOf(admin, `usr_${t}`), rules, out);
          assert.equal(await (await login(t)).get(`${t}:string`), `kill-${stop} string`, out);
        }
      });
    }
  });

  describe("redisDedicated", () => {
    let server: ControlledServer;
    let admin: Redis;
    let adapter: RedisAdapter;
    const token = uniqueToken("rd");
    const user = `ded_${token}`;
    let original = { keys: 0, hash: "" };

    before(async () => {
      server = await startThrowawayRedis();
      admin = track(connect(server.url));
      await admin.connect();
      adapter = redisDedicated({ url: server.url, retention: { days: RETENTION_DAYS, now: () => clock } });
      adapters.push(adapter);
      await admin.call("ACL", "SETUSER", user, "on", `>pw-${token}`, "~*", "&*", ...TENANT_RULES);
      await fillKeys(admin, "", "dedicated", 200);
      original = await fingerprint(admin, "");
    });

    after(async () => {
      await server?.dispose();
    });

    async function login(): Promise<Redis> {
      const session = track(connect(server.url, { name: user, password: `pw-${token}` }));
      await session.connect();
      return session;
    }

    test("quarantine disables the tenant's user and cuts its clients, and keeps every key", async () => {
      clock = Date.now();
      const session = await login();
      assert.equal(await session.get("string"), "dedicated string");
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await assert.rejects(session.get("string"));
      await assertAuthFails(server.url, user, `pw-${token}`);
      assert.equal(await adapter.exists(token), false);
      const copies = await adapter.quarantined(token);
      assert.equal(copies.length, 1);
      assert.deepEqual([copies[0]!.token, copies[0]!.role, copies[0]!.database], [token, user, null]);
      assert.equal(copies[0]!.quarantinedAt.getTime(), Math.floor(clock / 1000) * 1000);
      assert.deepEqual(await fingerprint(admin, ""), original);
      // Again: nothing more.
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal((await adapter.quarantined(token)).length, 1);
    });

    test("restore enables the user again: its own password works and every key is there", async () => {
      await adapter.restore(token);
      assert.equal(await adapter.exists(token), true);
      assert.equal(await (await login()).get("string"), "dedicated string");
      assert.deepEqual(await fingerprint(admin, ""), original);
      assert.deepEqual(await adapter.quarantined(token), []);
      await assert.rejects(adapter.restore(token), { code: "GD_REFUSED", message: /must have a quarantined copy/ });
    });

    test("restore refuses, with nothing changed, when the user was enabled again by hand", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await admin.call("ACL", "SETUSER", user, "on");
      await assert.rejects(adapter.restore(token), {
        code: "GD_REFUSED",
        message: /names must be free: current value is the user .* enabled/,
      });
      assert.equal((await adapter.quarantined(token)).length, 1);
      // A quarantine now replaces the stale mark.
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal((await adapter.quarantined(token)).length, 1);
      await adapter.restore(token);
      assert.deepEqual(await fingerprint(admin, ""), original);
    });

    test("a tenant that may rewrite users (it could forge its mark) is refused before anything changes", async () => {
      await admin.call("ACL", "SETUSER", user, "+acl");
      const result = await dropThrough(fixture, adapter, token, { expect: "error" });
      assert.match(result.error!.message, /could forge its own quarantine mark: narrow its ACL; nothing was changed/);
      assert.equal(await (await login()).get("string"), "dedicated string");
      assert.deepEqual(await adapter.quarantined(token), []);
      await admin.call("ACL", "SETUSER", user, "-acl");
    });

    test("purgeExpired flushes the server of an expired copy through guardedDrop, and only then", async () => {
      const now = Date.now();
      clock = now - 2 * DAY_MS;
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      clock = now;
      const fresh = await adapter.purgeExpired(fixture.guardedDrop, { requestId: `purge-fresh-${token}` });
      assert.deepEqual([fresh.purged.length, fresh.kept], [0, 1]);
      assert.deepEqual(await fingerprint(admin, ""), original);
      const [copy] = await adapter.quarantined(token);
      const result = await adapter.purgeExpired(fixture.guardedDrop, {
        requestId: `purge-${token}`,
        now: now + 10 * DAY_MS,
      });
      assert.deepEqual(result.purged.map((c) => c.name), [copy!.name]);
      const [record] = fixture.dropRecords(`purge-${token}/${copy!.name}`);
      assert.deepEqual([record!.intent, record!.token], ["quarantine_expired", token]);
      assert.equal(await admin.dbsize(), 0);
      assert.deepEqual((await admin.call("ACL", "USERS")) as string[], ["default"]);
      assert.equal(await adapter.exists(token), false);
    });

    test("a plain drop (no retention) of a quarantined tenant takes its mark user with the flush", async () => {
      const other = uniqueToken("rd");
      const otherUser = `ded_${other}`;
      await admin.call("ACL", "SETUSER", otherUser, "on", `>pw-${other}`, "~*", "&*", ...TENANT_RULES);
      await fillKeys(admin, "", "plain", 20);
      await dropThrough(fixture, adapter, other, { expect: "ok" });
      const users = (await admin.call("ACL", "USERS")) as string[];
      assert.equal(users.filter((u) => u.startsWith("gd-quarantine~")).length, 1, "the mark user");
      const plain = redisDedicated({ url: server.url });
      try {
        await dropThrough(fixture, plain, other, { expect: "ok" });
      } finally {
        await plain.close();
      }
      assert.equal(await admin.dbsize(), 0);
      assert.deepEqual((await admin.call("ACL", "USERS")) as string[], ["default"]);
      assert.deepEqual(await adapter.quarantined(other), []);
    });
  });
});

/** Runs the crash child; resolves what it printed once it stopped (then it is killed) or finished. */
function runChild(url: string, token: string, action: "deprovision" | "restore", stopAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      CHILD,
      url,
      token,
      action,
      String(stopAt),
      String(SCAN_COUNT),
    ], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (/^at \d+/m.test(out)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (/^(at|done) \d+/m.test(out)) resolve(out.trim());
      else reject(new Error(`the child exited with ${code ?? signal} and printed nothing useful: ${out}${err}`));
    });
  });
}
