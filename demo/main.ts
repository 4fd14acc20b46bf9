// `npm run demo`: the whole story on a real PostgreSQL, with zero setup.
//
// It provisions two tenants and records them in the platform's own
// `resources` table, drops the cancelled one through guardedDrop +
// postgresShared with the terminality policy reading that table, is denied
// the drop of the active one, refuses a hostile drop, and prints the audit
// records, the Prometheus exposition of the counter and proof that the
// active neighbour survived.
//
//   npm run demo                              embedded PostgreSQL (PGlite), no setup
//   npm run demo -- --postgres-url <url>      a server of yours (a superuser's URL)
//   npm run demo -- --docker                  a container (GD_IMAGE_POSTGRES, default postgres:17)
//   npm run demo -- --tenant-prefix <p>       tenants <p>acme and <p>acme2, table <p>resources:
//                                             follow a shared server's naming policy
//
// Choice: Docker is opt-in (--docker) rather than used whenever an engine
// answers, so that the default run needs nothing, pulls nothing and starts
// in seconds. The demo exits 1 if anything it shows did not hold.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Registry } from "prom-client";
import { createGuardedDrop, createNameRules, createTerminalityPolicy, type DropRequest } from "../lib/mod.ts";
import { createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";
import { postgresResourceLookup, postgresShared } from "../adapters/postgres/mod.ts";

const args = process.argv.slice(2);
const PREFIX = optionValue(args, "--tenant-prefix") ?? "";
const TENANT = `${PREFIX}acme`;
const NEIGHBOUR = `${PREFIX}acme2`; // its token extends the dropped one's: db_acme2, usr_acme2
/** The platform's own table of resources, which the terminality policy reads. */
const RESOURCES = `${PREFIX}resources`;
try {
  createNameRules().checkNamingToken(NEIGHBOUR);
} catch (err) {
  console.error(`--tenant-prefix ${JSON.stringify(PREFIX)} makes no valid naming token: ${(err as Error).message}`);
  process.exit(2);
}

function optionValue(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

interface Server {
  readonly url: string;
  readonly label: string;
  /** PGlite serves one database per process: tenants' rows cannot live in their own databases there. */
  readonly perDatabaseData: boolean;
  stop(): Promise<void>;
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const section = (title: string) => console.log(`\n${bold(`── ${title} `.padEnd(78, "─"))}`);
const failures: string[] = [];
function expect(condition: boolean, what: string): void {
  console.log(`  ${condition ? "✔" : "✘"} ${what}`);
  if (!condition) failures.push(what);
}

async function startServer(args: string[]): Promise<Server> {
  const url = optionValue(args, "--postgres-url");
  if (url !== undefined) {
    const shown = new URL(url);
    if (shown.password !== "") shown.password = "***";
    return { url, label: `the server at ${shown.href}`, perDatabaseData: true, stop: async () => {} };
  }
  if (args.includes("--docker")) {
    const { startContainerServers } = await import("../harness/mod.ts");
    const set = await startContainerServers({ roles: ["postgres"] });
    const server = set.servers.postgres;
    if (server === undefined) throw new Error(set.missing.postgres ?? "the PostgreSQL container did not start");
    return { url: server.urls().url!, label: "a PostgreSQL container", perDatabaseData: true, stop: () => set.stop() };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  const socket = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 });
  await socket.start();
  const address = (socket as unknown as { server: import("node:net").Server }).server.address();
  if (address === null || typeof address === "string") throw new Error("PGlite's socket server has no TCP address");
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    label: "an embedded PostgreSQL (PGlite, in this process, over the wire protocol)",
    perDatabaseData: false,
    async stop() {
      await socket.stop();
      await db.close();
    },
  };
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = [], database?: string) {
  const target = new URL(url);
  if (database !== undefined) target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.href });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function provision(server: Server, token: string): Promise<void> {
  const db = `db_${token}`;
  const role = `usr_${token}`;
  await query(server.url, `CREATE ROLE ${e(role)} LOGIN PASSWORD 'demo-password'`);
  await query(server.url, `CREATE DATABASE ${e(db)} OWNER ${e(role)}`);
  if (server.perDatabaseData) {
    await query(server.url, "CREATE TABLE invoices (id int PRIMARY KEY, note text)", [], db);
    await query(server.url, "INSERT INTO invoices VALUES (1, $1), (2, $2)", [`${token} #1`, `${token} #2`], db);
  }
  console.log(`  provisioned ${db} owned by ${role}${server.perDatabaseData ? ", with 2 invoices" : ""}`);
}

async function tenantState(server: Server, token: string) {
  const [row] = await query<{ db: boolean; role: boolean }>(
    server.url,
    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS db, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role",
    [`db_${token}`, `usr_${token}`],
  );
  const invoices = row!.db && server.perDatabaseData
    ? (await query<{ note: string }>(server.url, "SELECT note FROM invoices ORDER BY id", [], `db_${token}`)).map((r) =>
      r.note
    )
    : [];
  return { database: row!.db, role: row!.role, invoices };
}

const e = (name: string) => `"${name.replaceAll('"', '""')}"`;

const server = await startServer(args);
const dir = mkdtempSync(join(tmpdir(), "guarded-drop-demo-"));
const auditFile = join(dir, "audit.log");
try {
  console.log(bold("guarded-drop demo"));
  console.log(`PostgreSQL: ${server.label}`);
  console.log(`audit log:  ${auditFile}`);

  // The platform's source of truth: which tenant is active, which the customer cancelled.
  await query(
    server.url,
    `CREATE TABLE ${e(RESOURCES)} (token text PRIMARY KEY, status text NOT NULL, expires_at timestamptz)`,
  );
  const lookup = postgresResourceLookup({
    connectionString: server.url,
    query: `SELECT status, expires_at FROM ${e(RESOURCES)} WHERE token = $1`,
  });
  const registry = new Registry();
  const guardedDrop = createGuardedDrop({
    logger: createAuditLogger({ destination: auditFile }),
    counter: createDropCounter({ registry }),
    // Refuse to drop anything the platform does not say is finished with.
    authorize: createTerminalityPolicy({ lookup }),
  });
  const adapter = postgresShared({ connectionString: server.url });
  const request = (token: string, requestId: string): DropRequest => ({
    token,
    providerResourceId: `res-${token}`,
    resourceType: "postgres",
    backend: "shared",
    requestId,
    caller: "demo.cancel-subscription",
    intent: "customer_request",
  });

  section("1. provision two tenants; the customer of one cancels");
  await provision(server, TENANT);
  await provision(server, NEIGHBOUR);
  await query(server.url, `INSERT INTO ${e(RESOURCES)} VALUES ($1, 'deleted', NULL), ($2, 'active', NULL)`, [
    TENANT,
    NEIGHBOUR,
  ]);
  console.log(`  ${RESOURCES}: ${TENANT} is 'deleted' (cancelled), ${NEIGHBOUR} is 'active' (paying)`);
  if (!server.perDatabaseData) {
    console.log("  (PGlite serves one database per process, so the tenants' data here are their databases and roles;");
    console.log("   run with --postgres-url or --docker to see rows inside each tenant's database survive too)");
  }
  const neighbourBefore = await tenantState(server, NEIGHBOUR);

  section(`2. drop the cancelled tenant "${TENANT}" (intent customer_request) through guardedDrop + postgresShared`);
  await guardedDrop(request(TENANT, "req-demo-1"), () => adapter.deprovision(TENANT));
  const dropped = await tenantState(server, TENANT);
  expect(!dropped.database && !dropped.role, `db_${TENANT} and usr_${TENANT} are gone (pg_database, pg_roles)`);
  expect(!(await adapter.exists(TENANT)), `adapter.exists("${TENANT}") is false`);

  section(`3. a drop of the active tenant "${NEIGHBOUR}" is denied`);
  let activeCalls = 0;
  const denied = await guardedDrop(request(NEIGHBOUR, "req-demo-2"), () => {
    activeCalls++;
    return adapter.deprovision(NEIGHBOUR);
  }).catch((err: { code: string; outcome: string; reason?: string }) => err);
  if (typeof denied === "object" && denied !== null && "code" in denied) {
    console.log(`  guardedDrop rejected: ${denied.code} (${denied.outcome})`);
    console.log(`  reason: ${denied.reason}`);
  }
  expect(activeCalls === 0, "the drop callback never ran");
  const survivor = await tenantState(server, NEIGHBOUR);
  expect(survivor.database && survivor.role, `db_${NEIGHBOUR} and usr_${NEIGHBOUR} still exist`);

  section("4. a hostile drop is refused before anything runs");
  let called = 0;
  const refused = await guardedDrop(request("postgres", "req-demo-3"), () => {
    called++;
    return adapter.deprovision("postgres");
  }).catch((err: { code: string; outcome: string; message: string }) => err);
  if (typeof refused === "object" && refused !== null && "code" in refused) {
    console.log(`  guardedDrop rejected: ${refused.code} (${refused.outcome}): ${refused.message}`);
  }
  expect(called === 0, "the drop callback never ran");
  // A provisioner bug: it audits the cancelled tenant (so the policy allows)
  // and hands the adapter another name. The record keeps the request's token;
  // the adapter's refusal names what it was handed.
  const mismatched = await guardedDrop(request(TENANT, "req-demo-4"), () => adapter.deprovision("template1"))
    .catch((err: { code: string; message: string }) => err);
  if (typeof mismatched === "object" && mismatched !== null && "code" in mismatched) {
    console.log(`  a request for "${TENANT}" whose callback hands the adapter "template1":`);
    console.log(`  the adapter refused: ${mismatched.code}: ${mismatched.message}`);
    console.log(`  (its record, req-demo-4 below, holds the request's token "${TENANT}"; the error names "template1")`);
  }
  const [system] = await query<{ n: string }>(
    server.url,
    "SELECT count(*) AS n FROM pg_database WHERE datname IN ('postgres', 'template0', 'template1')",
  );
  expect(Number(system!.n) === 3, "postgres, template0 and template1 all still exist");

  section(`5. the active neighbour "${NEIGHBOUR}" survived`);
  const neighbourAfter = await tenantState(server, NEIGHBOUR);
  console.log(
    `  db_${NEIGHBOUR}: ${neighbourAfter.database ? "exists" : "GONE"}, usr_${NEIGHBOUR}: ${
      neighbourAfter.role ? "exists" : "GONE"
    }${server.perDatabaseData ? `, invoices: ${JSON.stringify(neighbourAfter.invoices)}` : ""}`,
  );
  expect(
    JSON.stringify(neighbourAfter) === JSON.stringify(neighbourBefore) && neighbourAfter.database &&
      neighbourAfter.role,
    "the neighbour is exactly as it was",
  );

  section(`6. the audit records (${auditFile})`);
  const lines = readFileSync(auditFile, "utf8").trim().split("\n").map((line) =>
    JSON.parse(line) as Record<string, unknown>
  );
  for (const line of lines) {
    const { level: _level, time: _time, pid: _pid, hostname: _hostname, msg: _msg, ...fields } = line;
    console.log(`  ${JSON.stringify(fields)}`);
  }
  expect(lines.filter((l) => l.event === "provisioner.drop").length === 4, "one provisioner.drop record per call (4)");
  expect(
    lines.filter((l) => l.event === "provisioner.drop.failed").length === 3,
    "one provisioner.drop.failed record per call that was not ok (3)",
  );
  const deniedRecord = lines.find((l) => l.event === "provisioner.drop.failed" && l.outcome === "denied");
  expect(
    deniedRecord?.token === NEIGHBOUR && typeof deniedRecord.reason === "string",
    `the denied record names "${NEIGHBOUR}" and carries the reason`,
  );
  const mismatchedRecord = lines.find((l) => l.event === "provisioner.drop.failed" && l.request_id === "req-demo-4");
  expect(mismatchedRecord?.token === TENANT, `the mismatched call's record holds the request's token "${TENANT}"`);

  section("7. the counter, as Prometheus scrapes it");
  const exposition = await registry.metrics();
  const series = exposition.split("\n").filter((l) => l.startsWith("provisioner_drop_total{"));
  for (const line of exposition.split("\n")) {
    if (line.startsWith("#") || (line.length > 0 && !line.endsWith(" 0"))) console.log(`  ${line}`);
  }
  console.log(
    `  … and ${
      series.filter((l) => l.endsWith(" 0")).length
    } more series at 0, created up front so that rate() alerts work from the first drop`,
  );
  expect(
    series.includes('provisioner_drop_total{resource_type="postgres",backend="shared",outcome="ok"} 1'),
    "outcome=ok counted once",
  );
  expect(
    series.includes('provisioner_drop_total{resource_type="postgres",backend="shared",outcome="denied"} 1'),
    "outcome=denied counted once",
  );
  expect(
    series.includes('provisioner_drop_total{resource_type="postgres",backend="shared",outcome="refused"} 2'),
    "outcome=refused counted twice",
  );

  // Clean up the neighbour the way the platform would: its customer cancels,
  // and then the drop goes through the chokepoint.
  await query(server.url, `UPDATE ${e(RESOURCES)} SET status = 'deleted' WHERE token = $1`, [NEIGHBOUR]);
  await guardedDrop(request(NEIGHBOUR, "req-demo-cleanup"), () => adapter.deprovision(NEIGHBOUR));
  await lookup.close();
  await adapter.close();
} finally {
  await query(server.url, `DROP TABLE IF EXISTS ${e(RESOURCES)}`).catch(() => {});
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.log(`\n${failures.length} expectation(s) did not hold.`);
  process.exit(1);
}
console.log(
  `\n${
    bold(
      "Every drop was audited before it ran and counted once; the active tenant's drop was denied, and it was untouched.",
    )
  }`,
);
