// The harness's backend registry: every role, URL variable, image and skip
// reason comes from harness/backends/, so a backend registered there is on
// both providers without another edit.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_IMAGES,
  EXTERNAL_URL_VARIABLES,
  HARNESS_BACKENDS,
  imagesFromEnv,
  ROLE_REGISTRATIONS,
  SERVER_ROLES,
  startExternalServers,
} from "../../harness/mod.ts";

test("every registered role is a server role, once, with its URL variables", () => {
  const roles = HARNESS_BACKENDS.flatMap((b) => b.roles.map((r) => r.role));
  assert.deepEqual([...SERVER_ROLES], roles);
  assert.equal(new Set(roles).size, roles.length, "no role is registered twice");
  assert.equal(SERVER_ROLES.length, 11);
  assert.deepEqual(EXTERNAL_URL_VARIABLES.nats, ["GD_NATS_URL"]);
  assert.deepEqual(EXTERNAL_URL_VARIABLES.natsDedicated, ["GD_NATS_DEDICATED_URL"]);
  assert.deepEqual(EXTERNAL_URL_VARIABLES.rabbitmq, ["GD_AMQP_URL", "GD_RABBITMQ_MANAGEMENT_URL"]);
  assert.equal(ROLE_REGISTRATIONS.natsDedicated.backend, "nats");
});

test("images come from each registered backend's variable, with its default", () => {
  assert.equal(DEFAULT_IMAGES.nats, "nats:2.10-alpine");
  assert.equal(DEFAULT_IMAGES.postgres, "postgres:17");
  const images = imagesFromEnv({ GD_IMAGE_NATS: "guarded-drop/nats:2-offline", GD_IMAGE_REDIS: "" });
  assert.equal(images.nats, "guarded-drop/nats:2-offline");
  assert.equal(images.redis, "redis:7");
  assert.deepEqual(Object.keys(images).sort(), ["mongodb", "nats", "postgres", "rabbitmq", "redis"]);
});

test("the external provider names the missing variable of each role, and proxies the given ones", async () => {
  const set = await startExternalServers({ GD_NATS_URL: "nats://127.0.0.1:4222" });
  try {
    assert.deepEqual(Object.keys(set.servers), ["nats"]);
    assert.match(set.servers.nats!.urls().url!, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(
      set.missing.natsDedicated,
      "GD_NATS_DEDICATED_URL is not set: set it to a nats dedicated server's URL (a second server: the tenant's own)",
    );
    assert.equal(Object.keys(set.missing).length, SERVER_ROLES.length - 1);
  } finally {
    await set.stop();
  }
});
