// The recoverable form of the NATS adapters (DESIGN §14): with `retention`,
// a drop keeps the streams and moves their mark, `restore` gives it back,
// and `purgeExpired` deletes expired copies through guardedDrop. Shared on
// GD_NATS_URL, dedicated on a throwaway nats-server. The clock is injected.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { isRefusedError } from "../../lib/mod.ts";
import { natsDedicated, natsShared } from "../../adapters/nats/mod.ts";
import { natsSubject } from "../../harness/subjects/nats.ts";
import type { ServerControl } from "../../harness/server_control.ts";
import { type AuditFixture, createAuditFixture } from "../support/audit_fixture.ts";
import { dropThrough } from "../support/drop_through.ts";
import { type ControlledServer, envUrl, uniqueToken } from "../support/servers.ts";
import { HOW_TO_GET_NATS, startThrowawayNats, throwawayNatsSkipReason } from "../support/nats_server.ts";

const DAY_MS = 86_400_000;
const START = Date.parse("2026-12-01T22:30:00Z");
const sharedUrl = envUrl("GD_NATS_URL");

function serverAt(url: string): ServerControl {
  const no = async () => {
    throw new Error("this suite does not inject faults");
  };
  return { name: "nats", provider: "external", urls: () => ({ url }), stop: no, start: no, pause: no, unpause: no };
}

/** Whether a JetStream publish to `subject` is stored (a pub ack comes back). */
async function publishStored(url: string, subject: string): Promise<boolean> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    await jetstream(nc, { timeout: 2_000 }).publish(subject, "written while quarantined?");
    return true;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

/** The descriptions of the streams `pick` keeps, read directly. */
async function descriptions(url: string, pick: (name: string) => boolean): Promise<Record<string, string | undefined>> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const out: Record<string, string | undefined> = {};
    for await (const info of jsm.streams.list()) {
      if (info?.config?.name !== undefined && pick(info.config.name)) out[info.config.name] = info.config.description;
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe("natsShared with retention", { skip: sharedUrl === undefined ? HOW_TO_GET_NATS : false }, () => {
  const url = sharedUrl!;
  const subject = natsSubject(serverAt(url), "shared");
  let clock = START;
  const adapter = natsShared({ url, retention: { days: 30, now: () => clock } });
  let fixture: AuditFixture;
  before(() => {
    fixture = createAuditFixture();
  });
  // Every token a test made: whatever fails, nothing of them stays on the shared server.
  const made: string[] = [];
  const newToken = (): string => {
    const token = uniqueToken("gq");
    made.push(token, `${token}2`);
    return token;
  };
  after(async () => {
    const plain = natsShared({ url });
    try {
      for (const token of made) {
        if ((await adapter.quarantined(token)).length > 0) await adapter.restore(token).catch(() => {});
        await plain.deprovision(token);
      }
    } finally {
      await plain.close();
      await adapter.close();
    }
  });

  test("quarantine keeps every stream exactly, restore gives the marks back, purge after 30 days deletes it; neighbours intact", async () => {
    const token = newToken();
    const neighbour = `${token}2`;
    const written = await subject.createTenant(token);
    const neighbourData = await subject.createTenant(neighbour);
    const prefix = `t${token.length}_${token}_`;
    const isTenant = (name: string) => name.replace(/^(?:KV|OBJ)_/, "").startsWith(prefix);

    clock = START;
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    assert.equal(await adapter.exists(token), false);
    assert.deepEqual(
      await subject.readTenant(token),
      written,
      "messages, bytes, last sequences and consumers unchanged",
    );
    const copies = await adapter.quarantined(token);
    assert.equal(copies.length, 1);
    assert.deepEqual([...copies[0]!.streams].sort(), Object.keys(written.streams).sort());
    assert.equal(copies[0]!.expiresAt?.getTime(), START + 30 * DAY_MS);
    for (const description of Object.values(await descriptions(url, isTenant))) {
      assert.equal(description, `guarded-drop quarantined ${token} ${copies[0]!.name}`);
    }
    // Writes through JetStream are stored nowhere: the streams capture
    // quarantine subjects instead of the tenant's.
    assert.equal(await publishStored(url, `t.${token}.orders`), false);
    assert.deepEqual(await subject.readTenant(token), written);
    await dropThrough(fixture, adapter, token, { expect: "ok" }); // a second drop finds nothing live
    assert.equal((await adapter.quarantined(token)).length, 1);

    const restored = await adapter.restore(token);
    assert.equal(restored.name, copies[0]!.name);
    assert.equal(await adapter.exists(token), true);
    assert.deepEqual(await subject.readTenant(token), written);
    for (const description of Object.values(await descriptions(url, isTenant))) {
      assert.equal(description, `guarded-drop tenant ${token}`);
    }
    assert.deepEqual(await adapter.quarantined(token), []);
    // The subjects are back: a publish is stored again, then the tenant is as written plus one.
    assert.equal(await publishStored(url, `t.${token}.orders`), true);
    const afterWrite = await subject.readTenant(token);
    assert.equal(afterWrite!.streams[`${prefix}orders`]!.messages, written.streams[`${prefix}orders`]!.messages + 1);

    clock = START + DAY_MS;
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    const early = await adapter.purgeExpired(fixture.guardedDrop, { now: START + 30 * DAY_MS });
    assert.equal(early.purged.filter((c) => c.token === token).length, 0, "not expired one day short of 31");
    assert.deepEqual(await subject.readTenant(token), afterWrite);
    const purge = await adapter.purgeExpired(fixture.guardedDrop, {
      now: START + 31 * DAY_MS,
      requestId: `purge-${token}`,
    });
    assert.equal(purge.purged.filter((c) => c.token === token).length, 1);
    assert.deepEqual(purge.failed.filter((f) => f.copy.token === token), []);
    assert.equal(await subject.readTenant(token), undefined, "nothing of the tenant is left");
    assert.deepEqual(await adapter.quarantined(token), []);
    const records = fixture.dropRecords().filter((r) => r.request_id.startsWith(`purge-${token}/`));
    assert.equal(records.length, 1);
    assert.equal(records[0]!.intent, "quarantine_expired");
    assert.deepEqual(await subject.readTenant(neighbour), neighbourData);

    await natsShared({ url }).deprovision(neighbour);
  });

  test("a restore over a new live tenant of the same token is refused with nothing changed", async () => {
    const token = newToken();
    const written = await subject.createTenant(token);
    clock = START;
    await dropThrough(fixture, adapter, token, { expect: "ok" });
    const fresh = `t${token.length}_${token}_fresh`;
    const nc = await connect({ servers: url, reconnect: false });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: fresh,
        subjects: [`t.${token}.fresh`],
        description: `guarded-drop tenant ${token}`,
      });
      await assert.rejects(
        adapter.restore(token),
        (err: unknown) => isRefusedError(err) && /names must be free/.test((err as Error).message),
      );
      assert.equal((await adapter.quarantined(token)).length, 1, "the copy is kept");
      const read = await subject.readTenant(token);
      assert.deepEqual(Object.keys(read!.streams).sort(), [...Object.keys(written.streams), fresh].sort());
      // A quarantine while a copy exists and new streams are live is refused too.
      const again = await dropThrough(fixture, adapter, token, { expect: "refused" });
      assert.match(again.error!.message, /must have no other quarantined copy/);
      await jsm.streams.delete(fresh);
    } finally {
      await nc.close();
    }
    const purge = await adapter.purgeExpired(fixture.guardedDrop, { now: START + 31 * DAY_MS });
    assert.ok(purge.purged.some((c) => c.token === token));
    assert.equal(await subject.readTenant(token), undefined);
  });

  test("10 concurrent quarantines make one copy; a restore racing a purge ends consistent", async () => {
    const token = newToken();
    const written = await subject.createTenant(token);
    clock = START;
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => adapter.deprovision(token)));
    assert.deepEqual(
      results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
      [],
    );
    const copies = await adapter.quarantined(token);
    assert.equal(copies.length, 1);
    assert.equal(copies[0]!.streams.length, 4);
    assert.equal(await adapter.exists(token), false);
    assert.deepEqual(await subject.readTenant(token), written);

    const [restore, purge] = await Promise.allSettled([
      adapter.restore(token),
      adapter.purgeExpired(fixture.guardedDrop, { now: START + 31 * DAY_MS }),
    ]);
    const restored = restore.status === "fulfilled";
    const purged = purge.status === "fulfilled" && purge.value.purged.some((c) => c.token === token);
    assert.notEqual(restored, purged, `exactly one wins: restore ${restore.status}, purged ${purged}`);
    assert.deepEqual(await adapter.quarantined(token), []);
    if (restored) {
      assert.deepEqual(await subject.readTenant(token), written);
      assert.equal(await adapter.exists(token), true);
      await natsShared({ url }).deprovision(token);
    }
    assert.equal(await subject.readTenant(token), undefined);
  });
});

describe("natsDedicated with retention", { skip: throwawayNatsSkipReason() ?? false }, () => {
  let server: ControlledServer;
  before(async () => {
    server = await startThrowawayNats();
  });
  after(async () => {
    await server?.dispose();
  });

  test("quarantine keeps the server's streams, restore brings the marker back, purge empties the server", async () => {
    const fixture = createAuditFixture();
    const subject = natsSubject(serverAt(server.url), "dedicated");
    const adapter = natsDedicated({ url: server.url, retention: { days: 7, now: () => START } });
    try {
      // Reads never create the record bucket.
      assert.deepEqual(await adapter.quarantined("acme"), []);
      await assert.rejects(
        adapter.restore("acme"),
        (err: unknown) => isRefusedError(err) && /current value is none/.test((err as Error).message),
      );
      assert.deepEqual((await adapter.purgeExpired(fixture.guardedDrop)).purged, []);
      assert.deepEqual(Object.keys(await descriptions(server.url, () => true)), []);
      const written = await subject.createTenant("acme");
      await dropThrough(fixture, adapter, "acme", { expect: "ok" });
      assert.equal(await adapter.exists("acme"), false);
      assert.deepEqual(await subject.readTenant("acme"), written);
      assert.equal((await adapter.quarantined("acme")).length, 1);
      await adapter.restore("acme");
      assert.equal(await adapter.exists("acme"), true);
      assert.deepEqual(await subject.readTenant("acme"), written);
      const marks = await descriptions(server.url, () => true);
      assert.equal(marks.gd_owner, "guarded-drop dedicated acme");
      assert.equal(marks.orders, undefined, "the tenant's own descriptions come back");
      await dropThrough(fixture, adapter, "acme", { expect: "ok" });
      const purge = await adapter.purgeExpired(fixture.guardedDrop, { now: START + 8 * DAY_MS });
      assert.equal(purge.purged.length, 1);
      assert.deepEqual(
        Object.keys(await descriptions(server.url, () => true)),
        ["KV_gd_quarantine"],
        "only the empty record bucket is left",
      );
      assert.equal(await adapter.exists("acme"), false);
    } finally {
      await adapter.close();
    }
  });
});
