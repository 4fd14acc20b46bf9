/**
 * A throwaway Redis Cluster: three `redis-server --cluster-enabled yes`
 * nodes on loopback free ports, each in a temp dir of its own, joined here
 * (CLUSTER ADDSLOTSRANGE and CLUSTER MEET, no redis-cli needed), and
 * stopped by their pids.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import { freePort, onPath } from "./servers.ts";

const LOOPBACK = "127.0.0.1";
const SLOTS = 16_384;
/** How long the nodes may take to answer, and the cluster to agree it is whole. */
const READY_TIMEOUT_MS = 30_000;

/** A running throwaway cluster. */
export interface ThrowawayCluster {
  /** The nodes' ports, in the order of their slot ranges. */
  readonly ports: readonly number[];
  /** A redis:// URL of one node: a seed for a Cluster client. */
  readonly url: string;
  /** Stops every node (SIGKILL by pid) and removes their dirs. */
  dispose(): Promise<void>;
}

/** Why a throwaway cluster cannot be started here, or `undefined` when it can. */
export function throwawayClusterSkipReason(): string | undefined {
  return onPath("redis-server")
    ? undefined
    : "redis-server is not on PATH to start a throwaway cluster: install it (apt-get install redis-server)";
}

/** Starts three cluster nodes, gives each a third of the slots, and waits for `cluster_state:ok` on all. */
export async function startThrowawayCluster(nodes = 3): Promise<ThrowawayCluster> {
  const started: { child: ChildProcess; dir: string; port: number }[] = [];
  const dispose = async () => {
    for (const { child, dir } of started) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    for (let i = 0; i < nodes; i++) started.push(await startNode());
    const clients = started.map(({ port }) => adminOf(port));
    try {
      for (const client of clients) await client.connect();
      for (const [i, client] of clients.entries()) {
        const first = Math.floor((SLOTS * i) / nodes);
        const last = Math.floor((SLOTS * (i + 1)) / nodes) - 1;
        await client.call("CLUSTER", "ADDSLOTSRANGE", String(first), String(last));
      }
      for (const { port } of started.slice(1)) await clients[0]!.call("CLUSTER", "MEET", LOOPBACK, String(port));
      await waitFor("cluster_state:ok on every node", async () => {
        for (const client of clients) {
          const info = String(await client.call("CLUSTER", "INFO"));
          if (!/cluster_state:ok/.test(info) || Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1]) !== nodes) {
            return false;
          }
        }
        return true;
      });
    } finally {
      for (const client of clients) client.disconnect();
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { ports: started.map(({ port }) => port), url: `redis://${LOOPBACK}:${started[0]!.port}`, dispose };
}

async function startNode(): Promise<{ child: ChildProcess; dir: string; port: number }> {
  for (let attempt = 1;; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "guarded-drop-redis-cluster-"));
    const port = await freePort();
    const child = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      LOOPBACK,
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, "nodes.conf"),
      "--cluster-node-timeout",
      "5000",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
      "--dir",
      dir,
      "--logfile",
      join(dir, "redis.log"),
    ], { stdio: "ignore" });
    try {
      await waitFor(`redis-server --cluster-enabled on port ${port}`, async () => {
        if (child.exitCode !== null) {
          throw new Error(`redis-server exited with ${child.exitCode} (port ${port} taken?)`);
        }
        const client = adminOf(port);
        try {
          return await client.connect().then(() => client.ping()).then((pong) => pong === "PONG", () => false);
        } finally {
          client.disconnect();
        }
      });
      return { child, dir, port };
    } catch (err) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      // Another test file may take the port between our pick and the bind.
      if (attempt >= 3) throw err;
    }
  }
}

function adminOf(port: number): Redis {
  const redis = new Redis({
    host: LOOPBACK,
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  redis.on("error", () => {});
  return redis;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(100);
  }
  throw new Error(`Cannot start a throwaway cluster as ${what} did not hold within ${READY_TIMEOUT_MS} ms`);
}
