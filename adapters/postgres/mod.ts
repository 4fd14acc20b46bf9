/**
 * `guarded-drop/adapters/postgres`: deprovision of PostgreSQL tenants, on a
 * shared cluster ({@linkcode postgresShared}: `db_<t>`, `usr_<t>`) or on
 * their own server ({@linkcode postgresDedicated}: `dedicated_db_<t>`,
 * `dedicated_usr_<t>`), or their quarantine instead of a drop when the
 * factory is given a `retention` ({@linkcode PostgresAdapter}: `quarantined`,
 * `restore`, `purgeExpired`). {@linkcode postgresResourceLookup} reads the
 * platform's own resources table for the terminality policy.
 *
 * ```ts
 * import { postgresShared } from "guarded-drop/adapters/postgres";
 *
 * const adapter = postgresShared({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * await adapter.close();
 * ```
 *
 * pg 8 is a peer dependency: your own copy is used.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./audit_options.ts";
export * from "./audit_pending.ts";
export * from "./audit_resolve.ts";
export * from "./audit_store.ts";
export * from "./audit_verify.ts";
export * from "./postgres_dedicated.ts";
export * from "./postgres_options.ts";
export * from "./postgres_quarantine.ts";
export * from "./postgres_retryable.ts";
export * from "./postgres_shared.ts";
export * from "./resource_lookup.ts";
