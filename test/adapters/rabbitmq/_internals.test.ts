// The RabbitMQ adapter's management URL handling and HTTP classification,
// against a local HTTP server that answers what each case needs.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { callApi, parseManagementUrl } from "../../../adapters/rabbitmq/_management_api.ts";
import { deleteUser } from "../../../adapters/rabbitmq/_requests.ts";
import { rabbitmqShared } from "../../../adapters/rabbitmq/mod.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

describe("parseManagementUrl", () => {
  test("moves credentials into a Basic header and strips them and the trailing slash from the base", () => {
    const endpoint = parseManagementUrl("the RabbitMQ adapter", "http://ad%40min:p%3Ass@mq.internal:15672/rabbit/");
    assert.equal(endpoint.base, "http://mq.internal:15672/rabbit");
    assert.equal(endpoint.authorization, `Basic ${Buffer.from("ad@min:p:ss").toString("base64")}`);
  });

  test("sends no header without credentials", () => {
    assert.equal(parseManagementUrl("x", "https://mq.internal").authorization, undefined);
  });

  test("refuses what is not an http(s) base URL, without echoing it", () => {
    for (const bad of ["amqp://guest:hunter2@mq:5672", "not a url hunter2", "http://u:hunter2@mq/?x=1"]) {
      assert.throws(() => parseManagementUrl("the RabbitMQ adapter", bad), (err: Error) => {
        assert.equal(err.name, "TypeError");
        assert.match(err.message, /^Cannot create the RabbitMQ adapter as 'managementUrl' must be/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      });
    }
    assert.throws(
      () => rabbitmqShared({} as never),
      /'managementUrl' must be a non-empty string: current value is undefined/,
    );
  });
});

describe("callApi", () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];
  before(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      const status = Number(/\/status\/(\d+)/.exec(request.url ?? "")?.[1] ?? 200);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(
        status === 204 || request.url?.includes("/empty/")
          ? ""
          : JSON.stringify({ error: "x", reason: `reason of ${status}` }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const context = { action: "deprovision", what: "the RabbitMQ tenant", token: "acme42" } as const;
  const call = (status: number, method: "GET" | "DELETE" = "DELETE") =>
    callApi({ base, authorization: "Basic Z3Vlc3Q6Z3Vlc3Q=" }, context, {
      method,
      segments: ["status", String(status)],
      step: "DELETE /api/vhosts/{vhost}",
      timeoutMs: 2_000,
    });

  test("2xx and 404 resolve: 404 is already gone", async () => {
    assert.equal((await call(204)).status, 204);
    assert.equal((await call(404)).status, 404);
  });

  for (const status of [502, 503, 504]) {
    test(`HTTP ${status} is unavailable`, async () => {
      await assert.rejects(call(status), {
        code: "GD_BACKEND_UNAVAILABLE",
        kind: "unavailable",
        serverCode: String(status),
      });
    });
  }

  for (const status of [400, 401, 403, 405, 500, 301]) {
    test(`HTTP ${status} is failed, with the server's reason`, async () => {
      await assert.rejects(call(status), (err: Error & { kind?: string; serverCode?: string }) => {
        assert.equal(err.kind, "failed");
        assert.equal(err.serverCode, String(status));
        assert.match(
          err.message,
          new RegExp(
            `^Cannot deprovision the RabbitMQ tenant "acme42" as DELETE /api/vhosts/\\{vhost\\} answered HTTP ${status}: reason of ${status}$`,
          ),
        );
        return true;
      });
    });
  }

  test("an empty body gives the status once, with no empty detail", async () => {
    await assert.rejects(
      callApi({ base, authorization: undefined }, context, {
        method: "GET",
        segments: ["empty", "status", "500"],
        step: "GET /api/x",
        timeoutMs: 2_000,
      }),
      (err: Error) => {
        assert.equal(err.message, 'Cannot deprovision the RabbitMQ tenant "acme42" as GET /api/x answered HTTP 500');
        return true;
      },
    );
  });

  test("every path segment is URL-encoded, and credentials travel in the header only", async () => {
    seen.length = 0;
    await callApi({ base, authorization: "Basic abc" }, context, {
      method: "GET",
      segments: ["vhosts", "/", "a b"],
      step: "GET",
      timeoutMs: 2_000,
    });
    assert.equal(seen[0]!.url, "/api/vhosts/%2F/a%20b");
    assert.equal(seen[0]!.headers.authorization, "Basic abc");
  });
});

describe("a DELETE that races a concurrent one", () => {
  // The broker answers 500 (empty body) when a concurrent request deleted
  // the object between its existence check and its delete.
  async function broker(userGoneAfter: number) {
    const calls: string[] = [];
    const server = createServer((request, response) => {
      calls.push(`${request.method} ${request.url}`);
      const deletes = calls.filter((c) => c.startsWith("DELETE")).length;
      if (request.method === "DELETE") response.writeHead(500).end();
      else response.writeHead(deletes >= userGoneAfter ? 404 : 200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { calls, base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const context = { action: "deprovision", what: "the RabbitMQ tenant", token: "acme42" } as const;

  test("a 500 after which the user is gone is success", async () => {
    const b = await broker(1);
    try {
      await deleteUser({ base: b.base, authorization: undefined }, context, "usr_acme42", 2_000);
      assert.deepEqual(b.calls, ["DELETE /api/users/usr_acme42", "GET /api/users/usr_acme42"]);
    } finally {
      await b.close();
    }
  });

  test("a 500 while the user is still there is sent again, then fails as `failed` with the status", async () => {
    const b = await broker(Number.POSITIVE_INFINITY);
    try {
      await assert.rejects(deleteUser({ base: b.base, authorization: undefined }, context, "usr_acme42", 2_000), {
        kind: "failed",
        serverCode: "500",
        message: 'Cannot deprovision the RabbitMQ tenant "acme42" as DELETE /api/users/{user} answered HTTP 500',
      });
      assert.equal(b.calls.filter((c) => c === "DELETE /api/users/usr_acme42").length, 4, b.calls.join(", "));
      assert.equal(b.calls.filter((c) => c === "GET /api/users/usr_acme42").length, 4);
    } finally {
      await b.close();
    }
  });
});

describe("transport failures name their cause", () => {
  const context = { action: "check", what: "the RabbitMQ tenant", token: "acme42" } as const;
  const call = (base: string) =>
    callApi({ base, authorization: undefined }, context, {
      method: "GET",
      segments: ["whoami"],
      step: "GET /api/whoami",
      timeoutMs: 5_000,
    });

  test('a closed port: ECONNREFUSED with the socket\'s message, not "fetch failed"', async () => {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(call(`http://127.0.0.1:${port}`), (err: Error & { kind?: string; serverCode?: string }) => {
      assert.equal(err.kind, "unavailable");
      assert.equal(err.serverCode, "ECONNREFUSED");
      assert.equal(
        err.message,
        `Cannot check the RabbitMQ tenant "acme42" as the management API is unreachable (ECONNREFUSED at GET /api/whoami): connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      return true;
    });
  });

  test("https to a plain HTTP port: a TLS failure is `failed` (configuration), named by its code", async () => {
    const server = createServer((_, response) => response.end("plain"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await assert.rejects(call(`https://127.0.0.1:${port}`), (err: Error & { kind?: string; serverCode?: string }) => {
        assert.equal(err.kind, "failed");
        assert.equal(err.serverCode, "ERR_SSL_WRONG_VERSION_NUMBER");
        assert.match(
          err.message,
          /as the TLS handshake with the management API failed \(ERR_SSL_WRONG_VERSION_NUMBER at GET \/api\/whoami\)/,
        );
        return true;
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("an unknown host: ENOTFOUND", async () => {
    await assert.rejects(
      call("http://guarded-drop-no-such-host.invalid"),
      (err: Error & { kind?: string; serverCode?: string }) => {
        assert.equal(err.kind, "unavailable");
        assert.ok(err.serverCode === "ENOTFOUND" || err.serverCode === "EAI_AGAIN", String(err.serverCode));
        assert.match(err.message, /unreachable \((ENOTFOUND|EAI_AGAIN) at GET \/api\/whoami\): getaddrinfo/);
        assert.doesNotMatch(err.message, /fetch failed/);
        return true;
      },
    );
  });
});

describe("close()", () => {
  test("aborts a request in flight: the call fails at once instead of waiting for its timeout", async () => {
    // Accepts and never answers, so that the request stays in flight.
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    // A timeout far past a loaded machine's slack: only close() can end the call within it.
    const adapter = rabbitmqShared({
      managementUrl: `http://127.0.0.1:${port}`,
      connectTimeoutMs: 4 * LOADED_MACHINE_SLACK_MS,
    });
    try {
      const started = Date.now();
      const pending = adapter.exists("acme42");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await adapter.close();
      await assert.rejects(pending, (err: { code?: string; message: string }) => {
        assert.equal(err.code, "GD_BACKEND_FAILED");
        assert.match(err.message, /the adapter was closed during GET \/api\/whoami/);
        return true;
      });
      assert.ok(Date.now() - started < 100 + LOADED_MACHINE_SLACK_MS, `${Date.now() - started} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
