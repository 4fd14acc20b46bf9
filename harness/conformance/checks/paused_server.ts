/**
 * `paused-server`: a paused server gives error within the timeout; the drop
 * succeeds after unpausing.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { dropAfterRecovery, underFault } from "../_fault.ts";

/** Slack over the adapter's own timeouts before a paused drop counts as hanging. */
const HANG_SLACK_MS = 5000;

/** The `paused-server` check. */
export const pausedServerCheck: CheckModule = {
  id: "paused-server",
  title: () => "a paused server gives error within the timeout; the drop succeeds after unpausing",
  skip: (ctx) => ctx.faultSkip("pause"),
  async run(ctx) {
    const token = ctx.freshToken();
    await ctx.subject.createTenant(token);
    await underFault(ctx, "pause", token, async (recorder, adapter) => {
      const started = Date.now();
      await expectOutcome(recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)), "error");
      const limit = ctx.faultAdapterOptions.connectTimeoutMs + ctx.faultAdapterOptions.operationTimeoutMs +
        HANG_SLACK_MS;
      assert.ok(Date.now() - started < limit, `the paused drop took ${Date.now() - started} ms (limit ${limit})`);
      assert.equal(recorder.dropRecords().length, 1);
      assert.equal(await recorder.count(ctx.labels("error")), 1);
    });
    await dropAfterRecovery(ctx, token);
  },
};
