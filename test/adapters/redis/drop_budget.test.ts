// redisDropBudget on a real Redis: GD_REDIS_URL, shared (every key under a
// unique prefix, removed afterwards; never flushed), and second
// redis-servers this file starts to stop and to pause.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { isRateLimitedError } from "../../../lib/mod.ts";
import {
  type DropLimit,
  type RedisDropBudget,
  redisDropBudget,
  type RedisDropBudgetOptions,
} from "../../../adapters/redis/mod.ts";
import { createAuditFixture } from "../../support/audit_fixture.ts";
import { assertReplicasShareMax, runBudgetReplicas } from "../../support/budget_replicas.ts";
import { guardedCall } from "../../support/guarded_call.ts";
import {
  dedicatedRedisSkipReason,
  envUrl,
  freePort,
  HOW_TO_GET,
  startDedicatedRedis,
  startSilentServer,
  uniqueToken,
} from "../../support/servers.ts";
import { SECRET } from "../../support/unreachable.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

const sharedUrl = envUrl("GD_REDIS_URL");
/** The commands the README tells a budget's ACL user to allow. */
const BUDGET_ACL = [
  "+evalsha",
  "+eval",
  "+time",
  "+zremrangebyscore",
  "+zcard",
  "+zrange",
  "+zadd",
  "+pexpire",
  "+exists",
  "+set",
  "+zrem",
  "+hget",
  "+hmget",
  "+hset",
  "+hdel",
  "+hincrby",
  "+info",
];
/**
 * The servers here are throwaway ones started by the test, or a shared one
 * that CI may have started seconds ago: younger than the windows tested. No
 * test here is about telling a restarted Redis from a new one
 * (drop_budget_loss.test.ts is), so they trust a young server.
 */
const YOUNG = { trustFreshServer: true } as const;
const GLOBAL = (max: number, windowMs = 60_000): DropLimit => ({ scope: "global", max, windowMs });

function admin(url: string): Redis {
  const redis = new Redis(url, { retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
  redis.on("error", () => {});
  return redis;
}

function uniquePrefix(): string {
  return `gd-test-budget-${randomBytes(6).toString("hex")}:`;
}

/** The keys under a prefix, found with our own SCAN. */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}

/** The budget's window sets under a prefix, with their member counts (its epoch hash and cancel marks left out). */
async function budgetKeys(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const key of await keysUnder(redis, prefix)) {
    if ((await redis.type(key)) === "zset") found.set(key, await redis.zcard(key));
  }
  return found;
}

async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

const request = (resourceType = "postgres", token = uniqueToken("bud")) => ({
  token,
  providerResourceId: `res-${token}`,
  resourceType,
  backend: "shared" as const,
  requestId: `req-${randomBytes(6).toString("hex")}`,
  caller: "test/drop_budget",
});

describe("redisDropBudget: options", () => {
  const url = "redis://127.0.0.1:6379";
  const cases: [string, unknown, RegExp][] = [
    ["no options", undefined, /'options' must be an object: current value is undefined/],
    ["empty limits", { url, limits: [] }, /'limits' must be a non-empty array: current value is an empty array/],
    ["no limits", { url }, /'limits' must be a non-empty array: current value is undefined/],
    ["a limit that is not an object", { url, limits: [7] }, /'limits\[0\]' must be an object: current value is 7/],
    [
      "an unknown scope",
      { url, limits: [{ scope: "tenant", max: 1, windowMs: 1 }] },
      /'limits\[0\]\.scope' must be "global" or "resource_type": current value is "tenant"/,
    ],
    [
      "a missing scope",
      { url, limits: [{ max: 1, windowMs: 1 }] },
      /'limits\[0\]\.scope' must be .*current value is undefined/,
    ],
    [
      "max 0",
      { url, limits: [{ scope: "global", max: 0, windowMs: 1000 }] },
      /'limits\[0\]\.max' must be a positive integer: current value is 0/,
    ],
    [
      "max -1",
      { url, limits: [GLOBAL(1), { scope: "global", max: -1, windowMs: 5 }] },
      /'limits\[1\]\.max' must be a positive integer: current value is -1/,
    ],
    [
      "max 1.5",
      { url, limits: [{ scope: "global", max: 1.5, windowMs: 1000 }] },
      /'limits\[0\]\.max' must be a positive integer: current value is 1\.5/,
    ],
    [
      "max NaN",
      { url, limits: [{ scope: "global", max: NaN, windowMs: 1000 }] },
      /'limits\[0\]\.max' must be a positive integer: current value is NaN/,
    ],
    [
      "max as a string",
      { url, limits: [{ scope: "global", max: "5", windowMs: 1000 }] },
      /'limits\[0\]\.max' must be a positive integer: current value is a string/,
    ],
    [
      "windowMs 0",
      { url, limits: [{ scope: "resource_type", max: 1, windowMs: 0 }] },
      /'limits\[0\]\.windowMs' must be a positive integer: current value is 0/,
    ],
    [
      "windowMs Infinity",
      { url, limits: [{ scope: "global", max: 1, windowMs: Infinity }] },
      /'limits\[0\]\.windowMs' must be a positive integer: current value is Infinity/,
    ],
    [
      "windowMs 0.5",
      { url, limits: [{ scope: "global", max: 1, windowMs: 0.5 }] },
      /'limits\[0\]\.windowMs' must be a positive integer: current value is 0\.5/,
    ],
    [
      "a repeated scope and window",
      { url, limits: [GLOBAL(1), GLOBAL(2)] },
      /'limits\[1\]' must not repeat the scope and window of 'limits\[0\]'/,
    ],
    [
      "no url",
      { limits: [GLOBAL(1)] },
      /'url' must be a URL such as redis:\/\/user:password@host:6379\/0: current value is undefined/,
    ],
    [
      "a url that is not one",
      { url: `not a url ${SECRET}`, limits: [GLOBAL(1)] },
      /'url' must be a URL such as .*: current value is a string of \d+ characters without a scheme/,
    ],
    [
      "an http url",
      { url: `http://admin:${SECRET}@127.0.0.1:6379`, limits: [GLOBAL(1)] },
      /'url' must be a URL such as .*: current scheme is "http:", expected "redis:" or "rediss:"/,
    ],
    [
      "a url without a host",
      { url: "redis://", limits: [GLOBAL(1)] },
      /'url' must be a URL such as .*: it names no host/,
    ],
    ["a url with an unencoded '@' in its password", {
      url: `redis://admin:${SECRET}@x@127.0.0.1:6379`,
      limits: [GLOBAL(1)],
    }, /unencoded '@'/],
    [
      "an unknown onUnavailable",
      { url, limits: [GLOBAL(1)], onUnavailable: "ignore" },
      /'onUnavailable' must be "deny" or "allow": current value is a string/,
    ],
    [
      "timeoutMs 0",
      { url, limits: [GLOBAL(1)], timeoutMs: 0 },
      /'timeoutMs' must be a positive finite number: current value is 0/,
    ],
    [
      "a keyPrefix that is not a string",
      { url, limits: [GLOBAL(1)], keyPrefix: 5 },
      /'keyPrefix' must be a string: current value is 5/,
    ],
    [
      "a cluster that is not a boolean",
      { url, limits: [GLOBAL(1)], cluster: "yes" },
      /'cluster' must be a boolean: current value is a string/,
    ],
    [
      "a trustFreshServer that is not a boolean",
      { url, limits: [GLOBAL(1)], trustFreshServer: 1 },
      /'trustFreshServer' must be a boolean: current value is 1/,
    ],
    [
      "a cluster url naming database 1",
      { url: `${url}/1`, limits: [GLOBAL(1)], cluster: true },
      /'url' must name database 0 when 'cluster' is true/,
    ],
  ];
  for (const [name, options, message] of cases) {
    test(`${name} is a TypeError at the factory`, () => {
      assert.throws(() => redisDropBudget(options as RedisDropBudgetOptions), (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.match(err.message, /^Cannot create redisDropBudget as /);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, new RegExp(SECRET));
        return true;
      });
    });
  }

  test("valid options open no connection until the first take", async () => {
    const budget = redisDropBudget({
      url: `redis://127.0.0.1:${await freePort()}`,
      limits: [GLOBAL(1), { scope: "resource_type", max: 1, windowMs: 60_000 }],
    });
    await budget.close();
    const verdict = await budget.take(request());
    assert.equal(verdict.allowed, false, "a closed budget says no");
    assert.match(verdict.reason!, /closed/);
  });
});

describe("redisDropBudget on a shared Redis", {
  skip: sharedUrl === undefined ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}` : false,
}, () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    return prefix;
  };
  const budgetOf = (options: Partial<RedisDropBudgetOptions> & Pick<RedisDropBudgetOptions, "limits">) =>
    redisDropBudget({ ...YOUNG, url: sharedUrl!, keyPrefix: newPrefix(), ...options });

  before(async () => {
    redis = admin(sharedUrl!);
    await redis.connect();
  });
  after(async () => {
    for (const prefix of prefixes) await removeKeys(redis, prefix);
    redis.disconnect();
  });

  test("concurrent takes of one budget: exactly max are allowed, and exactly max are charged", async () => {
    const budget = budgetOf({ limits: [GLOBAL(7)] });
    try {
      const verdicts = await Promise.all(Array.from({ length: 40 }, () => budget.take(request())));
      assert.equal(verdicts.filter((v) => v.allowed).length, 7);
      assert.equal(verdicts.filter((v) => !v.allowed).length, 33);
      const keys = await budgetKeys(redis, prefixes.at(-1)!);
      assert.deepEqual([...keys.values()], [7], "one key holding the 7 drops let through");
      for (const v of verdicts.filter((v) => !v.allowed)) {
        assert.equal(v.reason, "the global limit is spent: max 7 per 60000 ms");
        assert.ok(v.retryAfterMs! > 0 && v.retryAfterMs! <= 60_000, `retryAfterMs ${v.retryAfterMs}`);
      }
    } finally {
      await budget.close();
    }
  });

  test("all or nothing: a spent limit charges none of the others", async () => {
    const prefix = newPrefix();
    const budget = redisDropBudget({
      ...YOUNG,
      url: sharedUrl!,
      keyPrefix: prefix,
      limits: [GLOBAL(3), { scope: "resource_type", max: 2, windowMs: 60_000 }],
    });
    try {
      const takes: [string, boolean][] = [
        ["postgres", true],
        ["postgres", true],
        ["postgres", false],
        ["redis", true],
        ["redis", false],
        ["mongodb", false],
      ];
      for (const [type, allowed] of takes) {
        const verdict = await budget.take(request(type));
        assert.equal(verdict.allowed, allowed, `${type}: ${verdict.reason}`);
      }
      const keys = await budgetKeys(redis, prefix);
      assert.deepEqual(Object.fromEntries(keys), {
        [`${prefix}{budget}:global:3per60000ms`]: 3,
        [`${prefix}{budget}:resource_type:postgres:2per60000ms`]: 2,
        // The second redis drop was refused by the global limit: its type limit was not charged.
        [`${prefix}{budget}:resource_type:redis:2per60000ms`]: 1,
      });
      const third = await budget.take(request("postgres"));
      assert.equal(
        third.reason,
        'the global limit is spent: max 3 per 60000 ms; the resource_type "postgres" limit is spent: max 2 per 60000 ms',
      );
      const ttl = await redis.pttl(`${prefix}{budget}:global:3per60000ms`);
      assert.ok(ttl > 0 && ttl <= 60_000, `the key expires with its window (pttl ${ttl})`);
    } finally {
      await budget.close();
    }
  });

  test("a sliding window: retryAfterMs says when a slot frees, and then one does", async () => {
    // Two drops GAP_MS apart in a WINDOW_MS window. Each check below holds
    // as long as the machine stalls less than GAP_MS between two steps: the
    // third take must come within WINDOW_MS of the first, and the last one
    // within WINDOW_MS of the second. 700 ms of 2000 ms was too little on a
    // loaded 2-core machine; 3 s of 6 s costs 6 s of waiting.
    const WINDOW_MS = 6_000;
    const GAP_MS = 3_000;
    const budget = budgetOf({ limits: [GLOBAL(2, WINDOW_MS)] });
    try {
      assert.equal((await budget.take(request())).allowed, true);
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      assert.equal((await budget.take(request())).allowed, true);
      const spent = await budget.take(request());
      assert.equal(spent.allowed, false);
      assert.ok(
        spent.retryAfterMs! > 0 && spent.retryAfterMs! <= WINDOW_MS - GAP_MS,
        `retryAfterMs ${spent.retryAfterMs}`,
      );
      await new Promise((resolve) => setTimeout(resolve, spent.retryAfterMs! + 20));
      assert.equal((await budget.take(request())).allowed, true, "a slot is free once retryAfterMs has passed");
      const again = await budget.take(request());
      assert.equal(again.allowed, false, "and only one: the second drop is still in the window");
      assert.ok(again.retryAfterMs! > 0 && again.retryAfterMs! < WINDOW_MS, `retryAfterMs ${again.retryAfterMs}`);
    } finally {
      await budget.close();
    }
  });

  test("a user allowed only the script's commands on the prefix's keys can take (the README's ACL)", async () => {
    const prefix = newPrefix();
    const user = `gdbudget${randomBytes(5).toString("hex")}`;
    await redis.call("ACL", "SETUSER", user, "on", `>pw-${user}`, `~${prefix}*`, ...BUDGET_ACL);
    const budget = redisDropBudget({
      ...YOUNG,
      url: `redis://${user}:pw-${user}@${new URL(sharedUrl!).host}`,
      keyPrefix: prefix,
      limits: [GLOBAL(1)],
    });
    try {
      assert.deepEqual(await budget.take(request()), { allowed: true });
      assert.equal((await budget.take(request())).allowed, false);
    } finally {
      await budget.close();
      await redis.call("ACL", "DELUSER", user);
    }
  });

  test("a key of another type is a failure that denies, even with onUnavailable: allow", async () => {
    const prefix = newPrefix();
    await redis.set(`${prefix}{budget}:global:3per60000ms`, "not a sorted set");
    const budget = redisDropBudget({
      ...YOUNG,
      url: sharedUrl!,
      keyPrefix: prefix,
      limits: [GLOBAL(3)],
      onUnavailable: "allow",
    });
    try {
      const verdict = await budget.take(request());
      assert.equal(verdict.allowed, false);
      assert.match(verdict.reason!, /WRONGTYPE/);
    } finally {
      await budget.close();
    }
  });

  test("through guardedDrop: the spent budget is rate_limited with its reason and retryAfterMs, counted and recorded", async () => {
    const budget = budgetOf({ limits: [GLOBAL(2)] });
    const fixture = createAuditFixture({ budget });
    try {
      await guardedCall(fixture, request(), "ok");
      await guardedCall(fixture, request(), "ok");
      const { error, failed } = await guardedCall(fixture, request(), "rate_limited");
      assert.ok(isRateLimitedError(error));
      assert.equal(error.reason, "the global limit is spent: max 2 per 60000 ms");
      assert.ok(error.retryAfterMs! > 0 && error.retryAfterMs! <= 60_000, `retryAfterMs ${error.retryAfterMs}`);
      assert.match(error.message, /the global limit is spent: max 2 per 60000 ms/);
      assert.equal(failed!.reason, "the global limit is spent: max 2 per 60000 ms");
    } finally {
      await budget.close();
      fixture.close();
    }
  });

  test("three replicas, each with its own guardedDrop and budget: their ok drops equal the limit exactly", async () => {
    const prefix = newPrefix();
    const max = 10;
    const attempts = 8;
    const results = await runBudgetReplicas({
      url: sharedUrl!,
      prefix,
      max,
      windowMs: 60_000,
      attempts,
      trustFreshServer: true,
    });
    assertReplicasShareMax(results, { max, windowMs: 60_000, attempts });
    assert.deepEqual(
      [...(await budgetKeys(redis, prefix)).values()],
      [max],
      "Redis holds exactly the drops let through",
    );
  });
});

describe("redisDropBudget when Redis is away", () => {
  test("a closed port: rate_limited by default, and the URL's password is never written", async () => {
    const port = await freePort();
    const budget = redisDropBudget({
      url: `redis://admin:${SECRET}@127.0.0.1:${port}`,
      limits: [GLOBAL(5)],
      timeoutMs: 1_000,
    });
    const fixture = createAuditFixture({ budget });
    try {
      const { error, failed, warnings, elapsedMs } = await guardedCall(fixture, request(), "rate_limited");
      assert.ok(isRateLimitedError(error));
      assert.match(error.reason!, /unreachable \(ECONNREFUSED/);
      assert.equal(error.retryAfterMs, undefined, "nobody knows when Redis is back");
      assert.match(failed!.reason as string, /ECONNREFUSED/);
      assert.equal(warnings.length, 0);
      assert.ok(elapsedMs < 1_000 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      assert.doesNotMatch(JSON.stringify(fixture.lines()) + error.message + error.reason, new RegExp(SECRET));
      // And again: a failed connection is not left behind to hang the next take.
      await guardedCall(fixture, request(), "rate_limited");
    } finally {
      await budget.close();
      fixture.close();
    }
  });

  test('a closed port with onUnavailable: "allow": ok, and exactly one warning record', async () => {
    const budget = redisDropBudget({
      url: `redis://admin:${SECRET}@127.0.0.1:${await freePort()}`,
      limits: [GLOBAL(5)],
      onUnavailable: "allow",
    });
    const fixture = createAuditFixture({ budget });
    try {
      const { warnings } = await guardedCall(fixture, request(), "ok");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.warning as string, /onUnavailable: "allow".*ECONNREFUSED/);
      assert.equal(warnings[0]!.level, 40, "at level warn");
      assert.equal(fixture.lines().filter((l) => l.event === "provisioner.drop.warning").length, 1);
      assert.doesNotMatch(JSON.stringify(fixture.lines()), new RegExp(SECRET));
    } finally {
      await budget.close();
      fixture.close();
    }
  });

  test("a server that accepts and never answers: rate_limited once timeoutMs has passed", async () => {
    const silent = await startSilentServer();
    const budget = redisDropBudget({ url: `redis://127.0.0.1:${silent.port}`, limits: [GLOBAL(5)], timeoutMs: 400 });
    const fixture = createAuditFixture({ budget });
    try {
      const { error, elapsedMs } = await guardedCall(fixture, request(), "rate_limited");
      assert.ok(elapsedMs >= 350 && elapsedMs < 400 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      assert.match(error!.reason!, /unreachable|unavailable|no answer|no connection/);
    } finally {
      await budget.close();
      fixture.close();
      await silent.close();
    }
  });

  describe("a Redis of our own", {
    skip: dedicatedRedisSkipReason() ??
      (envUrl("GD_REDIS_DEDICATED_URL") === undefined ? false : "only on a server this file starts and may pause"),
  }, () => {
    test("paused (SIGSTOP): rate_limited within timeoutMs, or ok with one warning under allow; back to normal once resumed", async () => {
      const server = await startDedicatedRedis();
      const timeoutMs = 400;
      const deny = redisDropBudget({ ...YOUNG, url: server.url, limits: [GLOBAL(5)], timeoutMs });
      const allow = redisDropBudget({
        ...YOUNG,
        url: server.url,
        limits: [GLOBAL(5)],
        timeoutMs,
        onUnavailable: "allow",
      });
      const denyFixture = createAuditFixture({ budget: deny });
      const allowFixture = createAuditFixture({ budget: allow });
      let pid: number | undefined;
      try {
        await guardedCall(denyFixture, request(), "ok"); // connected before the pause, and after it
        const probe = admin(server.url);
        try {
          await probe.connect();
          pid = Number(/process_id:(\d+)/.exec(await probe.info("server"))![1]);
        } finally {
          probe.disconnect();
        }
        process.kill(pid, "SIGSTOP");
        const denied = await guardedCall(denyFixture, request(), "rate_limited");
        assert.ok(
          denied.elapsedMs >= timeoutMs - 50 && denied.elapsedMs < timeoutMs + LOADED_MACHINE_SLACK_MS,
          `${denied.elapsedMs} ms`,
        );
        assert.match((denied.error as { reason: string }).reason, /ETIMEDOUT|timed out|no answer within 400 ms/);
        const second = await guardedCall(denyFixture, request(), "rate_limited");
        assert.ok(
          second.elapsedMs < timeoutMs + LOADED_MACHINE_SLACK_MS,
          `a new connection to the paused server: ${second.elapsedMs} ms`,
        );
        const allowed = await guardedCall(allowFixture, request(), "ok");
        assert.equal(allowed.warnings.length, 1);
        assert.ok(allowed.elapsedMs < timeoutMs + LOADED_MACHINE_SLACK_MS, `${allowed.elapsedMs} ms`);
        process.kill(pid, "SIGCONT");
        pid = undefined;
        await guardedCall(denyFixture, request(), "ok");
        assert.equal(allowFixture.lines().filter((l) => l.event === "provisioner.drop.warning").length, 1);
      } finally {
        if (pid !== undefined) process.kill(pid, "SIGCONT");
        await deny.close();
        await allow.close();
        denyFixture.close();
        allowFixture.close();
        await server.dispose();
      }
    });

    test("stopped and started again: denied while down, and the next take reconnects and finds the window lost", async () => {
      const server = await startDedicatedRedis();
      const budget = redisDropBudget({ ...YOUNG, url: server.url, limits: [GLOBAL(5)], timeoutMs: 1_000 });
      try {
        assert.equal((await budget.take(request())).allowed, true);
        await server.stop();
        const down = await budget.take(request());
        assert.equal(down.allowed, false);
        assert.match(down.reason!, /unavailable|unreachable|lost/);
        await server.start();
        // The server has no persistence: the reconnected take answers, and finds its window gone.
        const after = await budget.take(request());
        assert.equal(after.allowed, false);
        assert.match(after.reason!, /^the budget's window was lost/);
      } finally {
        await budget.close();
        await server.dispose();
      }
    });

    test("a take that timed out on a paused server stays uncharged, under deny and allow: exactly max clean ok takes", async () => {
      for (const onUnavailable of ["deny", "allow"] as const) {
        const server = await startDedicatedRedis();
        const prefix = uniquePrefix();
        const key = `${prefix}{budget}:global:3per600000ms`;
        const budget = redisDropBudget({
          ...YOUNG,
          url: server.url,
          keyPrefix: prefix,
          limits: [GLOBAL(3, 600_000)],
          timeoutMs: 500,
          onUnavailable,
        });
        const redis = admin(server.url);
        let pid: number | undefined;
        try {
          await redis.connect();
          assert.deepEqual(await budget.take(request()), { allowed: true });
          pid = await pidOf(redis);
          process.kill(pid, "SIGSTOP");
          const lost = await budget.take(request());
          // Paused well past the first cancel's own bound, so that the retry is what gets it through.
          await sleep(1_200);
          process.kill(pid, "SIGCONT");
          pid = undefined;
          if (onUnavailable === "deny") {
            assert.equal(lost.allowed, false, onUnavailable);
            assert.match(
              lost.reason!,
              /no answer within 500 ms \(it may have been charged on the server, and a cancel of that charge was sent\)/,
            );
          } else {
            assert.equal(lost.allowed, true, onUnavailable);
            assert.match(
              lost.warning!,
              /^the drop went on \(onUnavailable: "allow"\); it may have been charged on the server, and a cancel of that charge was sent: .*no answer within 500 ms/,
            );
          }
          // The resumed server ran the late script; the cancel, retried, removes its charge without another take.
          await until(async () => (await redis.zcard(key)) === 1, 8_000, `${onUnavailable}: ZCARD back to 1`);
          const after = [];
          for (let i = 0; i < 3; i++) after.push((await budget.take(request())).allowed);
          assert.deepEqual(after, [true, true, false], `${onUnavailable}: 3 clean ok takes of 5 tried for a max of 3`);
          assert.equal(await redis.zcard(key), 3, onUnavailable);
          assert.equal((await keysUnder(redis, `${prefix}{budget}:cancelled:`)).length, 1, "one cancel mark");
          const ttl = await redis.pttl((await keysUnder(redis, `${prefix}{budget}:cancelled:`))[0]!);
          assert.ok(ttl > 590_000 && ttl <= 600_000, `the mark lives a window (pttl ${ttl})`);
        } finally {
          if (pid !== undefined) process.kill(pid, "SIGCONT");
          await budget.close();
          redis.disconnect();
          await server.dispose();
        }
      }
    });

    test("the cancel runs before the delayed script (held in a proxy): the script charges nothing", async () => {
      await withProxiedBudget(async ({ proxy, prefix, key, budget, redis }) => {
        proxy.hold(); // the open connection's bytes stop at the proxy; new ones pass
        const lost = await budget.take(request());
        assert.equal(lost.allowed, false);
        // The cancel went through a new connection: its mark is set, its ZREM found nothing.
        await until(
          async () => (await keysUnder(redis, `${prefix}{budget}:cancelled:`)).length === 1,
          5_000,
          "the cancel mark",
        );
        assert.equal(await redis.zcard(key), 1);
        const replies = proxy.release(); // now the late EVALSHA reaches Redis
        await until(async () => replies().includes("cancelled"), 5_000, "the late script's answer");
        assert.equal(await redis.zcard(key), 1, "the late script saw the mark and charged nothing");
      });
    });

    test("the delayed script runs before the cancel (new connections refused meanwhile): the cancel removes its charge", async () => {
      await withProxiedBudget(async ({ proxy, prefix, key, budget, redis }) => {
        proxy.hold();
        proxy.refuseNew(true); // the first cancels fail
        const lost = await budget.take(request());
        assert.equal(lost.allowed, false);
        assert.match(lost.reason!, /at EVALSHA\): no answer within 500 ms/);
        const replies = proxy.release();
        await until(
          async () => replies().includes("charged"),
          5_000,
          () => `the late script's answer: charged (got ${JSON.stringify(replies())})`,
        );
        assert.equal(await redis.zcard(key), 2, "the late script charged the denied take");
        proxy.refuseNew(false);
        await until(async () => (await redis.zcard(key)) === 1, 8_000, "the retried cancel");
      });
    });

    test("a take aborted by guardedDrop's deadline after it was sent is cancelled too", async () => {
      const server = await startDedicatedRedis();
      const prefix = uniquePrefix();
      const key = `${prefix}{budget}:global:2per600000ms`;
      const budget = redisDropBudget({
        ...YOUNG,
        url: server.url,
        keyPrefix: prefix,
        limits: [GLOBAL(2, 600_000)],
        timeoutMs: 1_500,
      });
      const fixture = createAuditFixture({ budget, budgetTimeoutMs: 300 });
      const redis = admin(server.url);
      let pid: number | undefined;
      try {
        await redis.connect();
        await guardedCall(fixture, request(), "ok");
        pid = await pidOf(redis);
        process.kill(pid, "SIGSTOP");
        const { error } = await guardedCall(fixture, request(), "rate_limited");
        assert.match((error as { reason: string }).reason, /did not answer within 300 ms/);
        process.kill(pid, "SIGCONT");
        pid = undefined;
        await until(async () => (await redis.zcard(key)) === 1, 8_000, "ZCARD back to 1");
        await guardedCall(fixture, request(), "ok");
        await guardedCall(fixture, request(), "rate_limited");
        assert.equal(await redis.zcard(key), 2);
      } finally {
        if (pid !== undefined) process.kill(pid, "SIGCONT");
        await budget.close();
        fixture.close();
        redis.disconnect();
        await server.dispose();
      }
    });

    test("a take aborted while connecting sends nothing once the connection opens", async () => {
      const server = await startDedicatedRedis();
      const prefix = uniquePrefix();
      const key = `${prefix}{budget}:global:3per600000ms`;
      const budget = redisDropBudget({
        ...YOUNG,
        url: server.url,
        keyPrefix: prefix,
        limits: [GLOBAL(3, 600_000)],
        timeoutMs: 3_000,
      });
      const redis = admin(server.url);
      let pid: number | undefined;
      try {
        await redis.connect();
        pid = await pidOf(redis);
        process.kill(pid, "SIGSTOP"); // the connect's ready check waits
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const verdict = await budget.take(request(), controller.signal);
        assert.equal(verdict.allowed, false);
        assert.match(verdict.reason!, /at connect\): the take was aborted$/);
        assert.doesNotMatch(verdict.reason!, /may have been charged/);
        process.kill(pid, "SIGCONT");
        pid = undefined;
        await sleep(500); // the connection opens now, well within its 3000 ms bound
        assert.equal(await redis.exists(key), 0, "nothing was charged");
        const after = [];
        for (let i = 0; i < 4; i++) after.push((await budget.take(request())).allowed);
        assert.deepEqual(after, [true, true, true, false]);
      } finally {
        if (pid !== undefined) process.kill(pid, "SIGCONT");
        await budget.close();
        redis.disconnect();
        await server.dispose();
      }
    });
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A throwaway Redis behind a {@linkcode startProxy}, a budget of 3 per 10
 * minutes through it with one take already charged, and an admin client to
 * it. After `steps`, the budget must have exactly 2 clean takes left.
 */
async function withProxiedBudget(
  steps: (
    ctx: {
      proxy: Awaited<ReturnType<typeof startProxy>>;
      prefix: string;
      key: string;
      budget: RedisDropBudget;
      redis: Redis;
    },
  ) => Promise<void>,
): Promise<void> {
  const server = await startDedicatedRedis();
  const proxy = await startProxy(server.port);
  const prefix = uniquePrefix();
  const key = `${prefix}{budget}:global:3per600000ms`;
  const budget = redisDropBudget({
    ...YOUNG,
    url: proxy.url,
    keyPrefix: prefix,
    limits: [GLOBAL(3, 600_000)],
    timeoutMs: 500,
  });
  const redis = admin(server.url);
  try {
    await redis.connect();
    assert.deepEqual(await budget.take(request()), { allowed: true });
    await steps({ proxy, prefix, key, budget, redis });
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await budget.take(request())).allowed);
    assert.deepEqual(after, [true, true, false], "3 clean ok takes of 5 tried for a max of 3");
    assert.equal(await redis.zcard(key), 3);
  } finally {
    await budget.close();
    redis.disconnect();
    await proxy.close();
    await server.dispose();
  }
}

/** Polls `check` until it holds, or fails after `ms`. */
async function until(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string | (() => string),
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${typeof what === "string" ? what : what()}: not within ${ms} ms`);
    await sleep(50);
  }
}

/** The pid of the server `redis` is connected to, from INFO. */
async function pidOf(redis: Redis): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await redis.info("server"))![1]);
}

/**
 * A TCP proxy to 127.0.0.1:`port` that can hold the bytes its open
 * connections send (a delayed packet) and refuse new connections, so that a
 * test chooses which of two commands reaches Redis first.
 */
async function startProxy(port: number) {
  const links = new Set<
    { client: Socket; upstream: Socket; held: Buffer[] | undefined; wasHeld: boolean; replies: string[] }
  >();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = connect(port, "127.0.0.1");
    const link = { client, upstream, held: undefined as Buffer[] | undefined, wasHeld: false, replies: [] as string[] };
    links.add(link);
    client.on("data", (chunk: Buffer) => (link.held !== undefined ? link.held.push(chunk) : upstream.write(chunk)));
    upstream.on("data", (chunk: Buffer) => {
      link.replies.push(chunk.toString("latin1"));
      if (!client.destroyed) client.write(chunk);
    });
    // A link that was held outlives its client, as a packet in flight does, until close().
    client.on("close", () => !link.wasHeld && upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => {});
    upstream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Holds what the open connections send from now on. */
    hold() {
      for (const link of links) {
        link.held ??= [];
        link.wasHeld = true;
      }
    },
    refuseNew(on: boolean) {
      refusing = on;
    },
    /** Sends what was held; returns what Redis answers to the held links from now on. */
    release(): () => string {
      const released = [...links].filter((link) => link.held !== undefined);
      const bytes = released.reduce((n, link) => n + link.held!.reduce((m, chunk) => m + chunk.length, 0), 0);
      for (const link of released) {
        link.replies = [];
        for (const chunk of link.held!) link.upstream.write(chunk);
        link.held = undefined;
      }
      return () =>
        `${released.length} link(s), ${bytes} bytes held: ` + released.flatMap((link) => link.replies).join("");
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
