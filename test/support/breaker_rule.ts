/**
 * The breaker's failure rule, as every adapter suite checks it through a
 * real guardedDrop: a tenant's own failures (`failed`) never open the
 * breaker for the next tenant, and server-level trouble (`unavailable`)
 * does.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deprovisioner } from "../../lib/mod.ts";
import { createAuditFixture } from "./audit_fixture.ts";
import { type DropResult, dropThrough } from "./drop_through.ts";

export interface BreakerRuleOptions {
  /** An adapter whose drops fail as `failed` (no permission, wrong password). */
  readonly failing: Deprovisioner;
  /** An adapter whose drops fail as `unavailable` (a closed port). */
  readonly down: Deprovisioner;
  /** A working adapter, for the next tenant's drop. */
  readonly healthy: Deprovisioner;
  /** The token each failing drop targets. */
  readonly failedToken: () => string;
  /** A fresh token. */
  readonly token: () => string;
  /** Further checks of each failed drop. */
  readonly eachFailed?: (result: DropResult) => void;
}

/**
 * 8 `failed` drops (more than the breaker's threshold of 5), then a healthy
 * drop that must be `ok`; then 5 `unavailable` drops, then a healthy drop
 * that must be `breaker_open`. On a fixture of its own, so that the open
 * breaker stays there.
 */
export async function assertBreakerRule(options: BreakerRuleOptions): Promise<void> {
  const own = createAuditFixture();
  try {
    for (let i = 0; i < 8; i++) {
      const result = await dropThrough(own, options.failing, options.failedToken(), { expect: "error" });
      assert.equal(result.error?.kind, "failed");
      options.eachFailed?.(result);
    }
    await dropThrough(own, options.healthy, options.token(), { expect: "ok" });
    for (let i = 0; i < 5; i++) {
      const result = await dropThrough(own, options.down, options.token(), { expect: "error" });
      assert.equal(result.error?.kind, "unavailable");
    }
    await dropThrough(own, options.healthy, options.token(), { expect: "breaker_open" });
  } finally {
    own.close();
  }
}
