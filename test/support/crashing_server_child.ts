// A child test file for test/self/crash_report.test.ts: a test on a
// throwaway PostgreSQL whose backend is killed (SIGKILL, as the OOM killer
// does) fails with "Connection terminated unexpectedly", and
// explainCrashes must end that failure with the server's log tail.
// Run with `node --import tsx --test`; it fails on purpose.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { explainCrashes } from "./crash_report.ts";
import { type ControlledServer, startDedicatedPostgres } from "./servers.ts";

describe("a throwaway PostgreSQL whose backend is killed", () => {
  let server: ControlledServer | undefined;
  explainCrashes(() => [server]);

  before(async () => {
    server = await startDedicatedPostgres();
  });

  after(async () => {
    await server?.dispose();
  });

  test("a session reset by the postmaster after another backend was killed fails", async () => {
    const connect = async () => {
      const client = new pg.Client({ connectionString: server!.url, connectionTimeoutMillis: 10_000 });
      client.on("error", () => {});
      await client.connect();
      return client;
    };
    const victim = await connect();
    const bystander = await connect();
    try {
      const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      process.kill(rows[0]!.pid, "SIGKILL");
      // The postmaster logs the crash, then ends every other session: the
      // bystander's query fails once it has, which is what a suite sees.
      // Bounded: 600 polls of 50 ms.
      for (let i = 0; i < 600; i++) {
        await bystander.query("SELECT 1");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.fail("the bystander's session outlived the crash of another backend");
    } finally {
      await victim.end().catch(() => {});
      await bystander.end().catch(() => {});
    }
  });
});
