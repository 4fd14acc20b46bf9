/**
 * {@linkcode startFaultProxy}: a TCP proxy that can stop and freeze, so that
 * faults can be injected in front of a server the harness must not touch
 * (the external provider's shared servers).
 *
 * @module
 */

import { connect, createServer, type Server, type Socket } from "node:net";
import type { ServerControl } from "./server_control.ts";

/**
 * Options of {@linkcode startFaultProxy}.
 *
 * @example
 * ```ts
 * import type { FaultProxyOptions } from "guarded-drop/harness";
 *
 * const options: FaultProxyOptions = { name: "postgres", urls: { url: "postgres://postgres@127.0.0.1:5432/postgres" } };
 * ```
 */
export interface FaultProxyOptions {
  /** What the server is for, e.g. `postgres`. */
  name: string;
  /**
   * The server's URLs. Each gets its own listener, and `urls()` returns them
   * with host and port replaced by the proxy's.
   */
  urls: Readonly<Record<string, string>>;
  /**
   * The host the proxy listens on.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
}

/**
 * A running proxy: a {@linkcode ServerControl} whose faults act on the
 * proxy, never on the server behind it.
 *
 * @example
 * ```ts
 * import type { FaultProxy } from "guarded-drop/harness";
 *
 * async function done(proxy: FaultProxy): Promise<void> {
 *   await proxy.close();
 * }
 * ```
 */
export interface FaultProxy extends ServerControl {
  /** Stops for good and releases the ports. */
  close(): Promise<void>;
}

interface Listener {
  readonly key: string;
  readonly target: { host: string; port: number };
  readonly original: URL;
  server: Server;
  port: number;
}

/**
 * Starts a proxy in front of each of a server's URLs.
 *
 * - `stop()` closes the listeners and destroys every open connection: new
 *   connections are refused, as by a stopped server. `start()` listens on the
 *   same ports again, so the URLs do not change.
 * - `pause()` stops forwarding: open connections stay open and new ones are
 *   accepted, but nothing reaches the server and nothing comes back, as with
 *   a frozen server. `unpause()` resumes.
 *
 * @param options The name and the URLs to proxy.
 * @returns The running proxy.
 * @throws {TypeError} If a URL has no host or port.
 *
 * @example Freezing a server without touching it
 * ```ts
 * import { startFaultProxy } from "guarded-drop/harness";
 *
 * const proxy = await startFaultProxy({ name: "redis", urls: { url: "redis://127.0.0.1:6379" } });
 * console.log(proxy.urls().url); // redis://127.0.0.1:<proxy port>
 * await proxy.pause();
 * await proxy.unpause();
 * await proxy.close();
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  const held: { listener: Listener; client: Socket }[] = [];
  let paused = false;
  let stopped = false;
  let closed = false;

  function handle(listener: Listener, client: Socket): void {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (paused) {
      // Accepted but not forwarded: the client waits, as on a frozen server.
      client.pause();
      held.push({ listener, client });
      return;
    }
    forward(listener, client);
  }

  function forward(listener: Listener, client: Socket): void {
    const upstream = connect(listener.target.port, listener.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    sockets.add(upstream);
    pairs.add(pair);
    upstream.on("close", () => {
      sockets.delete(upstream);
      pairs.delete(pair);
      client.destroy();
    });
    upstream.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async function listen(listener: Listener): Promise<void> {
    listener.server = createServer((client) => handle(listener, client));
    await new Promise<void>((resolve, reject) => {
      listener.server.once("error", reject);
      listener.server.listen(listener.port, host, () => {
        listener.server.off("error", reject);
        resolve();
      });
    });
    const address = listener.server.address();
    if (address === null || typeof address === "string") {
      throw new Error("Cannot start the fault proxy: no TCP address");
    }
    listener.port = address.port;
  }

  const listeners: Listener[] = [];
  for (const [key, url] of Object.entries(options.urls)) {
    const original = new URL(url);
    const port = Number(original.port || defaultPort(original.protocol));
    if (original.hostname === "" || !Number.isInteger(port) || port <= 0) {
      throw new TypeError(`Cannot proxy the ${options.name} URL '${key}' as it has no host or port`);
    }
    const listener: Listener = {
      key,
      target: { host: original.hostname.replace(/^\[|\]$/g, ""), port },
      original,
      server: undefined as unknown as Server,
      port: 0,
    };
    await listen(listener);
    listeners.push(listener);
  }

  function closeListeners(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    pairs.clear();
    held.length = 0;
    return Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())))).then(
      () => {},
    );
  }

  return {
    name: options.name,
    provider: "external",
    urls() {
      return Object.fromEntries(listeners.map((l) => {
        const proxied = new URL(l.original.href);
        proxied.hostname = host;
        proxied.port = String(l.port);
        return [l.key, proxied.href];
      }));
    },
    async stop() {
      if (stopped || closed) return;
      stopped = true;
      await closeListeners();
    },
    async start() {
      if (!stopped || closed) return;
      for (const listener of listeners) await listen(listener);
      stopped = false;
    },
    async pause() {
      paused = true;
      // Unpiped, not only paused: a pipe resumes its source on the next
      // "drain", which would let a frozen server answer.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async unpause() {
      paused = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const { listener, client } of held.splice(0)) forward(listener, client);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!stopped) await closeListeners();
    },
  };
}

function defaultPort(protocol: string): number {
  switch (protocol) {
    case "postgres:":
    case "postgresql:":
      return 5432;
    case "redis:":
      return 6379;
    case "rediss:":
      return 6380;
    case "amqp:":
      return 5672;
    case "amqps:":
      return 5671;
    case "mongodb:":
      return 27017;
    case "http:":
      return 80;
    case "https:":
      return 443;
    default:
      return Number.NaN;
  }
}
