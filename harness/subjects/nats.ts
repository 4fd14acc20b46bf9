/**
 * {@linkcode natsSubject}: the conformance subject of the NATS JetStream
 * adapters, with a tenant fixture of streams, consumers, a KV bucket and an
 * object store on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter } from "./_lazy_adapter.ts";
import { type ConformanceSubject, newTenantToken, type NotOwnServer } from "../conformance/mod.ts";
import type { ServerControl } from "../server_control.ts";

/**
 * One stream's fingerprint, as read straight from the server.
 *
 * @example
 * ```ts
 * import type { NatsStreamPrint } from "guarded-drop/harness";
 *
 * const print: NatsStreamPrint = { messages: 5, bytes: 245, lastSeq: 5, consumers: 1 };
 * ```
 */
export interface NatsStreamPrint {
  /** How many messages the stream holds. */
  readonly messages: number;
  /** How many bytes the stream holds. */
  readonly bytes: number;
  /** The stream's last sequence number. */
  readonly lastSeq: number;
  /** How many consumers the stream has. */
  readonly consumers: number;
}

/**
 * A NATS tenant as read straight from the server: each of its streams (KV
 * buckets as `KV_<bucket>`, object stores as `OBJ_<bucket>`) with its
 * fingerprint.
 *
 * @example
 * ```ts
 * import type { NatsTenant } from "guarded-drop/harness";
 *
 * const intact: NatsTenant = { streams: { t4_acme_orders: { messages: 5, bytes: 245, lastSeq: 5, consumers: 1 } } };
 * ```
 */
export interface NatsTenant {
  /** The tenant's streams, by name. */
  readonly streams: Readonly<Record<string, NatsStreamPrint>>;
}

const ORDERS = 5;
const EVENTS = 3;
const FOREIGN_MESSAGES = 10;
const MARKER_STREAM = "gd_owner";
const QUARANTINE_STREAM = "KV_gd_quarantine";

/** A NATS connection, closed in `finally`, with its JetStream manager and client. */
async function withNats<T>(
  url: string,
  fn: (
    nats: { nc: import("@nats-io/nats-core").NatsConnection; jsm: import("@nats-io/jetstream").JetStreamManager },
  ) => Promise<T>,
): Promise<T> {
  const [{ connect }, { jetstreamManager }] = await Promise.all([
    import("@nats-io/transport-node"),
    import("@nats-io/jetstream"),
  ]);
  const nc = await connect({ servers: url, timeout: 10_000, reconnect: false, ignoreClusterUpdates: true });
  try {
    return await fn({ nc, jsm: await jetstreamManager(nc, { timeout: 30_000 }) });
  } finally {
    await nc.close().catch(() => {});
  }
}

/** The fingerprints of the streams `pick` keeps. */
async function printsOf(
  jsm: import("@nats-io/jetstream").JetStreamManager,
  pick: (name: string, description: string | undefined) => boolean,
): Promise<Record<string, NatsStreamPrint>> {
  const prints: Record<string, NatsStreamPrint> = {};
  for await (const info of jsm.streams.list()) {
    if (info?.config?.name === undefined || !pick(info.config.name, info.config.description)) continue;
    prints[info.config.name] = {
      messages: info.state.messages,
      bytes: info.state.bytes,
      lastSeq: info.state.last_seq,
      consumers: info.state.consumer_count,
    };
  }
  return prints;
}

/**
 * Writes a tenant: a stream `<prefix>orders` with 5 messages and a durable
 * consumer, a stream `<prefix>events` with 3 messages, a KV bucket
 * `<prefix>config` with 2 keys and an object store `<prefix>files` with one
 * object, each described `description`.
 */
async function writeTenant(
  url: string,
  prefix: string,
  subjectRoot: string,
  description: string | undefined,
): Promise<void> {
  const [{ jetstream }, { Kvm }, { Objm }] = await Promise.all([
    import("@nats-io/jetstream"),
    import("@nats-io/kv"),
    import("@nats-io/obj"),
  ]);
  await withNats(url, async ({ nc, jsm }) => {
    const described = description === undefined ? {} : { description };
    const js = jetstream(nc, { timeout: 30_000 });
    await jsm.streams.add({ name: `${prefix}orders`, subjects: [`${subjectRoot}.orders`], ...described });
    for (let i = 1; i <= ORDERS; i++) await js.publish(`${subjectRoot}.orders`, `order ${i}`);
    await jsm.consumers.add(`${prefix}orders`, { durable_name: "billing", ack_policy: "explicit" as never });
    await jsm.streams.add({ name: `${prefix}events`, subjects: [`${subjectRoot}.events`], ...described });
    for (let i = 1; i <= EVENTS; i++) await js.publish(`${subjectRoot}.events`, `event ${i}`);
    const kv = await new Kvm(nc).create(`${prefix}config`, described);
    await kv.put("plan", "gold");
    await kv.put("seats", "12");
    const os = await new Objm(nc).create(`${prefix}files`, described);
    await os.putBlob({ name: "invoice.pdf" }, new TextEncoder().encode(`invoice of ${prefix}`));
  });
}

/**
 * Options of {@linkcode natsSubject}.
 *
 * @example
 * ```ts
 * import type { NatsSubjectOptions, ServerControl } from "guarded-drop/harness";
 *
 * declare const throwaway: ServerControl;
 * const options: NatsSubjectOptions = { notOwnServer: throwaway };
 * ```
 */
export interface NatsSubjectOptions {
  /**
   * A throwaway NATS server that is not the tenant's own, for the dedicated
   * subject's `not-own-server` check: it gets another tenant's stream and no
   * `gd_owner` marker, and the dedicated adapter pointed at it must refuse.
   *
   * @default {undefined}
   */
  notOwnServer?: ServerControl;
}

/**
 * The subject of `natsShared` (streams, KV buckets and object stores named
 * `t<n>_<t>_…` and described `guarded-drop tenant <t>`) or `natsDedicated`
 * (every stream of the tenant's own server, proven by the `gd_owner`
 * marker). A dedicated server holds one tenant, so its neighbours live on
 * another server: pass the shared subject as `neighbour`.
 *
 * @param server The server (its `url` must be an admin's, with JetStream).
 * @param backend `shared` or `dedicated`.
 * @param neighbour Where neighbours live (dedicated only).
 * @param options A throwaway server that is not the tenant's own (dedicated only).
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { natsSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_NATS_URL: "nats://127.0.0.1:4222" });
 * console.log(natsSubject(set.servers.nats!, "shared").name);
 * await set.stop();
 * ```
 */
export function natsSubject(
  server: ServerControl,
  backend: Backend,
  neighbour?: ConformanceSubject<NatsTenant>,
  options: NatsSubjectOptions = {},
): ConformanceSubject<NatsTenant> {
  const url = () => server.urls().url!;
  const prefixOf = (token: string) => `t${token.length}_${token}_`;
  const adapterFor =
    (target: () => string) => (adapterOptions: { connectTimeoutMs: number; operationTimeoutMs: number }) => {
      const config = { url: target(), ...adapterOptions };
      return lazyAdapter("nats", backend, async () => {
        const { natsShared, natsDedicated } = await import("../../adapters/nats/mod.ts");
        return (backend === "shared" ? natsShared : natsDedicated)(config);
      });
    };
  // A shared tenant's streams by name, with or without the mark: the direct
  // check that nothing of it is left. A dedicated server's streams are all
  // the tenant's while the marker names it.
  const readTenant = (token: string) =>
    withNats(url(), async ({ jsm }) => {
      let streams: Record<string, NatsStreamPrint>;
      if (backend === "shared") {
        const prefix = prefixOf(token);
        streams = await printsOf(jsm, (name) => name.replace(/^(?:KV|OBJ)_/, "").startsWith(prefix));
      } else {
        const marker = await printsOf(jsm, (name, description) =>
          name === MARKER_STREAM && description?.includes(` ${token}`) === true);
        streams = Object.keys(marker).length === 0 ? {} : await printsOf(jsm, (name) =>
          name !== QUARANTINE_STREAM);
      }
      return Object.keys(streams).length === 0 ? undefined : { streams };
    });

  const foreignServer = backend === "dedicated" ? options.notOwnServer : undefined;
  let notOwnServer: NotOwnServer<NatsTenant> | undefined;
  if (foreignServer !== undefined) {
    const foreignUrl = () => foreignServer.urls().url!;
    const other = newTenantToken({ prefix: "gdforeign" });
    const stream = `${prefixOf(other)}ledger`;
    const read = () =>
      withNats(foreignUrl(), async ({ jsm }) => ({ streams: await printsOf(jsm, (name) => name === stream) }));
    notOwnServer = {
      createAdapter: adapterFor(foreignUrl),
      createData: async () => {
        const { jetstream } = await import("@nats-io/jetstream");
        await withNats(foreignUrl(), async ({ nc, jsm }) => {
          await jsm.streams.add({ name: stream, subjects: [`t.${other}.ledger`] });
          const js = jetstream(nc, { timeout: 30_000 });
          for (let i = 1; i <= FOREIGN_MESSAGES; i++) await js.publish(`t.${other}.ledger`, `entry ${i}`);
        });
        return await read();
      },
      readData: read,
      // NOTE: the stream stays, emptied of its messages. Deleting it is a
      // stream delete, which only a sanctioned drop may run; the server is a
      // throwaway, and an unmarked stream belongs to no tenant's checks.
      removeData: () =>
        withNats(foreignUrl(), async ({ jsm }) => {
          for (let seq = 1; seq <= FOREIGN_MESSAGES; seq++) {
            await jsm.streams.deleteMessage(stream, seq, false).catch(() => false);
          }
        }),
    };
  }

  return {
    name: `nats ${backend} (${server.provider})`,
    resourceType: "nats",
    backend,
    server,
    neighbour,
    oneTenantPerServer: backend === "dedicated",
    // Stream, KV and object store names cannot hold a dot (DESIGN §15).
    refusedTokenCharacters: ".",
    notOwnServer,
    createAdapter: adapterFor(url),
    async createTenant(token) {
      if (backend === "shared") {
        await writeTenant(url(), prefixOf(token), `t.${token}`, `guarded-drop tenant ${token}`);
      } else {
        await withNats(url(), async ({ jsm }) => {
          await jsm.streams.add({
            name: MARKER_STREAM,
            subjects: ["gd.owner"],
            description: `guarded-drop dedicated ${token}`,
          });
        });
        await writeTenant(url(), "", "app", undefined);
      }
      const read = await readTenant(token);
      if (read === undefined) throw new Error(`the NATS tenant ${token} was written but reads back as none`);
      return read;
    },
    readTenant,
    async systemIntact() {
      // JetStream still answers for the account: the server itself is fine.
      await withNats(url(), async ({ jsm }) => void (await jsm.getAccountInfo()));
    },
  };
}
