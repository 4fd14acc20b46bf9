/**
 * `case-variants`: for a subject whose names may be one tenant in any case
 * (`caseInsensitiveNames`), a name that differs from the tenant's only in
 * case keeps the tenant's drop from answering `ok`, and `exists()` from
 * answering false, and nothing of either is changed, until the variant is
 * dropped by its exact name.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { expectOutcome } from "../_context.ts";
import { caseVariantOf, dropExactly } from "./_case_variant.ts";

/** The `case-variants` check. */
export const caseVariantsCheck: CheckModule = {
  id: "case-variants",
  title: () => "a name that differs only in case keeps the drop from answering ok, and nothing of either is changed",
  skip: (ctx) =>
    ctx.subject.caseInsensitiveNames === true
      ? undefined
      : "the subject compares names exactly (caseInsensitiveNames is not set): a name in another case is another tenant",
  async run(ctx) {
    const { subject } = ctx;
    const token = ctx.freshToken();
    const variant = caseVariantOf(token);
    const made: string[] = [];
    let variantMade = false;
    try {
      const variantData = await subject.createTenant(variant);
      variantMade = true;
      let data: unknown;
      await ctx.withDrop(async (recorder, adapter) => {
        // The variant alone: what the platform may have meant by the token.
        assert.equal(await adapter.exists(token), true, "exists() sees the case variant");
        await expectOutcome(recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)), "error");
        assert.deepEqual(await subject.readTenant(variant), variantData, "the variant is unchanged");
        // The tenant beside it: still not ok, and nothing of it changed.
        made.push(token);
        data = await subject.createTenant(token);
        await expectOutcome(recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)), "error");
        assert.deepEqual(await subject.readTenant(token), data, "the tenant is unchanged");
        assert.deepEqual(await subject.readTenant(variant), variantData, "the variant is unchanged");
        assert.equal(await adapter.exists(token), true, "exists() after the failed drops");
        assert.equal(recorder.dropRecords().length, 2, "provisioner.drop records");
        assert.equal(recorder.failedRecords().length, 2, "provisioner.drop.failed records");
        assert.equal(await recorder.count(ctx.labels("error")), 2, "provisioner_drop_total{outcome=error}");
        assert.equal(await recorder.count(ctx.labels("ok")), 0, "provisioner_drop_total{outcome=ok}");
      });
      // Taken by its exact name, the variant is another tenant: it goes alone.
      await dropExactly(ctx, variant);
      variantMade = false;
      assert.equal(await subject.readTenant(variant), undefined, "the variant after its own drop");
      assert.deepEqual(await subject.readTenant(token), data, "the tenant after the variant's drop");
      await ctx.withDrop(async (recorder, adapter) => {
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        assert.equal(await adapter.exists(token), false, "exists() once both are gone");
        assert.equal(await subject.readTenant(token), undefined, "the tenant after its drop");
      });
    } finally {
      if (variantMade) await dropExactly(ctx, variant).catch(() => {});
      await ctx.cleanUp(made);
    }
  },
};
