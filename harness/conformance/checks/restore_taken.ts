/**
 * `restore-taken`: a restore over a new tenant of the same token is refused,
 * and nothing changes: neither the new tenant nor the quarantined copy.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { checksumOf, cleanUpRecovery, recoverySkip, restoreRequest, withRecoverable } from "../_recovery.ts";

/** The `restore-taken` check. */
export const restoreTakenCheck: CheckModule = {
  id: "restore-taken",
  title: () => "a restore over a new tenant of the same token is refused, and nothing changes",
  skip: recoverySkip,
  async run(ctx) {
    const { subject } = ctx;
    const token = ctx.freshToken();
    await subject.createTenant(token);
    try {
      await withRecoverable(ctx, new Set([token]), async (recorder, adapter) => {
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        const [copy] = await adapter.quarantined(token);
        assert.ok(copy, "the quarantined copy");
        // The platform reuses the token: a new tenant under the same names.
        await subject.createTenant(token);
        // Read back, not as created: a backend that cannot rename (RabbitMQ
        // vhosts) shows the new tenant over the copy's names.
        const freshSum = checksumOf(await subject.readTenant(token));
        const err = await expectOutcome(
          recorder.guardedDrop(restoreRequest(ctx, token), () => adapter.restore(token)),
          "refused",
        );
        assert.equal(err.code, "GD_REFUSED");
        assert.equal(
          checksumOf(await subject.readTenant(token)),
          freshSum,
          "the new tenant's data after the refused restore",
        );
        const copies = await adapter.quarantined(token);
        assert.deepEqual(copies.map((c) => c.name), [copy.name], "the quarantined copies after the refused restore");
        assert.equal(
          await recorder.countAction({ ...ctx.labels("refused"), action: "restore" }),
          1,
          "provisioner_drop_action_total{action=restore,outcome=refused}",
        );
      });
    } finally {
      await cleanUpRecovery(ctx, [token]);
    }
  },
};
