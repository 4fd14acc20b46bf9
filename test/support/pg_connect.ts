// A pg client for a test's own checks: to a database and as a user of the
// given server, error events swallowed (a drop may end it), closed if the
// connect fails.

import pg from "pg";

export async function connectPostgres(url: string, database?: string, user?: string): Promise<pg.Client> {
  const target = new URL(url);
  if (database !== undefined) target.pathname = `/${encodeURIComponent(database)}`;
  if (user !== undefined) target.username = encodeURIComponent(user);
  const client = new pg.Client({ connectionString: target.href, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}
