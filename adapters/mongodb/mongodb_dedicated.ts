/**
 * {@linkcode mongodbDedicated}: deprovision of a tenant on its own MongoDB
 * deployment.
 *
 * @module
 */

import type { MongodbAdapter } from "./mongodb_quarantine.ts";
import { MongodbDeprovisioner } from "./_mongodb_deprovisioner.ts";
import type { MongodbAdapterOptions } from "./mongodb_options.ts";

/**
 * Makes the deprovisioner of tenants on dedicated MongoDB deployments: the
 * tenant `<t>` is the user `dedicated_usr_<t>` (in `admin`) and the database
 * `dedicated_db_<t>` on the deployment the URL names.
 *
 * The commands are those of {@linkcode mongodbShared}:
 *
 * 1. `db("admin").command({ dropUser: "dedicated_usr_<t>" })` (UserNotFound is fine);
 * 2. `db("dedicated_db_<t>").dropDatabase()`.
 *
 * The deployment's other databases and users are left alone.
 *
 * @param options The admin connection string of the tenant's deployment,
 * timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "mongodb", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed, or the driver
 * rejects the URL or one of its options (it is parsed here, without
 * connecting).
 *
 * @example Dropping a dedicated tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { mongodbDedicated } from "guarded-drop/adapters/mongodb";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = mongodbDedicated({ url: "mongodb://admin:secret@mongo-acme42.internal:27017/?authSource=admin" });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-8", caller: "billing" },
 *     () => adapter.deprovision("acme42"),
 *   );
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export function mongodbDedicated(options: MongodbAdapterOptions): MongodbAdapter {
  return new MongodbDeprovisioner(
    {
      backend: "dedicated",
      databasePrefix: "dedicated_db_",
      userPrefix: "dedicated_usr_",
      what: "the dedicated MongoDB tenant",
      adapter: "the dedicated MongoDB adapter",
    },
    options,
  );
}
