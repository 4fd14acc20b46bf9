// rabbitmqShared and rabbitmqDedicated on the broker at
// GD_RABBITMQ_MANAGEMENT_URL / GD_AMQP_URL. The dedicated form uses a second
// vhost namespace on the same broker (`dedicated_vh_<t>`, `dedicated_usr_<t>`).
// Tenants get real queues and messages through amqplib. Every drop goes
// through guardedDrop.

import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import amqp from "amqplib";
import type { Deprovisioner } from "../../lib/mod.ts";
import { type RabbitmqAdapterOptions, rabbitmqDedicated, rabbitmqShared } from "../../adapters/rabbitmq/mod.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import { envUrl, freePort, HOW_TO_GET, uniqueToken } from "../support/servers.ts";
import { HEALTHY_CONNECT_TIMEOUT_MS } from "../support/timing.ts";
import { assertBreakerRule } from "../support/breaker_rule.ts";
import { assertConcurrentDropsAcrossProcesses, assertConcurrentDropsOk } from "../support/concurrent_drops.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";

/** The connect timeout of the unreachable-server checks; healthy adapters use HEALTHY_CONNECT_TIMEOUT_MS. */
const CONNECT_TIMEOUT_MS = 1_500;
const MARGIN_MS = 1_500;
const MESSAGES = 50;
const QUEUE = "orders";

const managementUrl = envUrl("GD_RABBITMQ_MANAGEMENT_URL");
const amqpUrl = envUrl("GD_AMQP_URL");
const skip = managementUrl === undefined || amqpUrl === undefined
  ? `GD_RABBITMQ_MANAGEMENT_URL and GD_AMQP_URL must both be set: ${HOW_TO_GET.rabbitmq}`
  : undefined;

interface Form {
  readonly name: string;
  readonly factory: (options: RabbitmqAdapterOptions) => Deprovisioner;
  readonly vhostPrefix: string;
  readonly userPrefix: string;
}

/** The management API, as a test's own direct check (independent of the adapter). */
async function api(
  method: "GET" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const url = new URL(managementUrl!);
  const authorization = `Basic ${
    Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")
  }`;
  url.username = "";
  url.password = "";
  const response = await fetch(`${url.origin}${url.pathname.replace(/\/+$/, "")}/api/${path}`, {
    method,
    headers: { authorization, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

const enc = encodeURIComponent;

interface Session {
  readonly connection: amqp.ChannelModel;
  readonly channel: amqp.ConfirmChannel;
  readonly closed: Promise<unknown>;
}

/** A tenant as a provisioner makes one: a vhost, a user with its permissions, and a queue of messages. */
async function createTenant(form: Form, token: string): Promise<Session> {
  const vhost = form.vhostPrefix + token;
  const user = form.userPrefix + token;
  assert.equal((await api("PUT", `vhosts/${enc(vhost)}`)).status, 201);
  assert.equal((await api("PUT", `users/${enc(user)}`, { password: `pw-${token}`, tags: "" })).status, 201);
  assert.equal(
    (await api("PUT", `permissions/${enc(vhost)}/${enc(user)}`, { configure: ".*", write: ".*", read: ".*" })).status,
    201,
  );
  const session = await connectAs(form, token);
  await session.channel.assertQueue(QUEUE, { durable: true });
  for (let i = 0; i < MESSAGES; i++) {
    session.channel.sendToQueue(QUEUE, Buffer.from(`message ${i}`), { persistent: true });
  }
  await session.channel.waitForConfirms();
  return session;
}

async function connectAs(form: Form, token: string): Promise<Session> {
  const url = new URL(amqpUrl!);
  url.username = enc(form.userPrefix + token);
  url.password = enc(`pw-${token}`);
  url.pathname = `/${enc(form.vhostPrefix + token)}`;
  const connection = await amqp.connect(url.toString());
  connection.on("error", () => {}); // a forced close is expected
  const closed = once(connection, "close");
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => {});
  return { connection, channel, closed };
}

async function catalog(form: Form, token: string): Promise<{ vhost: number; user: number }> {
  return {
    vhost: (await api("GET", `vhosts/${enc(form.vhostPrefix + token)}`)).status,
    user: (await api("GET", `users/${enc(form.userPrefix + token)}`)).status,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref()
    ),
  ]);
}

function defineSuite(form: Form) {
  describe(form.name, { skip: skip ?? false }, () => {
    let fixture: AuditFixture;
    let adapter: Deprovisioner;
    const token = uniqueToken();
    const neighbour = `${token}x`;
    let tenant: Session;
    let next: Session;

    before(async () => {
      fixture = createAuditFixture();
      // The amqp URL is accepted and ignored.
      adapter = form.factory({
        managementUrl: managementUrl!,
        url: amqpUrl!,
        connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS,
      });
      tenant = await createTenant(form, token);
      next = await createTenant(form, neighbour);
    });

    after(async () => {
      await tenant?.connection.close().catch(() => {});
      await next?.connection.close().catch(() => {});
      if (adapter !== undefined) {
        await dropThrough(fixture, adapter, neighbour, { expect: "ok" }).catch(() => {});
        await dropThrough(fixture, adapter, token, { expect: "ok" }).catch(() => {});
        await adapter.close();
      }
      fixture?.close();
    });

    test("the tenant exists before the drop, with its queue and messages", async () => {
      assert.equal(await adapter.exists(token), true);
      assert.deepEqual(await catalog(form, token), { vhost: 200, user: 200 });
      assert.equal((await tenant.channel.checkQueue(QUEUE)).messageCount, MESSAGES);
    });

    test("deprovision deletes the vhost (queue and messages) and the user, closes the open connection, and leaves the neighbour whole", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });

      assert.equal(await adapter.exists(token), false);
      assert.deepEqual(await catalog(form, token), { vhost: 404, user: 404 });
      // The broker closed the tenant's connection, and the tenant cannot come back.
      await withTimeout(tenant.closed, 10_000, "the tenant's connection close");
      await assert.rejects(connectAs(form, token));

      // The neighbour, whose token extends the tenant's: its vhost, user,
      // open connection and every message.
      assert.equal(await adapter.exists(neighbour), true);
      assert.deepEqual(await catalog(form, neighbour), { vhost: 200, user: 200 });
      assert.equal((await next.channel.checkQueue(QUEUE)).messageCount, MESSAGES);
      const message = await next.channel.get(QUEUE, { noAck: false });
      assert.ok(message !== false);
      assert.equal(message.content.toString(), "message 0");
      next.channel.nack(message, false, true);
    });

    test("a second deprovision of the gone tenant succeeds, and is audited and counted", async () => {
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      await dropThrough(fixture, adapter, token, { expect: "ok" });
      assert.equal(await adapter.exists(token), false);
    });

    test("hostile tokens are refused, and nothing is deleted", async () => {
      for (const hostile of HOSTILE_TOKENS) {
        const byRequest = await dropThrough(fixture, adapter, hostile, { expect: "refused" });
        assert.equal(byRequest.error?.code, "GD_REFUSED");
        const byAdapter = await dropThrough(fixture, adapter, hostile, { requestToken: neighbour, expect: "refused" });
        assert.equal(byAdapter.error?.code, "GD_REFUSED");
        await assert.rejects(adapter.exists(hostile), (err: { code?: string }) => err.code === "GD_REFUSED");
      }
      assert.equal((await api("GET", `vhosts/${enc("/")}`)).status, 200);
      const admin = decodeURIComponent(new URL(managementUrl!).username) || "guest";
      assert.equal((await api("GET", `users/${enc(admin)}`)).status, 200);
      assert.deepEqual(await catalog(form, neighbour), { vhost: 200, user: 200 });
      assert.equal((await next.channel.checkQueue(QUEUE)).messageCount, MESSAGES);
    });

    for (const n of [5, 10, 20]) {
      test(`${n} concurrent deprovisions of one tenant all end ok, with ${n} records and +${n}, and the breaker stays closed`, async () => {
        const t = uniqueToken("cc");
        const session = await createTenant(form, t);
        try {
          await assertConcurrentDropsOk(fixture, adapter, t, n, uniqueToken("nx"));
          assert.deepEqual(await catalog(form, t), { vhost: 404, user: 404 });
          await withTimeout(session.closed, 10_000, "the tenant's connection close");
          assert.deepEqual(await catalog(form, neighbour), { vhost: 200, user: 200 }, "the neighbour");
        } finally {
          await session.connection.close().catch(() => {});
        }
      });
    }

    test("2 processes × 10 concurrent deprovisions of one tenant all end ok", async () => {
      const t = uniqueToken("cp");
      const session = await createTenant(form, t);
      try {
        await assertConcurrentDropsAcrossProcesses(
          {
            adapter: form.name as "rabbitmqShared" | "rabbitmqDedicated",
            options: { managementUrl: managementUrl! },
            token: t,
            drops: 10,
          },
          2,
        );
        assert.deepEqual(await catalog(form, t), { vhost: 404, user: 404 });
      } finally {
        await session.connection.close().catch(() => {});
      }
    });

    const unreachable = () => ({ fixture, token, connectTimeoutMs: CONNECT_TIMEOUT_MS, marginMs: MARGIN_MS });

    test("a closed port is unavailable within the connect timeout, with one record and one count", () =>
      assertClosedPortUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({
            managementUrl: `http://admin:${SECRET}@127.0.0.1:${port}`,
            connectTimeoutMs: CONNECT_TIMEOUT_MS,
          }),
        serverCode: "ECONNREFUSED",
        message:
          /^Cannot check the (dedicated )?RabbitMQ tenant "[^"]+" as the management API is unreachable \(ECONNREFUSED/,
      }));

    test("an API that accepts and never answers is unavailable within the connect timeout", () =>
      assertHungServerUnavailable({
        ...unreachable(),
        adapterFor: (port) =>
          form.factory({ managementUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
        waitsForTimeout: true,
      }));

    test("a wrong password is `failed` (HTTP 401) and never echoed", async () => {
      const url = new URL(managementUrl!);
      url.password = "hunter2-wrong";
      const wrong = form.factory({ managementUrl: url.toString() });
      const result = await dropThrough(fixture, wrong, neighbour, { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      assert.equal((result.error?.cause as { serverCode?: string }).serverCode, "401");
      assert.doesNotMatch(JSON.stringify(fixture.lines()), /hunter2/);
      assert.deepEqual(await catalog(form, neighbour), { vhost: 200, user: 200 });
    });

    test("the tenant's own failures (HTTP 401) leave the breaker closed; unavailable ones (a closed port) open it", async () => {
      const url = new URL(managementUrl!);
      url.password = "hunter2-wrong";
      const wrong = form.factory({ managementUrl: url.toString() });
      const down = form.factory({
        managementUrl: `http://127.0.0.1:${await freePort()}`,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      });
      try {
        await assertBreakerRule({
          failing: wrong,
          down,
          healthy: adapter,
          failedToken: () => uniqueToken("nf"),
          token: () => uniqueToken("nx"),
        });
      } finally {
        await wrong.close();
        await down.close();
      }
    });

    test("a base URL that is not the API's fails, instead of reading every 404 as already gone", async () => {
      const url = new URL(managementUrl!);
      url.pathname = "/api"; // a common mistake: the base must not end in /api
      const wrong = form.factory({ managementUrl: url.toString() });
      const result = await dropThrough(fixture, wrong, neighbour, { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      assert.match(result.error!.message, /not the management API's base/);
      assert.deepEqual(await catalog(form, neighbour), { vhost: 200, user: 200 });
    });
  });
}

defineSuite({ name: "rabbitmqShared", factory: rabbitmqShared, vhostPrefix: "vh_", userPrefix: "usr_" });
defineSuite({
  name: "rabbitmqDedicated",
  factory: rabbitmqDedicated,
  vhostPrefix: "dedicated_vh_",
  userPrefix: "dedicated_usr_",
});
