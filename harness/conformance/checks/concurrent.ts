/**
 * `concurrent`: N concurrent drops give exactly N records and +N.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";

/** How many tenants are created at once before the drops. */
const CREATE_CONCURRENCY = 5;

/** The `concurrent` check. */
export const concurrentCheck: CheckModule = {
  id: "concurrent",
  title: ({ concurrentDrops: n }) => `${n} concurrent drops give exactly ${n} records and +${n}`,
  async run(ctx) {
    const { subject, concurrentDrops } = ctx;
    // One server, one tenant: drop that tenant many times at once instead.
    const tokens = subject.oneTenantPerServer === true
      ? Array.from({ length: concurrentDrops }, () => "").fill(ctx.freshToken())
      : Array.from({ length: concurrentDrops }, () => ctx.freshToken());
    const distinct = [...new Set(tokens)];
    for (let i = 0; i < distinct.length; i += CREATE_CONCURRENCY) {
      await Promise.all(distinct.slice(i, i + CREATE_CONCURRENCY).map((t) => subject.createTenant(t)));
    }
    try {
      await ctx.withDrop(async (recorder, adapter) => {
        await Promise.all(tokens.map((t) => recorder.guardedDrop(ctx.request(t), () => adapter.deprovision(t))));
        const records = recorder.dropRecords();
        assert.equal(records.length, concurrentDrops);
        assert.equal(new Set(records.map((r) => r.drop_id)).size, concurrentDrops, "unique drop ids");
        assert.deepEqual(new Set(records.map((r) => r.token)), new Set(distinct));
        assert.equal(await recorder.count(ctx.labels("ok")), concurrentDrops);
        assert.equal(await recorder.total(), concurrentDrops);
        const left = [];
        for (const t of distinct) if ((await subject.readTenant(t)) !== undefined) left.push(t);
        assert.deepEqual(left, [], "tenants left after the drops");
      });
    } catch (err) {
      // Only a failed run leaves tenants behind; a passing one proved them gone.
      await ctx.cleanUp(distinct).catch(() => {});
      throw err;
    }
  },
};
