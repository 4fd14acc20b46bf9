// The Redis quarantine's key move (moveKeys) on a throwaway redis-server:
// scripts of at most MOVE_SCRIPT_KEYS RENAMENX, which keep each key's type,
// value and TTL, never overwrite, and skip a key that is gone already.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { MOVE_SCRIPT_KEYS, moveKeys } from "../../../adapters/redis/_quarantine_commands.ts";
import { type ControlledServer, startThrowawayRedis, throwawayRedisSkipReason } from "../../support/servers.ts";

const PREFIX = Buffer.from("#gdq:d:test:");
const out = (key: Buffer) => Buffer.concat([PREFIX, key]);

describe("moveKeys", { skip: throwawayRedisSkipReason() ?? false }, () => {
  let server: ControlledServer;
  let redis: Redis;

  before(async () => {
    server = await startThrowawayRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  test("moves every key of several scripts' worth, with its type, value and TTL, and back", async () => {
    await redis.flushall();
    const count = MOVE_SCRIPT_KEYS * 3 + 7;
    const pipeline = redis.pipeline();
    for (let i = 0; i < count; i++) pipeline.set(`t1:${i}`, `v${i}`);
    pipeline.hset("t1:hash", "f", "v").expire("t1:hash", 1000).rpush("t1:list", "a", "b");
    pipeline.set(Buffer.from([0x74, 0x31, 0x3a, 0xff, 0xfe]), "binary");
    await pipeline.exec();
    assert.equal(await moveKeys(redis, "t1:*", out, 50), count + 3);
    assert.equal((await redis.keys("t1:*")).length, 0);
    assert.equal(await redis.get(`${PREFIX}17`), null, "the prefix is whole");
    assert.equal(await redis.get(`${PREFIX}t1:17`), "v17");
    assert.equal(await redis.type(`${PREFIX}t1:hash`), "hash");
    assert.ok((await redis.ttl(`${PREFIX}t1:hash`)) > 900);
    assert.deepEqual(await redis.lrange(`${PREFIX}t1:list`, 0, -1), ["a", "b"]);
    assert.equal(await redis.get(Buffer.concat([PREFIX, Buffer.from([0x74, 0x31, 0x3a, 0xff, 0xfe])])), "binary");
    assert.equal(await moveKeys(redis, "#gdq:d:test:*", (key) => key.subarray(PREFIX.length), 1000), count + 3);
    assert.equal((await redis.keys("t1:*")).length, count + 3);
    assert.equal(await redis.dbsize(), count + 3);
  });

  test("a key whose new name is taken fails the move, and is left where it was with the taken one intact", async () => {
    await redis.flushall();
    await redis.mset("t2:a", "a", "t2:b", "b", `${PREFIX}t2:b`, "taken");
    await assert.rejects(moveKeys(redis, "t2:*", out, 1000), /the key "#gdq:d:test:t2:b" exists already/);
    assert.equal(await redis.get("t2:b"), "b");
    assert.equal(await redis.get(`${PREFIX}t2:b`), "taken");
    assert.equal(await redis.dbsize(), 3);
  });
});
