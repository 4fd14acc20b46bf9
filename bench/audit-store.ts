// bench/audit-store.ts: the audit store budget of DESIGN §8.
//
//   node --import tsx bench/audit-store.ts [--per-writer 400] [--runs 5]
//
// Four writers, each its own process with its own postgresAuditStore (one
// connection), append chained intent rows to one table on GD_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/postgres) at once, after a
// barrier. The figure is rows committed per second between the first start
// and the last end. The chain is then verified (it must be intact with every
// row in it). For context, the same four writers also run plain autocommit
// INSERTs into an unchained table. Runs alternate; medians are printed as a
// markdown table. Exits 1 when the chained rate is under 500/s or the chain
// does not verify, and drops the schema it made.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { postgresAuditStore, verifyAuditChain } from "../adapters/postgres/mod.ts";

const { values: args } = parseArgs({
  options: { "per-writer": { type: "string", default: "400" }, runs: { type: "string", default: "5" } },
});
const PER_WRITER = Number(args["per-writer"]);
const RUNS = Number(args.runs);
const WRITERS = 4;
const BUDGET_PER_S = 500;
const WRITER = fileURLToPath(new URL("./_audit_writer.ts", import.meta.url));
const url = process.env.GD_POSTGRES_URL?.trim() || "postgres://postgres@127.0.0.1:5432/postgres";
const schema = `gd_bench_${randomBytes(4).toString("hex")}`;

interface Writer {
  go(): void;
  readonly done: Promise<{ started: number; ended: number }>;
}

function startWriter(table: string, name: string, raw: boolean): Promise<Writer> {
  const child = spawn(process.execPath, [
    "--import",
    "tsx",
    WRITER,
    url,
    table,
    String(PER_WRITER),
    name,
    ...(raw ? ["--raw"] : []),
  ], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<{ started: number; ended: number }>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.startsWith("ready\n")) onReady();
    });
    child.once("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last));
      else reject(new Error(`writer ${name} exited ${code}`));
    });
  });
  return ready.then(() => ({ go: () => child.stdin.end("go\n"), done }));
}

/** Rows per second of four writers started together. */
async function run(table: string, raw: boolean): Promise<number> {
  const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => startWriter(table, `w${i}`, raw)));
  for (const writer of writers) writer.go();
  const times = await Promise.all(writers.map((writer) => writer.done));
  const seconds = (Math.max(...times.map((t) => t.ended)) - Math.min(...times.map((t) => t.started))) / 1000;
  return (WRITERS * PER_WRITER) / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const admin = new pg.Client(url);
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
let ok = true;
try {
  const chained: number[] = [];
  const raws: number[] = [];
  const verified: { rows: number; intact: boolean; ms: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const table = `${schema}.chained_${i}`;
    const store = postgresAuditStore({ connectionString: url, table });
    await store.migrate();
    await store.close();
    await admin.query(`CREATE TABLE ${schema}.raw_${i} (LIKE ${table} INCLUDING DEFAULTS)`);
    await admin.query(
      `ALTER TABLE ${schema}.raw_${i} ALTER seq ADD GENERATED ALWAYS AS IDENTITY, ALTER prev_hash DROP NOT NULL, ALTER hash DROP NOT NULL`,
    );
    chained.push(await run(table, false));
    raws.push(await run(`${schema}.raw_${i}`, true));
    const started = performance.now();
    const report = await verifyAuditChain({ connectionString: url, table });
    verified.push({ rows: report.rows, intact: report.intact, ms: performance.now() - started });
  }
  const expectedRows = WRITERS * (PER_WRITER + 1); // each writer's warm-up row too
  const chainOk = verified.every((v) => v.intact && v.rows === expectedRows);
  const rate = median(chained);
  ok = chainOk && rate >= BUDGET_PER_S;
  console.log(`| measure (${WRITERS} writer processes × ${PER_WRITER} appends, median of ${RUNS}) | value | budget |`);
  console.log("|---|---|---|");
  console.log(
    `| chained appends/s (postgresAuditStore, advisory lock, hash chain) | **${rate.toFixed(0)}** (runs: ${
      chained.map((r) => r.toFixed(0)).join(", ")
    }) | ≥ ${BUDGET_PER_S} |`,
  );
  console.log(
    `| plain autocommit INSERTs/s into an unchained table, same writers | ${median(raws).toFixed(0)} (chained = ${
      (rate / median(raws) * 100).toFixed(0)
    } %) | – |`,
  );
  console.log(
    `| chain verified afterwards | ${chainOk ? "intact" : "**BROKEN**"}, ${
      verified.map((v) => v.rows).join("/")
    } rows, verify ${median(verified.map((v) => v.ms)).toFixed(0)} ms | intact |`,
  );
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
process.exit(ok ? 0 : 1);
