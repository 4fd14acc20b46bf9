// The isXError guards classify by `.code` and never throw: an application
// can be handed any thrown value, a hostile Proxy included.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AuditFailedError,
  BackendError,
  BreakerOpenError,
  DeniedError,
  DropFailedError,
  isAuditFailedError,
  isBackendError,
  isBreakerOpenError,
  isDeniedError,
  isDropError,
  isDropFailedError,
  isRateLimitedError,
  isRefusedError,
  RateLimitedError,
  RefusedError,
} from "../../lib/mod.ts";

const guards = [
  ["isRefusedError", isRefusedError, new RefusedError("x"), "GD_REFUSED"],
  ["isDeniedError", isDeniedError, new DeniedError("x"), "GD_DENIED"],
  ["isRateLimitedError", isRateLimitedError, new RateLimitedError("x"), "GD_RATE_LIMITED"],
  ["isBreakerOpenError", isBreakerOpenError, new BreakerOpenError("x"), "GD_BREAKER_OPEN"],
  ["isAuditFailedError", isAuditFailedError, new AuditFailedError("x"), "GD_AUDIT_FAILED"],
  ["isDropFailedError", isDropFailedError, new DropFailedError("x"), "GD_DROP_FAILED"],
  ["isBackendError", isBackendError, new BackendError("failed", "x"), "GD_BACKEND_FAILED"],
] as const;

function hostileValues(): [string, unknown][] {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwing = new Proxy({}, {
    get() {
      throw new Error("getter trap");
    },
  });
  const throwingGetter = Object.defineProperty({}, "code", {
    get() {
      throw new Error("code getter");
    },
  });
  return [["a revoked Proxy", revoked], ["a Proxy whose get trap throws", throwing], [
    "a throwing code getter",
    throwingGetter,
  ]];
}

describe("error guards", () => {
  for (const [name, guard, own, code] of guards) {
    test(`${name}: its own error, another copy's, and look-alikes of other codes`, () => {
      assert.equal(guard(own), true);
      assert.equal(guard({ code }), true, "another copy's error has the same code");
      assert.equal(guard(Object.assign(new Error("x"), { code: "GD_OTHER" })), false);
      assert.equal(guard(new Error(code)), false);
      for (const value of [undefined, null, code, 42]) assert.equal(guard(value), false);
    });

    for (const [what, value] of hostileValues()) {
      test(`${name} never throws on ${what}`, () => {
        assert.doesNotThrow(() => guard(value));
        assert.equal(guard(value), false);
      });
    }
  }

  test("isDropError needs a known code and its matching outcome, and never throws", () => {
    assert.equal(isDropError(new DeniedError("x")), true);
    assert.equal(isDropError({ code: "GD_DENIED", outcome: "denied" }), true);
    assert.equal(isDropError({ code: "GD_DENIED", outcome: "refused" }), false);
    assert.equal(isDropError({ code: "toString", outcome: undefined }), false);
    for (const [, value] of hostileValues()) assert.equal(isDropError(value), false);
  });
});
