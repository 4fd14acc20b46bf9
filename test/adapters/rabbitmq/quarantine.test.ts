// The RabbitMQ quarantine on the real broker (DESIGN §14), beyond the
// conformance checks: a quarantine interrupted after each of its steps
// leaves a copy that restore brings back whole (and a re-run finishes it,
// keeping the permissions recorded first); a tenant can write neither the
// mark nor anything that makes its copy look expired or not its own; bad
// retention options are a TypeError.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAuditRecorder, rabbitmqSubject, type ServerControl } from "../../../harness/mod.ts";
import { rabbitmqShared } from "../../../adapters/rabbitmq/mod.ts";
import { envUrl, HOW_TO_GET, uniqueToken } from "../../support/servers.ts";

const managementUrl = envUrl("GD_RABBITMQ_MANAGEMENT_URL");
const amqpUrl = envUrl("GD_AMQP_URL");
const skip = managementUrl === undefined || amqpUrl === undefined
  ? `GD_RABBITMQ_MANAGEMENT_URL or GD_AMQP_URL is not set: ${HOW_TO_GET.rabbitmq}`
  : false;
const MARK = (vhost: string) => `guarded-drop.quarantine.${vhost}`;
const KILLED = fileURLToPath(new URL("./fixtures/kill_mid_quarantine.ts", import.meta.url));
const CHILD_BOUND_MS = 60_000;

/** Runs the fixture and SIGKILLs it once it stopped after its Nth changing request; answers what it printed. */
function killAfter(args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", KILLED, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_BOUND_MS);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("stopped")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(`${out.trim()} (${code ?? signal})${err === "" ? "" : `: ${err}`}`);
    });
  });
}

describe("RabbitMQ quarantine", { skip }, () => {
  const server: ServerControl = {
    name: "rabbitmq",
    provider: "external",
    urls: () => ({ managementUrl: managementUrl!, amqpUrl: amqpUrl! }),
    stop: async () => {},
    start: async () => {},
    pause: async () => {},
    unpause: async () => {},
  };
  const subject = rabbitmqSubject(server, "shared");
  const recovery = subject.recovery!;
  const options = { managementUrl: managementUrl!, retention: { days: 7 } };
  const tokens: string[] = [];

  async function api(
    method: string,
    path: string,
    body?: unknown,
    credentials?: string,
  ): Promise<{ status: number; body: unknown }> {
    const base = new URL(managementUrl!);
    const auth = credentials ?? `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    base.username = "";
    base.password = "";
    const response = await fetch(`${base.href.replace(/\/$/, "")}/api/${path}`, {
      method,
      headers: { authorization: `Basic ${btoa(auth)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  }
  const e = encodeURIComponent;
  const fresh = async () => {
    const token = uniqueToken("gdrq");
    tokens.push(token);
    const data = await subject.createTenant(token);
    return { token, data, vhost: `vh_${token}`, user: `usr_${token}` };
  };

  after(async () => {
    const recorder = createAuditRecorder({ authorize: (req) => tokens.includes(req.token) });
    const adapter = rabbitmqShared(options);
    try {
      for (const token of tokens) {
        await adapter.restore(token).catch(() => {});
        await rabbitmqShared({ managementUrl: managementUrl! }).deprovision(token);
      }
      await adapter.purgeExpired(recorder.guardedDrop, { now: Date.now() + 30 * 86_400_000 });
    } finally {
      recorder.close();
      await adapter.close();
    }
  });

  before(async () => {
    assert.equal((await api("GET", "whoami")).status, 200, "the management API answers");
  });

  test("interrupted after the mark, and after the revoke: restore brings the tenant back whole; a re-run keeps the recorded permissions", async () => {
    for (const stop of ["mark", "revoke"] as const) {
      const { token, data, vhost, user } = await fresh();
      const adapter = rabbitmqShared(options);
      try {
        // What the adapter had done when the process died: the mark, then (maybe) the revoke.
        const permissions = (await api("GET", `permissions/${e(vhost)}/${e(user)}`)).body as Record<string, string>;
        const mark = {
          guarded_drop: "quarantine",
          v: 1,
          token,
          backend: "shared",
          vhost,
          user,
          quarantined_at: new Date().toISOString(),
          permissions: { configure: permissions.configure, write: permissions.write, read: permissions.read },
          topic_permissions: [],
        };
        assert.equal(
          (await api("PUT", `global-parameters/${e(MARK(vhost))}`, { name: MARK(vhost), value: mark })).status,
          201,
        );
        if (stop === "revoke") assert.equal((await api("DELETE", `permissions/${e(vhost)}/${e(user)}`)).status, 204);
        assert.equal(await adapter.exists(token), false, `${stop}: exists() of the interrupted quarantine`);
        assert.equal((await adapter.quarantined(token)).length, 1, `${stop}: the copy is listed`);
        // A re-run completes it with the permissions recorded first, not the revoked ones.
        assert.deepEqual(await adapter.deprovision(token), { action: "quarantine" });
        assert.equal(
          await recovery.loginAsTenant(token).then(() => true, () => false),
          false,
          `${stop}: login after the re-run`,
        );
        await adapter.restore(token);
        assert.deepEqual(await subject.readTenant(token), data, `${stop}: the tenant's data after the restore`);
        await recovery.loginAsTenant(token);
        assert.equal((await adapter.quarantined(token)).length, 0);
      } finally {
        await adapter.close();
      }
    }
  });

  // The quarantine's changing requests: 1 the mark, 2 the revoke, 3 the
  // topic revoke, 4 the close of the connections, 5 the mark's `revoked`.
  // Killed after each.
  for (const step of [1, 2, 3, 4, 5]) {
    test(`killed after the quarantine's change ${step}: the tenant is whole, or a copy that restore brings back whole`, async () => {
      const { token, data, vhost, user } = await fresh();
      assert.equal(await killAfter([managementUrl!, token, String(step)]), "stopped (SIGKILL)");
      assert.equal((await api("GET", `global-parameters/${e(MARK(vhost))}`)).status, 200, "the mark was written first");
      const adapter = rabbitmqShared(options);
      try {
        assert.equal(await adapter.exists(token), false, "exists() of the killed quarantine");
        assert.equal((await adapter.quarantined(token)).length, 1, "the copy is listed");
        const restored = await adapter.restore(token);
        assert.equal(restored.vhost, vhost);
        assert.deepEqual(await subject.readTenant(token), data, "the tenant's data after the restore");
        await recovery.loginAsTenant(token);
        assert.deepEqual(
          (await api("GET", `permissions/${e(vhost)}/${e(user)}`)).body,
          { user, vhost, configure: ".*", write: ".*", read: ".*" },
          "the permissions the tenant had before the first call",
        );
      } finally {
        await adapter.close();
      }
    });
  }

  test("the tenant can write neither the mark nor its vhost's metadata; its queue arguments change nothing about the copy", async () => {
    const { token, vhost, user } = await fresh();
    const password = "tenant-pw-for-this-test";
    assert.equal((await api("PUT", `users/${e(user)}`, { password, tags: "" })).status, 204);
    const tenant = `${user}:${password}`;
    for (
      const [method, path, body] of [
        ["PUT", `global-parameters/${e(MARK(vhost))}`, { name: MARK(vhost), value: { guarded_drop: "quarantine" } }],
        ["PUT", `vhosts/${e(vhost)}`, { description: "mine" }],
        ["DELETE", `global-parameters/${e(MARK(vhost))}`, undefined],
      ] as const
    ) {
      const answer = await api(method, path, body, tenant);
      assert.ok(
        answer.status === 401 || answer.status === 403,
        `${method} ${path} as the tenant answered ${answer.status}`,
      );
    }
    // Queues with expiry-looking and ownership-looking arguments, declared as the tenant could.
    assert.equal(
      (await api("PUT", `queues/${e(vhost)}/tampered`, {
        durable: true,
        arguments: {
          "x-expires": 86_400_000,
          "x-guarded-drop-token": "someone-else",
          "x-quarantined-at": "1970-01-01T00:00:00Z",
        },
      })).status,
      201,
    );
    const adapter = rabbitmqShared({
      ...options,
      retention: { days: 7, now: () => Date.parse("2026-12-01T00:00:00Z") },
    });
    try {
      await adapter.deprovision(token);
      const [copy] = await adapter.quarantined(token);
      assert.equal(copy?.token, token);
      assert.equal(copy?.quarantinedAt.toISOString(), "2026-12-01T00:00:00.000Z");
      assert.equal(copy?.expiresAt?.toISOString(), "2026-12-08T00:00:00.000Z");
      const recorder = createAuditRecorder({ authorize: (req) => req.token === token });
      try {
        const early = await adapter.purgeExpired(recorder.guardedDrop, { now: Date.parse("2026-12-07T23:59:59Z") });
        assert.equal(early.purged.filter((c) => c.token === token).length, 0, "purged before its expiry");
      } finally {
        recorder.close();
      }
    } finally {
      await adapter.close();
    }
  });

  test("malformed retention is a TypeError; purge without retention is a TypeError", async () => {
    for (const retention of [{ days: 0 }, { days: -1 }, { days: Number.NaN }, { days: 7, now: 5 }, "7"]) {
      assert.throws(() => rabbitmqShared({ managementUrl: managementUrl!, retention: retention as never }), TypeError);
    }
    const plain = rabbitmqShared({ managementUrl: managementUrl! });
    const recorder = createAuditRecorder();
    try {
      await assert.rejects(plain.purgeExpired(recorder.guardedDrop), /'retention' must be set/);
    } finally {
      recorder.close();
      await plain.close();
    }
  });
});
