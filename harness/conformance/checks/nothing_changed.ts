/**
 * `nothing-changed`: a drop that fails in a way no retry cures has changed
 * nothing. The tenant reads back exactly as it was made (no account locked,
 * no access revoked, not a row gone), the retry fails the same way, and once
 * the block is gone the drop succeeds.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import { type CheckContext, expectOutcome } from "../_context.ts";
import { caseVariantOf, dropExactly } from "./_case_variant.ts";

/** How many times the blocked drop is tried: the first call, and a retry. */
const ATTEMPTS = 2;

/** The `nothing-changed` check. */
export const nothingChangedCheck: CheckModule = {
  id: "nothing-changed",
  title: () =>
    "a failure no retry cures changes nothing: the tenant reads back as it was made, and the retry fails alike",
  skip: (ctx) =>
    ctx.subject.blockDrop !== undefined || ctx.subject.caseInsensitiveNames === true
      ? undefined
      : "the subject has no blockDrop, and no caseInsensitiveNames to block the drop with a case variant",
  async run(ctx) {
    const { subject } = ctx;
    const token = ctx.freshToken();
    const data = await subject.createTenant(token);
    try {
      const unblock = await block(ctx, token);
      try {
        await ctx.withDrop(async (recorder, adapter) => {
          for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
            await expectOutcome(recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)), "error");
            assert.deepEqual(
              await subject.readTenant(token),
              data,
              `the tenant after failed attempt ${attempt}: nothing changed`,
            );
          }
          assert.equal(await adapter.exists(token), true, "exists() after the failed drops");
          assert.equal(recorder.failedRecords().length, ATTEMPTS, "provisioner.drop.failed records");
          assert.equal(await recorder.count(ctx.labels("error")), ATTEMPTS, "provisioner_drop_total{outcome=error}");
        });
      } finally {
        await unblock();
      }
      await ctx.withDrop(async (recorder, adapter) => {
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        assert.equal(await subject.readTenant(token), undefined, "the tenant once the block is gone");
      });
    } finally {
      await ctx.cleanUp([token]);
    }
  },
};

/** The subject's own block, or a case variant of the tenant. */
async function block(ctx: CheckContext, token: string): Promise<() => Promise<void>> {
  if (ctx.subject.blockDrop !== undefined) return await ctx.subject.blockDrop(token);
  const variant = caseVariantOf(token);
  await ctx.subject.createTenant(variant);
  return () => dropExactly(ctx, variant);
}
