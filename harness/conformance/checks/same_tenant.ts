/**
 * `same-tenant`: N concurrent drops of the same tenant all end ok, and the
 * breaker stays closed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";

/** The `same-tenant` check. */
export const sameTenantCheck: CheckModule = {
  id: "same-tenant",
  title: ({ sameTenantDrops: n }) =>
    `${n} concurrent drops of the same tenant all end ok, with ${n} records and +${n}, and the breaker stays closed`,
  async run(ctx) {
    const { subject, sameTenantDrops } = ctx;
    const token = ctx.freshToken();
    await subject.createTenant(token);
    try {
      await ctx.withDrop(async (recorder, adapter) => {
        const results = await Promise.allSettled(
          Array.from(
            { length: sameTenantDrops },
            () => recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)),
          ),
        );
        const failures = results.flatMap((r) =>
          r.status === "rejected"
            ? [`${String((r.reason as { outcome?: unknown }).outcome)}: ${String((r.reason as Error).message)}`]
            : []
        );
        assert.deepEqual(failures, [], `${sameTenantDrops} concurrent drops of one tenant`);
        const records = recorder.dropRecords();
        assert.equal(records.length, sameTenantDrops, "provisioner.drop records");
        assert.equal(new Set(records.map((r) => r.drop_id)).size, sameTenantDrops, "unique drop ids");
        assert.equal(recorder.failedRecords().length, 0, "provisioner.drop.failed records");
        assert.equal(await recorder.count(ctx.labels("ok")), sameTenantDrops, "provisioner_drop_total{outcome=ok}");
        assert.equal(await recorder.total(), sameTenantDrops, "provisioner_drop_total, all series");
        assert.equal(await adapter.exists(token), false, "exists() after the drops");
        assert.equal(await subject.readTenant(token), undefined, "a direct read after the drops");
        // The breaker is still closed: the next tenant's drop runs.
        const next = ctx.freshToken();
        await recorder.guardedDrop(ctx.request(next), () => adapter.deprovision(next));
        assert.equal(await recorder.count(ctx.labels("ok")), sameTenantDrops + 1, "the next tenant's drop");
        assert.equal(
          await recorder.count(ctx.labels("breaker_open")),
          0,
          "provisioner_drop_total{outcome=breaker_open}",
        );
      });
    } catch (err) {
      await ctx.cleanUp([token]).catch(() => {});
      throw err;
    }
  },
};
