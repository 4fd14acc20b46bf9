/**
 * `stopped-server`: a stopped server gives error with one record and one
 * count; the drop succeeds after a restart.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { dropAfterRecovery, underFault } from "../_fault.ts";

/** The `stopped-server` check. */
export const stoppedServerCheck: CheckModule = {
  id: "stopped-server",
  title: () => "a stopped server gives error with one record and one count; the drop succeeds after a restart",
  skip: (ctx) => ctx.faultSkip("stop"),
  async run(ctx) {
    const token = ctx.freshToken();
    await ctx.subject.createTenant(token);
    await underFault(ctx, "stop", token, async (recorder, adapter) => {
      const err = await expectOutcome(
        recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)),
        "error",
      );
      assert.equal(err.code, "GD_DROP_FAILED");
      assert.equal(recorder.dropRecords().length, 1);
      assert.equal(recorder.failedRecords().length, 1);
      assert.equal(await recorder.count(ctx.labels("error")), 1);
      assert.equal(await recorder.total(), 1);
    });
    await dropAfterRecovery(ctx, token);
  },
};
