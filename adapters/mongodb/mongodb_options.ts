/**
 * {@linkcode MongodbAdapterOptions}, the options of both MongoDB factories.
 *
 * @module
 */

import type { RetentionOptions } from "../../lib/mod.ts";
import type { AdapterOptions } from "../_shared/adapter_options.ts";

/**
 * Options of {@linkcode mongodbShared} and {@linkcode mongodbDedicated}.
 *
 * @example
 * ```ts
 * import type { MongodbAdapterOptions } from "guarded-drop/adapters/mongodb";
 *
 * const options: MongodbAdapterOptions = { url: "mongodb://provisioner:secret@mongo.internal:27017/?authSource=admin" };
 * ```
 */
export interface MongodbAdapterOptions extends AdapterOptions {
  /**
   * The admin connection string (`mongodb://` or `mongodb+srv://`): a user
   * allowed `dropUser` in `admin` and `dropDatabase` on tenant databases
   * (`userAdminAnyDatabase` and `dbAdminAnyDatabase`, or `root`). It is
   * never written into an error. The factory has the driver parse it, so
   * that an option the driver rejects is a `TypeError` there.
   */
  url: string;
  /**
   * Keep tenants recoverable: `deprovision` quarantines (revokes the user's
   * roles, ends its sessions, keeps the database), and `purgeExpired` drops
   * the copies older than `days`.
   *
   * @default {undefined: deprovision drops}
   */
  retention?: RetentionOptions;
}
