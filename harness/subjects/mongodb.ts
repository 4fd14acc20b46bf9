/**
 * {@linkcode mongodbSubject}: the conformance subject of the MongoDB
 * adapters, with a tenant fixture on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter, lazyRecoverableAdapter } from "./_lazy_adapter.ts";
import type { ConformanceSubject } from "../conformance/mod.ts";
import type { ServerControl } from "../server_control.ts";

/** DatabaseDifferCase: MongoDB refuses a database whose name differs from an existing one only in case. */
const DATABASE_DIFFER_CASE = 13297;

/**
 * A MongoDB tenant as read straight from the server: its database, its user
 * (in `admin`), and the notes of its `invoices` collection.
 *
 * @example
 * ```ts
 * import type { MongodbTenant } from "guarded-drop/harness";
 *
 * const intact: MongodbTenant = { database: "db_acme", user: "usr_acme", notes: ["acme #1"] };
 * ```
 */
export interface MongodbTenant {
  /** The tenant's database, or `null` when there is none. */
  readonly database: string | null;
  /** The tenant's user, or `null` when there is none. */
  readonly user: string | null;
  /** What else was seen, one line each. */
  readonly notes: readonly string[];
}

const DOCUMENTS = 3;

/**
 * The subject of `mongodbShared` (`db_<t>`, `usr_<t>`) or
 * `mongodbDedicated` (`dedicated_db_<t>`, `dedicated_usr_<t>`).
 *
 * @param server The server (its `url` must be an administrator's).
 * @param backend `shared` or `dedicated`.
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { mongodbSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_MONGODB_URL: "mongodb://127.0.0.1:27017" });
 * console.log(mongodbSubject(set.servers.mongodb!, "shared").name);
 * await set.stop();
 * ```
 */
export function mongodbSubject(server: ServerControl, backend: Backend): ConformanceSubject<MongodbTenant> {
  const prefix = backend === "shared" ? "" : "dedicated_";
  const names = (token: string) => ({ database: `${prefix}db_${token}`, user: `${prefix}usr_${token}` });
  const url = () => server.urls().url!;
  // Each tenant's password, from createTenant to loginAsTenant: this
  // subject's own state, never the module's.
  const passwords = new Map<string, string>();

  async function withClient<T>(fn: (client: import("mongodb").MongoClient) => Promise<T>): Promise<T> {
    const { MongoClient } = await import("mongodb");
    const client = new MongoClient(url(), { serverSelectionTimeoutMS: 10_000 });
    // Closed in `finally` even when the connect fails: its monitors would
    // otherwise keep the process alive.
    try {
      await client.connect();
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  return {
    name: `mongodb ${backend} (${server.provider})`,
    resourceType: "mongodb",
    backend,
    server,
    createAdapter: (options) => {
      const config = { url: url(), ...options };
      return lazyAdapter("mongodb", backend, async () => {
        const { mongodbShared, mongodbDedicated } = await import("../../adapters/mongodb/mod.ts");
        return (backend === "shared" ? mongodbShared : mongodbDedicated)(config);
      });
    },
    createTenant: (token) =>
      withClient(async (client) => {
        const { database, user } = names(token);
        // MongoDB forbids dots in database names: such a tenant is its user alone.
        if (database.includes(".")) {
          await client.db("admin").command({ createUser: user, pwd: `pw-${crypto.randomUUID()}`, roles: [] });
          return { database: null, user, notes: [] };
        }
        const notes = Array.from({ length: DOCUMENTS }, (_, i) => `${token} #${i + 1}`);
        try {
          await client.db(database).collection("invoices").insertMany(
            notes.map((note, i) => ({ _id: i + 1, note })) as never,
          );
        } catch (err) {
          // A tenant beside its case variant (the case-variants check): the
          // server holds one database of that name in any case, the
          // variant's, so this tenant is its user alone, as on a platform.
          if ((err as { code?: unknown }).code !== DATABASE_DIFFER_CASE) throw err;
          await client.db("admin").command({ createUser: user, pwd: `pw-${crypto.randomUUID()}`, roles: [] });
          return { database: null, user, notes: [] };
        }
        const password = `pw-${crypto.randomUUID()}`;
        passwords.set(token, password);
        await client.db("admin").command({
          createUser: user,
          pwd: password,
          roles: [{ role: "readWrite", db: database }],
        });
        return { database, user, notes };
      }),
    // MongoDB refuses two database names that differ only in case, and
    // keeps user names as given: `db_Acme` or `usr_Acme` may be the tenant
    // the platform meant by "acme".
    caseInsensitiveNames: true,
    recovery: {
      createAdapter: (options) =>
        lazyRecoverableAdapter("mongodb", backend, async () => {
          const { mongodbShared, mongodbDedicated } = await import("../../adapters/mongodb/mod.ts");
          return (backend === "shared" ? mongodbShared : mongodbDedicated)({ url: url(), ...options });
        }),
      async loginAsTenant(token) {
        const { database, user } = names(token);
        const { MongoClient } = await import("mongodb");
        const target = new URL(url());
        target.username = encodeURIComponent(user);
        target.password = encodeURIComponent(passwords.get(token) ?? "");
        target.searchParams.set("authSource", "admin");
        const client = new MongoClient(target.href, { serverSelectionTimeoutMS: 10_000 });
        try {
          await client.connect();
          await client.db(database).collection("invoices").countDocuments();
        } finally {
          await client.close();
        }
      },
    },
    readTenant: (token) =>
      withClient(async (client) => {
        const { database, user } = names(token);
        // A quarantined tenant keeps its database (MongoDB cannot rename
        // one), marked in the platform's own database: gone for the platform.
        if (
          (await client.db("guarded_drop").collection("quarantine").countDocuments({ _id: database as never })) > 0
        ) return undefined;
        const databases = await client.db("admin").admin().listDatabases({ nameOnly: true });
        const hasDatabase = databases.databases.some((d) => d.name === database);
        const info = await client.db("admin").command({ usersInfo: user }) as { users: unknown[] };
        const hasUser = info.users.length > 0;
        if (!hasDatabase && !hasUser) return undefined;
        const notes = hasDatabase
          ? (await client.db(database).collection<{ note: string }>("invoices").find().sort({ _id: 1 }).toArray()).map((
            d,
          ) => d.note)
          : [];
        return { database: hasDatabase ? database : null, user: hasUser ? user : null, notes };
      }),
    systemIntact: () =>
      withClient(async (client) => {
        const databases = await client.db("admin").admin().listDatabases({ nameOnly: true });
        if (!databases.databases.some((d) => d.name === "admin")) throw new Error("the admin database is gone");
      }),
  };
}
