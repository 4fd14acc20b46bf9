// redisDropBudget when its Redis loses the window (issue 22 part 4): a
// restart without persistence, FLUSHALL, a real eviction, a failover to a
// replica that missed writes, another server at the same URL. Each must
// block drops for a full window, never grant the lost window a second time;
// a brand-new deployment must still work. Every server here is a throwaway
// redis-server on a free port (no persistence), stopped by its pid.
//
// Those servers are seconds old, younger than the 60 s window: a budget
// that did not see the epoch made would take each for a Redis that may
// have restarted and lost a window, and refuse. So the budgets here trust
// a young server (`trustFreshServer`), except in the tests of that very
// case, which say `trustFreshServer: false`.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import {
  type DropLimit,
  type RedisDropBudget,
  redisDropBudget,
  type RedisDropBudgetOptions,
} from "../../../adapters/redis/mod.ts";
import { runCancel } from "../../../adapters/redis/_drop_budget_script.ts";
import { runBudgetReplicas } from "../../support/budget_replicas.ts";
import {
  type ControlledServer,
  startThrowawayRedis,
  throwawayRedisSkipReason,
  uniqueToken,
} from "../../support/servers.ts";

const WINDOW_MS = 60_000;
const MAX = 5;
const LIMITS: DropLimit[] = [{ scope: "global", max: MAX, windowMs: WINDOW_MS }];
const LOST = /^the budget's window was lost \(.*\): a full window must pass before it counts again, \d+ ms from now$/;

const request = () => {
  const token = uniqueToken("loss");
  return {
    token,
    resourceType: "postgres",
    backend: "shared" as const,
    requestId: `req-${token}`,
    caller: "test/drop_budget_loss",
  };
};

function admin(url: string): Redis {
  const redis = new Redis(url, { retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
  redis.on("error", () => {});
  return redis;
}

/** What `count` takes answered, in order: `ok`, `spent` or `lost`. */
async function takes(budget: RedisDropBudget, count: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const verdict = await budget.take(request());
    answers.push(verdict.allowed ? "ok" : LOST.test(verdict.reason ?? "") ? "lost" : `spent: ${verdict.reason}`);
  }
  return answers;
}

const times = (n: number, what: string) => Array.from({ length: n }, () => what);

/** A throwaway server, a budget on it and an admin client, all closed after `steps`. */
async function withServer(
  steps: (
    ctx: {
      server: ControlledServer;
      redis: Redis;
      prefix: string;
      budgetOf: (o?: Partial<RedisDropBudgetOptions>) => RedisDropBudget;
    },
  ) => Promise<void>,
) {
  const server = await startThrowawayRedis();
  const redis = admin(server.url);
  const budgets: RedisDropBudget[] = [];
  const prefix = `gd-loss-${randomBytes(4).toString("hex")}:`;
  try {
    await redis.connect();
    await steps({
      server,
      redis,
      prefix,
      budgetOf: (options = {}) => {
        const budget = redisDropBudget({
          url: server.url,
          keyPrefix: prefix,
          limits: LIMITS,
          trustFreshServer: true,
          ...options,
        });
        budgets.push(budget);
        return budget;
      },
    });
  } finally {
    for (const budget of budgets) await budget.close();
    redis.disconnect();
    await server.dispose();
  }
}

const windowKey = (prefix: string, max = MAX, windowMs = WINDOW_MS) =>
  `${prefix}{budget}:global:${max}per${windowMs}ms`;

describe("redisDropBudget when its Redis loses the window", { skip: throwawayRedisSkipReason() ?? false }, () => {
  test("first use ever works: a brand-new server, then a second process, share one window of exactly max", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      assert.deepEqual(await takes(budgetOf(), 3), times(3, "ok"));
      // A process started later has seen no epoch: the server's is whole, so it counts on.
      assert.deepEqual(await takes(budgetOf(), 3), [
        ...times(2, "ok"),
        `spent: the global limit is spent: max ${MAX} per ${WINDOW_MS} ms`,
      ]);
      assert.equal(await redis.zcard(windowKey(prefix)), MAX);
      assert.equal(await redis.hget(`${prefix}{budget}:epoch`, "seq"), String(MAX));
      assert.equal(await redis.hget(`${prefix}{budget}:epoch`, "until"), null, "no loss was ever found");
    });
  });

  test("a restart without persistence: the 5 takes after it are all refused, for a full window, and a new process is refused too", async () => {
    await withServer(async ({ server, redis, prefix, budgetOf }) => {
      const budget = budgetOf();
      assert.deepEqual(await takes(budget, MAX), times(MAX, "ok"));
      await server.stop();
      await server.start();
      redis.disconnect();
      await redis.connect();
      assert.equal(await redis.exists(windowKey(prefix)), 0, "the server lost its window");
      const after = await budget.take(request());
      assert.equal(after.allowed, false);
      assert.match(after.reason!, LOST);
      assert.ok(
        after.retryAfterMs! > WINDOW_MS - 10_000 && after.retryAfterMs! <= WINDOW_MS,
        `retryAfterMs ${after.retryAfterMs}`,
      );
      assert.deepEqual(await takes(budget, MAX - 1), times(MAX - 1, "lost"));
      assert.deepEqual(
        await takes(budgetOf(), 2),
        times(2, "lost"),
        "a process that never saw the old epoch reads the block from the server",
      );
      assert.equal(await redis.exists(windowKey(prefix)), 0, "nothing was charged while blocked");
    });
  });

  test("a restart without persistence seen only by a fresh process (a new replica): its 5 drops are all refused, nothing charged", async () => {
    await withServer(async ({ server, redis, prefix, budgetOf }) => {
      const run = { url: server.url, prefix, max: MAX, windowMs: WINDOW_MS, attempts: MAX };
      // Process A is the deployment before the restart; the server is seconds old, so A trusts it.
      const [a] = await runBudgetReplicas({ ...run, trustFreshServer: true }, 1);
      assert.deepEqual(a!.outcomes, times(MAX, "ok"));
      assert.equal(await redis.zcard(windowKey(prefix)), MAX);
      await server.stop();
      await server.start();
      redis.disconnect();
      await redis.connect();
      assert.equal(await redis.exists(`${prefix}{budget}:epoch`), 0, "the server lost the epoch with the window");
      // Process B never saw the epoch, and A is gone: only the server's age tells the loss.
      const [b] = await runBudgetReplicas(run, 1);
      assert.deepEqual(b!.outcomes, times(MAX, "rate_limited"));
      assert.equal(b!.calls, 0, "no drop ran");
      assert.equal(b!.failedRecords.length, MAX);
      for (const failed of b!.failedRecords) assert.match(failed.reason!, LOST);
      for (const ms of b!.retryAfterMs) assert.ok(ms !== null && ms > 0 && ms <= WINDOW_MS, `retryAfterMs ${ms}`);
      assert.equal(await redis.exists(windowKey(prefix)), 0, "nothing was charged");
      assert.equal(await redis.hget(`${prefix}{budget}:epoch`, "seq"), "0");
      assert.ok(
        Number(await redis.hget(`${prefix}{budget}:epoch`, "started")) > 0,
        "the epoch keeps when the server started",
      );
      assert.deepEqual(
        await takes(budgetOf({ trustFreshServer: false }), 2),
        times(2, "lost"),
        "and so is a third process",
      );
      assert.equal(await redis.exists(windowKey(prefix)), 0);
    });
  });

  test("first use on a server younger than the window: refused by every budget that does not trust it, until a window from its start", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const first = await budgetOf({ trustFreshServer: false }).take(request());
      assert.equal(first.allowed, false);
      assert.match(first.reason!, LOST);
      assert.ok(first.retryAfterMs! > 0 && first.retryAfterMs! <= WINDOW_MS, `retryAfterMs ${first.retryAfterMs}`);
      assert.deepEqual(
        await takes(budgetOf({ trustFreshServer: false }), 2),
        times(2, "lost"),
        "a second process reads the server's start too",
      );
      assert.equal(await redis.exists(windowKey(prefix)), 0, "nothing was charged");
      const allow = await budgetOf({ trustFreshServer: false, onUnavailable: "allow" }).take(request());
      assert.equal(allow.allowed, true);
      assert.match(allow.warning!, /^the drop went on \(onUnavailable: "allow"\): the budget's window was lost/);
      // Trust is each budget's own: the block is not written to `until`.
      assert.deepEqual(await takes(budgetOf(), 1), ["ok"]);
      assert.equal(await redis.zcard(windowKey(prefix)), 2);
      assert.equal(await redis.hget(`${prefix}{budget}:epoch`, "until"), null);
    });
  });

  test("first use on a server up for at least the window is a new deployment: granted; a longer window on it is not", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const windowMs = 2_000;
      await waitForUptime(redis, windowMs);
      const budget = budgetOf({ trustFreshServer: false, limits: [{ scope: "global", max: 3, windowMs }] });
      assert.deepEqual(await budget.take(request()), { allowed: true });
      assert.equal(await redis.hget(`${prefix}{budget}:epoch`, "seq"), "1");
      // Charges of a 60 s window lost in a restart could still be in it: the same server is too young for that limit.
      assert.deepEqual(await takes(budgetOf({ trustFreshServer: false }), 1), ["lost"]);
      assert.equal(await redis.exists(windowKey(prefix)), 0);
    });
  });

  test('onUnavailable "allow" goes on through a found loss with a warning, and still counts max in the new window', async () => {
    await withServer(async ({ server, redis, prefix, budgetOf }) => {
      const budget = budgetOf({ onUnavailable: "allow" });
      assert.deepEqual(await takes(budget, MAX), times(MAX, "ok"));
      await server.stop();
      await server.start();
      const verdicts = [];
      for (let i = 0; i < MAX + 1; i++) verdicts.push(await budget.take(request()));
      assert.deepEqual(verdicts.map((v) => v.allowed), [...times(MAX, "ok").map(() => true), false]);
      for (const v of verdicts.slice(0, MAX)) {
        assert.match(v.warning!, /^the drop went on \(onUnavailable: "allow"\): the budget's window was lost/);
      }
      assert.match(verdicts[MAX]!.reason!, /the global limit is spent/);
      redis.disconnect();
      await redis.connect();
      assert.equal(await redis.zcard(windowKey(prefix)), MAX);
    });
  });

  test("the block ends a full window after the loss, and then exactly max run again", async () => {
    const windowMs = 4_000;
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const budget = budgetOf({ limits: [{ scope: "global", max: 3, windowMs }] });
      assert.deepEqual(await takes(budget, 3), times(3, "ok"));
      await redis.flushall();
      const blocked = await budget.take(request());
      assert.match(blocked.reason!, LOST);
      assert.ok(blocked.retryAfterMs! > 0 && blocked.retryAfterMs! <= windowMs, `retryAfterMs ${blocked.retryAfterMs}`);
      // The server's own clock decides; waiting past retryAfterMs only adds safety.
      await new Promise((resolve) => setTimeout(resolve, blocked.retryAfterMs! + 100));
      assert.deepEqual((await takes(budget, 4)).map((a) => a.split(":")[0]), ["ok", "ok", "ok", "spent"]);
      assert.equal(await redis.zcard(windowKey(prefix, 3, windowMs)), 3);
    });
  });

  test("FLUSHALL: the 5 takes after it are all refused", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const budget = budgetOf();
      assert.deepEqual(await takes(budget, MAX), times(MAX, "ok"));
      await redis.flushall();
      assert.deepEqual(await takes(budget, MAX), times(MAX, "lost"));
      assert.equal(await redis.exists(windowKey(prefix)), 0);
    });
  });

  test("a real eviction (maxmemory with volatile-lru) of the window's set: refused, though the epoch survived", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const budget = budgetOf();
      assert.deepEqual(await takes(budget, 3), times(3, "ok"));
      const used = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
      await redis.config("SET", "maxmemory-policy", "volatile-lru");
      await redis.config("SET", "maxmemory", String(used + 2_000_000));
      // Keys without a TTL are never evicted under volatile-lru: the window's set (it has one) is the only candidate.
      const junk = "x".repeat(4_096);
      let written = 0;
      while ((await redis.exists(windowKey(prefix))) === 1) {
        await redis.set(`${prefix}junk:${written++}`, junk).catch(() => {});
        if (written > 5_000) assert.fail("the window's set was not evicted after 20 MB of writes");
      }
      assert.equal(await redis.exists(`${prefix}{budget}:epoch`), 1, "the epoch hash has no TTL and stayed");
      await redis.config("SET", "maxmemory", "0");
      assert.deepEqual(await takes(budget, 2), times(2, "lost"));
      assert.deepEqual(
        await takes(budgetOf(), 1),
        ["lost"],
        "a new process finds it too: the set is gone though charged within its window",
      );
    });
  });

  test("the epoch hash deleted (evicted under allkeys-*): refused", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const budget = budgetOf();
      assert.deepEqual(await takes(budget, 2), times(2, "ok"));
      await redis.del(`${prefix}{budget}:epoch`);
      assert.deepEqual(await takes(budget, 3), times(3, "lost"));
      assert.equal(await redis.zcard(windowKey(prefix)), 2, "nothing more was charged");
    });
  });

  test("a take cancelled to an empty window is not read as a loss", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const perType: DropLimit[] = [{ scope: "resource_type", max: 3, windowMs: WINDOW_MS }];
      const typeKey = (type: string) => `${prefix}{budget}:resource_type:${type}:3per${WINDOW_MS}ms`;
      const budget = budgetOf({ limits: perType, timeoutMs: 500 });
      assert.equal((await budget.take({ ...request(), resourceType: "postgres" })).allowed, true); // connected, the epoch made
      const pid = Number(/process_id:(\d+)/.exec(await redis.info("server"))![1]);
      process.kill(pid, "SIGSTOP");
      try {
        // The first take of "redis": sent, then given up; its set would hold only this charge.
        const lost = await budget.take({ ...request(), resourceType: "redis" });
        assert.equal(lost.allowed, false);
        assert.match(lost.reason!, /no answer within 500 ms/);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      // Whichever runs first, the late take or its cancel, the "redis" set ends empty (so Redis deletes it).
      const end = Date.now() + 8_000;
      while ((await keysCancelled(redis, prefix)) === 0 || (await redis.exists(typeKey("redis"))) === 1) {
        if (Date.now() > end) assert.fail("the cancel did not go through within 8000 ms");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(
        await redis.hget(`${prefix}{budget}:epoch`, `last:${typeKey("redis")}`),
        null,
        "no charge of the set is remembered",
      );
      const next = await budget.take({ ...request(), resourceType: "redis" });
      assert.deepEqual(next, { allowed: true }, "an emptied set is not a lost one");
      assert.equal(await redis.zcard(typeKey("redis")), 1);
      assert.equal(await redis.zcard(typeKey("postgres")), 1);
    });
  });

  test("a cancel keeps last: at the newest entry left, so a set emptied later by its window is not read as a loss", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const windowMs = 6_000;
      const budget = budgetOf({
        limits: [{ scope: "resource_type", max: 5, windowMs }, { scope: "global", max: 1, windowMs: WINDOW_MS }],
      });
      const typeKey = `${prefix}{budget}:resource_type:x:5per${windowMs}ms`;
      const globalKey = `${prefix}{budget}:global:1per${WINDOW_MS}ms`;
      const epochKey = `${prefix}{budget}:epoch`;
      assert.deepEqual(await budget.take({ ...request(), resourceType: "y" }), { allowed: true }); // the global limit is now spent
      // The "x" window as a paused take would leave it: an entry about to leave the window, and a
      // newer one, charged late, that its cancel removes.
      const [seconds = 0, micros = 0] = await redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      await redis.zadd(typeKey, now - windowMs + 100, "old", now - 10, "victim");
      await redis.pexpire(typeKey, windowMs);
      await redis.hset(epochKey, `last:${typeKey}`, now - 10);
      await runCancel(redis, {
        member: "victim",
        limitKeys: [typeKey, globalKey],
        epochKey,
        cancelKey: `${prefix}{budget}:cancelled:victim`,
      }, WINDOW_MS);
      assert.equal(
        await redis.hget(epochKey, `last:${typeKey}`),
        String(now - windowMs + 100),
        "last: is the newest entry left",
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // "old" leaves the window
      const spent = "spent: the global limit is spent: max 1 per 60000 ms";
      const x = () => budget.take({ ...request(), resourceType: "x" });
      // The first empties the "x" set (its window), refused by the global limit; the second must not read that as a loss.
      for (const verdict of [await x(), await x()]) {
        assert.equal(verdict.allowed, false);
        assert.equal(`spent: ${verdict.reason}`, spent);
      }
      assert.equal(await redis.exists(typeKey), 0);
      assert.equal(await redis.hget(epochKey, "until"), null, "no loss was found");
    });
  });

  test("a failover to a replica that missed writes: refused, by the process that made them and then by every other", async () => {
    const primary = await startThrowawayRedis();
    const replica = await startThrowawayRedis();
    const proxy = await startSwitchProxy(primary.port);
    const onPrimary = admin(primary.url);
    const onReplica = admin(replica.url);
    const prefix = `gd-loss-${randomBytes(4).toString("hex")}:`;
    const url = `redis://127.0.0.1:${proxy.port}`;
    const budget = redisDropBudget({ url, keyPrefix: prefix, limits: LIMITS, trustFreshServer: true });
    const other = redisDropBudget({ url, keyPrefix: prefix, limits: LIMITS, trustFreshServer: true });
    try {
      await onPrimary.connect();
      await onReplica.connect();
      await onReplica.call("REPLICAOF", "127.0.0.1", String(primary.port));
      assert.deepEqual(await takes(budget, 2), times(2, "ok"));
      const end = Date.now() + 15_000;
      while ((await onReplica.hget(`${prefix}{budget}:epoch`, "seq")) !== "2") {
        if (Date.now() > end) assert.fail("the replica did not get the first 2 charges within 15000 ms");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await onReplica.call("REPLICAOF", "NO", "ONE"); // it misses every write from here
      assert.deepEqual(await takes(budget, 3), times(3, "ok"));
      proxy.switchTo(replica.port); // the failover: the same URL now reaches the promoted replica
      assert.equal(await onReplica.zcard(windowKey(prefix)), 2, "the replica holds 2 of the 5 charges");
      await assertCutOnce(budget);
      assert.deepEqual(await takes(budget, MAX), times(MAX, "lost"));
      assert.deepEqual(
        await takes(other, 2),
        times(2, "lost"),
        "the block is on the server: a process that saw nothing is refused",
      );
      assert.equal(await onReplica.zcard(windowKey(prefix)), 2, "nothing more was charged");
    } finally {
      await budget.close();
      await other.close();
      onPrimary.disconnect();
      onReplica.disconnect();
      await proxy.close();
      await primary.dispose();
      await replica.dispose();
    }
  });

  test("another server at the same URL (an empty one): refused", async () => {
    const first = await startThrowawayRedis();
    const second = await startThrowawayRedis();
    const proxy = await startSwitchProxy(first.port);
    const prefix = `gd-loss-${randomBytes(4).toString("hex")}:`;
    const budget = redisDropBudget({
      url: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix: prefix,
      limits: LIMITS,
      trustFreshServer: true,
    });
    const onSecond = admin(second.url);
    try {
      await onSecond.connect();
      assert.deepEqual(await takes(budget, MAX), times(MAX, "ok"));
      proxy.switchTo(second.port);
      await assertCutOnce(budget);
      assert.deepEqual(await takes(budget, MAX), times(MAX, "lost"));
      assert.equal(await onSecond.exists(windowKey(prefix)), 0);
    } finally {
      await budget.close();
      onSecond.disconnect();
      await proxy.close();
      await first.dispose();
      await second.dispose();
    }
  });

  test("two services with different max on one prefix count in separate sets", async () => {
    await withServer(async ({ redis, prefix, budgetOf }) => {
      const two = budgetOf({ limits: [{ scope: "global", max: 2, windowMs: WINDOW_MS }] });
      const three = budgetOf({ limits: [{ scope: "global", max: 3, windowMs: WINDOW_MS }] });
      assert.deepEqual((await takes(two, 3)).map((a) => a.split(":")[0]), ["ok", "ok", "spent"]);
      assert.deepEqual((await takes(three, 4)).map((a) => a.split(":")[0]), ["ok", "ok", "ok", "spent"]);
      assert.equal(await redis.zcard(windowKey(prefix, 2)), 2);
      assert.equal(await redis.zcard(windowKey(prefix, 3)), 3);
    });
  });
});

/**
 * The take right after a switch: refused, either as a lost window or, when
 * the cut reached the client first, as a lost connection (never allowed).
 */
async function assertCutOnce(budget: RedisDropBudget): Promise<void> {
  const first = await budget.take(request());
  assert.equal(first.allowed, false);
  assert.match(first.reason!, /^the budget's window was lost|the connection was lost/);
}

/** Waits, bounded, until the server says it has been up for at least `ms`. */
async function waitForUptime(redis: Redis, ms: number): Promise<void> {
  const end = Date.now() + ms + 15_000;
  const uptimeMs = async () => Number(/uptime_in_seconds:(\d+)/.exec(await redis.info("server"))![1]) * 1_000;
  while ((await uptimeMs()) < ms) {
    if (Date.now() > end) assert.fail(`the server was not up for ${ms} ms within ${ms + 15_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function keysCancelled(redis: Redis, prefix: string): Promise<number> {
  const [, keys] = await redis.scan("0", "MATCH", `${prefix}{budget}:cancelled:*`, "COUNT", 1_000);
  return keys.length;
}

/**
 * A TCP proxy whose target can be switched: what a failover or a DNS change
 * does to a fixed URL. A switch cuts every open link, as a failover does.
 */
async function startSwitchProxy(
  port: number,
): Promise<{ port: number; switchTo(port: number): void; close(): Promise<void> }> {
  let target = port;
  const links = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    links.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      links.delete(client);
      links.delete(upstream);
    };
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    switchTo(next: number) {
      target = next;
      for (const socket of links) socket.destroy();
    },
    async close() {
      for (const socket of links) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
