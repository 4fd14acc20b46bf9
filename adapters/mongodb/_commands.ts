// Internal: the commands a MongoDB deprovision issues. Only the deprovision
// method of the MongoDB deprovisioner calls the destructive ones.

import type { MongoClient } from "mongodb";
import { mongoCodeOf } from "./_classify.ts";

/** UserNotFound: the user is already gone. */
const USER_NOT_FOUND = 11;

/** Whether the user exists in `admin` (`usersInfo`). Nothing destructive. */
export async function userExists(client: MongoClient, user: string): Promise<boolean> {
  const answer = await client.db("admin").command({ usersInfo: { user, db: "admin" } });
  return Array.isArray(answer.users) && answer.users.length > 0;
}

/** Whether the database exists (`listDatabases` filtered by name). Nothing destructive. */
export async function databaseExists(client: MongoClient, database: string): Promise<boolean> {
  const answer = await client.db("admin").command({ listDatabases: 1, nameOnly: true, filter: { name: database } });
  return Array.isArray(answer.databases) && answer.databases.length > 0;
}

/**
 * `dropUser` in `admin`. A user already gone (UserNotFound, code 11) is fine.
 *
 * @sanctionedDrop
 */
export async function dropTenantUser(client: MongoClient, user: string): Promise<void> {
  try {
    await client.db("admin").command({ dropUser: user });
  } catch (err) {
    if (mongoCodeOf(err) !== USER_NOT_FOUND) throw err;
  }
}

/**
 * `dropDatabase` of the tenant's database, with its collections and
 * indexes. A database already gone succeeds, and so does one whose name
 * holds a dot: MongoDB forbids dots in database names (the driver refuses
 * `db("db_r3.dot")` before sending anything), so a tenant whose token has
 * one never had a database, and only its user is dropped.
 *
 * @sanctionedDrop
 */
export async function dropTenantDatabase(client: MongoClient, database: string): Promise<void> {
  if (database.includes(".")) return;
  await client.db(database).dropDatabase();
}
