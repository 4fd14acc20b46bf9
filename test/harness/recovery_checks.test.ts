// The recovery checks (DESIGN §14) on PostgreSQL, RabbitMQ and MongoDB,
// shared and dedicated, against the real servers given by GD_POSTGRES_URL,
// GD_RABBITMQ_MANAGEMENT_URL + GD_AMQP_URL and GD_MONGODB_URL (skipped with
// the reason when one is not set), and on a dedicated Redis (a throwaway
// redis-server, its neighbours on GD_REDIS_URL), whose copy stays in place;
// plus mutants whose "quarantine" really drops, or changes nothing: the
// checks must fail on them (they have teeth).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type ConformanceCheck,
  conformanceChecks,
  type ConformanceSubject,
  mongodbSubject,
  postgresSubject,
  rabbitmqSubject,
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

const RECOVERY_CHECKS = ["quarantine-restore-purge", "restore-taken", "restore-races-purge"];
const url = envUrl("GD_POSTGRES_URL");
const skip = url === undefined ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}` : false;
const managementUrl = envUrl("GD_RABBITMQ_MANAGEMENT_URL");
const amqpUrl = envUrl("GD_AMQP_URL");
const rabbitSkip = managementUrl === undefined || amqpUrl === undefined
  ? `GD_RABBITMQ_MANAGEMENT_URL or GD_AMQP_URL is not set: ${HOW_TO_GET.rabbitmq}`
  : false;

const recoveryChecks = (subject: ConformanceSubject<unknown>): ConformanceCheck[] =>
  conformanceChecks(subject).filter((check) => RECOVERY_CHECKS.includes(check.id));

function control(urls: Record<string, string> = { url: url! }): ServerControl {
  const refuse = async () => {
    throw new Error("Cannot inject a fault into a shared server: no recovery check needs one");
  };
  return {
    name: "shared",
    provider: "external",
    urls: () => urls,
    stop: refuse,
    start: refuse,
    pause: refuse,
    unpause: refuse,
  };
}

const mongodbUrl = envUrl("GD_MONGODB_URL");
const mongodbSkip = mongodbUrl === undefined ? `GD_MONGODB_URL is not set: ${HOW_TO_GET.mongodb}` : false;

describe("the recovery checks on MongoDB", { skip: mongodbSkip }, () => {
  for (const backend of ["shared", "dedicated"] as const) {
    for (const check of recoveryChecks(mongodbSubject(control({ url: mongodbUrl! }), backend))) {
      test(`${backend}: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
    }
  }
});

const redisUrl = envUrl("GD_REDIS_URL");
const redisSkip = redisUrl === undefined
  ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}`
  : throwawayRedisSkipReason() ?? false;

describe("the recovery checks on dedicated Redis (the copy stays in place on the tenant's own server)", {
  skip: redisSkip,
}, () => {
  let own: ControlledServer | undefined;
  // The tenant's own server is a throwaway one: its purge is FLUSHALL.
  const ownControl = (): ServerControl => ({ ...control({ url: own!.url }), name: "redis-dedicated" });
  const subject = () => redisSubject(ownControl(), "dedicated", redisSubject(control({ url: redisUrl! }), "shared"));

  before(async () => {
    own = await startThrowawayRedis();
  });
  after(async () => {
    await own?.dispose();
  });

  for (const id of RECOVERY_CHECKS) {
    test(`dedicated: ${id}`, async () => {
      const [check] = recoveryChecks(subject()).filter((c) => c.id === id);
      assert.equal(check!.skip, undefined);
      await check!.run();
    });
  }

  test("a mutant whose quarantine changes nothing fails quarantine-restore-purge", async () => {
    const real = subject();
    const mutant: ConformanceSubject<unknown> = {
      ...real,
      recovery: {
        ...real.recovery!,
        createAdapter: (options) => ({
          ...real.recovery!.createAdapter(options),
          deprovision: async () => ({ action: "quarantine" as const }),
        }),
      },
    };
    const [check] = recoveryChecks(mutant).filter((c) => c.id === "quarantine-restore-purge");
    await assert.rejects(check!.run(), /exists\(\) after the quarantine/);
  });

  test("a copy kept in place is refused on a server that holds other tenants", async () => {
    const real = redisSubject(control({ url: redisUrl! }), "shared");
    const mutant: ConformanceSubject<unknown> = { ...real, recovery: { ...real.recovery!, keepsCopyInPlace: true } };
    const [check] = recoveryChecks(mutant).filter((c) => c.id === "quarantine-restore-purge");
    await assert.rejects(check!.run(), /only for a server that holds one tenant/);
  });
});

describe("the recovery checks on RabbitMQ", { skip: rabbitSkip }, () => {
  for (const backend of ["shared", "dedicated"] as const) {
    for (
      const check of recoveryChecks(
        rabbitmqSubject(control({ managementUrl: managementUrl!, amqpUrl: amqpUrl! }), backend),
      )
    ) {
      test(`${backend}: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
    }
  }
});

describe("the recovery checks on PostgreSQL", { skip }, () => {
  for (const backend of ["shared", "dedicated"] as const) {
    for (const check of recoveryChecks(postgresSubject(control(), backend))) {
      test(`${backend}: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
    }
  }

  test("a subject without recovery skips them with the reason", () => {
    const { recovery: _, ...plain } = postgresSubject(control(), "shared");
    const checks = recoveryChecks(plain);
    assert.equal(checks.length, 3);
    for (const check of checks) assert.match(check.skip ?? "", /has no restore \('recovery' on the subject\)/);
  });

  test("a mutant whose quarantine drops fails quarantine-restore-purge", async () => {
    const real = postgresSubject(control(), "shared");
    const mutant: ConformanceSubject<unknown> = {
      ...real,
      recovery: {
        ...real.recovery!,
        createAdapter: (options) => {
          const adapter = real.recovery!.createAdapter(options);
          const dropper = real.createAdapter({
            connectTimeoutMs: options.connectTimeoutMs,
            operationTimeoutMs: options.operationTimeoutMs,
          });
          return {
            ...adapter,
            deprovision: async (token) => {
              await dropper.deprovision(token);
              return { action: "quarantine" as const };
            },
            close: async () => {
              await dropper.close();
              await adapter.close();
            },
          };
        },
      },
    };
    const [check] = recoveryChecks(mutant).filter((c) => c.id === "quarantine-restore-purge");
    await assert.rejects(check!.run(), /quarantined copies/);
  });
});
