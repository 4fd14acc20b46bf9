// Every adapter's bound on a server that never answers holds whatever the
// garbage collector does: full collections run every 5 ms while each call
// waits (issue 22 part 6). On Node 20, fetch with
// `AbortSignal.any([AbortSignal.timeout(ms), …])` lost its timeout under
// exactly this pressure and waited for undici's own 300 s headers timeout.
//
// No shared server is touched: each adapter is pointed at a TCP server of
// this file that accepts and never answers (or, for RabbitMQ, answers
// `GET /api/whoami` and then nothing else).

import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { describe, test } from "node:test";
import { type Deprovisioner, isBackendError } from "../../lib/mod.ts";
import { mysqlDedicated, mysqlShared } from "../../adapters/mysql/mod.ts";
import { postgresDedicated, postgresShared } from "../../adapters/postgres/mod.ts";
import { rabbitmqDedicated, rabbitmqShared } from "../../adapters/rabbitmq/mod.ts";
import { redisDedicated, redisDropBudget, redisShared } from "../../adapters/redis/mod.ts";
import { bounded } from "../support/bounded.ts";
import { underGcPressure } from "../support/gc_pressure.ts";
import { startSilentServer } from "../support/servers.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

const TIMEOUT_MS = 1_000;
/**
 * The test's own bound: past what a loaded machine adds to a kept bound, and
 * far below undici's 300 s, so a lost bound (which never settles) fails here
 * instead of hanging.
 */
const HANG_MS = TIMEOUT_MS + 2 * LOADED_MACHINE_SLACK_MS;
/**
 * Collections that ran while one call waited: `underGcPressure` forces one
 * right after the call has started, whatever the machine's load; the 5 ms
 * ticks after it are as many as the scheduler allows.
 */
const MIN_COLLECTIONS = 1;

/** The adapters, each made for a port that accepts and never answers. */
const ADAPTERS: readonly [string, (port: number) => Deprovisioner][] = [
  [
    "postgresShared",
    (port) =>
      postgresShared({
        connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
        connectTimeoutMs: TIMEOUT_MS,
      }),
  ],
  [
    "postgresDedicated",
    (port) =>
      postgresDedicated({
        connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
        connectTimeoutMs: TIMEOUT_MS,
      }),
  ],
  ["mysqlShared", (port) => mysqlShared({ url: `mysql://root@127.0.0.1:${port}/`, connectTimeoutMs: TIMEOUT_MS })],
  [
    "mysqlDedicated",
    (port) => mysqlDedicated({ url: `mysql://root@127.0.0.1:${port}/`, connectTimeoutMs: TIMEOUT_MS }),
  ],
  ["redisShared", (port) => redisShared({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: TIMEOUT_MS })],
  ["redisDedicated", (port) => redisDedicated({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: TIMEOUT_MS })],
  [
    "rabbitmqShared",
    (port) => rabbitmqShared({ managementUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: TIMEOUT_MS }),
  ],
  [
    "rabbitmqDedicated",
    (port) => rabbitmqDedicated({ managementUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: TIMEOUT_MS }),
  ],
];

/** Asserts that `call` rejects with an `unavailable` BackendError within the bound, under forced collections. */
async function assertBoundedUnderGc(what: string, call: () => Promise<unknown>, boundMs: number): Promise<void> {
  const started = performance.now();
  const { result: error, collections } = await underGcPressure(() =>
    bounded(call().then(() => undefined, (err: unknown) => err), HANG_MS, `${what} under forced collections`)
  );
  const elapsedMs = performance.now() - started;
  assert.ok(isBackendError(error), `${what}: a BackendError, got ${String(error)}`);
  assert.equal(error.kind, "unavailable", `${what}: ${error.message}`);
  assert.ok(elapsedMs >= boundMs - 100, `${what}: ${elapsedMs} ms, it waited for its bound`);
  assert.ok(elapsedMs < boundMs + LOADED_MACHINE_SLACK_MS, `${what}: ${elapsedMs} ms for a bound of ${boundMs} ms`);
  assert.ok(collections >= MIN_COLLECTIONS, `${what}: ${collections} forced collections ran while it waited`);
}

describe("every adapter's bound holds under forced garbage collection", () => {
  for (const [name, adapterFor] of ADAPTERS) {
    test(`${name}: deprovision and exists() on a server that accepts and never answers are unavailable within ${TIMEOUT_MS} ms`, async () => {
      const silent = await startSilentServer();
      const adapter = adapterFor(silent.port);
      try {
        await assertBoundedUnderGc(`${name}.deprovision`, () => adapter.deprovision("gcpressure1"), TIMEOUT_MS);
        await assertBoundedUnderGc(`${name}.exists`, () => adapter.exists("gcpressure1"), TIMEOUT_MS);
      } finally {
        await adapter.close();
        await silent.close();
      }
    });
  }

  for (
    const [name, factory] of [["rabbitmqShared", rabbitmqShared], ["rabbitmqDedicated", rabbitmqDedicated]] as const
  ) {
    test(`${name}: a broker that answers GET /api/whoami and then pauses is unavailable within operationTimeoutMs`, async () => {
      const broker = await startPausingApi();
      const adapter = factory({
        managementUrl: `http://guest:guest@127.0.0.1:${broker.port}`,
        connectTimeoutMs: TIMEOUT_MS,
        operationTimeoutMs: TIMEOUT_MS,
      });
      try {
        await assertBoundedUnderGc(`${name}.deprovision`, () => adapter.deprovision("gcpressure2"), TIMEOUT_MS);
        assert.ok(broker.whoamiAnswered() >= 1, "the whoami check passed, so the wait was on a later request");
      } finally {
        await adapter.close();
        await broker.close();
      }
    });
  }

  test("redisDropBudget: a take on a server that never answers is a no within timeoutMs", async () => {
    const silent = await startSilentServer();
    const budget = redisDropBudget({
      url: `redis://127.0.0.1:${silent.port}`,
      limits: [{ scope: "global", max: 5, windowMs: 60_000 }],
      timeoutMs: TIMEOUT_MS,
    });
    try {
      const started = performance.now();
      const { result: verdict, collections } = await underGcPressure(() =>
        bounded(
          budget.take({ token: "gcpressure3", resourceType: "redis", backend: "shared", requestId: "r1" }),
          HANG_MS,
          "take",
        )
      );
      const elapsedMs = performance.now() - started;
      assert.equal(verdict.allowed, false);
      assert.ok(elapsedMs >= TIMEOUT_MS - 100 && elapsedMs < TIMEOUT_MS + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      assert.ok(collections >= MIN_COLLECTIONS, `${collections} forced collections`);
    } finally {
      await budget.close();
      await silent.close();
    }
  });
});

/**
 * An HTTP server that answers `GET /api/whoami` as the management API does
 * and then never answers anything else: a broker paused between two
 * requests of one deprovision.
 */
async function startPausingApi(): Promise<{ port: number; whoamiAnswered(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let whoami = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      while (head.includes("\r\n\r\n")) {
        const end = head.indexOf("\r\n\r\n") + 4;
        const request = head.slice(0, end);
        head = head.slice(end);
        if (!request.startsWith("GET /api/whoami ")) return; // paused from here on
        whoami++;
        const body = JSON.stringify({ name: "guest", tags: ["administrator"] });
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    whoamiAnswered: () => whoami,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
