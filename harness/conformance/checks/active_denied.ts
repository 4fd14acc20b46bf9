/**
 * `active-denied`: an active resource is denied by the platform's policy,
 * and its data is intact.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DropRequest } from "../../../lib/mod.ts";
import { createAuditRecorder } from "../../audit_recorder.ts";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";

/** The `active-denied` check. */
export const activeDeniedCheck: CheckModule = {
  id: "active-denied",
  title: () => "an active resource is denied by the platform's policy, and its data is intact",
  skip: ({ policy }) =>
    policy === undefined
      ? "no policy was given ('policy' in the options): the check runs with the platform's own authorize"
      : undefined,
  async run(ctx) {
    const policy = ctx.policy!;
    const token = ctx.freshToken();
    const data = await ctx.subject.createTenant(token);
    const req: DropRequest = { ...ctx.request(token), intent: policy.intent ?? "customer_request" };
    try {
      await policy.markActive(token, req);
      await ctx.withDrop(
        async (recorder, adapter) => {
          let called = 0;
          const err = await expectOutcome(
            recorder.guardedDrop(req, () => {
              called++;
              return adapter.deprovision(token);
            }),
            "denied",
          );
          assert.equal(err.code, "GD_DENIED");
          assert.equal(called, 0, "the drop callback ran");
          assert.equal(recorder.dropRecords().length, 1, "provisioner.drop records");
          const failed = recorder.failedRecords();
          assert.equal(failed.length, 1, "provisioner.drop.failed records");
          assert.equal(failed[0]!.outcome, "denied");
          assert.ok(
            typeof failed[0]!.reason === "string" && failed[0]!.reason.length > 0,
            "the failed record says why (reason)",
          );
          assert.equal(await recorder.count(ctx.labels("denied")), 1, "provisioner_drop_total{outcome=denied}");
          assert.equal(await recorder.total(), 1, "provisioner_drop_total, all series");
          assert.equal(await adapter.exists(token), true, "exists() after the denied drop");
          assert.deepEqual(await ctx.subject.readTenant(token), data, "the active tenant's data");
        },
        ctx.adapterOptions,
        createAuditRecorder({ authorize: policy.authorize }),
      );
    } finally {
      await policy.forget?.(token);
      await ctx.cleanUp([token]);
    }
  },
};
