/**
 * `audit-sink`: a failing audit sink means the drop never runs, and the
 * data is intact.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deprovisioner } from "../../../lib/mod.ts";
import { createAuditRecorder } from "../../audit_recorder.ts";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";

/** The `audit-sink` check. */
export const auditSinkCheck: CheckModule = {
  id: "audit-sink",
  title: () => "a failing audit sink means the drop never runs, and the data is intact",
  async run(ctx) {
    const token = ctx.freshToken();
    const data = await ctx.subject.createTenant(token);
    try {
      let called = 0;
      const drop = (adapter: Deprovisioner) => () => {
        called++;
        return adapter.deprovision(token);
      };
      // A durable store that rejects.
      const failingStore = createAuditRecorder({
        auditStore: { append: () => Promise.reject(new Error("audit store down")) },
      });
      await ctx.withDrop(
        async (recorder, adapter) => {
          await expectOutcome(recorder.guardedDrop(ctx.request(token), drop(adapter)), "audit_failed");
          assert.equal(await recorder.count(ctx.labels("audit_failed")), 1);
        },
        ctx.adapterOptions,
        failingStore,
      );
      // A logger that throws: the recorder's own file cannot be written.
      await ctx.withDrop(async (recorder, adapter) => {
        recorder.logger.destination.close();
        await expectOutcome(recorder.guardedDrop(ctx.request(token), drop(adapter)), "audit_failed");
        assert.equal(await recorder.count(ctx.labels("audit_failed")), 1);
        assert.equal(await recorder.total(), 1);
      });
      assert.equal(called, 0, "the drop callback ran");
      assert.deepEqual(await ctx.subject.readTenant(token), data, "the tenant's data");
    } finally {
      await ctx.cleanUp([token]);
    }
  },
};
