/**
 * `breaker`: after repeated failures the breaker opens and stops calling the drop.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { underFault } from "../_fault.ts";

/** Failures that open the default breaker (DESIGN §2.7). */
const FAILURE_THRESHOLD = 5;
/** Drops tried while it is open. */
const OPEN_TRIES = 3;

/** The `breaker` check. */
export const breakerCheck: CheckModule = {
  id: "breaker",
  title: () => "after repeated failures the breaker opens and stops calling the drop",
  skip: (ctx) => ctx.faultSkip("stop"),
  async run(ctx) {
    const token = ctx.freshToken();
    await underFault(ctx, "stop", token, async (recorder, adapter) => {
      let called = 0;
      const drop = () => {
        called++;
        return adapter.deprovision(token);
      };
      for (let i = 0; i < FAILURE_THRESHOLD; i++) {
        await expectOutcome(recorder.guardedDrop(ctx.request(token), drop), "error");
      }
      for (let i = 0; i < OPEN_TRIES; i++) {
        await expectOutcome(recorder.guardedDrop(ctx.request(token), drop), "breaker_open");
      }
      assert.equal(called, FAILURE_THRESHOLD, "drop calls: the open breaker must not call it");
      assert.equal(await recorder.count(ctx.labels("error")), FAILURE_THRESHOLD);
      assert.equal(await recorder.count(ctx.labels("breaker_open")), OPEN_TRIES);
      assert.equal(recorder.dropRecords().length, FAILURE_THRESHOLD + OPEN_TRIES);
    });
  },
};
