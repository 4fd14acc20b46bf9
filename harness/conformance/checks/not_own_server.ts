/**
 * `not-own-server`: a server that is not the tenant's own is refused, and
 * its data is intact.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createAuditRecorder } from "../../audit_recorder.ts";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";

/** The `not-own-server` check. */
export const notOwnServerCheck: CheckModule = {
  id: "not-own-server",
  title: () => "a server that is not the tenant's own is refused, and its data is intact",
  skip: ({ subject }) =>
    subject.notOwnServer === undefined
      ? "the subject gives no server that is not the tenant's own ('notOwnServer'): opt in where a drop must prove ownership"
      : undefined,
  async run(ctx) {
    const foreign = ctx.subject.notOwnServer!;
    const data = await foreign.createData();
    try {
      await ctx.withDrop(
        async (recorder, wrong) => {
          let called = 0;
          const token = ctx.freshToken();
          for (let i = 0; i < 2; i++) {
            const err = await expectOutcome(
              recorder.guardedDrop(ctx.request(token), () => {
                called++;
                return wrong.deprovision(token);
              }),
              "refused",
            );
            assert.equal(err.code, "GD_REFUSED");
          }
          assert.equal(called, 2, "the drop ran, and the adapter itself refused");
          assert.equal(recorder.dropRecords().length, 2, "provisioner.drop records");
          assert.equal(recorder.failedRecords().length, 2, "provisioner.drop.failed records");
          assert.equal(await recorder.count(ctx.labels("refused")), 2, "provisioner_drop_total{outcome=refused}");
          assert.equal(await recorder.total(), 2, "provisioner_drop_total, all series");
          assert.deepEqual(await foreign.readData(), data, "the other tenant's data on that server");
        },
        ctx.adapterOptions,
        createAuditRecorder(),
        (opts) => foreign.createAdapter(opts),
      );
    } finally {
      await foreign.removeData();
    }
  },
};
