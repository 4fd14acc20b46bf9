// Drops in doubt an operator can act on (DESIGN §14): a provisioner killed
// with SIGKILL inside 36 drops leaves 36 drops in doubt; `audit pending`
// exits 1 while any is in doubt, shows the 35 that a later `ok` drop of the
// same resource settled as resolved, and `audit resolve <drop_id> --note`
// closes the last one as a row of the chain, which `audit verify` still
// accepts. Against the real PostgreSQL server, with the real adapter.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createGuardedDrop } from "../../lib/mod.ts";
import { postgresAuditStore, postgresShared } from "../../adapters/postgres/mod.ts";
import { runGuardedDropCli } from "../../cli/mod.ts";
import { type AuditSchema, auditServerUrl, auditSkipReason, createAuditSchema } from "../support/audit_schema.ts";
import { uniqueToken } from "../support/servers.ts";

const KILLED = fileURLToPath(new URL("./fixtures/killed_mid_drops.ts", import.meta.url));
const DROPS = 36;
const REDROPPED = 35;
const CHILD_BOUND_MS = 120_000;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(...args: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runGuardedDropCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

/** Runs the fixture, SIGKILLs it once it printed `count` drop ids, and returns them. */
function killMidDrops(args: readonly string[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", KILLED, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let ids: string[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_BOUND_MS);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      ids = out.split("\n").filter((line) => line.length > 0);
      if (ids.length >= count) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" && ids.length === count) resolve(ids);
      else reject(new Error(`the child ended with ${code ?? signal} after ${ids.length} of ${count} drop ids: ${err}`));
    });
  });
}

describe("guarded-drop audit pending and resolve after a SIGKILL mid-drop", { skip: auditSkipReason ?? false }, () => {
  let db: AuditSchema;
  before(async () => {
    db = await createAuditSchema(auditServerUrl!);
  });
  after(async () => {
    await db?.dispose();
  });

  test(`${DROPS} drops in doubt; ${REDROPPED} re-dropped ok are resolved; the last closed by an operator`, async () => {
    const table = db.table();
    const store = postgresAuditStore({ connectionString: db.url, table });
    const adapter = postgresShared({ connectionString: auditServerUrl! });
    const admin = new pg.Client({ connectionString: auditServerUrl!, connectionTimeoutMillis: 5_000 });
    await admin.connect();
    const tokens = Array.from({ length: DROPS }, () => uniqueToken("gdk"));
    try {
      await store.migrate();
      for (const token of tokens) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(`db_${token}`)}`);
      const ids = await killMidDrops([db.url, table, auditServerUrl!, tokens.join(",")], DROPS);
      assert.equal(new Set(ids).size, DROPS, "unique drop ids");
      const left = async () =>
        (await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_database WHERE datname = ANY($1)", [
          tokens.map((t) => `db_${t}`),
        ])).rows[0]!.n;
      assert.equal(await left(), String(DROPS), "the killed drops destroyed nothing");

      const pending = (...extra: string[]) => cli("audit", "pending", "--postgres", db.url, "--table", table, ...extra);
      const doubt = await pending("--json");
      assert.equal(doubt.code, 1, "drops in doubt exit 1");
      const listed = JSON.parse(doubt.out);
      assert.deepEqual([listed.count, listed.inDoubt, listed.resolved], [DROPS, DROPS, 0]);
      assert.deepEqual(new Set(listed.pending.map((d: { drop_id: string }) => d.drop_id)), new Set(ids));

      // The platform re-runs the drops of all but one tenant: each settles ok.
      const silent = () => {};
      const guardedDrop = createGuardedDrop({
        logger: { info: silent, warn: silent, error: silent },
        counter: { inc: silent },
        auditStore: store,
      });
      for (const token of tokens.slice(0, REDROPPED)) {
        await guardedDrop(
          {
            token,
            providerResourceId: `res-${token}`,
            resourceType: "postgres",
            backend: "shared",
            requestId: `again-${token}`,
            caller: "kill-test",
          },
          () => adapter.deprovision(token),
        );
      }
      assert.equal(await left(), String(DROPS - REDROPPED), "databases left after the re-drops");
      const partly = await pending("--json");
      assert.equal(partly.code, 1, "one drop still in doubt exits 1");
      const partlyListed = JSON.parse(partly.out);
      assert.deepEqual([partlyListed.count, partlyListed.inDoubt, partlyListed.resolved], [DROPS, 1, REDROPPED]);
      const last = partlyListed.pending.find((d: { resolvedBy: string | null }) => d.resolvedBy === null);
      assert.equal(last.token, tokens[DROPS - 1]);
      const text = await pending();
      assert.match(
        text.out,
        new RegExp(
          `^1 drop in doubt in ${table} .*, ${REDROPPED} resolved by a later ok drop of the same resource:$`,
          "m",
        ),
      );
      assert.equal(text.out.split("\n").filter((line) => / resolved by \S+ +destroy /.test(line)).length, REDROPPED);
      assert.equal(text.out.split("\n").filter((line) => / IN DOUBT +destroy /.test(line)).length, 1);

      // --since: a window that holds them, and one that does not.
      assert.equal(JSON.parse((await pending("--since", "1h", "--json")).out).count, DROPS);
      const future = await pending("--since", "2999-01-01T00:00:00Z", "--json");
      assert.equal(future.code, 0);
      assert.equal(JSON.parse(future.out).count, 0);

      // The operator checks the last tenant by hand and closes its drop.
      const resolve = (id: string, ...extra: string[]) =>
        cli(
          "audit",
          "resolve",
          id,
          "--note",
          "checked by hand: INC-1234",
          "--postgres",
          db.url,
          "--table",
          table,
          ...extra,
        );
      const closed = await resolve(last.drop_id);
      assert.equal(closed.code, 0, closed.err);
      assert.match(closed.out, new RegExp(`^resolved drop ${last.drop_id} \\(postgres/shared ${last.token}\\)`));
      const done = await pending("--json");
      assert.equal(done.code, 0, "nothing in doubt exits 0");
      assert.deepEqual([JSON.parse(done.out).count, JSON.parse(done.out).inDoubt], [REDROPPED, 0]);
      const { rows } = await db.admin.query(
        `SELECT outcome, reason, caller FROM ${table} WHERE drop_id = $1 AND event = 'provisioner.drop.settled'`,
        [last.drop_id],
      );
      assert.deepEqual(rows, [{
        outcome: "resolved",
        reason: "checked by hand: INC-1234",
        caller: "guarded-drop audit resolve",
      }]);

      // Refused: settled already, and an unknown id. Nothing is written.
      const rowsBefore = (await db.seqs(table)).length;
      const again = await resolve(last.drop_id);
      assert.equal(again.code, 1);
      assert.match(again.err, /settled already/);
      const unknown = await resolve("no-such-drop");
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /has no provisioner\.drop row/);
      assert.equal((await db.seqs(table)).length, rowsBefore, "rows after the refusals");

      const verified = await cli("audit", "verify", "--postgres", db.url, "--table", table);
      assert.equal(verified.code, 0, verified.out + verified.err);
      assert.match(verified.out, new RegExp(`${DROPS + 2 * REDROPPED + 1} rows`));
    } finally {
      for (const token of tokens) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(`db_${token}`)}`);
      await admin.end();
      await adapter.close();
      await store.close();
    }
  });
});
