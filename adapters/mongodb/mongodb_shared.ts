/**
 * {@linkcode mongodbShared}: deprovision of a tenant on a shared MongoDB
 * deployment.
 *
 * @module
 */

import type { MongodbAdapter } from "./mongodb_quarantine.ts";
import { MongodbDeprovisioner } from "./_mongodb_deprovisioner.ts";
import type { MongodbAdapterOptions } from "./mongodb_options.ts";

/**
 * Makes the deprovisioner of tenants on a shared MongoDB deployment: the
 * tenant `<t>` is the user `usr_<t>` (defined in `admin`) and the database
 * `db_<t>`. Only these canonical names are used: the seed's legacy
 * 12-character forms could name another tenant.
 *
 * `deprovision(t)` checks the token and both names, then, with the official
 * driver:
 *
 * 1. `db("admin").command({ dropUser: "usr_<t>" })`; UserNotFound (11) is
 *    already gone. The user's open connections lose their authorization:
 *    their next command is refused;
 * 2. `db("db_<t>").dropDatabase()`.
 *
 * It is idempotent. `exists(t)` is `usersInfo` for the user in `admin`,
 * then `listDatabases` filtered by the database name.
 *
 * Errors: a hostile token throws {@linkcode RefusedError} before any
 * connection. Server selection, network and timeout errors, and the
 * not-primary and shutdown codes (6, 7, 89, 91, 189, 9001, 10107, 11600,
 * 11602, 13435, 13436, or the RetryableWriteError label) throw
 * `BackendError` of kind `unavailable`; any other error, kind `failed`,
 * with the server's codeName as `serverCode`.
 *
 * NOTE: MongoDB lists a database only once it holds data, so `exists`
 * answers `false` for a tenant whose database is empty and whose user is gone.
 *
 * @param options The admin connection string, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "mongodb", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed, or the driver
 * rejects the URL or one of its options (it is parsed here, without
 * connecting).
 *
 * @example Dropping a tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { mongodbShared } from "guarded-drop/adapters/mongodb";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = mongodbShared({ url: "mongodb://admin:secret@127.0.0.1:27017/?authSource=admin" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-7", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function mongodbShared(options: MongodbAdapterOptions): MongodbAdapter {
  return new MongodbDeprovisioner(
    {
      backend: "shared",
      databasePrefix: "db_",
      userPrefix: "usr_",
      what: "the MongoDB tenant",
      adapter: "the MongoDB adapter",
    },
    options,
  );
}
