// boundedHttpRequest (adapters/_shared/_http_request.ts): one HTTP request
// bounded by a timer it holds, on local servers of this file.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { boundedHttpRequest } from "../../adapters/_shared/_http_request.ts";
import { underGcPressure } from "../support/gc_pressure.ts";
import { bounded } from "../support/bounded.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

/** The test's own bound on a call the client must end: a lost bound never settles, so this tells it from a kept one. */
const HANG_MS = 500 + 2 * LOADED_MACHINE_SLACK_MS;

async function listening<T extends Server | ReturnType<typeof createTcpServer>>(
  server: T,
): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A TCP server that accepts and never answers, telling when each socket closes. */
async function silent() {
  const sockets = new Set<Socket>();
  let closed = 0;
  const { server, port } = await listening(createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => closed++);
    socket.resume(); // reads (and drops) the request, so that the client's FIN is seen
  }));
  return {
    port,
    accepted: () => sockets.size,
    closed: () => closed,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("boundedHttpRequest", () => {
  test("answers with the status and the whole body, and sends the headers given", async () => {
    const seen: IncomingMessage[] = [];
    const { server, port } = await listening(createServer((request, response) => {
      seen.push(request);
      response.statusCode = request.url === "/gone" ? 404 : 200;
      response.end("x".repeat(100_000));
    }));
    try {
      const ok = await boundedHttpRequest({
        method: "GET",
        url: `http://127.0.0.1:${port}/api`,
        headers: { authorization: "Basic abc" },
        timeoutMs: 5_000,
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.text.length, 100_000);
      const gone = await boundedHttpRequest({
        method: "DELETE",
        url: `http://127.0.0.1:${port}/gone`,
        headers: {},
        timeoutMs: 5_000,
      });
      assert.equal(gone.status, 404);
      assert.deepEqual(seen.map((r) => [r.method, r.url, r.headers.authorization ?? null]), [[
        "GET",
        "/api",
        "Basic abc",
      ], ["DELETE", "/gone", null]]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("a server that never answers: a TimeoutError once timeoutMs has passed, and the socket is destroyed", async () => {
    const hung = await silent();
    try {
      const started = performance.now();
      await assert.rejects(
        bounded(
          boundedHttpRequest({ method: "GET", url: `http://127.0.0.1:${hung.port}/`, headers: {}, timeoutMs: 500 }),
          HANG_MS,
          "the request",
        ),
        { name: "TimeoutError", message: "no answer within 500 ms" },
      );
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs >= 490 && elapsedMs < 500 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      await until(() => hung.closed() === 1, 2_000, "the server sees its one socket closed");
      assert.equal(hung.accepted(), 1);
    } finally {
      await hung.close();
    }
  });

  test("the same under a forced collection every 5 ms", async () => {
    const hung = await silent();
    try {
      const started = performance.now();
      const { result, collections } = await underGcPressure(() =>
        bounded(
          boundedHttpRequest({ method: "GET", url: `http://127.0.0.1:${hung.port}/`, headers: {}, timeoutMs: 500 })
            .then(() => undefined, (err: Error) => err),
          HANG_MS,
          "the request under forced collections",
        )
      );
      assert.equal(result?.name, "TimeoutError");
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs >= 490 && elapsedMs < 500 + LOADED_MACHINE_SLACK_MS, `${elapsedMs} ms`);
      // One is forced right after the request started, whatever the load; the 5 ms ticks are as many as the scheduler allows.
      assert.ok(collections >= 1, `${collections} collections`);
    } finally {
      await hung.close();
    }
  });

  test("an aborted signal ends it at once, as an AbortError, and destroys the socket", async () => {
    const hung = await silent();
    const controller = new AbortController();
    try {
      const pending = boundedHttpRequest({
        method: "GET",
        url: `http://127.0.0.1:${hung.port}/`,
        headers: {},
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      await until(() => hung.accepted() === 1, 2_000, "the connection");
      const started = performance.now();
      controller.abort();
      await assert.rejects(bounded(pending, HANG_MS, "the aborted request"), { name: "AbortError" });
      // Its own timeout is 60 s, far past the slack: only the abort can have ended it this soon.
      assert.ok(performance.now() - started < LOADED_MACHINE_SLACK_MS);
      await until(() => hung.closed() === 1, 2_000, "the socket closed");
      await assert.rejects(
        boundedHttpRequest({
          method: "GET",
          url: `http://127.0.0.1:${hung.port}/`,
          headers: {},
          timeoutMs: 60_000,
          signal: controller.signal,
        }),
        { name: "AbortError" },
        "already aborted: nothing is sent",
      );
    } finally {
      await hung.close();
    }
  });

  test("a body cut short is an ECONNRESET, never a truncated answer", async () => {
    const { server, port } = await listening(createTcpServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");
        setTimeout(() => socket.destroy(), 50);
      });
    }));
    try {
      await assert.rejects(
        boundedHttpRequest({ method: "GET", url: `http://127.0.0.1:${port}/`, headers: {}, timeoutMs: 5_000 }),
        (err: Error & { code?: string }) => {
          assert.ok(err.code === "ECONNRESET", `${err.name} ${err.code}: ${err.message}`);
          return true;
        },
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
