/**
 * `quarantine-restore-purge`: the recovery promise on the real server
 * (DESIGN §14). Quarantine: the tenant's own login fails, `exists()` is
 * false, a direct read under its names finds nothing (or, for a copy kept
 * in place on the tenant's own server, `keepsCopyInPlace`, finds the data
 * unchanged), and it is counted as a quarantine, not a destruction. Restore: the data is identical
 * (checksums) and the login works, counted as a restore. Quarantine again,
 * then purge with the clock past the retention through guardedDrop: nothing
 * is left, counted as a destruction. The neighbour is intact at every step.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckModule } from "../_check_module.ts";
import {
  afterRetention,
  canLogIn,
  checksumOf,
  cleanUpRecovery,
  linesOf,
  recoverySkip,
  restoreRequest,
  withRecoverable,
} from "../_recovery.ts";

/** The `quarantine-restore-purge` check. */
export const quarantineRestorePurgeCheck: CheckModule = {
  id: "quarantine-restore-purge",
  title: () =>
    "quarantine locks the tenant out and keeps its data; restore brings it back identical; purge after the retention leaves nothing",
  skip: recoverySkip,
  async run(ctx) {
    const { subject, neighbour } = ctx;
    const recovery = subject.recovery!;
    const token = ctx.freshToken();
    const other = `${token}x`;
    const data = await subject.createTenant(token);
    const otherData = await neighbour.createTenant(other);
    const sum = checksumOf(data);
    const neighbourIntact = async (step: string) =>
      assert.deepEqual(await neighbour.readTenant(other), otherData, `the neighbour's data after ${step}`);
    const { labels } = ctx;
    try {
      assert.equal(checksumOf(await subject.readTenant(token)), sum, "precondition: the tenant reads back");
      assert.equal(await canLogIn(recovery, token), true, "precondition: the tenant's own login works");
      await withRecoverable(ctx, new Set([token]), async (recorder, adapter) => {
        // 1. Quarantine, through guardedDrop like any drop.
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        assert.equal(await adapter.exists(token), false, "exists() after the quarantine");
        if (recovery.keepsCopyInPlace === true) {
          // The tenant's own server keeps the copy under its names: it reads
          // back unchanged, while the tenant's login fails (below).
          assert.ok(
            subject.oneTenantPerServer === true,
            "a copy kept in place is only for a server that holds one tenant (oneTenantPerServer)",
          );
          assert.equal(
            checksumOf(await subject.readTenant(token)),
            sum,
            "the data's checksum in place after the quarantine",
          );
        } else {
          assert.equal(
            await subject.readTenant(token),
            undefined,
            "a direct read under the tenant's names after the quarantine",
          );
        }
        assert.equal(await canLogIn(recovery, token), false, "the tenant's own login after the quarantine");
        assert.equal((await adapter.quarantined(token)).length, 1, "quarantined copies");
        assert.equal(
          await recorder.countAction({ ...labels("ok"), action: "quarantine" }),
          1,
          "provisioner_drop_action_total{action=quarantine}",
        );
        assert.equal(
          await recorder.countAction({ ...labels("ok"), action: "destroy" }),
          0,
          "a quarantine counted as a destruction",
        );
        await neighbourIntact("the quarantine");

        // 2. Restore, audited and counted as a restore.
        await recorder.guardedDrop(restoreRequest(ctx, token), () => adapter.restore(token));
        assert.equal(await adapter.exists(token), true, "exists() after the restore");
        assert.equal(checksumOf(await subject.readTenant(token)), sum, "the data's checksum after the restore");
        assert.equal(await canLogIn(recovery, token), true, "the tenant's own login after the restore");
        assert.equal((await adapter.quarantined(token)).length, 0, "quarantined copies after the restore");
        assert.equal(
          await recorder.countAction({ ...labels("ok"), action: "restore" }),
          1,
          "provisioner_drop_action_total{action=restore}",
        );
        await neighbourIntact("the restore");

        // 3. Quarantine again, then purge past the retention: a destruction.
        await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
        assert.equal((await adapter.quarantined(token)).length, 1, "quarantined copies after the second quarantine");
        const result = await adapter.purgeExpired(recorder.guardedDrop, {
          now: afterRetention(),
          caller: "guarded-drop/harness",
        });
        assert.deepEqual(result.purged.filter((copy) => copy.token === token).length, 1, "copies of the tenant purged");
        assert.deepEqual(
          result.failed.filter((f) => f.copy.token === token),
          [],
          "failed purges of the tenant's copies",
        );
        assert.equal((await adapter.quarantined(token)).length, 0, "quarantined copies after the purge");
        assert.equal(await subject.readTenant(token), undefined, "a direct read after the purge");
        assert.equal(await adapter.exists(token), false, "exists() after the purge");
        assert.equal(await canLogIn(recovery, token), false, "the tenant's own login after the purge");
        assert.equal(await recorder.countAction({ ...labels("ok"), action: "quarantine" }), 2);
        assert.equal(
          await recorder.countAction({ ...labels("ok"), action: "destroy" }),
          1,
          "the purge, counted as a destruction",
        );
        const purges = recorder.dropRecords().filter((r) => r.token === token && r.intent === "quarantine_expired");
        assert.equal(purges.length, 1, "provisioner.drop records of the purge");
        assert.equal(
          linesOf(recorder, token, "provisioner.drop.failed"),
          0,
          "provisioner.drop.failed records of the tenant",
        );
        await neighbourIntact("the purge");
      });
    } finally {
      await cleanUpRecovery(ctx, [token]);
      await ctx.cleanUp([other], neighbour);
    }
  },
};
