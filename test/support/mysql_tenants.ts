// The MySQL/MariaDB suites' tenant fixtures: a tenant made the way a
// provisioner makes one, and the catalog read straight from the server.
// Identifiers are quoted here by hand (backticks, a backtick doubled), never
// with mysql2's escapeId, which splits a dotted name in two.

import mysql from "mysql2/promise";
import type { Deprovisioner } from "../../lib/mod.ts";
import { type MysqlAdapterOptions, mysqlDedicated, mysqlShared } from "../../adapters/mysql/mod.ts";

/** How many rows each tenant's `items` table holds. */
export const ROWS = 50;

/** One tenant model: its factory and its names. */
export interface Form {
  readonly name: string;
  readonly factory: (options: MysqlAdapterOptions) => Deprovisioner;
  readonly databasePrefix: string;
  readonly userPrefix: string;
  readonly backend: "shared" | "dedicated";
}

export const SHARED: Form = {
  name: "mysqlShared",
  factory: mysqlShared,
  databasePrefix: "db_",
  userPrefix: "usr_",
  backend: "shared",
};
export const DEDICATED: Form = {
  name: "mysqlDedicated",
  factory: mysqlDedicated,
  databasePrefix: "dedicated_db_",
  userPrefix: "dedicated_usr_",
  backend: "dedicated",
};

export type Admin = mysql.Connection;

/** One identifier, quoted: the whole name, dots included, is one identifier. */
export function quoteId(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

export async function adminFor(url: string): Promise<Admin> {
  const admin = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
  admin.on("error", () => {});
  return admin;
}

/**
 * A tenant made the way a provisioner makes one: a user at two hosts, with
 * all privileges on its database, which holds a table of rows.
 */
export async function createTenant(admin: Admin, form: Form, token: string): Promise<void> {
  const db = quoteId(form.databasePrefix + token);
  const user = form.userPrefix + token;
  await admin.query(`CREATE DATABASE ${db}`);
  for (const host of ["%", "localhost"]) {
    await admin.query("CREATE USER ?@? IDENTIFIED BY ?", [user, host, `pw-${token}`]);
    await admin.query(`GRANT ALL ON ${db}.* TO ?@?`, [user, host]);
  }
  await admin.query(`CREATE TABLE ${db}.items (id int PRIMARY KEY, body text)`);
  const rows = Array.from({ length: ROWS }, (_, i) => [i + 1, `row ${i + 1}`]);
  await admin.query(`INSERT INTO ${db}.items (id, body) VALUES ?`, [rows]);
}

export async function tenantSession(url: string, form: Form, token: string): Promise<Admin> {
  const target = new URL(url);
  target.username = form.userPrefix + token;
  target.password = `pw-${token}`;
  target.pathname = `/${form.databasePrefix + token}`;
  const session = await mysql.createConnection({ uri: target.href, connectTimeout: 5_000 });
  session.on("error", () => {}); // the drop kills it
  return session;
}

export async function catalog(admin: Admin, form: Form, token: string): Promise<{ databases: number; users: number }> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    `SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE BINARY SCHEMA_NAME = ?) AS dbs,
            (SELECT COUNT(*) FROM mysql.user WHERE BINARY User = ?) AS users`,
    [form.databasePrefix + token, form.userPrefix + token],
  );
  return { databases: Number(rows[0]!.dbs), users: Number(rows[0]!.users) };
}

export async function rowCount(admin: Admin, form: Form, token: string): Promise<number> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${quoteId(form.databasePrefix + token)}.items`,
  );
  return Number(rows[0]!.n);
}
