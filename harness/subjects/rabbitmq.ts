/**
 * {@linkcode rabbitmqSubject}: the conformance subject of the RabbitMQ
 * adapters, with a tenant fixture made over the management API.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { boundedHttpRequest } from "../../adapters/_shared/_http_request.ts";
import { lazyAdapter, lazyRecoverableAdapter } from "./_lazy_adapter.ts";
import type { ConformanceSubject } from "../conformance/mod.ts";
import type { ServerControl } from "../server_control.ts";

/** The bound of one management API request the fixture sends. */
const API_TIMEOUT_MS = 10_000;
/** Statuses whose Response cannot carry a body. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/**
 * A RabbitMQ tenant as read straight from the broker: its vhost, its user,
 * and the messages waiting in its `invoices` queue.
 *
 * @example
 * ```ts
 * import type { RabbitmqTenant } from "guarded-drop/harness";
 *
 * const intact: RabbitmqTenant = { vhost: "vh_acme", user: "usr_acme", messages: ["acme #1"] };
 * ```
 */
export interface RabbitmqTenant {
  /** The tenant's vhost, or `null` when there is none. */
  readonly vhost: string | null;
  /** The tenant's user, or `null` when there is none. */
  readonly user: string | null;
  /** The messages in the tenant's queues, as text. */
  readonly messages: readonly string[];
}

const MESSAGES = 3;
const QUEUE = "invoices";

/**
 * The subject of `rabbitmqShared` (`vh_<t>`, `usr_<t>`) or
 * `rabbitmqDedicated` (`dedicated_vh_<t>`, `dedicated_usr_<t>`). A tenant is
 * a vhost with a durable queue holding messages, and a user with full
 * permissions on it; the fixture uses the management API, so it needs no
 * AMQP client.
 *
 * @param server The broker (its `managementUrl` must carry an administrator's credentials).
 * @param backend `shared` or `dedicated`.
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { rabbitmqSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({
 *   GD_AMQP_URL: "amqp://guest:guest@127.0.0.1:5672",
 *   GD_RABBITMQ_MANAGEMENT_URL: "http://guest:guest@127.0.0.1:15672",
 * });
 * console.log(rabbitmqSubject(set.servers.rabbitmq!, "shared").name);
 * await set.stop();
 * ```
 */
export function rabbitmqSubject(server: ServerControl, backend: Backend): ConformanceSubject<RabbitmqTenant> {
  const prefix = backend === "shared" ? "" : "dedicated_";
  const names = (token: string) => ({ vhost: `${prefix}vh_${token}`, user: `${prefix}usr_${token}` });
  const managementUrl = () => server.urls().managementUrl!;
  // Each tenant's password, from createTenant to loginAsTenant: this
  // subject's own state, never the module's.
  const passwords = new Map<string, string>();

  async function api(method: string, path: string, body?: unknown): Promise<Response> {
    const base = new URL(managementUrl());
    const authorization = `Basic ${btoa(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`)}`;
    base.username = "";
    base.password = "";
    // Bounded by a timer the request holds, not a signal fetch may lose under GC (see
    // adapters/_shared/_http_request.ts); wrapped as a Response for the readers below.
    const answer = await boundedHttpRequest({
      method: method as "GET" | "PUT" | "POST" | "DELETE",
      url: new URL(`api/${path}`, base.href.endsWith("/") ? base.href : `${base.href}/`).href,
      headers: { authorization, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: API_TIMEOUT_MS,
    });
    return new Response(NULL_BODY_STATUSES.has(answer.status) ? null : answer.text, { status: answer.status });
  }
  /** The status of a GET; the body is read and dropped, so that no socket waits for it. */
  async function statusOf(path: string): Promise<number> {
    const response = await api("GET", path);
    await response.arrayBuffer();
    return response.status;
  }
  async function ok(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await api(method, path, body);
    if (!response.ok) throw new Error(`${method} /api/${path} answered ${response.status}: ${await response.text()}`);
    return response.status === 204 ? undefined : response.json().catch(() => undefined);
  }
  const e = encodeURIComponent;

  return {
    name: `rabbitmq ${backend} (${server.provider})`,
    resourceType: "rabbitmq",
    backend,
    server,
    createAdapter: (options) => {
      const config = { managementUrl: managementUrl(), ...options };
      return lazyAdapter("rabbitmq", backend, async () => {
        const { rabbitmqShared, rabbitmqDedicated } = await import("../../adapters/rabbitmq/mod.ts");
        return (backend === "shared" ? rabbitmqShared : rabbitmqDedicated)(config);
      });
    },
    async createTenant(token) {
      const { vhost, user } = names(token);
      await ok("PUT", `vhosts/${e(vhost)}`, {});
      const password = `pw-${crypto.randomUUID()}`;
      passwords.set(token, password);
      await ok("PUT", `users/${e(user)}`, { password, tags: "" });
      await ok("PUT", `permissions/${e(vhost)}/${e(user)}`, { configure: ".*", write: ".*", read: ".*" });
      await ok("PUT", `queues/${e(vhost)}/${QUEUE}`, { durable: true, auto_delete: false });
      const messages = Array.from({ length: MESSAGES }, (_, i) => `${token} #${i + 1}`);
      for (const payload of messages) {
        const routed = await ok("POST", `exchanges/${e(vhost)}/amq.default/publish`, {
          properties: { delivery_mode: 2 },
          routing_key: QUEUE,
          payload,
          payload_encoding: "string",
        }) as { routed?: boolean };
        if (routed?.routed !== true) throw new Error(`the message to ${vhost}/${QUEUE} was not routed`);
      }
      return { vhost, user, messages };
    },
    recovery: {
      createAdapter: (options) =>
        lazyRecoverableAdapter("rabbitmq", backend, async () => {
          const { rabbitmqShared, rabbitmqDedicated } = await import("../../adapters/rabbitmq/mod.ts");
          return (backend === "shared" ? rabbitmqShared : rabbitmqDedicated)({
            managementUrl: managementUrl(),
            ...options,
          });
        }),
      async loginAsTenant(token) {
        const { vhost, user } = names(token);
        const { default: amqp } = await import("amqplib");
        const target = new URL(server.urls().amqpUrl!);
        target.username = encodeURIComponent(user);
        target.password = encodeURIComponent(passwords.get(token) ?? "");
        target.pathname = `/${encodeURIComponent(vhost)}`;
        const connection = await amqp.connect(target.href, { timeout: 10_000 });
        connection.on("error", () => {});
        try {
          const channel = await connection.createChannel();
          channel.on("error", () => {});
          await channel.checkQueue(QUEUE);
        } finally {
          await connection.close().catch(() => {});
        }
      },
    },
    async readTenant(token) {
      const { vhost, user } = names(token);
      // A quarantined tenant keeps its vhost (RabbitMQ cannot rename one),
      // marked by a global parameter only an administrator writes: the
      // platform's view of the tenant is then "gone".
      if ((await statusOf(`global-parameters/${e(`guarded-drop.quarantine.${vhost}`)}`)) === 200) return undefined;
      const hasVhost = (await statusOf(`vhosts/${e(vhost)}`)) === 200;
      const hasUser = (await statusOf(`users/${e(user)}`)) === 200;
      if (!hasVhost && !hasUser) return undefined;
      let messages: string[] = [];
      if (hasVhost) {
        // Read the messages and put them back: the queue's message counter
        // is a statistic that lags by seconds, the messages are not.
        const response = await api("POST", `queues/${e(vhost)}/${QUEUE}/get`, {
          count: 1000,
          ackmode: "ack_requeue_true",
          encoding: "auto",
        });
        if (response.ok) messages = ((await response.json()) as { payload: string }[]).map((m) => m.payload).sort();
        else await response.arrayBuffer();
      }
      return { vhost: hasVhost ? vhost : null, user: hasUser ? user : null, messages };
    },
    async systemIntact() {
      const admin = decodeURIComponent(new URL(managementUrl()).username);
      if ((await statusOf("vhosts/%2F")) !== 200) throw new Error("the / vhost is gone");
      if ((await statusOf(`users/${e(admin)}`)) !== 200) throw new Error(`the admin user ${admin} is gone`);
    },
  };
}
