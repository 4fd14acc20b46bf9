// scrubError: a driver's error is copied with only the fields that say what
// failed, each scrubbed; this package's own clean errors are handed on as
// they are.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendError, scrubError } from "../../lib/mod.ts";

test("a driver error is copied: message scrubbed, what-failed fields kept, anything else dropped", () => {
  const driver = Object.assign(new Error("connect postgres://app:hunter2@db:5432/x failed"), {
    code: "ECONNREFUSED",
    errno: -111,
    retryable: true,
    command: { name: "auth", args: ["hunter2"] },
  });
  const safe = scrubError(driver) as Error & Record<string, unknown>;
  assert.notEqual(safe, driver);
  assert.doesNotMatch(safe.message, /hunter2/);
  assert.equal(safe.code, "ECONNREFUSED");
  assert.equal(safe.errno, -111);
  assert.equal(safe.retryable, true, "a boolean that says whether a retry helps survives the copy");
  assert.equal(safe.command, undefined);
  assert.doesNotMatch(JSON.stringify(safe), /hunter2/);
});

test("retryable false survives too, and a non-boolean retryable is dropped", () => {
  const no = scrubError(Object.assign(new Error("password=hunter2"), { retryable: false })) as Record<string, unknown>;
  assert.equal(no.retryable, false);
  const odd = scrubError(
    Object.assign(new Error("password=hunter2"), { retryable: { toString: () => "hunter2" } }),
  ) as Record<string, unknown>;
  assert.equal(odd.retryable, undefined);
});

test("this package's own clean error is handed on as it is", () => {
  const own = new BackendError("failed", 'Cannot deprovision the PostgreSQL tenant "acme" as DROP ROLE failed');
  assert.equal(scrubError(own), own);
});
