// Every backend keeps every lesson (issue 22), on the external servers with
// second "dedicated" instances started here: the `odd-tokens`,
// `case-variants` and `nothing-changed` conformance checks on every adapter,
// and one case policy for a whole tenant: a token with upper-case letters is
// refused by guardedDrop and every adapter alike, or, with name rules whose
// policy is "exact", dropped by every adapter alike. (The conformance suite
// runs the three checks again on every provider; this file is their quick,
// external-only run.)

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import { createNameRules, type Deprovisioner } from "../../lib/mod.ts";
import {
  conformanceChecks,
  type ConformanceSubject,
  createAuditRecorder,
  mongodbSubject,
  mysqlSubject,
  postgresSubject,
  rabbitmqSubject,
  redisSubject,
  SERVER_ROLES,
  type ServerSet,
  startExternalServers,
} from "../../harness/mod.ts";
import {
  type ControlledServer,
  dedicatedMysqlSkipReason,
  dedicatedPostgresSkipReason,
  dedicatedRedisSkipReason,
  envUrl,
  startDedicatedMysql,
  startDedicatedPostgres,
  startDedicatedRedis,
} from "../support/servers.ts";

const CHECK_IDS = ["odd-tokens", "case-variants", "nothing-changed"] as const;
const ADAPTER_OPTIONS = { connectTimeoutMs: 5_000, operationTimeoutMs: 30_000 };
const anyUrl = ["GD_POSTGRES_URL", "GD_REDIS_URL", "GD_RABBITMQ_MANAGEMENT_URL", "GD_MYSQL_URL", "GD_MONGODB_URL"]
  .some((name) => envUrl(name) !== undefined);
const skip = anyUrl ? false : "no GD_*_URL variable is set: these checks run on the external servers";

/** Starts a second instance for each dedicated role the environment does not name. */
async function withDedicated(started: ControlledServer[]): Promise<NodeJS.ProcessEnv> {
  const env = { ...process.env };
  const second = [
    ["GD_POSTGRES_URL", "GD_POSTGRES_DEDICATED_URL", dedicatedPostgresSkipReason, startDedicatedPostgres],
    ["GD_REDIS_URL", "GD_REDIS_DEDICATED_URL", dedicatedRedisSkipReason, startDedicatedRedis],
    ["GD_MYSQL_URL", "GD_MYSQL_DEDICATED_URL", dedicatedMysqlSkipReason, startDedicatedMysql],
  ] as const;
  for (const [shared, dedicated, reason, start] of second) {
    if (envUrl(shared) === undefined || envUrl(dedicated) !== undefined || reason() !== undefined) continue;
    const server = await start();
    started.push(server);
    env[dedicated] = server.url;
  }
  return env;
}

function subjectsOf(set: ServerSet): ConformanceSubject[] {
  const { servers } = set;
  const redis = servers.redis && redisSubject(servers.redis, "shared");
  return [
    servers.postgres && postgresSubject(servers.postgres, "shared"),
    servers.postgresDedicated && postgresSubject(servers.postgresDedicated, "dedicated"),
    redis,
    servers.redisDedicated && redisSubject(servers.redisDedicated, "dedicated", redis),
    servers.rabbitmq && rabbitmqSubject(servers.rabbitmq, "shared"),
    servers.rabbitmqDedicated && rabbitmqSubject(servers.rabbitmqDedicated, "dedicated"),
    servers.mongodb && mongodbSubject(servers.mongodb, "shared"),
    servers.mysql && mysqlSubject(servers.mysql, "shared"),
    servers.mysqlDedicated && mysqlSubject(servers.mysqlDedicated, "dedicated"),
  ].filter((subject) => subject !== undefined) as ConformanceSubject[];
}

const started: ControlledServer[] = [];
const set = anyUrl ? await startExternalServers(await withDedicated(started)) : undefined;
const subjects = set === undefined ? [] : subjectsOf(set);

after(async () => {
  await set?.stop();
  await Promise.all(started.map((server) => server.dispose()));
});

// A server this run has not (MongoDB, here) shows as skipped with its reason.
for (const role of set === undefined ? [] : SERVER_ROLES.filter((r) => set.servers[r] === undefined)) {
  describe(
    `${role}: odd tokens, case variants, nothing changed`,
    { skip: set!.missing[role] ?? "no server" },
    () => {},
  );
}

for (const subject of subjects) {
  describe(`${subject.name}: odd tokens, case variants, nothing changed`, { skip }, () => {
    const checks = conformanceChecks(subject).filter((check) => (CHECK_IDS as readonly string[]).includes(check.id));
    test("the three checks are registered", () => assert.deepEqual(checks.map((c) => c.id), [...CHECK_IDS]));
    for (const check of checks) test(check.title, { skip: check.skip ?? false }, () => check.run());
  });
}

describe("nothing-changed through a subject's own blockDrop", {
  skip: envUrl("GD_MYSQL_URL") === undefined ? "GD_MYSQL_URL is not set" : false,
}, () => {
  test("a MySQL subject blocked by its own hook (a user named like the tenant's but for case): the check passes, and the block is taken away", async () => {
    const base = subjects.find((subject) => subject.resourceType === "mysql" && subject.backend === "shared")!;
    const url = envUrl("GD_MYSQL_URL")!;
    const blocks: string[] = [];
    const subject: ConformanceSubject = {
      ...base,
      name: `${base.name} with blockDrop`,
      caseInsensitiveNames: false,
      async blockDrop(token) {
        const variant = `usr_${token.toUpperCase()}`;
        blocks.push(variant);
        const admin = await mysql.createConnection({ uri: url });
        try {
          await admin.query("CREATE USER ?@? IDENTIFIED BY ?", [variant, "%", `pw-${token}`]);
        } finally {
          await admin.end();
        }
        return async () => {
          const again = await mysql.createConnection({ uri: url });
          try {
            await again.query("DROP USER ?@?", [variant, "%"]);
          } finally {
            await again.end();
          }
        };
      },
    };
    const check = conformanceChecks(subject).find((c) => c.id === "nothing-changed")!;
    assert.equal(check.skip, undefined);
    await check.run();
    assert.equal(blocks.length, 1);
    const admin = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM mysql.user WHERE BINARY User = ?",
        [blocks[0]],
      );
      assert.equal(Number(rows[0]!.n), 0, "the block was taken away");
    } finally {
      await admin.end();
    }
  });
});

describe("one case policy for a whole tenant, across every adapter", { skip }, () => {
  // "Relabc…": upper case by construction, whatever the clock makes of the rest.
  const token = `R${Date.now().toString(36)}case`;
  const exactRules = createNameRules({ mixedCaseTokens: "exact" });
  const adapters = new Map<ConformanceSubject, { plain: Deprovisioner; exact: Deprovisioner }>();

  before(() => {
    for (const subject of subjects) {
      adapters.set(subject, {
        plain: subject.createAdapter(ADAPTER_OPTIONS),
        exact: subject.createAdapter({ ...ADAPTER_OPTIONS, nameRules: exactRules }),
      });
    }
  });

  after(async () => {
    for (const { plain, exact } of adapters.values()) await Promise.all([plain.close(), exact.close()]);
  });

  test("by default, guardedDrop and every adapter refuse it before anything runs, and its data stays", async () => {
    const recorder = createAuditRecorder();
    const exactRecorder = createAuditRecorder({ nameRules: exactRules });
    try {
      for (const subject of subjects) {
        const { plain } = adapters.get(subject)!;
        const data = await subject.createTenant(token);
        try {
          let called = 0;
          const request = {
            token,
            resourceType: subject.resourceType,
            backend: subject.backend,
            requestId: `case-${subject.name}`,
          };
          const outcome = await recorder.guardedDrop(request, () => {
            called++;
            return plain.deprovision(token);
          }).then(() => "ok", (err: { outcome?: string }) => err.outcome);
          assert.equal(outcome, "refused", subject.name);
          assert.equal(called, 0, `${subject.name}: the drop never ran`);
          await assert.rejects(plain.deprovision(token), { code: "GD_REFUSED" }, `${subject.name}: deprovision`);
          await assert.rejects(plain.exists(token), { code: "GD_REFUSED" }, `${subject.name}: exists`);
          assert.deepEqual(await subject.readTenant(token), data, `${subject.name}: the tenant is whole`);
        } finally {
          const { exact } = adapters.get(subject)!;
          const request = {
            token,
            resourceType: subject.resourceType,
            backend: subject.backend,
            requestId: `case-clean-${subject.name}`,
          };
          await exactRecorder.guardedDrop(request, () => exact.deprovision(token));
        }
      }
      assert.equal(recorder.dropRecords().length, subjects.length);
      assert.equal(recorder.failedRecords().filter((line) => line.outcome === "refused").length, subjects.length);
    } finally {
      recorder.close();
      exactRecorder.close();
    }
  });

  test('with name rules whose policy is "exact", guardedDrop and every adapter drop it by its exact names', async () => {
    const recorder = createAuditRecorder({ nameRules: exactRules });
    try {
      for (const subject of subjects) {
        const { exact } = adapters.get(subject)!;
        await subject.createTenant(token);
        assert.equal(await exact.exists(token), true, subject.name);
        const request = {
          token,
          resourceType: subject.resourceType,
          backend: subject.backend,
          requestId: `case-${subject.name}`,
        };
        await recorder.guardedDrop(request, () => exact.deprovision(token));
        assert.equal(await exact.exists(token), false, subject.name);
        assert.equal(await subject.readTenant(token), undefined, subject.name);
      }
      assert.equal(recorder.dropRecords().length, subjects.length);
      assert.equal(recorder.failedRecords().length, 0);
    } finally {
      recorder.close();
    }
  });
});
