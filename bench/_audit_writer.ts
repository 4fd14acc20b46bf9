// One writer of bench/audit-store.ts, in its own process: connects, says
// "ready", waits for "go" on stdin, appends `count` rows one after the other
// (chained through postgresAuditStore, or, with --raw, plain autocommit
// INSERTs into an unchained table), and prints its start and end times.
//
// Usage: node --import tsx bench/_audit_writer.ts <url> <table> <count> <name> [--raw]

import pg from "pg";
import { postgresAuditStore } from "../adapters/postgres/mod.ts";

const [url, table, count, name, mode] = process.argv.slice(2);
const n = Number(count);
const record = (i: number) => ({
  event: "provisioner.drop" as const,
  drop_id: `${name}-${i}`,
  token: `tenant${i}`,
  provider_resource_id: `res-${i}`,
  resource_type: "postgres",
  backend: "shared",
  request_id: `${name}-req-${i}`,
  caller: name!,
});

let append: (i: number) => Promise<unknown>;
let close: () => Promise<void>;
if (mode === "--raw") {
  const client = new pg.Client(url);
  await client.connect();
  append = (i) => {
    const r = record(i);
    return client.query(
      `INSERT INTO ${table} (recorded_at, event, drop_id, token, provider_resource_id, resource_type, backend, request_id, caller) VALUES (now(), $1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.event, r.drop_id, r.token, r.provider_resource_id, r.resource_type, r.backend, r.request_id, r.caller],
    );
  };
  close = () => client.end();
} else {
  const store = postgresAuditStore({ connectionString: url!, table: table!, maxConnections: 1 });
  append = (i) => store.append(record(i));
  close = () => store.close();
  await store.append(record(-1)); // connected and warm, as a running provisioner is
}
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
const started = performance.timeOrigin + performance.now();
for (let i = 0; i < n; i++) await append(i);
const ended = performance.timeOrigin + performance.now();
process.stdout.write(`${JSON.stringify({ started, ended })}\n`);
await close();
