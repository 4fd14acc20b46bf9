// The harness's own options and its newer checks, run on real Redis servers:
// the token prefix, the platform-policy check (`active-denied`) and the
// ownership check (`not-own-server`), each with a correct subject (passes)
// and a mutant (the check fails: it has teeth).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createNameRules, type Deprovisioner, type DropRequest } from "../../lib/mod.ts";
import {
  type ConformanceCheck,
  conformanceChecks,
  type ConformancePolicy,
  type ConformanceSubject,
  newTenantToken,
  redisSubject,
  type ServerControl,
} from "../../harness/mod.ts";
import {
  type ControlledServer,
  envUrl,
  HOW_TO_GET,
  startThrowawayRedis,
  throwawayRedisSkipReason,
} from "../support/servers.ts";

const FAST = { adapterOptions: { connectTimeoutMs: 2_000, operationTimeoutMs: 5_000 } };

function control(name: string, url: string): ServerControl {
  return {
    name,
    provider: "external",
    urls: () => ({ url }),
    stop: async () => {},
    start: async () => {},
    pause: async () => {},
    unpause: async () => {},
  };
}

function check(checks: ConformanceCheck[], id: string): ConformanceCheck {
  const found = checks.find((c) => c.id === id);
  assert.ok(found, `check ${id}`);
  return found;
}

describe("newTenantToken", () => {
  test("valid prefixes lead every token, and the tokens pass the default name rules", () => {
    const rules = createNameRules();
    for (const prefix of ["gd", "ci_", "team-a", "x", "a".repeat(20)]) {
      const tokens = new Set(Array.from({ length: 50 }, () => newTenantToken({ prefix })));
      assert.equal(tokens.size, 50, "unique");
      for (const token of tokens) {
        assert.ok(token.startsWith(prefix), token);
        assert.equal(rules.checkNamingToken(token), token);
        assert.ok(`dedicated_db_${token}x`.length <= 63, token);
      }
    }
    assert.ok(newTenantToken().startsWith("gd"));
  });

  test("invalid prefixes are a TypeError", () => {
    for (const prefix of ["", "Ab", "1a", "_a", "a".repeat(21), "a b", "a*", "a.b", "ａ", 42, null]) {
      assert.throws(() => newTenantToken({ prefix: prefix as string }), (err: Error) => {
        assert.equal(err.name, "TypeError");
        assert.match(err.message, /^Cannot make a tenant token as 'prefix' must be 1 to 20 lower-case letters/);
        return true;
      }, JSON.stringify(prefix));
    }
  });

  test("conformanceChecks checks its prefix and counts up front", () => {
    const subject = {} as ConformanceSubject;
    assert.throws(
      () => conformanceChecks(subject, { prefix: "Bad!" }),
      /^TypeError: Cannot make the conformance checks as 'prefix' must be/,
    );
    assert.throws(
      () => conformanceChecks(subject, { sameTenantDrops: 0 }),
      /'sameTenantDrops' must be a positive integer: current value is 0/,
    );
    assert.throws(
      () => conformanceChecks(subject, { concurrentDrops: 2.5 }),
      /'concurrentDrops' must be a positive integer/,
    );
    const ids = conformanceChecks(subject).map((c) => c.id);
    assert.deepEqual(ids, [
      "drop",
      "idempotent",
      "hostile",
      "odd-tokens",
      "case-variants",
      "nothing-changed",
      "concurrent",
      "same-tenant",
      "not-own-server",
      "active-denied",
      "audit-sink",
      "quarantine-restore-purge",
      "restore-taken",
      "restore-races-purge",
      "stopped-server",
      "breaker",
      "paused-server",
    ]);
  });
});

const sharedUrl = envUrl("GD_REDIS_URL");

describe("the checks on redis shared, with a prefix and a platform policy", {
  skip: sharedUrl === undefined ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}` : false,
}, () => {
  const subject = redisSubject(control("redis", sharedUrl!), "shared");
  const made: string[] = [];
  const recording: ConformanceSubject<unknown> = {
    ...subject,
    createTenant: (token) => {
      made.push(token);
      return subject.createTenant(token);
    },
  };

  test("every tenant the checks make carries the prefix", async () => {
    made.length = 0;
    const checks = conformanceChecks(recording, { ...FAST, prefix: "ci_gd", sameTenantDrops: 5 });
    await check(checks, "drop").run();
    await check(checks, "same-tenant").run();
    assert.equal(made.length, 3, made.join(", ")); // the tenant and its neighbour, then the same-tenant one
    for (const token of made) assert.match(token, /^ci_gd[a-z0-9]{13,}x?$/);
  });

  /** A platform table and the policy over it: only deleted resources may go. */
  function platform(allowActive: boolean): { policy: ConformancePolicy; status: Map<string, string> } {
    const status = new Map<string, string>();
    return {
      status,
      policy: {
        authorize: (req: DropRequest) => allowActive || status.get(req.token) === "deleted",
        markActive: (token) => void status.set(token, "active"),
        forget: (token) => void status.delete(token),
      },
    };
  }

  test("active-denied passes with a policy that denies an active resource", async () => {
    const { policy, status } = platform(false);
    const checks = conformanceChecks(subject, { ...FAST, policy });
    const active = check(checks, "active-denied");
    assert.equal(active.skip, undefined);
    await active.run();
    assert.equal(status.size, 0, "forget() ran");
  });

  test("active-denied fails with a policy that lets an active resource go", async () => {
    const { policy } = platform(true);
    const active = check(conformanceChecks(subject, { ...FAST, policy }), "active-denied");
    await assert.rejects(active.run(), /expected outcome denied, but the drop succeeded/);
  });

  test("active-denied is skipped with a reason without a policy", () => {
    assert.match(check(conformanceChecks(subject), "active-denied").skip ?? "", /no policy was given/);
  });
});

describe("the not-own-server check on dedicated Redis", { skip: throwawayRedisSkipReason() ?? false }, () => {
  let own: ControlledServer;
  let foreign: ControlledServer;
  let admin: Redis;

  before(async () => {
    own = await startThrowawayRedis();
    foreign = await startThrowawayRedis();
    admin = new Redis(foreign.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await admin.connect();
  });
  after(async () => {
    admin?.disconnect();
    await own?.dispose();
    await foreign?.dispose();
  });

  test("passes: the dedicated adapter refuses the server that is not the tenant's, and its 100 keys stay", async () => {
    const subject = redisSubject(control("redis-dedicated", own.url), "dedicated", undefined, {
      notOwnServer: control("redis-not-own", foreign.url),
    });
    const ownership = check(conformanceChecks(subject, FAST), "not-own-server");
    assert.equal(ownership.skip, undefined);
    await admin.set("bystander", "stays");
    await ownership.run();
    assert.equal(await admin.get("bystander"), "stays");
    assert.equal(await admin.dbsize(), 1, "removeData took the check's own keys, and only them");
    await admin.unlink("bystander");
  });

  test("fails for a mutant that flushes without proof, the old behaviour", async () => {
    const subject = redisSubject(control("redis-dedicated", own.url), "dedicated", undefined, {
      notOwnServer: control("redis-not-own", foreign.url),
    });
    const flushing = (): Deprovisioner => {
      const client = new Redis(foreign.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      return {
        resourceType: "redis",
        backend: "dedicated",
        /** @sanctionedDrop */
        async deprovision() {
          await client.connect().catch(() => {});
          await client.flushall();
        },
        async exists() {
          return false;
        },
        async close() {
          client.disconnect();
        },
      };
    };
    const mutant: ConformanceSubject<unknown> = {
      ...subject,
      notOwnServer: { ...subject.notOwnServer!, createAdapter: flushing },
    };
    await assert.rejects(
      check(conformanceChecks(mutant, FAST), "not-own-server").run(),
      /expected outcome refused, but the drop succeeded/,
    );
    assert.equal(await admin.dbsize(), 0, "the mutant flushed the throwaway server");
  });

  test("is skipped with a reason where the subject does not opt in", () => {
    const subject = redisSubject(control("redis-dedicated", own.url), "dedicated");
    assert.match(
      check(conformanceChecks(subject), "not-own-server").skip ?? "",
      /opt in where a drop must prove ownership/,
    );
  });
});
