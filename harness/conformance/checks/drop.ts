/**
 * `drop`: drops the tenant and only the tenant, with one record and +1.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";

/** The `drop` check. */
export const dropCheck: CheckModule = {
  id: "drop",
  title: () => "drops the tenant and only the tenant, with one record and +1",
  async run(ctx) {
    const { subject, neighbour } = ctx;
    const token = ctx.freshToken();
    const other = `${token}x`; // its token extends the dropped one's
    const data = await subject.createTenant(token);
    const otherData = await neighbour.createTenant(other);
    try {
      assert.deepEqual(await subject.readTenant(token), data, "precondition: the tenant can be read back");
      await ctx.withDrop(async (recorder, adapter) => {
        assert.equal(await adapter.exists(token), true, "precondition: exists() sees the tenant");
        const req = ctx.request(token);
        await recorder.guardedDrop(req, () => adapter.deprovision(token));
        assert.equal(await adapter.exists(token), false, "exists() after the drop");
        assert.equal(await subject.readTenant(token), undefined, "a direct read after the drop");
        assert.deepEqual(await neighbour.readTenant(other), otherData, "the neighbour's data");
        if (neighbour === subject) assert.equal(await adapter.exists(other), true, "the neighbour exists");
        const records = recorder.dropRecords();
        assert.equal(records.length, 1, "provisioner.drop records");
        const [record] = records;
        assert.deepEqual(
          {
            token: record!.token,
            provider_resource_id: record!.provider_resource_id,
            resource_type: record!.resource_type,
            backend: record!.backend,
            request_id: record!.request_id,
            caller: record!.caller,
          },
          {
            token,
            provider_resource_id: req.providerResourceId,
            resource_type: subject.resourceType,
            backend: subject.backend,
            request_id: req.requestId,
            caller: req.caller,
          },
        );
        assert.equal(recorder.failedRecords().length, 0, "provisioner.drop.failed records");
        assert.equal(await recorder.count(ctx.labels("ok")), 1, "provisioner_drop_total{outcome=ok}");
        assert.equal(await recorder.total(), 1, "provisioner_drop_total, all series");
      });
    } finally {
      await ctx.cleanUp([token]);
      await ctx.cleanUp([other], neighbour);
    }
  },
};
