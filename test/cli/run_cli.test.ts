// `guarded-drop audit verify|pending` on real PostgreSQL tables (a schema of
// their own per run): each kind of tampering, done as the superuser with the
// triggers disabled, is named with exit 1; a drop whose process crashed is
// pending; usage errors exit 2 and never echo a credential.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type AuditRowContent, chainHash } from "../../adapters/postgres/_audit_chain.ts";
import { postgresAuditStore } from "../../adapters/postgres/mod.ts";
import { runGuardedDropCli } from "../../cli/mod.ts";
import { runTsChild } from "../support/child.ts";
import { type AuditSchema, auditServerUrl, auditSkipReason, createAuditSchema } from "../support/audit_schema.ts";
import { freePort } from "../support/servers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CRASH = fileURLToPath(new URL("./fixtures/crash_in_drop.ts", import.meta.url));

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

describe("guarded-drop: usage", () => {
  const URL_WITH_SECRET = "postgres://app:hunter2@127.0.0.1:5432/postgres";
  const usage: [string, string[], RegExp][] = [
    ["no command", [], /no command was given/],
    ["an unknown command", ["nope"], /'nope' is not a command/],
    ["audit without a subcommand", ["audit"], /no subcommand was given/],
    ["an unknown subcommand", ["audit", "nope", "--postgres", URL_WITH_SECRET], /'nope' is not a subcommand/],
    ["no --postgres", ["audit", "verify"], /'--postgres <url>' is required/],
    ["--postgres without a value", ["audit", "verify", "--postgres"], /'--postgres' needs a value/],
    [
      "a --postgres that is not a URL",
      ["audit", "pending", "--postgres", "host=db password=hunter2"],
      /must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
    [
      "a --postgres of another scheme",
      ["audit", "verify", "--postgres", "mysql://u:hunter2@h/x"],
      /must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
    [
      "a --postgres URL with a malformed host",
      ["audit", "verify", "--postgres", "postgres://u:hunter2@[bad/x"],
      /must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
    [
      "a --postgres URL with a malformed port",
      ["audit", "verify", "--postgres", "postgres://u:hunter2@h:99999/x"],
      /must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
    ["an unknown option", ["audit", "verify", "--postgres", URL_WITH_SECRET, "--bogus"], /'--bogus' is not an option/],
    [
      "an unknown option holding a URL",
      ["audit", "verify", "--postgress=postgres://u:hunter2@h/x"],
      /'--postgress' is not an option/,
    ],
    [
      "a malformed --table",
      ["audit", "verify", "--postgres", URL_WITH_SECRET, "--table", "Bad-Name"],
      /'--table' must be "name" or "schema.name"/,
    ],
    [
      "a --table holding a URL",
      ["audit", "verify", "--postgres", URL_WITH_SECRET, "--table", "postgres://u:hunter2@h"],
      /'--table' must be/,
    ],
    [
      "a malformed --expect-head",
      ["audit", "verify", "--postgres", URL_WITH_SECRET, "--expect-head", "abc"],
      /'--expect-head' must be 64 lower-case hex/,
    ],
    [
      "--expect-head on pending",
      ["audit", "pending", "--postgres", URL_WITH_SECRET, "--expect-head", "a".repeat(64)],
      /is an option of 'audit verify'/,
    ],
    ["an extra argument", ["audit", "verify", "extra", "--postgres", URL_WITH_SECRET], /takes no further arguments/],
    ["a --since that is neither a duration nor a time", [
      "audit",
      "pending",
      "--postgres",
      URL_WITH_SECRET,
      "--since",
      "yesterday",
    ], /'--since' must be a duration \(90s, 30m, 24h, 7d, 2w\) or an ISO 8601 time .*: current value is yesterday/],
    [
      "a --since with an impossible date",
      ["audit", "pending", "--postgres", URL_WITH_SECRET, "--since", "2026-13-45"],
      /'--since' must be a duration/,
    ],
    [
      "a --since with a unit it does not know",
      ["audit", "pending", "--postgres", URL_WITH_SECRET, "--since", "3y"],
      /'--since' must be a duration/,
    ],
    [
      "--since on verify",
      ["audit", "verify", "--postgres", URL_WITH_SECRET, "--since", "1h"],
      /'--since' is an option of 'audit pending'/,
    ],
    [
      "resolve without a drop id",
      ["audit", "resolve", "--note", "x", "--postgres", URL_WITH_SECRET],
      /'<drop_id>' is required/,
    ],
    [
      "resolve without a note",
      ["audit", "resolve", "drop-1", "--postgres", URL_WITH_SECRET],
      /'--note <text>' is required/,
    ],
    [
      "resolve with a blank note",
      ["audit", "resolve", "drop-1", "--note", "  ", "--postgres", URL_WITH_SECRET],
      /'--note <text>' is required/,
    ],
    [
      "--note on pending",
      ["audit", "pending", "--postgres", URL_WITH_SECRET, "--note", "x"],
      /'--note' is an option of 'audit resolve'/,
    ],
  ];
  for (const [name, args, message] of usage) {
    test(`${name}: exit 2, the reason and the usage on stderr, no credential`, async () => {
      const run = await cli(...args);
      assert.equal(run.code, 2);
      assert.equal(run.out, "");
      assert.match(run.err, message);
      assert.match(run.err, /Usage: guarded-drop audit verify/);
      assert.doesNotMatch(run.err, /hunter2/);
    });
  }

  for (const flag of ["--help", "-h"]) {
    test(`${flag}: the usage on stdout, exit 0`, async () => {
      const run = await cli(flag);
      assert.equal(run.code, 0);
      assert.match(run.out, /Exit codes: 0 intact/);
      assert.equal(run.err, "");
    });
  }

  for (const flag of ["--version", "-v"]) {
    test(`${flag}: the package's version on stdout, exit 0`, async () => {
      const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      const run = await cli(flag);
      assert.deepEqual(run, { code: 0, out: `${version}\n`, err: "" });
    });
  }

  test("a server that is down: exit 3, not 1 (nothing was verified), and no credential", async () => {
    const url = `postgres://app:hunter2@127.0.0.1:${await freePort()}/postgres`;
    for (const command of ["verify", "pending"]) {
      const text = await cli("audit", command, "--postgres", url);
      assert.equal(text.code, 3);
      assert.match(text.err, /as the server is unreachable \(ECONNREFUSED\)/);
      const json = await cli("audit", command, "--postgres", url, "--json");
      assert.equal(json.code, 3);
      assert.match(JSON.parse(json.out).error, /unreachable/);
      assert.doesNotMatch(text.err + json.out + json.err, /hunter2/);
    }
  });
});

describe("guarded-drop audit on PostgreSQL", { skip: auditSkipReason ?? false }, () => {
  let db: AuditSchema;
  before(async () => {
    db = await createAuditSchema(auditServerUrl!);
  });
  after(async () => {
    await db?.dispose();
  });

  /** A table holding `drops` finished drops: an intent and a settled row each, seq 1…2·drops. */
  async function chainOf(drops: number): Promise<string> {
    const table = db.table();
    const store = postgresAuditStore({ connectionString: db.url, table });
    try {
      await store.migrate();
      for (let i = 1; i <= drops; i++) {
        const record = {
          event: "provisioner.drop" as const,
          drop_id: `drop-${i}`,
          token: `tenant${i}`,
          provider_resource_id: `res-${i}`,
          resource_type: "postgres",
          backend: "shared",
          request_id: `req-${i}`,
          caller: "billing",
        };
        await store.append(record);
        await store.settle(record, "ok");
      }
    } finally {
      await store.close();
    }
    return table;
  }

  async function row(table: string, seq: number): Promise<Record<string, unknown>> {
    const { rows } = await db.admin.query(
      `SELECT *, seq::int AS seq, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at FROM ${table} WHERE seq = $1`,
      [seq],
    );
    return rows[0]!;
  }

  const verify = (table: string, ...extra: string[]) =>
    cli("audit", "verify", "--postgres", db.url, "--table", table, ...extra);

  test("an intact chain: exit 0, the row count and the head's hash, in text and JSON", async () => {
    const table = await chainOf(5);
    const head = await row(table, 10);
    const text = await verify(table);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, new RegExp(`^audit chain intact: table ${table}, 10 rows \\(seq 1–10\\)$`, "m"));
    assert.match(text.out, new RegExp(`^head: seq 10 hash ${head.hash}$`, "m"));
    assert.match(text.out, /--expect-head/);
    const json = await verify(table, "--json");
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.out), {
      table,
      intact: true,
      rows: 10,
      head: { seq: 10, hash: head.hash },
      break: null,
      anchorSeq: null,
    });
  });

  test("an empty table is intact", async () => {
    const table = await chainOf(0);
    const run = await verify(table);
    assert.equal(run.code, 0);
    assert.match(run.out, /is empty/);
  });

  // Each kind of tampering on a chain of 10 rows, as the superuser with the triggers off.
  const tampering: {
    name: string;
    tamper: (table: string) => Promise<void>;
    kind: string;
    seq: number;
    dropId: (table: string) => Promise<string | null>;
  }[] = [
    {
      name: "a field edited",
      tamper: async (t) => void await db.tamper(t, `UPDATE ${t} SET token = 'someone-else' WHERE seq = 5`),
      kind: "edited",
      seq: 5,
      dropId: async () => "drop-3",
    },
    {
      name: "a settled row's outcome edited",
      tamper: async (t) => void await db.tamper(t, `UPDATE ${t} SET outcome = 'denied' WHERE seq = 8`),
      kind: "edited",
      seq: 8,
      dropId: async () => "drop-4",
    },
    {
      name: "a row deleted",
      tamper: async (t) => void await db.tamper(t, `DELETE FROM ${t} WHERE seq = 5`),
      kind: "deleted",
      seq: 5,
      dropId: async () => null,
    },
    {
      name: "a forged row inserted, chained to the row before it, the later rows renumbered",
      tamper: async (t) => {
        const before = await row(t, 4);
        const forged: AuditRowContent = {
          seq: 5,
          recorded_at: String(before.recorded_at),
          event: "provisioner.drop",
          drop_id: "forged",
          token: "victim",
          provider_resource_id: "",
          resource_type: "postgres",
          backend: "shared",
          request_id: "req-forged",
          caller: "billing",
          intent: null,
          outcome: null,
          error: null,
          reason: null,
        };
        await db.tamper(t, `UPDATE ${t} SET seq = seq + 1000 WHERE seq >= 5`);
        await db.tamper(t, `UPDATE ${t} SET seq = seq - 999 WHERE seq > 1000`);
        const prev = String(before.hash);
        await db.tamper(
          t,
          `INSERT INTO ${t} (seq, recorded_at, event, drop_id, token, provider_resource_id, resource_type, backend, request_id, caller, prev_hash, hash)
           VALUES (5, $1, 'provisioner.drop', 'forged', 'victim', '', 'postgres', 'shared', 'req-forged', 'billing', $2, $3)`,
          [forged.recorded_at, prev, chainHash(prev, forged)],
        );
      },
      kind: "inserted",
      seq: 5,
      dropId: async () => "forged",
    },
    {
      name: "a forged row appended with made-up hashes",
      tamper: async (t) =>
        void await db.tamper(
          t,
          `INSERT INTO ${t} (seq, recorded_at, event, drop_id, token, provider_resource_id, resource_type, backend, request_id, caller, prev_hash, hash)
           VALUES (11, now(), 'provisioner.drop.settled', 'forged', 'victim', '', 'postgres', 'shared', 'req-forged', 'billing', repeat('a', 64), repeat('b', 64))`,
        ),
      kind: "inserted",
      seq: 11,
      dropId: async () => "forged",
    },
    {
      name: "two rows' order swapped",
      tamper: async (t) => {
        await db.tamper(t, `UPDATE ${t} SET seq = -1 WHERE seq = 5`);
        await db.tamper(t, `UPDATE ${t} SET seq = 5 WHERE seq = 6`);
        await db.tamper(t, `UPDATE ${t} SET seq = 6 WHERE seq = -1`);
      },
      kind: "reordered",
      seq: 5,
      dropId: async () => "drop-3", // the settled row of drop 3, now numbered before its intent
    },
  ];
  for (const { name, tamper, kind, seq, dropId } of tampering) {
    test(`${name}: exit 1, named as ${kind} at seq ${seq}`, async () => {
      const table = await chainOf(5);
      assert.equal((await verify(table)).code, 0);
      await tamper(table);
      const json = await verify(table, "--json");
      assert.equal(json.code, 1, json.out + json.err);
      const report = JSON.parse(json.out);
      assert.equal(report.intact, false);
      assert.equal(report.head, null);
      assert.equal(report.break.kind, kind, report.break.detail);
      assert.equal(report.break.seq, seq, report.break.detail);
      assert.equal(report.break.drop_id, await dropId(table), report.break.detail);
      const text = await verify(table);
      assert.equal(text.code, 1);
      assert.match(
        text.out,
        new RegExp(`^audit chain BROKEN: table ${table}, first break at seq ${seq}.*: ${kind}$`, "m"),
      );
    });
  }

  test("rows cut from the end: intact on its own (the chain cannot tell), truncated against the stored head", async () => {
    const table = await chainOf(5);
    const anchor = JSON.parse((await verify(table, "--json")).out).head.hash as string;
    assert.equal((await verify(table, "--expect-head", anchor)).code, 0);
    await db.tamper(table, `DELETE FROM ${table} WHERE seq > 8`);
    assert.equal((await verify(table)).code, 0, "without an anchor a cut tail is not detectable");
    const anchored = await verify(table, "--expect-head", anchor, "--json");
    assert.equal(anchored.code, 1);
    assert.equal(JSON.parse(anchored.out).break.kind, "truncated");
  });

  test("the stored head with rows appended after it: exit 0, and where the anchor is", async () => {
    const table = await chainOf(2);
    const anchor = JSON.parse((await verify(table, "--json")).out).head.hash as string;
    const store = postgresAuditStore({ connectionString: db.url, table });
    try {
      await store.append({
        event: "provisioner.drop",
        drop_id: "later",
        token: "t",
        provider_resource_id: "",
        resource_type: "redis",
        backend: "shared",
        request_id: "r",
        caller: "c",
      });
    } finally {
      await store.close();
    }
    const run = await verify(table, "--expect-head", anchor);
    assert.equal(run.code, 0);
    assert.match(run.out, /^anchor: the expected head is at seq 4$/m);
  });

  test("a table that does not exist: exit 3", async () => {
    const run = await verify(db.table("absent"));
    assert.equal(run.code, 3);
    assert.match(run.err, /the table does not exist/);
  });

  test("a process that exits inside the drop callback leaves its drop pending, and only it", async () => {
    const table = await chainOf(0);
    const crashed = await runTsChild(CRASH, [db.url, table]);
    assert.equal(crashed.code, 9, crashed.err);
    const dropId = crashed.out.trim();
    assert.match(dropId, /^\S{8,}$/);
    const pending = (...extra: string[]) => cli("audit", "pending", "--postgres", db.url, "--table", table, ...extra);
    const json = await pending("--json");
    assert.equal(json.code, 1, "a drop in doubt exits 1");
    const listed = JSON.parse(json.out);
    assert.equal(listed.count, 1);
    assert.equal(listed.inDoubt, 1);
    assert.deepEqual(listed.pending.map((d: { drop_id: string; request_id: string }) => [d.drop_id, d.request_id]), [[
      dropId,
      "req-crashed",
    ]]);
    const text = await pending();
    assert.equal(text.code, 1);
    assert.match(text.out, /^1 drop in doubt in .* \(an intent row and no settled row\):$/m);
    assert.match(
      text.out,
      new RegExp(
        `^3 +\\S+ +${
          dropId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        } +IN DOUBT +destroy +postgres +shared +acme42 +crash-test +req-crashed +-$`,
        "m",
      ),
    );
    assert.equal((await verify(table)).code, 0, "a crash leaves the chain intact");
  });

  test("nothing pending: exit 0 and says so", async () => {
    const table = await chainOf(2);
    const run = await cli("audit", "pending", "--postgres", db.url, "--table", table);
    assert.equal(run.code, 0);
    assert.match(run.out, /^no drops in doubt in /);
  });

  test("the bin runs as a process: exit codes and output", async () => {
    const bin = (args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "cli/guarded_drop.ts", ...args], {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
    const table = await chainOf(1);
    const intact = bin(["audit", "verify", "--postgres", db.url, "--table", table]);
    assert.equal(intact.status, 0, intact.stderr);
    assert.match(intact.stdout, /^audit chain intact: .* 2 rows/);
    await db.tamper(table, `UPDATE ${table} SET caller = 'x' WHERE seq = 2`);
    assert.equal(bin(["audit", "verify", "--postgres", db.url, "--table", table]).status, 1);
    const missing = bin(["audit", "verify", "--postgres", db.url, "--table", db.table("none")]);
    assert.equal(missing.status, 3, missing.stderr);
    const usage = bin(["audit", "verify"]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /Usage:/);
  });
});
