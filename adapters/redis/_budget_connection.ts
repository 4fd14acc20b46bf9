// Internal: the drop budget's one connection, to a Redis node or through a
// Redis Cluster client, opened on first use and again after it broke.

import { Cluster, type Redis } from "ioredis";
import { closeRedis, openRedis } from "./_connection.ts";
import type { BudgetClient } from "./_drop_budget_script.ts";

/** Where the budget lives. */
export interface BudgetTarget {
  /** A redis:// or rediss:// URL: the server, or one node of the cluster. */
  readonly url: string;
  /** Whether `url` is a node of a Redis Cluster, to reach through ioredis's Cluster client. */
  readonly cluster: boolean;
  /** Bounds a connect (with the ready check, or the cluster's slot map) and each command, in ms. */
  readonly timeoutMs: number;
}

/**
 * One connection that never queues and never retries; a take that finds it
 * broken gets a new one. `open()` from concurrent takes share one connect.
 */
export class BudgetConnection {
  readonly #target: BudgetTarget;
  #client: BudgetClient | undefined;
  #opening: Promise<BudgetClient> | undefined;
  #closed = false;

  constructor(target: BudgetTarget) {
    this.#target = target;
  }

  /** The open connection, or a new one. Rejects once closed. */
  open(): Promise<BudgetClient> {
    const ready = this.ready();
    if (ready !== undefined) return Promise.resolve(ready);
    this.discard();
    this.#opening ??= openBudgetClient(this.#target).then(
      (opened) => {
        this.#opening = undefined;
        if (this.#closed) {
          closeBudgetClient(opened);
          throw new Error("the budget was closed");
        }
        this.#client = opened;
        return opened;
      },
      (err: unknown) => {
        this.#opening = undefined;
        throw err;
      },
    );
    return this.#opening;
  }

  /** The connection when it is open and ready, else `undefined`. */
  ready(): BudgetClient | undefined {
    return this.#client !== undefined && this.#client.status === "ready" ? this.#client : undefined;
  }

  /** Drops the connection (it broke or hung): the next `open()` makes a new one. */
  discard(): void {
    closeBudgetClient(this.#client);
    this.#client = undefined;
  }

  /** Closes it for good: later `open()` calls reject. */
  close(): void {
    this.#closed = true;
    this.discard();
  }

  /** A connection apart from this one, for a last try after `close()`; the caller closes it. */
  openApart(): Promise<BudgetClient> {
    return openBudgetClient(this.#target);
  }
}

// ioredis Cluster's own messages when its nodes are gone or its slot map is
// stale; they carry no code.
const CLUSTER_LOST =
  /Cluster is ended|Cluster isn't ready|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available/i;

/** Whether `err` is the Cluster client saying its nodes cannot be reached: `unavailable`, as a lost connection is. */
export function isClusterLost(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" && CLUSTER_LOST.test(message);
}

/** Closes a connection without waiting for the server. */
export function closeBudgetClient(client: BudgetClient | undefined): void {
  if (client instanceof Cluster) client.disconnect();
  else closeRedis(client as Redis | undefined);
}

async function openBudgetClient(target: BudgetTarget): Promise<BudgetClient> {
  const timeouts = { connectTimeoutMs: target.timeoutMs, operationTimeoutMs: target.timeoutMs };
  return target.cluster ? await openCluster(target.url, target.timeoutMs) : await openRedis(target.url, timeouts);
}

/**
 * A Cluster client seeded with the URL's node, failing fast as openRedis
 * does: no offline queue, no reconnect, each command and the slot map
 * bounded by `timeoutMs`. Every key of one budget shares a hash slot, so
 * each script runs on the one node that owns it.
 */
async function openCluster(url: string, timeoutMs: number): Promise<Cluster> {
  const parsed = new URL(url);
  const cluster = new Cluster([{ host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 6379) }], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    slotsRefreshTimeout: timeoutMs,
    maxRedirections: 4,
    redisOptions: {
      ...(parsed.username === "" ? {} : { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
      ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      reconnectOnError: () => false,
      connectionName: "guarded-drop",
    },
  });
  let clusterError: unknown;
  cluster.on("error", (err: unknown) => {
    clusterError ??= err;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      cluster.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`connect ETIMEDOUT: no cluster ready within ${timeoutMs} ms`), {
                code: "ETIMEDOUT",
              }),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    cluster.disconnect();
    throw clusterError ?? err;
  } finally {
    clearTimeout(timer);
  }
  return cluster;
}
