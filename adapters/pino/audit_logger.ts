/**
 * {@linkcode createAuditLogger}: a pino logger for guardedDrop whose writes
 * are synchronous and throw on failure.
 *
 * @module
 */

import { pino, type Logger, type LoggerOptions } from "pino";
import { createSyncDestination, type SyncDestination } from "./sync_destination.ts";

/**
 * Options of {@linkcode createAuditLogger}.
 *
 * @example
 * ```ts
 * import type { AuditLoggerOptions } from "guarded-drop/pino";
 *
 * const options: AuditLoggerOptions = { destination: "/var/log/provisioner/audit.log", fsync: true, writeTimeoutMs: 100 };
 * ```
 */
export interface AuditLoggerOptions {
  /** A file path (opened for appending) or an open file descriptor (1 is stdout). */
  destination: string | number;
  /**
   * Whether every record is fsynced before the write returns.
   *
   * @default {false}
   */
  fsync?: boolean;
  /**
   * How long one record may wait for a destination that accepts no data (a
   * pipe or FIFO whose reader stopped reading), in ms. A record that cannot
   * be written within it throws, so the drop ends `audit_failed` and the
   * event loop never freezes; it also bounds the open of a FIFO that has no
   * reader yet. See {@linkcode createSyncDestination}.
   *
   * @default {DEFAULT_WRITE_TIMEOUT_MS}
   */
  writeTimeoutMs?: number;
  /**
   * The level. It must enable `info`, the level of the `provisioner.drop`
   * record: with `warn`, every guarded drop would end `audit_failed`.
   *
   * @default {"info"}
   */
  level?: "trace" | "debug" | "info";
  /**
   * Further pino options (`base`, `name`, `redact`, `mixin`…). `level` and
   * `timestamp` are set by this binding.
   *
   * @default {{}}
   */
  pinoOptions?: Omit<LoggerOptions, "level" | "timestamp">;
}

/**
 * A pino logger for audit records, with its destination.
 *
 * @example
 * ```ts
 * import type { AuditLogger } from "guarded-drop/pino";
 *
 * function closeAudit(logger: AuditLogger): void {
 *   logger.destination.close();
 * }
 * ```
 */
export type AuditLogger = Logger & {
  /** The synchronous destination, to flush or close it. */
  readonly destination: SyncDestination;
};

/**
 * Builds a pino logger whose writes are synchronous and throw on failure,
 * so that a record that cannot be written stops the drop. Records carry an
 * ISO-8601 `time`. No destination can hang the process: a write that a full
 * pipe or FIFO does not take within `writeTimeoutMs` throws, and so does
 * the open of a FIFO that no reader opens within it.
 *
 * @param options The destination, fsync, level and further pino options.
 * @returns The logger, with its `destination`.
 * @throws {TypeError} If the level does not enable info, the destination
 * is not a path or a descriptor, or `writeTimeoutMs` is not positive.
 * @throws {Error} If the path cannot be opened (ENXIO: a FIFO without a reader).
 *
 * @example
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 *
 * const guardedDrop = createGuardedDrop({
 *   logger: createAuditLogger({ destination: 1 }),
 *   counter: createDropCounter(),
 * });
 * ```
 */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create an audit logger as 'options' must be an object: current value is ${String(options)}`);
  }
  const level = options.level ?? "info";
  if (level !== "info" && level !== "debug" && level !== "trace") {
    throw new TypeError(
      `Cannot create an audit logger as 'level' must enable info ("info", "debug" or "trace"): current value is ${JSON.stringify(level)}`,
    );
  }
  const destination = createSyncDestination(options.destination, {
    fsync: options.fsync ?? false,
    ...(options.writeTimeoutMs === undefined ? {} : { writeTimeoutMs: options.writeTimeoutMs }),
  });
  const logger = pino(
    { ...options.pinoOptions, level, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  ) as AuditLogger;
  Object.defineProperty(logger, "destination", { value: destination, enumerable: false });
  return logger;
}
