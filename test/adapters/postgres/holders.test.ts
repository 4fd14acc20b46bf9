// A prepared transaction or a subscription in the tenant's database holds it
// so that no DROP DATABASE and no rename can succeed, however often it is
// retried. The deprovision and the quarantine must say so at once, `failed`
// and not retryable, naming it, with nothing changed: the tenant keeps its
// CONNECT and its login. It runs on a throwaway cluster started with
// initdb, because it needs max_prepared_transactions, a restart, and
// leaves prepared transactions behind if it fails.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { type PostgresAdapter, postgresShared } from "../../../adapters/postgres/mod.ts";
import {
  type ControlledServer,
  dedicatedPostgresSkipReason,
  startDedicatedPostgres,
  uniqueToken,
} from "../../support/servers.ts";
import { explainCrashes } from "../../support/crash_report.ts";
import { connectPostgres } from "../../support/pg_connect.ts";
import { LOADED_MACHINE_SLACK_MS } from "../../support/timing.ts";

/**
 * DROP DATABASE attempts whose backoff (100 ms doubling to 2 s: 100 + 200 +
 * 400 + 800 + 1600 + 15 x 2000 ms, over 30 s) is far past a loaded machine's
 * slack: a holder that was retried instead of named at once cannot pass the
 * bound by chance.
 */
const RETRIES_PAST_SLACK = 21;

const connect = connectPostgres;

describe("PostgreSQL: a prepared transaction or a subscription fails the call at once, nothing changed", {
  skip: dedicatedPostgresSkipReason() ?? false,
}, () => {
  let server: ControlledServer;
  explainCrashes(() => [server]);
  let admin: pg.Client;
  const adapters: PostgresAdapter[] = [];

  before(async () => {
    server = await startDedicatedPostgres();
    if (!server.controlled) return;
    const setup = await connect(server.url);
    try {
      await setup.query("ALTER SYSTEM SET max_prepared_transactions = 4");
    } finally {
      await setup.end();
    }
    await server.stop();
    await server.start();
    admin = await connect(server.url);
  });

  after(async () => {
    for (const adapter of adapters) await adapter.close();
    await admin?.end().catch(() => {});
    await server?.dispose();
  });

  async function createTenant(token: string): Promise<void> {
    await admin.query(`CREATE ROLE usr_${token} LOGIN`);
    await admin.query(`CREATE DATABASE db_${token} OWNER usr_${token}`);
  }

  async function state(token: string) {
    const { rows } = await admin.query<{ databases: number; can: boolean; login: boolean }>(
      `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS databases,
              has_database_privilege($2, $1, 'CONNECT') AS can,
              (SELECT rolcanlogin FROM pg_roles WHERE rolname = $2) AS login`,
      [`db_${token}`, `usr_${token}`],
    );
    return rows[0]!;
  }

  const holders = [
    {
      name: "a prepared transaction",
      pattern: /prepared transaction 'gd_pending'/,
      token: "",
      async make(token: string) {
        this.token = token;
        const db = await connect(server.url, `db_${token}`);
        try {
          await db.query("BEGIN");
          await db.query("CREATE TABLE held (id int)");
          await db.query("PREPARE TRANSACTION 'gd_pending'");
        } finally {
          await db.end();
        }
      },
      async end() {
        // Only from the database it was prepared in.
        const db = await connect(server.url, `db_${this.token}`);
        try {
          await db.query("ROLLBACK PREPARED 'gd_pending'");
        } finally {
          await db.end();
        }
      },
    },
    {
      name: "a subscription",
      pattern: /subscription gd_sub/,
      token: "",
      async make(token: string) {
        const db = await connect(server.url, `db_${token}`);
        try {
          await db.query(
            "CREATE SUBSCRIPTION gd_sub CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p " +
              "WITH (connect = false, enabled = false, create_slot = false, slot_name = NONE)",
          );
        } finally {
          await db.end();
        }
        this.token = token;
      },
      async end() {
        const db = await connect(server.url, `db_${this.token}`);
        try {
          await db.query("DROP SUBSCRIPTION gd_sub");
        } finally {
          await db.end();
        }
      },
    },
  ];

  for (const retention of [undefined, { days: 7 }]) {
    for (const holder of holders) {
      test(`${retention === undefined ? "deprovision" : "quarantine"} with ${holder.name}: failed, not retryable, named; then ok once it ends`, async (t) => {
        if (!server.controlled) return t.skip("GD_POSTGRES_DEDICATED_URL is set: this test must restart the server");
        const token = uniqueToken("hold");
        await createTenant(token);
        const adapter = postgresShared({
          connectionString: server.url,
          operationTimeoutMs: 2_000,
          dropDatabaseAttempts: RETRIES_PAST_SLACK,
          ...(retention && { retention }),
        });
        adapters.push(adapter);
        await holder.make(token);
        const started = Date.now();
        const err = await adapter.deprovision(token).then(
          () => undefined,
          (e: unknown) => e as Record<string, unknown>,
        );
        assert.ok(err, "the call must fail");
        assert.equal(err.kind, "failed");
        assert.equal(err.retryable, false);
        assert.match(String(err.message), holder.pattern);
        // At once, not after the retries' backoff (over 30 s with RETRIES_PAST_SLACK attempts).
        assert.ok(Date.now() - started < LOADED_MACHINE_SLACK_MS, `${Date.now() - started} ms`);
        // Nothing changed: the tenant still has its database, its CONNECT and its login.
        assert.deepEqual(await state(token), { databases: 1, can: true, login: true });
        assert.equal(await adapter.exists(token), true);

        await holder.end();
        await adapter.deprovision(token);
        assert.equal(await adapter.exists(token), false);
        const left = await admin.query(
          "SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $2",
          [
            `db_${token}`,
            `usr_${token}`,
          ],
        );
        assert.equal(left.rowCount, 0);
      });
    }
  }
});
