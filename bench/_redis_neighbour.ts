// Internal to the benches: a Redis neighbour that GETs its own key in a
// loop, in its own process, and reports its latencies; and the statistics
// the Redis benches print.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { setPriority } from "node:os";

// The neighbour reads in its own process and over its own socket, speaking
// RESP directly, so that its latencies are the server's and not this
// process's event loop, which is busy parsing SCAN replies. On 2 cores the
// server, this process and the neighbour compete for CPU; the neighbour's
// priority is raised (when allowed) so that it is scheduled like a client on
// its own machine, and what it measures is the server's stalls.
const NEIGHBOUR = `
const net = require("node:net");
const { host, port, username, password, key } = JSON.parse(process.argv[1]);
const socket = net.connect(port, host);
socket.setNoDelay(true);
let buffered = "";
let waiting = null;
socket.on("data", (data) => {
  buffered += data.toString("latin1");
  if (waiting !== null && complete(buffered)) { const done = waiting; waiting = null; buffered = ""; done(); }
});
function complete(text) {
  if (text.startsWith("+") || text.startsWith("-") || text.startsWith(":")) return text.endsWith("\\r\\n");
  if (text.startsWith("$-1")) return text.endsWith("\\r\\n");
  const header = text.indexOf("\\r\\n");
  if (header < 0) return false;
  return text.length >= header + 2 + Number(text.slice(1, header)) + 2;
}
function command(parts) {
  return new Promise((resolve) => {
    waiting = resolve;
    socket.write("*" + parts.length + "\\r\\n" + parts.map((p) => "$" + Buffer.byteLength(p) + "\\r\\n" + p + "\\r\\n").join(""));
  });
}
let recording = false;
let stopped = false;
let latencies = [];
process.on("message", (message) => {
  if (message === "record") { latencies = []; recording = true; }
  else if (message === "report") { recording = false; process.send(latencies); }
  else if (message === "stop") { stopped = true; }
});
socket.once("connect", async () => {
  if (password) await command(username ? ["AUTH", username, password] : ["AUTH", password]);
  process.send("ready");
  while (!stopped) {
    const started = performance.now();
    await command(["GET", key]);
    if (recording) latencies.push(performance.now() - started);
  }
  socket.end();
  process.disconnect();
});
`;

/** A neighbour process: `record()` starts a measure, `report()` ends it with its GET latencies in ms. */
export interface Neighbour {
  readonly child: ChildProcess;
  readonly ready: Promise<unknown>;
  record(): void;
  report(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Starts the neighbour, reading `key` on the Redis at `url` in a loop; `ready` resolves once it is connected. */
export function startNeighbour(url: string, key: string): Neighbour {
  const parsed = new URL(url);
  const config = {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: Number(parsed.port || 6379),
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    key,
  };
  const child = spawn(process.execPath, ["-e", NEIGHBOUR, JSON.stringify(config)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    setPriority(child.pid!, -10);
  } catch {
    // Not allowed (not root): the measure then includes CPU contention on this machine.
  }
  return {
    child,
    ready: once(child, "message"),
    record: () => child.send("record"),
    report: async () => {
      const answer = once(child, "message");
      child.send("report");
      return (await answer)[0] as number[];
    },
    stop: async () => {
      const exited = once(child, "exit");
      child.send("stop");
      await exited;
    },
  };
}

/** The p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The median of values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
