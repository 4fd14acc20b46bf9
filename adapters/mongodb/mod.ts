/**
 * `guarded-drop/adapters/mongodb`: deprovision of MongoDB tenants with the
 * official driver, on a shared deployment ({@linkcode mongodbShared}: user
 * `usr_<t>`, database `db_<t>`) or on their own
 * ({@linkcode mongodbDedicated}: `dedicated_usr_<t>`, `dedicated_db_<t>`).
 *
 * ```ts
 * import { mongodbShared } from "guarded-drop/adapters/mongodb";
 *
 * const adapter = mongodbShared({ url: "mongodb://admin:secret@127.0.0.1:27017/?authSource=admin" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * await adapter.close();
 * ```
 *
 * mongodb 7 is a peer dependency: your own copy is used.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./mongodb_dedicated.ts";
export * from "./mongodb_options.ts";
export * from "./mongodb_quarantine.ts";
export * from "./mongodb_shared.ts";
