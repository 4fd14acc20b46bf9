// natsShared on GD_NATS_URL (the machine's nats-server 2.9.10 in CI) and
// natsDedicated on throwaway nats-servers this file starts. Every drop goes
// through guardedDrop; the tenants are written and read back with the
// harness's own NATS fixture, which reads the server directly.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { isBackendError, isRefusedError } from "../../lib/mod.ts";
import { natsDedicated, natsShared } from "../../adapters/nats/mod.ts";
import { natsSubject, type NatsTenant } from "../../harness/subjects/nats.ts";
import type { ServerControl } from "../../harness/server_control.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough, HOSTILE_TOKENS } from "../support/drop_through.ts";
import { type ControlledServer, envUrl, uniqueToken } from "../support/servers.ts";
import { assertConcurrentDropsAcrossProcesses, assertConcurrentDropsOk } from "../support/concurrent_drops.ts";
import { assertClosedPortUnavailable, assertHungServerUnavailable, SECRET } from "../support/unreachable.ts";
import { HOW_TO_GET_NATS, startThrowawayNats, throwawayNatsSkipReason } from "../support/nats_server.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

const CONNECT_TIMEOUT_MS = 1_500;
const MARGIN_MS = 2_000;
const sharedUrl = envUrl("GD_NATS_URL");

/** A server control for the fixture: the checks here never stop or pause it. */
function serverAt(url: string): ServerControl {
  const no = async () => {
    throw new Error("this suite does not inject faults through the server control");
  };
  return { name: "nats", provider: "external", urls: () => ({ url }), stop: no, start: no, pause: no, unpause: no };
}

/** Every stream of the server with its fingerprint: the neighbours' and everyone else's. */
async function everyStream(url: string): Promise<Map<string, string>> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const all = new Map<string, string>();
    for await (const info of jsm.streams.list()) {
      if (info?.config?.name === undefined) continue;
      all.set(
        info.config.name,
        `${info.state.messages}/${info.state.bytes}/${info.state.last_seq}/${info.config.description ?? ""}`,
      );
    }
    return all;
  } finally {
    await nc.close();
  }
}

/** Runs `fn` with a JetStream manager on `url`, closed in `finally`. */
async function withJsm<T>(
  url: string,
  fn: (jsm: Awaited<ReturnType<typeof jetstreamManager>>, nc: Awaited<ReturnType<typeof connect>>) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    return await fn(await jetstreamManager(nc), nc);
  } finally {
    await nc.close();
  }
}

const totalMessages = (tenant: NatsTenant | undefined) =>
  Object.values(tenant?.streams ?? {}).reduce((sum, s) => sum + s.messages, 0);

describe("natsShared", { skip: sharedUrl === undefined ? `no shared NATS server: ${HOW_TO_GET_NATS}` : false }, () => {
  const url = sharedUrl!;
  const subject = natsSubject(serverAt(url), "shared");
  let fixture: AuditFixture;
  const adapter = natsShared({ url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  before(() => {
    fixture = createAuditFixture();
  });
  after(async () => {
    await adapter.close();
  });

  test("deletes the tenant's streams, consumers, KV bucket and object store, and nothing of acme2, acme_x, acme-x or a look-alike", async () => {
    const token = uniqueToken("gn");
    const neighbours = [`${token}2`, `${token}_x`, `${token}-x`];
    const lookAlike = `t${token.length}_${token}_lookalike`;
    try {
      const written = await subject.createTenant(token);
      assert.equal(Object.keys(written.streams).length, 4, "orders, events, KV_…config, OBJ_…files");
      assert.equal(totalMessages(written), 5 + 3 + 2 + 2);
      for (const n of neighbours) await subject.createTenant(n);
      // A look-alike: the tenant's naming, without its mark.
      await withJsm(url, async (jsm, nc) => {
        await jsm.streams.add({ name: lookAlike, subjects: [`lookalike.${token}`] });
        await jetstream(nc).publish(`lookalike.${token}`, "not the tenant's");
      });
      const before = await everyStream(url);
      assert.equal(await adapter.exists(token), true);

      await dropThrough(fixture, adapter, token, { expect: "ok" });

      const left = await subject.readTenant(token);
      assert.deepEqual(
        Object.keys(left?.streams ?? {}),
        [lookAlike],
        "only the look-alike is left under the tenant's naming",
      );
      assert.equal(left?.streams[lookAlike]?.messages, 1);
      assert.equal(await adapter.exists(token), false);
      // Other suites share this server: only the neighbours' and the
      // look-alike's streams are compared, each by name, messages, bytes,
      // last sequence and description.
      const afterDrop = await everyStream(url);
      const neighbourPrints = [...before].filter(([name]) =>
        name.includes(token) && !Object.hasOwn(written.streams, name)
      );
      assert.equal(neighbourPrints.length, 3 * 4 + 1, "3 neighbours of 4 streams, and the look-alike");
      for (const [name, print] of neighbourPrints) {
        assert.equal(afterDrop.get(name), print, `${name}'s fingerprint is unchanged`);
      }
      for (const name of Object.keys(written.streams)) assert.equal(afterDrop.has(name), false, `${name} is gone`);
      for (const n of neighbours) {
        const read = await subject.readTenant(n);
        assert.equal(Object.keys(read?.streams ?? {}).length, 4, `${n} keeps its 4 streams`);
        assert.equal(totalMessages(read), 12, `${n} keeps its 12 messages`);
        assert.equal(await adapter.exists(n), true);
      }
      await dropThrough(fixture, adapter, token, { expect: "ok" }); // idempotent
      for (const n of neighbours) await dropThrough(fixture, adapter, n, { expect: "ok" });
    } finally {
      // Whatever failed, nothing of this test stays on the shared server.
      for (const n of [token, ...neighbours]) await adapter.deprovision(n).catch(() => {});
      await withJsm(url, (jsm) => jsm.streams.delete(lookAlike).catch(() => false));
    }
  });

  test("a token with a dot, and every hostile token, is refused before the server is asked", async () => {
    for (const token of ["acme.x", "a.b.c", ...HOSTILE_TOKENS]) {
      const result = await dropThrough(fixture, adapter, token, { expect: "refused", requestToken: "acme42" });
      assert.ok(isRefusedError(result.error), token);
      await assert.rejects(adapter.exists(token), (err: unknown) => isRefusedError(err));
    }
    const dot = await dropThrough(fixture, adapter, "acme.x", { expect: "refused", requestToken: "acme42" });
    assert.match(dot.error!.message, /NATS naming token "acme\.x" must hold only letters, digits, '_' and '-'/);
  });

  test("10 concurrent drops of one tenant all end ok, and the breaker stays closed", async () => {
    const token = uniqueToken("gn");
    const next = uniqueToken("gn");
    await subject.createTenant(token);
    await subject.createTenant(next);
    await assertConcurrentDropsOk(fixture, adapter, token, 10, next);
    assert.equal(await subject.readTenant(token), undefined);
    assert.equal(await subject.readTenant(next), undefined);
  });

  test("2 processes × 10 concurrent drops of one tenant all end ok", async () => {
    const token = uniqueToken("gn");
    await subject.createTenant(token);
    await assertConcurrentDropsAcrossProcesses({ adapter: "natsShared", options: { url }, token, drops: 10 }, 2);
    assert.equal(await subject.readTenant(token), undefined);
  });

  test("a closed port and a server that never answers are unavailable within the connect timeout", async () => {
    const token = uniqueToken("gn");
    await assertClosedPortUnavailable({
      fixture,
      token,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      marginMs: MARGIN_MS,
      adapterFor: (port) =>
        natsShared({ url: `nats://gd:${SECRET}@127.0.0.1:${port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
      message: /did not accept a connection/,
    });
    await assertHungServerUnavailable({
      fixture,
      token,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      marginMs: MARGIN_MS,
      adapterFor: (port) => natsShared({ url: `nats://127.0.0.1:${port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
      waitsForTimeout: true,
    });
  });

  test("a malformed url is a TypeError in the factory, never echoed", () => {
    assert.throws(
      () => natsShared({ url: "redis://u:hunter2@h:1" }),
      /'url' must be a URL such as nats:\/\/user:password@host:4222/,
    );
    assert.throws(() => natsShared({ url: "" }), /'url' must be a non-empty string/);
    assert.throws(
      () => natsShared({ url, retention: { days: 0 } }),
      /'retention.days' must be a positive finite number/,
    );
  });
});

describe("natsShared against a server without JetStream", { skip: throwawayNatsSkipReason() ?? false }, () => {
  let server: ControlledServer;
  before(async () => {
    server = await startThrowawayNats({ jetstream: false });
  });
  after(async () => {
    await server?.dispose();
  });

  test("is unavailable, bounded, and says JetStream is missing", async () => {
    const fixture = createAuditFixture();
    const adapter = natsShared({ url: server.url, connectTimeoutMs: CONNECT_TIMEOUT_MS, operationTimeoutMs: 2_000 });
    try {
      const result = await dropThrough(fixture, adapter, uniqueToken("gn"), { expect: "error" });
      assert.equal(result.error?.kind, "unavailable");
      assert.match(
        result.error!.message,
        /as the NATS server has no JetStream \(during connect\): jetstream is not enabled/,
      );
      assert.ok(result.elapsedMs < 2_000 + LOADED_MACHINE_SLACK_MS, `${result.elapsedMs} ms`);
      await assert.rejects(adapter.exists("acme"), (err: unknown) => isBackendError(err) && err.kind === "unavailable");
    } finally {
      await adapter.close();
    }
  });
});

describe("natsDedicated", { skip: throwawayNatsSkipReason() ?? false }, () => {
  let server: ControlledServer;
  let fixture: AuditFixture;
  before(async () => {
    server = await startThrowawayNats();
    fixture = createAuditFixture();
  });
  after(async () => {
    await server?.dispose();
  });

  test("refuses a server without the gd_owner marker and changes nothing", async () => {
    const subject = natsSubject(serverAt(server.url), "dedicated");
    const adapter = natsDedicated({ url: server.url });
    try {
      await withJsm(server.url, async (jsm, nc) => {
        await jsm.streams.add({ name: "ledger", subjects: ["ledger"] });
        for (let i = 0; i < 7; i++) await jetstream(nc).publish("ledger", `entry ${i}`);
      });
      const before = await everyStream(server.url);
      const result = await dropThrough(fixture, adapter, "acme", { expect: "refused" });
      assert.match(
        result.error!.message,
        /must hold the marker stream "gd_owner" described "guarded-drop dedicated acme"/,
      );
      assert.deepEqual(await everyStream(server.url), before);
      assert.equal(await adapter.exists("acme"), true, "streams of unknown owner exist");
      // Another tenant's marker is no proof either.
      await withJsm(
        server.url,
        (jsm) =>
          jsm.streams.add({ name: "gd_owner", subjects: ["gd.owner"], description: "guarded-drop dedicated zz" }),
      );
      const other = await dropThrough(fixture, adapter, "acme", { expect: "refused" });
      assert.match(other.error!.message, /marked for other tenants/);
      assert.equal((await everyStream(server.url)).size, 2);
      await withJsm(server.url, async (jsm) => {
        await jsm.streams.delete("ledger");
        await jsm.streams.delete("gd_owner");
      });
      assert.equal(await subject.readTenant("acme"), undefined);
    } finally {
      await adapter.close();
    }
  });

  test("with the marker, deletes everything, then an empty server is ok; 10 concurrent drops all end ok", async () => {
    const subject = natsSubject(serverAt(server.url), "dedicated");
    const adapter = natsDedicated({ url: server.url });
    try {
      const written = await subject.createTenant("acme");
      assert.equal(Object.keys(written.streams).length, 5, "gd_owner, orders, events, KV_config, OBJ_files");
      await dropThrough(fixture, adapter, "acme", { expect: "ok" });
      assert.equal((await everyStream(server.url)).size, 0);
      assert.equal(await adapter.exists("acme"), false);
      await dropThrough(fixture, adapter, "acme", { expect: "ok" });

      await subject.createTenant("acme2");
      await assertConcurrentDropsOk(fixture, adapter, "acme2", 10, "acme3");
      assert.equal((await everyStream(server.url)).size, 0);

      await subject.createTenant("acme4");
      await assertConcurrentDropsAcrossProcesses({
        adapter: "natsDedicated",
        options: { url: server.url },
        token: "acme4",
        drops: 10,
      }, 2);
      assert.equal((await everyStream(server.url)).size, 0);
    } finally {
      await adapter.close();
    }
  });
});
