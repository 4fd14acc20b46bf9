// Internal: the names that differ from a tenant's only in case. MongoDB
// refuses a database whose name differs from an existing one only in case
// (DatabaseDifferCase), so `db_Acme` beside a requested `db_acme` is the
// database the platform may have meant; user names are kept as given, so a
// `usr_Acme` may be its user. A drop never answers ok, and `exists()` never
// false, while one is there (DESIGN §5).

import type { MongoClient } from "mongodb";

// Everything a regular expression treats specially.
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

/**
 * The names among `found` that equal `wanted` but for case, `wanted` itself
 * left out. Tenant names are ASCII (the name rules), so a lower-case
 * comparison is MongoDB's own.
 *
 * @example
 * ```ts
 * caseVariantsOf(["db_Acme", "db_acme", "db_acme2"], "db_acme"); // ["db_Acme"]
 * ```
 */
export function caseVariantsOf(found: readonly string[], wanted: string): string[] {
  const folded = wanted.toLowerCase();
  return found.filter((name) => name !== wanted && name.toLowerCase() === folded);
}

/** A filter value that matches `name` in any case, and nothing longer or shorter. */
export function anyCase(name: string): { $regex: string; $options: "i" } {
  return { $regex: `^${name.replace(REGEX_SPECIAL, "\\$&")}$`, $options: "i" };
}

/**
 * The case variants of the tenant's database (`listDatabases`, names only)
 * and of its user in `admin` (`usersInfo` with a filter), described for a
 * message: `database "db_Acme"`, `user "usr_Acme"`. Nothing destructive.
 */
export async function readCaseVariants(client: MongoClient, database: string, user: string): Promise<string[]> {
  const admin = client.db("admin");
  const [listed, info] = await Promise.all([
    admin.command({ listDatabases: 1, nameOnly: true, filter: { name: anyCase(database) } }),
    admin.command({ usersInfo: 1, filter: { user: anyCase(user) } }),
  ]);
  const databases = Array.isArray(listed.databases)
    ? listed.databases.map((d: { name?: unknown }) => String(d.name))
    : [];
  const users = Array.isArray(info.users) ? info.users.map((u: { user?: unknown }) => String(u.user)) : [];
  return [
    ...caseVariantsOf(databases, database).map((name) => `database ${JSON.stringify(name)}`),
    ...caseVariantsOf(users, user).map((name) => `user ${JSON.stringify(name)}`),
  ];
}
