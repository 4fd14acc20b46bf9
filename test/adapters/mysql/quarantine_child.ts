// A process the MySQL quarantine suite kills between two statements: it
// quarantines (or restores) one tenant, and before its statement number
// `stopAt` (counted from 0 over every statement the adapter sends) it prints
// "at <n> <statement>" and blocks its thread for good, so that the parent's
// SIGKILL lands exactly there. Without a stop it prints "done <count>" and
// the statements it sent, as a JSON line.
//
// Usage: node --import tsx quarantine_child.ts <url> <shared|dedicated> <token> <deprovision|restore> <stopAt|-1>

import { writeSync } from "node:fs";
import mysql from "mysql2/promise";
import { mysqlDedicated, mysqlShared } from "../../../adapters/mysql/mod.ts";

const [url, backend, token, action, stopAt] = process.argv.slice(2);
const stop = Number(stopAt);
let sent = 0;
const statements: string[] = [];
const proto = (mysql as unknown as { PromiseConnection: { prototype: unknown } }).PromiseConnection.prototype as {
  query: (...args: unknown[]) => Promise<unknown>;
};
const query = proto.query;
proto.query = function (this: unknown, ...args: unknown[]) {
  const n = sent++;
  const sql = typeof args[0] === "string" ? args[0] : String((args[0] as { sql?: unknown }).sql);
  statements.push(sql.replace(/\s+/g, " ").slice(0, 60));
  if (n === stop) {
    writeSync(1, `at ${n} ${sql.replace(/\s+/g, " ").slice(0, 80)}\n`);
    // Blocks this thread until the parent's SIGKILL: nothing else runs.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  return query.apply(this, args);
};

const adapter = (backend === "dedicated" ? mysqlDedicated : mysqlShared)({ url: url!, retention: { days: 7 } });
try {
  if (action === "restore") await adapter.restore(token!);
  else await adapter.deprovision(token!);
  writeSync(1, `done ${sent}\n${JSON.stringify(statements)}\n`);
} finally {
  await adapter.close();
}
