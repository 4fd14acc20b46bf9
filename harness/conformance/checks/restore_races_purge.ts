/**
 * `restore-races-purge`: a restore and a purge of the same copy at once end
 * consistent: either the tenant is back whole and nothing was purged, or the
 * copy is purged and the restore failed; never half of each.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import {
  afterRetention,
  checksumOf,
  cleanUpRecovery,
  recoverySkip,
  restoreRequest,
  withRecoverable,
} from "../_recovery.ts";

/** The `restore-races-purge` check. */
export const restoreRacesPurgeCheck: CheckModule = {
  id: "restore-races-purge",
  title: () => "a restore racing a purge ends consistent: restored whole, or purged",
  skip: recoverySkip,
  async run(ctx) {
    const { subject } = ctx;
    const token = ctx.freshToken();
    const sum = checksumOf(await subject.createTenant(token));
    try {
      await withRecoverable(ctx, new Set([token]), async (recorder, adapter) => {
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        const [restored, purge] = await Promise.allSettled([
          recorder.guardedDrop(restoreRequest(ctx, token), () => adapter.restore(token)),
          adapter.purgeExpired(recorder.guardedDrop, { now: afterRetention(), caller: "guarded-drop/harness" }),
        ]);
        assert.equal(
          purge.status,
          "fulfilled",
          `the purge: ${purge.status === "rejected" ? String(purge.reason) : ""}`,
        );
        const purged = purge.status === "fulfilled" ? purge.value.purged.filter((c) => c.token === token).length : 0;
        assert.equal((await adapter.quarantined(token)).length, 0, "quarantined copies after the race");
        if (restored.status === "fulfilled") {
          assert.equal(purged, 0, "the copy was restored and purged both");
          assert.equal(checksumOf(await subject.readTenant(token)), sum, "the restored data's checksum");
        } else {
          assert.equal(purged, 1, `the restore failed (${String(restored.reason)}) and nothing was purged`);
          assert.equal(await subject.readTenant(token), undefined, "the tenant after the purge won");
        }
      });
    } finally {
      await cleanUpRecovery(ctx, [token]);
    }
  },
};
