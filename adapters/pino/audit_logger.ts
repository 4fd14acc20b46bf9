/**
 * {@linkcode createAuditLogger}: a pino logger for guardedDrop whose writes
 * are synchronous and throw on failure.
 *
 * @module
 */

import { type Logger, type LoggerOptions, pino } from "pino";
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
   * `timestamp` are set by this binding. Not with `logger`.
   *
   * @default {{}}
   */
  pinoOptions?: Omit<LoggerOptions, "level" | "timestamp">;
  /**
   * The team's own pino logger. The audit logger is then its child, so it
   * keeps everything the team configured (bindings, serializers, redact,
   * formatters, mixin, message key, time format, custom levels), but its
   * lines go to this binding's synchronous, fail-closed `destination`, never
   * to the team's stream (which may be a transport that writes later). Its
   * level is `level` when given, else the team's level when that enables
   * info, else `info`: the audit records are written whatever the team's
   * level is. Not with `pinoOptions`.
   *
   * NOTE: the destination is set on the child through `pino.symbols.streamSym`,
   * the symbol pino exports for its stream: a child shares its parent's
   * stream otherwise.
   *
   * @default {undefined: a new pino logger from `pinoOptions`}
   */
  logger?: Logger;
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
 * With `logger`, the team's own pino logger, the audit logger is its child
 * writing to the synchronous destination instead (see
 * {@linkcode AuditLoggerOptions.logger}).
 *
 * @param options The destination, fsync, level, and the team's logger or
 * further pino options.
 * @returns The logger, with its `destination`.
 * @throws {TypeError} If the level does not enable info, the destination
 * is not a path or a descriptor, `writeTimeoutMs` is not positive, `logger`
 * is not a pino logger or has no `info` level, or both `logger` and
 * `pinoOptions` are given.
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
 *
 * @example The team's own pino logger
 * ```ts
 * import { pino } from "pino";
 * import { createAuditLogger } from "guarded-drop/pino";
 *
 * const teamLogger = pino({ base: { service: "provisioner" }, redact: ["password"] });
 * const audit = createAuditLogger({ destination: "/var/log/provisioner/audit.log", logger: teamLogger });
 * audit.info({ event: "provisioner.drop", password: "x" }); // {"service":"provisioner","password":"[Redacted]",…}
 * ```
 */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create an audit logger as 'options' must be an object: current value is ${String(options)}`,
    );
  }
  if (options.logger !== undefined && options.pinoOptions !== undefined) {
    throw new TypeError(
      "Cannot create an audit logger as 'pinoOptions' must be left out when 'logger' is given: configure the team's logger instead",
    );
  }
  if (options.logger !== undefined) checkTeamLogger(options.logger);
  if (options.level !== undefined) checkLevel(options.level);
  const destination = createSyncDestination(options.destination, {
    fsync: options.fsync ?? false,
    ...(options.writeTimeoutMs === undefined ? {} : { writeTimeoutMs: options.writeTimeoutMs }),
  });
  const logger = options.logger === undefined
    ? pino(
      { ...options.pinoOptions, level: options.level ?? "info", timestamp: pino.stdTimeFunctions.isoTime },
      destination,
    )
    : childWritingTo(options.logger, destination, options.level);
  Object.defineProperty(logger, "destination", { value: destination, enumerable: false });
  return logger as AuditLogger;
}

function checkLevel(level: unknown): void {
  if (level !== "info" && level !== "debug" && level !== "trace") {
    throw new TypeError(
      `Cannot create an audit logger as 'level' must enable info ("info", "debug" or "trace"): current value is ${
        JSON.stringify(level)
      }`,
    );
  }
}

/** A pino logger has `child` and levels, and knows `info` (a logger with only custom levels may not). */
function checkTeamLogger(logger: unknown): void {
  const candidate = logger as Partial<Logger> | null;
  if (
    typeof candidate !== "object" || candidate === null || typeof candidate.child !== "function" ||
    typeof candidate.levels?.values !== "object"
  ) {
    throw new TypeError(
      `Cannot create an audit logger as 'logger' must be a pino logger: current value is ${describe(logger)}`,
    );
  }
  if (typeof candidate.levels.values["info"] !== "number") {
    throw new TypeError(
      `Cannot create an audit logger as 'logger' must have the level 'info' (the level of the provisioner.drop record): current value has ${
        Object.keys(candidate.levels.values).join(", ")
      }`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object without child() and levels`;
  return typeof value === "string" ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}

/**
 * The team's logger's child, writing to `destination`: pino gives a child
 * its parent's stream, so the child's own stream property replaces it.
 */
function childWritingTo(team: Logger, destination: SyncDestination, level: string | undefined): Logger {
  const childLevel = level ?? (team.isLevelEnabled("info") ? team.level : "info");
  const child = team.child({}, { level: childLevel });
  Object.defineProperty(child, pino.symbols.streamSym, {
    value: destination,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return child;
}
