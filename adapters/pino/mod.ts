/**
 * `guarded-drop/pino`: the pino binding. {@linkcode createAuditLogger} gives
 * a logger whose writes are synchronous and throw on failure, which is what
 * makes "no audit line, no drop" true with pino.
 *
 * ```ts
 * import { createAuditLogger } from "guarded-drop/pino";
 *
 * const logger = createAuditLogger({ destination: "/var/log/provisioner/audit.log", fsync: true });
 * ```
 *
 * pino is a peer dependency: your own copy is used.
 *
 * @module
 */

export * from "./audit_logger.ts";
export * from "./sync_destination.ts";
