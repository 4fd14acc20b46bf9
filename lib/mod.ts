/**
 * guarded-drop: every destruction of customer data audited, counted and
 * guarded.
 *
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { postgresShared } from "guarded-drop/adapters/postgres";
 *
 * const guardedDrop = createGuardedDrop({
 *   logger: createAuditLogger({ destination: "/var/log/provisioner/audit.log" }),
 *   counter: createDropCounter(),
 * });
 * const adapter = postgresShared({ connectionString: process.env.DATABASE_URL! });
 * await guardedDrop(
 *   { token: "acme42", providerResourceId: "res-1", resourceType: "postgres", backend: "shared", requestId: "req-1", caller: "billing" },
 *   () => adapter.deprovision("acme42"),
 * );
 * ```
 *
 * This module is dependency-free and runs on Node.js and Deno.
 *
 * @module
 */

export * from "./async_logger_error.ts";
export * from "./audit.ts";
export * from "./audit_failed_error.ts";
export * from "./backend_error.ts";
export * from "./breaker_open_error.ts";
export * from "./circuit_breaker.ts";
export * from "./denied_error.ts";
export * from "./deprovision_tenant.ts";
export * from "./deprovisioner.ts";
export * from "./drop_action.ts";
export * from "./drop_callback.ts";
export * from "./drop_counter.ts";
export * from "./drop_error.ts";
export * from "./drop_failed_error.ts";
export * from "./drop_policy.ts";
export * from "./drop_request.ts";
export * from "./drop_tracer.ts";
export * from "./guarded_drop.ts";
export * from "./name_rules.ts";
export * from "./outcome.ts";
export * from "./rate_limited_error.ts";
export * from "./recoverable.ts";
export * from "./refused_error.ts";
export * from "./scrub_credentials.ts";
export * from "./scrub_error.ts";
export * from "./status.ts";
export * from "./terminality_policy.ts";
