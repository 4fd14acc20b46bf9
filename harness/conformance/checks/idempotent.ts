/**
 * `idempotent`: a second drop, and a drop of a tenant that never existed, succeed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";

/** The `idempotent` check. */
export const idempotentCheck: CheckModule = {
  id: "idempotent",
  title: () => "a second drop, and a drop of a tenant that never existed, succeed",
  async run(ctx) {
    const token = ctx.freshToken();
    await ctx.subject.createTenant(token);
    await ctx.withDrop(async (recorder, adapter) => {
      await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
      await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
      const never = ctx.freshToken();
      await recorder.guardedDrop(ctx.request(never), () => adapter.deprovision(never));
      assert.equal(await adapter.exists(token), false);
      assert.equal(recorder.dropRecords().length, 3);
      assert.equal(await recorder.count(ctx.labels("ok")), 3);
      assert.equal(await recorder.total(), 3);
    });
  },
};
