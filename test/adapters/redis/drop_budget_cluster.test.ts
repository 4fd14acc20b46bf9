// redisDropBudget on a real Redis Cluster (issue 22 part 5): three
// throwaway `redis-server --cluster-enabled yes` nodes on loopback, joined
// by test/support/redis_cluster.ts. The script touches several keys, so
// they must share a hash slot; over 3 processes, exactly the limit runs.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Cluster, Redis } from "ioredis";
import { redisDropBudget } from "../../../adapters/redis/mod.ts";
import { assertReplicasShareMax, runBudgetReplicas } from "../../support/budget_replicas.ts";
import {
  startThrowawayCluster,
  type ThrowawayCluster,
  throwawayClusterSkipReason,
} from "../../support/redis_cluster.ts";
import { uniqueToken } from "../../support/servers.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

const WINDOW_MS = 60_000;
// The nodes are seconds old, younger than the window: these tests are not
// about telling a restarted Redis from a new one, so they trust it.
const YOUNG = { trustFreshServer: true } as const;

const request = (resourceType = "postgres") => {
  const token = uniqueToken("clu");
  return {
    token,
    resourceType,
    backend: "shared" as const,
    requestId: `req-${token}`,
    caller: "test/drop_budget_cluster",
  };
};

describe("redisDropBudget on a Redis Cluster", { skip: throwawayClusterSkipReason() ?? false }, () => {
  let cluster: ThrowawayCluster;
  let admin: Cluster;

  before(async () => {
    cluster = await startThrowawayCluster(3);
    admin = new Cluster([{ host: "127.0.0.1", port: cluster.ports[0]! }], {
      lazyConnect: true,
      clusterRetryStrategy: () => null,
    });
    admin.on("error", () => {});
    await admin.connect();
  });
  after(async () => {
    admin?.disconnect();
    await cluster?.dispose();
  });

  test("three processes, each with its own guardedDrop and cluster budget: their ok drops equal the limit exactly", async () => {
    const prefix = `gd-cluster-${randomBytes(4).toString("hex")}:`;
    const max = 10;
    const attempts = 8;
    // Seeded with a node that does not own the budget's slot: the client must follow it to the one that does.
    const slot = Number(await admin.call("CLUSTER", "KEYSLOT", `${prefix}{budget}:epoch`));
    const ranges = await admin.call("CLUSTER", "SLOTS") as [number, number, [string, number]][];
    const ownerPort = ranges.find(([first, last]) => first <= slot && slot <= last)![2][1];
    const url = `redis://127.0.0.1:${cluster.ports.find((port) => port !== ownerPort)}`;
    const results = await runBudgetReplicas({
      url,
      prefix,
      max,
      windowMs: WINDOW_MS,
      attempts,
      cluster: true,
      ...YOUNG,
    });
    assertReplicasShareMax(results, { max, windowMs: WINDOW_MS, attempts });
    assert.equal(
      await admin.zcard(`${prefix}{budget}:global:${max}per${WINDOW_MS}ms`),
      max,
      "the window holds exactly the drops let through",
    );
    assert.equal(await admin.hget(`${prefix}{budget}:epoch`, "seq"), String(max));
  });

  test("every key of one budget is in one slot, on the one node that owns it", async () => {
    const prefix = `gd-cluster-${randomBytes(4).toString("hex")}:`;
    const budget = redisDropBudget({
      ...YOUNG,
      url: `redis://127.0.0.1:${cluster.ports[0]}`,
      cluster: true,
      keyPrefix: prefix,
      limits: [{ scope: "global", max: 4, windowMs: WINDOW_MS }, {
        scope: "resource_type",
        max: 2,
        windowMs: WINDOW_MS,
      }],
    });
    try {
      const answers = [];
      for (const type of ["postgres", "postgres", "postgres", "redis", "mysql", "mysql"]) {
        answers.push((await budget.take(request(type))).allowed);
      }
      assert.deepEqual(answers, [true, true, false, true, true, false], "2 per type, 4 in all, across the one slot");
      const keys = [
        `${prefix}{budget}:global:4per60000ms`,
        `${prefix}{budget}:resource_type:postgres:2per60000ms`,
        `${prefix}{budget}:resource_type:redis:2per60000ms`,
        `${prefix}{budget}:resource_type:mysql:2per60000ms`,
        `${prefix}{budget}:epoch`,
      ];
      const slots = new Set<number>();
      for (const key of keys) slots.add(Number(await admin.call("CLUSTER", "KEYSLOT", key)));
      assert.equal(slots.size, 1, `one slot for ${keys.length} keys`);
      const counts = [];
      for (const key of keys.slice(0, 4)) counts.push(await admin.zcard(key));
      assert.deepEqual(counts, [4, 2, 1, 1]);
      // Exactly one node holds them, all of them.
      let holders = 0;
      for (const port of cluster.ports) {
        const node = new Redis({
          host: "127.0.0.1",
          port,
          lazyConnect: true,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
        });
        node.on("error", () => {});
        try {
          await node.connect();
          const [slot] = slots;
          // Every budget's keys share the tag {budget}: the other test's are in this slot too.
          const inSlot = await node.call("CLUSTER", "GETKEYSINSLOT", String(slot), "1000") as string[];
          const ours = inSlot.filter((key) => key.startsWith(prefix)).length;
          if (ours > 0) {
            assert.equal(ours, keys.length);
            holders++;
          }
        } finally {
          node.disconnect();
        }
      }
      assert.equal(holders, 1);
    } finally {
      await budget.close();
    }
  });

  test("every node stopped: unavailable, so deny says no and allow goes on with a warning, each within timeoutMs", async () => {
    const doomed = await startThrowawayCluster(3);
    const options = {
      ...YOUNG,
      url: doomed.url,
      cluster: true,
      limits: [{ scope: "global" as const, max: 5, windowMs: WINDOW_MS }],
      timeoutMs: 1_000,
    };
    const deny = redisDropBudget(options);
    const allow = redisDropBudget({ ...options, onUnavailable: "allow" });
    try {
      assert.deepEqual(await deny.take(request()), { allowed: true });
      assert.deepEqual(await allow.take(request()), { allowed: true });
      await doomed.dispose();
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        const denied = await deny.take(request());
        const allowed = await allow.take(request());
        assert.ok(
          performance.now() - started < 2 * 1_000 + LOADED_MACHINE_SLACK_MS,
          `${performance.now() - started} ms for both`,
        );
        assert.equal(denied.allowed, false);
        assert.match(
          denied.reason!,
          /as the cluster was lost at (EVALSHA|connect)|unreachable|no connection was ready/,
        );
        assert.equal(allowed.allowed, true);
        assert.match(allowed.warning!, /^the drop went on \(onUnavailable: "allow"\)/);
      }
    } finally {
      await deny.close();
      await allow.close();
      await doomed.dispose();
    }
  });

  test("without trustFreshServer, a cluster younger than the window is a possible loss: refused, nothing charged", async () => {
    const prefix = `gd-cluster-${randomBytes(4).toString("hex")}:`;
    // The script reads INFO on the node that owns the budget's slot: it started less than a window ago.
    const budget = redisDropBudget({
      url: cluster.url,
      cluster: true,
      keyPrefix: prefix,
      limits: [{ scope: "global", max: 5, windowMs: 600_000 }],
    });
    try {
      const verdict = await budget.take(request());
      assert.equal(verdict.allowed, false);
      assert.match(
        verdict.reason!,
        /^the budget's window was lost \(.*\): a full window must pass before it counts again/,
      );
      assert.ok(verdict.retryAfterMs! > 0 && verdict.retryAfterMs! <= 600_000, `retryAfterMs ${verdict.retryAfterMs}`);
      assert.equal(await admin.exists(`${prefix}{budget}:global:5per600000ms`), 0, "nothing was charged");
      assert.ok(
        Number(await admin.hget(`${prefix}{budget}:epoch`, "started")) > 0,
        "the epoch keeps when its node started",
      );
    } finally {
      await budget.close();
    }
  });

  test("a cluster URL naming a database other than 0 is a TypeError", () => {
    assert.throws(
      () =>
        redisDropBudget({
          url: `redis://127.0.0.1:${cluster.ports[0]}/2`,
          cluster: true,
          limits: [{ scope: "global", max: 1, windowMs: 1_000 }],
        }),
      /^TypeError: Cannot create redisDropBudget as 'url' must name database 0 when 'cluster' is true/,
    );
  });
});
