// deprovisionTenant against the real servers (PostgreSQL, Redis, RabbitMQ,
// MariaDB), with the terminality policy on: createTerminalityPolicy reads a
// `resources` table of the shared PostgreSQL through postgresResourceLookup
// (one row per backend, each its own provider_resource_id). The recipe it
// replaces denied every drop here (no intent, no providerResourceId).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import {
  createGuardedDrop,
  createNameRules,
  createTerminalityPolicy,
  type Deprovisioner,
  deprovisionTenant,
  type GuardedDrop,
} from "../../lib/mod.ts";
import { type PostgresResourceLookup, postgresResourceLookup } from "../../adapters/postgres/mod.ts";
import {
  type ConformanceSubject,
  mysqlSubject,
  postgresSubject,
  rabbitmqSubject,
  redisSubject,
  type ServerSet,
  startExternalServers,
} from "../../harness/mod.ts";
import { envUrl, uniqueToken } from "../support/servers.ts";

const ROLES = ["postgres", "redis", "rabbitmq", "mysql"] as const;
const ADAPTER_OPTIONS = { connectTimeoutMs: 5_000, operationTimeoutMs: 20_000 };
const missingUrls = ["GD_POSTGRES_URL", "GD_REDIS_URL", "GD_RABBITMQ_MANAGEMENT_URL", "GD_AMQP_URL", "GD_MYSQL_URL"]
  .filter((name) => envUrl(name) === undefined);
const skip = missingUrls.length > 0
  ? `${missingUrls.join(", ")} ${
    missingUrls.length > 1 ? "are" : "is"
  } not set: this suite needs the shared PostgreSQL, Redis, RabbitMQ and MariaDB (see test/support/servers.ts)`
  : false;

/** Why the RabbitMQ management API (which the adapter drives) does not answer, or `undefined` when it does. */
async function rabbitmqManagementProblem(): Promise<string | undefined> {
  const url = new URL("api/overview", envUrl("GD_RABBITMQ_MANAGEMENT_URL")!);
  const authorization = `Basic ${
    Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")
  }`;
  url.username = url.password = "";
  try {
    const response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(5_000) });
    return response.ok ? undefined : `the RabbitMQ management API at ${url.host} answered ${response.status}`;
  } catch (err) {
    return `the RabbitMQ management API at ${url.host} does not answer (${
      (err as Error).message
    }): enable it with \`rabbitmq-plugins enable rabbitmq_management\``;
  }
}

describe("deprovisionTenant on the real servers, with the terminality policy on", { skip }, () => {
  const schema = `gd_tenant_${randomBytes(6).toString("hex")}`;
  let set: ServerSet;
  let admin: pg.Client;
  let lookup: PostgresResourceLookup;
  let subjects: ConformanceSubject[] = [];
  /** Why RabbitMQ is left out of the tenant's backends, when it is. */
  let rabbitmqSkip: string | undefined;
  /** The backends the tenant has here, in order. */
  let backendNames: string[] = [];
  let adapters: Deprovisioner[] = [];
  const records: Record<string, unknown>[] = [];
  const push = (o: object) => void records.push({ ...o });
  const logger = { info: push, warn: push, error: push };
  let guardedDrop: GuardedDrop;
  /** The same chokepoint with no policy: for cleaning up what a test left. */
  let cleanupDrop: GuardedDrop;

  before(async () => {
    set = await startExternalServers(process.env);
    for (const role of ROLES) assert.ok(set.servers[role] !== undefined, `${role}: ${set.missing[role]}`);
    rabbitmqSkip = await rabbitmqManagementProblem();
    subjects = [
      postgresSubject(set.servers.postgres!, "shared"),
      redisSubject(set.servers.redis!, "shared"),
      ...(rabbitmqSkip === undefined ? [rabbitmqSubject(set.servers.rabbitmq!, "shared")] : []),
      mysqlSubject(set.servers.mysql!, "shared"),
    ] as ConformanceSubject[];
    backendNames = subjects.map((s) => s.resourceType);
    adapters = subjects.map((s) => s.createAdapter(ADAPTER_OPTIONS));
    admin = new pg.Client({ connectionString: envUrl("GD_POSTGRES_URL"), connectionTimeoutMillis: 10_000 });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(
      `CREATE TABLE ${schema}.resources (token text NOT NULL, provider_resource_id text NOT NULL, status text NOT NULL, expires_at timestamptz,
      PRIMARY KEY (token, provider_resource_id))`,
    );
    lookup = postgresResourceLookup({
      connectionString: envUrl("GD_POSTGRES_URL")!,
      query: `SELECT status, expires_at FROM ${schema}.resources WHERE token = $1 AND provider_resource_id = $2`,
    });
    guardedDrop = createGuardedDrop({ logger, counter: { inc() {} }, authorize: createTerminalityPolicy({ lookup }) });
    cleanupDrop = createGuardedDrop({ logger: { info() {}, warn() {}, error() {} }, counter: { inc() {} } });
  });

  after(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin?.end();
    await lookup?.close();
    await Promise.all(adapters.map((a) => a.close()));
    await set?.stop();
  });

  /** A tenant with data on all four backends, and one `resources` row per backend with the given status. */
  async function tenant(
    statuses: Partial<Record<string, string>> = {},
  ): Promise<{ token: string; ids: Record<string, string> }> {
    const token = uniqueToken("te");
    const ids: Record<string, string> = {};
    for (const subject of subjects) {
      await subject.createTenant(token);
      ids[subject.resourceType] = `res-${subject.resourceType}-${token}`;
      await admin.query(`INSERT INTO ${schema}.resources VALUES ($1, $2, $3, NULL)`, [
        token,
        ids[subject.resourceType],
        statuses[subject.resourceType] ?? "deleted",
      ]);
    }
    return { token, ids };
  }

  async function remaining(token: string): Promise<string[]> {
    const left: string[] = [];
    for (const subject of subjects) {
      if ((await subject.readTenant(token)) !== undefined) left.push(subject.resourceType);
    }
    return left;
  }

  async function cleanUp(token: string): Promise<void> {
    for (const adapter of adapters) {
      await cleanupDrop({
        token,
        resourceType: adapter.resourceType,
        backend: adapter.backend,
        requestId: "cleanup",
        caller: "test cleanup",
      }, () => adapter.deprovision(token));
    }
  }

  test("RabbitMQ is among the tenant's backends", (t) => {
    if (rabbitmqSkip !== undefined) return t.skip(`the other tests run without RabbitMQ: ${rabbitmqSkip}`);
    assert.deepEqual(backendNames, ["postgres", "redis", "rabbitmq", "mysql"]);
  });

  const dropRecordsOf = (token: string) =>
    records.filter((r) => r["event"] === "provisioner.drop" && r["token"] === token);

  test("every backend's resource deleted: every backend dropped, each with the intent and its own providerResourceId", async () => {
    const { token, ids } = await tenant();
    try {
      assert.deepEqual(await remaining(token), backendNames);
      const result = await deprovisionTenant({
        guardedDrop,
        adapters,
        token,
        requestId: `req-${token}`,
        caller: "test/deprovision_tenant",
        intent: "customer_request",
        providerResourceIds: ids,
        deadlineMs: 60_000,
      });
      assert.deepEqual(
        result.backends.map((b) => `${b.resourceType} ${b.outcome} ${b.attempts}`),
        backendNames.map((n) => `${n} ok 1`),
      );
      assert.equal(result.status, 200);
      assert.deepEqual(await remaining(token), []);
      const written = dropRecordsOf(token);
      assert.equal(written.length, backendNames.length);
      for (const record of written) {
        assert.equal(record["intent"], "customer_request");
        assert.equal(record["provider_resource_id"], ids[String(record["resource_type"])]);
        assert.equal(record["request_id"], `req-${token}`);
      }
    } finally {
      await cleanUp(token);
    }
  });

  test("no intent (the old recipe): every backend denied by the policy, not retried, all data intact", async () => {
    const { token, ids } = await tenant();
    try {
      const result = await deprovisionTenant({
        guardedDrop,
        adapters,
        token,
        requestId: `req-${token}`,
        providerResourceIds: ids,
      });
      assert.deepEqual(
        result.backends.map((b) => `${b.resourceType} ${b.outcome} ${b.attempts}`),
        backendNames.map((n) => `${n} denied 1`),
      );
      assert.equal(result.status, 403);
      assert.deepEqual(await remaining(token), backendNames);
    } finally {
      await cleanUp(token);
    }
  });

  test("one backend's resource still active: that one is denied and kept, the others dropped (each backend is its own resource)", async () => {
    const { token, ids } = await tenant({ redis: "active" });
    try {
      const result = await deprovisionTenant({
        guardedDrop,
        adapters,
        token,
        requestId: `req-${token}`,
        intent: "customer_request",
        providerResourceIds: ids,
      });
      assert.deepEqual(
        result.backends.map((b) => `${b.resourceType} ${b.outcome}`),
        backendNames.map((n) => `${n} ${n === "redis" ? "denied" : "ok"}`),
      );
      assert.match(
        String(result.backends.find((b) => b.resourceType === "redis")!.error?.message),
        /status is 'active'/,
      );
      assert.deepEqual(await remaining(token), ["redis"]);
    } finally {
      await cleanUp(token);
    }
  });

  test("a token one backend's name rules refuse: no backend drops anything, and no drop record is written", async () => {
    const { token, ids } = await tenant();
    const strictMysql = subjects.at(-1)!.createAdapter(
      { ...ADAPTER_OPTIONS, nameRules: createNameRules({ reserved: [token] }) } as typeof ADAPTER_OPTIONS,
    );
    try {
      const result = await deprovisionTenant({
        guardedDrop,
        adapters: [...adapters.slice(0, -1), strictMysql],
        token,
        requestId: `req-${token}`,
        intent: "customer_request",
        providerResourceIds: ids,
      });
      assert.deepEqual(
        result.backends.map((b) => `${b.resourceType} ${b.outcome} ${b.attempts}`),
        backendNames.map((n) => (n === "mysql" ? "mysql refused 0" : `${n} skipped 0`)),
      );
      assert.equal(result.status, 400);
      assert.deepEqual(await remaining(token), backendNames);
      assert.equal(dropRecordsOf(token).length, 0);
    } finally {
      await strictMysql.close();
      await cleanUp(token);
    }
  });
});
