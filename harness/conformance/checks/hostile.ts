/**
 * `hostile`: hostile targets are refused by guardedDrop and by the adapter,
 * and nothing is dropped.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { HOSTILE_TOKENS } from "../hostile_tokens.ts";

/** The `hostile` check. */
export const hostileCheck: CheckModule = {
  id: "hostile",
  title: () => "hostile targets are refused by guardedDrop and by the adapter, and nothing is dropped",
  async run(ctx) {
    const { neighbour } = ctx;
    const other = ctx.freshToken();
    const otherData = await neighbour.createTenant(other);
    try {
      await ctx.withDrop(async (recorder, adapter) => {
        let called = 0;
        for (const hostile of HOSTILE_TOKENS) {
          await expectOutcome(
            recorder.guardedDrop(ctx.request(hostile), () => {
              called++;
              return adapter.deprovision(hostile);
            }),
            "refused",
          );
        }
        assert.equal(called, 0, "guardedDrop never called the drop for a hostile token");
        // A provisioner that audits one tenant and hands the adapter another:
        // the adapter's own checks must refuse before anything destructive.
        for (const hostile of HOSTILE_TOKENS) {
          await expectOutcome(recorder.guardedDrop(ctx.request(other), () => adapter.deprovision(hostile)), "refused");
          await assert.rejects(adapter.exists(hostile), { code: "GD_REFUSED" }, `exists(${JSON.stringify(hostile)})`);
        }
        const n = HOSTILE_TOKENS.length;
        assert.equal(recorder.dropRecords().length, 2 * n);
        assert.equal(recorder.failedRecords().length, 2 * n);
        assert.equal(await recorder.count(ctx.labels("refused")), 2 * n);
        assert.equal(await recorder.total(), 2 * n);
        assert.deepEqual(await neighbour.readTenant(other), otherData, "the neighbour's data");
        await ctx.subject.systemIntact?.();
      });
    } finally {
      await ctx.cleanUp([other], neighbour);
    }
  },
};
