// The NATS tenant model's name rule, and the delete steps' handling of
// races, on the real server where one can be shown (a stream deleted by
// someone else halfway) and with a wrapped manager where none can on
// demand (the null consumer entries nats-server 2.9 returns under
// concurrent deletes).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { createNameRules, isRefusedError } from "../../../lib/mod.ts";
import { deleteStreams, leftOverError, listStreams } from "../../../adapters/nats/_assets.ts";
import { checkNatsToken, namedForTenant, tenantPrefix, tokenOfName } from "../../../adapters/nats/_names.ts";
import { envUrl, uniqueToken } from "../../support/servers.ts";
import { HOW_TO_GET_NATS } from "../../support/nats_server.ts";

const url = envUrl("GD_NATS_URL");
const rules = createNameRules();

describe("the tenant model", () => {
  const tokens = ["acme", "acme2", "acme_x", "acme-x", "acme__x", "a", "acme_", "x_acme"];
  test("each tenant's streams, KV buckets and object stores parse to it and to no other token", () => {
    for (const owner of tokens) {
      for (
        const name of [
          `${tenantPrefix(owner)}orders`,
          `KV_${tenantPrefix(owner)}config`,
          `OBJ_${tenantPrefix(owner)}files`,
          `${tenantPrefix(owner)}_x`,
        ]
      ) {
        assert.equal(tokenOfName(name), owner, name);
        for (const other of tokens) assert.equal(namedForTenant(name, other), other === owner, `${name} vs ${other}`);
      }
    }
    assert.equal(tenantPrefix("acme"), "t4_acme_");
    assert.equal(namedForTenant("t5_acme2_orders", "acme"), false);
    assert.equal(namedForTenant("t6_acme_x_orders", "acme"), false);
    assert.equal(namedForTenant("acme_orders", "acme"), false);
    assert.equal(tokenOfName("t4_acm"), undefined);
  });

  test("a token with a dot is refused with the reason, a valid one passes", () => {
    assert.throws(
      () => checkNatsToken(rules, "acme.x"),
      (err: unknown) => isRefusedError(err) && /cannot hold '\.'/.test((err as Error).message),
    );
    assert.throws(() => checkNatsToken(rules, "postgres"), (err: unknown) => isRefusedError(err));
    assert.equal(checkNatsToken(rules, "acme-x_2"), "acme-x_2");
  });

  test("the left-over error names the streams and the steps that raced", () => {
    const context = { action: "deprovision", what: "the NATS tenant", token: "acme" } as const;
    const left = [{
      name: "t4_acme_orders",
      kind: "stream" as const,
      description: "guarded-drop tenant acme",
      subjects: ["t.acme.orders"],
    }];
    const err = leftOverError(context, left, ["deleting the stream t4_acme_events"]);
    assert.equal(err.kind, "failed");
    assert.match(
      err.message,
      /"t4_acme_orders" are still there after the drop; these steps found their target already gone .*deleting the stream t4_acme_events/,
    );
    assert.match(leftOverError(context, left, []).message, /no step raced/);
  });
});

describe("the delete steps on the real server", { skip: url === undefined ? HOW_TO_GET_NATS : false }, () => {
  async function withJsm(fn: (jsm: JetStreamManager, other: JetStreamManager) => Promise<void>): Promise<void> {
    const nc = await connect({ servers: url!, reconnect: false });
    const nc2 = await connect({ servers: url!, reconnect: false });
    try {
      await fn(await jetstreamManager(nc), await jetstreamManager(nc2));
    } finally {
      await nc.close();
      await nc2.close();
    }
  }

  test("a stream deleted by someone else halfway is a race, not an error, and nothing is left", async () => {
    await withJsm(async (jsm, other) => {
      const prefix = tenantPrefix(uniqueToken("gn"));
      for (const name of ["a", "b", "c"]) {
        await jsm.streams.add({ name: `${prefix}${name}`, subjects: [`${prefix}${name}`] });
        await jsm.consumers.add(`${prefix}${name}`, { durable_name: "d", ack_policy: "explicit" as never });
      }
      const listed = (await listStreams(jsm)).filter((s) => s.name.startsWith(prefix));
      assert.equal(listed.length, 3);
      // Someone else deletes stream b after our list, and c's consumer.
      await other.streams.delete(`${prefix}b`);
      const raced: string[] = [];
      const steps: string[] = [];
      const racing = new Proxy(jsm, {
        get(target, key) {
          if (key !== "consumers") return Reflect.get(target, key);
          const consumers = target.consumers;
          return new Proxy(consumers, {
            get(c, k) {
              if (k !== "delete") return Reflect.get(c, k);
              return async (stream: string, name: string) => {
                if (stream === `${prefix}c`) await other.consumers.delete(stream, name);
                return await c.delete(stream, name);
              };
            },
          });
        },
      });
      await deleteStreams(racing, listed, (s) => steps.push(s), raced);
      assert.deepEqual(raced, [
        `listing the consumers of ${prefix}b`,
        `deleting the consumer d of ${prefix}c`,
        `deleting the stream ${prefix}b`,
      ]);
      assert.equal((await listStreams(jsm)).filter((s) => s.name.startsWith(prefix)).length, 0);
      assert.equal(steps.at(-1), `deleting the stream ${prefix}c`);
    });
  });

  test("null consumer entries (nats-server 2.9 under concurrent deletes) are skipped", async () => {
    await withJsm(async (jsm) => {
      const prefix = tenantPrefix(uniqueToken("gn"));
      await jsm.streams.add({ name: `${prefix}a`, subjects: [`${prefix}a`] });
      await jsm.consumers.add(`${prefix}a`, { durable_name: "d1", ack_policy: "explicit" as never });
      const deleted: string[] = [];
      const withNulls = new Proxy(jsm, {
        get(target, key) {
          if (key !== "consumers") return Reflect.get(target, key);
          return new Proxy(target.consumers, {
            get(c, k) {
              if (k === "list") {
                return (stream: string) => ({
                  async *[Symbol.asyncIterator]() {
                    yield null;
                    for await (const info of c.list(stream)) yield info;
                    yield null;
                  },
                });
              }
              if (k === "delete") return async (s: string, n: string) => (deleted.push(n), await c.delete(s, n));
              return Reflect.get(c, k);
            },
          });
        },
      });
      const raced: string[] = [];
      await deleteStreams(
        withNulls,
        [{ name: `${prefix}a`, kind: "stream", description: undefined, subjects: [`${prefix}a`] }],
        () => {},
        raced,
      );
      assert.deepEqual(deleted, ["d1"]);
      assert.deepEqual(raced, []);
      assert.equal((await listStreams(jsm)).filter((s) => s.name.startsWith(prefix)).length, 0);
    });
  });
});
