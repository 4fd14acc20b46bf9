// The durable audit chain tells a quarantine and a restore from a
// destruction (DESIGN §14): the `action` column holds quarantine or restore,
// null for a destruction, whose row hashes exactly as before the column
// existed; a table made before the column still takes destructions and is
// read back, and migrate() adds the column. On the real PostgreSQL server.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DropRecord } from "../../../lib/mod.ts";
import { pendingDrops, postgresAuditStore, verifyAuditChain } from "../../../adapters/postgres/mod.ts";
import { type AuditSchema, auditServerUrl, auditSkipReason, createAuditSchema } from "../../support/audit_schema.ts";

function record(dropId: string, action?: string): DropRecord {
  return {
    event: "provisioner.drop",
    drop_id: dropId,
    token: "acme42",
    provider_resource_id: "res-1",
    resource_type: "postgres",
    backend: "shared",
    request_id: `req-${dropId}`,
    caller: "billing",
    ...(action !== undefined && { action }),
  };
}

describe("the action column of the audit chain", { skip: auditSkipReason ?? false }, () => {
  let db: AuditSchema;
  before(async () => {
    db = await createAuditSchema(auditServerUrl!);
  });
  after(async () => {
    await db?.dispose();
  });

  test("quarantine and restore are stored, a destruction is null, the chain verifies, pending says which", async () => {
    const table = db.table();
    const store = postgresAuditStore({ connectionString: db.url, table });
    try {
      await store.migrate();
      await store.append(record("q", "quarantine"));
      await store.settle(record("q", "quarantine"), "ok");
      await store.append(record("r", "restore"));
      await store.settle(record("r", "restore"), "ok");
      await store.append(record("d", "destroy"));
      await store.settle(record("d", "destroy"), "ok");
      await store.append(record("p", "quarantine"));
    } finally {
      await store.close();
    }
    const { rows } = await db.admin.query(`SELECT drop_id, event, action FROM ${table} ORDER BY seq`);
    assert.deepEqual(rows.map((r) => r.action), [
      "quarantine",
      "quarantine",
      "restore",
      "restore",
      null,
      null,
      "quarantine",
    ]);
    const report = await verifyAuditChain({ connectionString: db.url, table });
    assert.equal(report.intact, true, JSON.stringify(report.break));
    assert.equal(report.rows, 7);
    const pending = await pendingDrops({ connectionString: db.url, table });
    assert.deepEqual(pending.map((p) => [p.drop_id, p.action, p.resolvedBy]), [["p", "quarantine", null]]);
    // Tampering with the action breaks the chain.
    await db.tamper(table, `UPDATE ${table} SET action = NULL WHERE drop_id = 'q' AND event = 'provisioner.drop'`);
    assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, false);
  });

  test("a table made before the column: destructions are appended and verified; migrate() adds the column", async () => {
    const table = db.table();
    const store = postgresAuditStore({ connectionString: db.url, table });
    try {
      await store.migrate();
      await db.admin.query(`ALTER TABLE ${table} DROP COLUMN action`);
      await store.append(record("old"));
      await store.settle(record("old"), "ok");
      assert.equal((await verifyAuditChain({ connectionString: db.url, table })).intact, true);
      await assert.rejects(store.append(record("q", "quarantine")), /action/);
      await store.migrate();
      await store.append(record("q2", "quarantine"));
    } finally {
      await store.close();
    }
    const report = await verifyAuditChain({ connectionString: db.url, table });
    assert.equal(report.intact, true, JSON.stringify(report.break));
    assert.equal(report.rows, 3);
  });
});
