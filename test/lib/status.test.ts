// httpStatusOf and grpcStatusOf, for an error of every outcome made by a
// real guardedDrop call.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, createGuardedDrop, type DropRequest, grpcStatusOf, httpStatusOf } from "../../lib/mod.ts";
import { fixtureScope } from "../support/drop_kit.ts";

const request: DropRequest = {
  token: "acme42",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-1",
  caller: "api",
};

const fixture = fixtureScope();

async function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err;
  }
}

describe("status mapping", () => {
  test("every outcome of a real guardedDrop call maps to its HTTP and gRPC status", async () => {
    let now = 0;
    const f = fixture({
      authorize: (req) => req.intent !== "deny",
      budget: {
        take: (req) => (req.intent === "limit" ? { allowed: false, reason: "spent", retryAfterMs: 500 } : true),
      },
      breaker: { failureThreshold: 1, cooldownMs: 1000, now: () => now },
    });
    const brokenAudit = createGuardedDrop({
      logger: {
        info() {
          throw new Error("disk gone");
        },
        warn() {},
        error() {},
      },
      counter: { inc() {} },
    });
    const cases: [string, Promise<unknown>, number, number, string][] = [
      ["ok", f.guardedDrop({ ...request, resourceType: "redis" }, () => {}), 200, 0, "OK"],
      ["refused", f.guardedDrop({ ...request, token: "template1" }, () => {}), 400, 3, "INVALID_ARGUMENT"],
      ["denied", f.guardedDrop({ ...request, intent: "deny" }, () => {}), 403, 7, "PERMISSION_DENIED"],
      ["rate_limited", f.guardedDrop({ ...request, intent: "limit" }, () => {}), 429, 8, "RESOURCE_EXHAUSTED"],
      ["audit_failed", brokenAudit(request, () => {}), 503, 14, "UNAVAILABLE"],
      [
        "error, kind failed",
        f.guardedDrop(
          { ...request, resourceType: "mongodb" },
          () => Promise.reject(new BackendError("failed", "dependent objects")),
        ),
        500,
        13,
        "INTERNAL",
      ],
      [
        "error, unclassified",
        f.guardedDrop({ ...request, resourceType: "s3" }, () => Promise.reject(new Error("boom"))),
        500,
        13,
        "INTERNAL",
      ],
    ];
    const seen: Record<string, unknown> = {};
    for (const [name, promise, http, code, grpcName] of cases) {
      const err = await outcomeOf(promise);
      seen[name] = err;
      assert.equal(httpStatusOf(err), http, name);
      assert.deepEqual(grpcStatusOf(err), { code, name: grpcName }, name);
    }
    // error of kind unavailable opens this key's one-failure breaker; the next call is breaker_open.
    const down = await outcomeOf(
      f.guardedDrop(request, () => Promise.reject(new BackendError("unavailable", "ECONNREFUSED"))),
    );
    assert.equal((down as { outcome: string }).outcome, "error");
    assert.equal(httpStatusOf(down), 503);
    assert.deepEqual(grpcStatusOf(down), { code: 14, name: "UNAVAILABLE" });
    const open = await outcomeOf(f.guardedDrop(request, () => {}));
    assert.equal((open as { outcome: string }).outcome, "breaker_open");
    assert.equal(httpStatusOf(open), 503);
    assert.deepEqual(grpcStatusOf(open), { code: 14, name: "UNAVAILABLE" });
    assert.equal((open as { retryAfterMs: number }).retryAfterMs, 1000);
    assert.equal((seen.rate_limited as { retryAfterMs: number }).retryAfterMs, 500);
    // Every outcome was produced once.
    const outcomes = [...Object.values(seen), down, open].map((err) =>
      (err as { outcome?: string } | undefined)?.outcome ?? "ok"
    );
    assert.deepEqual([...new Set(outcomes)].sort(), [
      "audit_failed",
      "breaker_open",
      "denied",
      "error",
      "ok",
      "rate_limited",
      "refused",
    ]);
    assert.equal(await f.total(), 8, "the audit_failed call had its own guardedDrop");
  });

  test("another copy's error by its code; a value that is no guarded-drop error is 500 / UNKNOWN; hostile values never throw", () => {
    assert.equal(httpStatusOf({ code: "GD_DENIED", outcome: "denied" }), 403);
    assert.equal(httpStatusOf({ code: "GD_BACKEND_UNAVAILABLE", kind: "unavailable" }), 503);
    assert.equal(httpStatusOf(null), 200);
    for (const value of [new Error("x"), "thrown string", 42, { kind: "weird" }]) {
      assert.equal(httpStatusOf(value), 500);
      assert.deepEqual(grpcStatusOf(value), { code: 2, name: "UNKNOWN" });
    }
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(httpStatusOf(proxy), 500);
    assert.deepEqual(grpcStatusOf(proxy), { code: 2, name: "UNKNOWN" });
  });
});
