/**
 * `guarded-drop/harness`: real servers and the end-to-end conformance
 * checks, for this package's adapters and for your own deprovision
 * functions.
 *
 * ```ts
 * import { describeConformance, postgresSubject, selectServers } from "guarded-drop/harness";
 *
 * const selection = await selectServers(); // containers, else GD_*_URL servers, else a skip reason
 * if ("skip" in selection) throw new Error(selection.skip);
 * await describeConformance(postgresSubject(selection.set.servers.postgres!, "shared"));
 * ```
 *
 * The drivers and testcontainers are optional peer dependencies: each is
 * loaded only when a subject or provider that needs it is used.
 *
 * @module
 */

export * from "./audit_recorder.ts";
export * from "./backends/mod.ts";
export * from "./conformance/mod.ts";
export * from "./containers_provider.ts";
export * from "./external_provider.ts";
export * from "./fault_proxy.ts";
export * from "./harness_backend.ts";
export * from "./select_servers.ts";
export * from "./server_control.ts";
export * from "./server_set.ts";
export * from "./subjects/mod.ts";
