// deprovisionTenant with in-memory backends: what only the helper's own
// logic decides (names checked before any drop, which outcomes are retried,
// capped waits, the deadline, the summary). The same helper against the real
// servers with the terminality policy on is in
// test/adapters/deprovision_tenant.test.ts.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BackendError,
  createGuardedDrop,
  type Deprovisioner,
  deprovisionTenant,
  type DropBudget,
  type GuardedDropOptions,
  RefusedError,
} from "../../lib/mod.ts";
import { bounded } from "../support/bounded.ts";

interface MemoryBackend extends Deprovisioner {
  readonly dropped: string[];
  existsCalls: number;
}

/** A backend that holds its tenants in memory; `behaviour` decides what deprovision and exists do. */
function memoryBackend(
  resourceType: string,
  behaviour: { exists?: (token: string) => Promise<boolean>; deprovision?: (token: string) => Promise<void> } = {},
): MemoryBackend {
  const backend: MemoryBackend = {
    resourceType,
    backend: "shared",
    dropped: [],
    existsCalls: 0,
    async exists(token) {
      backend.existsCalls++;
      return behaviour.exists ? await behaviour.exists(token) : true;
    },
    async deprovision(token) {
      if (behaviour.deprovision) await behaviour.deprovision(token);
      backend.dropped.push(token);
    },
    async close() {},
  };
  return backend;
}

function kit(options: Partial<GuardedDropOptions> = {}) {
  const records: Record<string, unknown>[] = [];
  const push = (o: object) => void records.push({ ...o });
  const guardedDrop = createGuardedDrop({
    logger: { info: push, warn: push, error: push },
    counter: { inc() {} },
    ...options,
  });
  const drops = () => records.filter((r) => r["event"] === "provisioner.drop");
  return { guardedDrop, records, drops };
}

const base = { token: "acme42", requestId: "req-tenant", caller: "tenant-deletion" };

describe("deprovisionTenant", () => {
  test("every backend dropped once, each its own record, with the intent and its own providerResourceId", async () => {
    const { guardedDrop, drops } = kit();
    const pg = memoryBackend("postgres");
    const cache = memoryBackend("redis");
    const queue = memoryBackend("rabbitmq");
    const result = await deprovisionTenant({
      ...base,
      guardedDrop,
      adapters: [pg, cache, queue],
      intent: "customer_request",
      providerResourceId: "res-shared",
      providerResourceIds: { postgres: "res-pg", redis: "res-redis" },
    });
    assert.deepEqual({ ok: result.ok, status: result.status, retryAfterMs: result.retryAfterMs }, {
      ok: true,
      status: 200,
      retryAfterMs: undefined,
    });
    assert.deepEqual(result.backends.map((b) => [b.resourceType, b.outcome, b.attempts]), [["postgres", "ok", 1], [
      "redis",
      "ok",
      1,
    ], ["rabbitmq", "ok", 1]]);
    assert.deepEqual([pg.dropped, cache.dropped, queue.dropped], [["acme42"], ["acme42"], ["acme42"]]);
    const records = drops();
    assert.equal(records.length, 3);
    assert.deepEqual(
      records.map((r) => [r["resource_type"], r["provider_resource_id"], r["intent"], r["request_id"], r["caller"]])
        .sort(),
      [
        ["postgres", "res-pg", "customer_request", "req-tenant", "tenant-deletion"],
        ["rabbitmq", "res-shared", "customer_request", "req-tenant", "tenant-deletion"],
        ["redis", "res-redis", "customer_request", "req-tenant", "tenant-deletion"],
      ],
    );
    assert.deepEqual(result.backends.map((b) => b.dropId).sort(), records.map((r) => r["drop_id"]).sort());
  });

  test("one backend refuses the token's names: no backend drops anything, no record is written", async () => {
    const { guardedDrop, records } = kit();
    const pg = memoryBackend("postgres");
    const refusing = memoryBackend("redis", {
      exists: () => Promise.reject(new RefusedError("Cannot drop as the user name 'usr_acme42' is reserved")),
    });
    const queue = memoryBackend("rabbitmq");
    const result = await deprovisionTenant({ ...base, guardedDrop, adapters: [pg, refusing, queue] });
    assert.equal(result.ok, false);
    assert.equal(result.status, 400);
    assert.deepEqual(result.backends.map((b) => [b.resourceType, b.outcome, b.attempts]), [["postgres", "skipped", 0], [
      "redis",
      "refused",
      0,
    ], ["rabbitmq", "skipped", 0]]);
    assert.match(String(result.backends[1]!.error?.message), /reserved/);
    assert.deepEqual([pg.dropped, refusing.dropped, queue.dropped], [[], [], []]);
    assert.equal(records.length, 0);
    assert.deepEqual([pg.existsCalls, refusing.existsCalls, queue.existsCalls], [1, 1, 1]);
  });

  test("a backend that cannot be reached for the names check is no refusal: the drops run and report it", async () => {
    const { guardedDrop } = kit();
    const down = new BackendError("failed", "Cannot deprovision as the tenant's database is in use");
    const pg = memoryBackend("postgres", {
      exists: () => Promise.reject(new BackendError("unavailable", "connect ECONNREFUSED")),
      deprovision: () => Promise.reject(down),
    });
    const cache = memoryBackend("redis");
    const result = await deprovisionTenant({ ...base, guardedDrop, adapters: [pg, cache] });
    assert.deepEqual(
      result.backends.map((b) => [b.outcome, b.attempts]),
      [["error", 1], ["ok", 1]],
      "kind failed is not retried",
    );
    assert.equal(result.status, 500);
  });

  test("a short retryAfterMs is waited for and the backend retried; refused, denied and kind failed are not", async () => {
    let takes = 0;
    const budget: DropBudget = {
      take: (req) =>
        req.resourceType !== "redis" || ++takes > 1 || { allowed: false, reason: "spent", retryAfterMs: 20 },
    };
    const { guardedDrop } = kit({ budget, authorize: (req) => req.resourceType !== "mysql" });
    const cache = memoryBackend("redis");
    const denied = memoryBackend("mysql");
    const result = await deprovisionTenant({ ...base, guardedDrop, adapters: [cache, denied] });
    assert.deepEqual(result.backends.map((b) => [b.resourceType, b.outcome, b.attempts]), [["redis", "ok", 2], [
      "mysql",
      "denied",
      1,
    ]]);
    assert.equal(result.status, 403);
    assert.equal(result.retryAfterMs, undefined);
    assert.deepEqual(cache.dropped, ["acme42"]);
  });

  test("a retryAfterMs longer than maxRetryWaitMs is not slept: one attempt, and the result carries it for Retry-After", async () => {
    const budget: DropBudget = {
      take: () => ({ allowed: false, reason: "the global limit is spent", retryAfterMs: 510_000 }),
    };
    const { guardedDrop } = kit({ budget });
    const cache = memoryBackend("redis");
    // Bounded far below the 510 s asked for: a sleep would fail the test, not hang it.
    const result = await bounded(
      deprovisionTenant({ ...base, guardedDrop, adapters: [cache], maxRetryWaitMs: 1_000 }),
      60_000,
      "deprovisionTenant",
    );
    assert.deepEqual(result.backends.map((b) => [b.outcome, b.attempts, b.retryAfterMs]), [[
      "rate_limited",
      1,
      510_000,
    ]]);
    assert.equal(result.status, 429);
    assert.equal(result.retryAfterMs, 510_000);
    assert.deepEqual(cache.dropped, []);
  });

  test("an unavailable backend is retried up to maxAttempts with a backoff, then reported 503", async () => {
    const { guardedDrop, drops } = kit();
    const flaky = memoryBackend("postgres", {
      deprovision: () => Promise.reject(new BackendError("unavailable", "connect ECONNREFUSED 127.0.0.1:5432")),
    });
    const result = await deprovisionTenant({ ...base, guardedDrop, adapters: [flaky], maxAttempts: 2 });
    assert.deepEqual(result.backends.map((b) => [b.outcome, b.attempts]), [["error", 2]]);
    assert.equal(result.status, 503);
    assert.equal(drops().length, 2, "one record per attempt");
  });

  test("the deadline: a drop still running is reported deadline_exceeded with its drop id; the others finish", async () => {
    const { guardedDrop, drops } = kit();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const stuck = memoryBackend("postgres", { deprovision: () => released });
    const cache = memoryBackend("redis");
    try {
      const result = await bounded(
        deprovisionTenant({ ...base, guardedDrop, adapters: [stuck, cache], deadlineMs: 200 }),
        60_000,
        "deprovisionTenant",
      );
      assert.deepEqual(result.backends.map((b) => [b.resourceType, b.outcome, b.attempts]), [[
        "postgres",
        "deadline_exceeded",
        1,
      ], ["redis", "ok", 1]]);
      assert.equal(result.status, 504);
      const stuckRecord = drops().find((r) => r["resource_type"] === "postgres");
      assert.equal(result.backends[0]!.dropId, stuckRecord?.["drop_id"]);
    } finally {
      release();
    }
  });

  test("malformed options: a TypeError, and nothing is checked or dropped", async () => {
    const { guardedDrop } = kit();
    const cache = memoryBackend("redis");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ adapters: [] }, /'adapters' must be a non-empty array/],
      [{ token: "" }, /'token' must be a non-empty string/],
      [{ deadlineMs: 0 }, /'deadlineMs' must be a positive number/],
      [{ maxRetryWaitMs: -1 }, /'maxRetryWaitMs' must be a non-negative number/],
      [{ maxAttempts: 1.5 }, /'maxAttempts' must be a positive integer/],
      [{ providerResourceIds: { redis: 7 } }, /'providerResourceIds' must be an object of strings/],
      [{ adapters: [{}] }, /'adapters\[0\]' must be a Deprovisioner/],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(deprovisionTenant({ ...base, guardedDrop, adapters: [cache], ...bad } as never), {
        name: "TypeError",
        message,
      });
    }
    assert.equal(cache.existsCalls, 0);
  });
});
