/**
 * {@linkcode createSyncDestination}: a pino destination whose writes are
 * synchronous and throw on failure.
 *
 * pino's own destinations cannot give "no audit line, no drop": the async
 * ones swallow write errors, and even `pino.destination({ sync: true })`
 * ignores EPIPE and silently turns later writes into no-ops. This one is
 * built on `fs.writeSync`, so a failed write throws out of `logger.info`,
 * and guardedDrop turns that into `audit_failed` before anything runs.
 *
 * @module
 */

import { closeSync, constants, existsSync, fstatSync, fsyncSync, openSync, writeSync } from "node:fs";

/**
 * How long one record may wait for a destination that is full (a pipe or
 * FIFO whose reader stopped reading) by default, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_WRITE_TIMEOUT_MS } from "guarded-drop/pino";
 *
 * console.log(DEFAULT_WRITE_TIMEOUT_MS); // 100
 * ```
 */
export const DEFAULT_WRITE_TIMEOUT_MS = 100;

const EAGAIN_PAUSE_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));
// Never blocks on a FIFO: open fails at once (ENXIO) when no reader is
// there, and a write to a full pipe answers EAGAIN instead of waiting for
// the reader. A regular file ignores the flag.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;

function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/**
 * Options of {@linkcode createSyncDestination}.
 *
 * @example
 * ```ts
 * import type { SyncDestinationOptions } from "guarded-drop/pino";
 *
 * const options: SyncDestinationOptions = { fsync: true, writeTimeoutMs: 50 };
 * ```
 */
export interface SyncDestinationOptions {
  /**
   * Whether every record is `fsync`ed before the write returns, so that a
   * crash right after cannot lose it. It costs a disk flush per record.
   * Ignored for pipes, FIFOs and devices, which have nothing to flush.
   *
   * @default {false}
   */
  fsync?: boolean;
  /**
   * The file mode when the destination is a path that does not exist yet.
   *
   * @default {0o640}
   */
  mode?: number;
  /**
   * How long a write may wait, in ms, for a destination that accepts no
   * data (a pipe or FIFO whose reader stopped reading). A write that cannot
   * finish within it throws (code `ETIMEDOUT`), so that guardedDrop ends
   * the drop `audit_failed` instead of the event loop freezing. After such a
   * timeout, writes fail at once (code `EAGAIN`) until the destination
   * accepts a whole record again. It also bounds the open of a FIFO that has
   * no reader yet.
   *
   * @default {DEFAULT_WRITE_TIMEOUT_MS}
   */
  writeTimeoutMs?: number;
}
/**
 * A synchronous, throwing write target for pino.
 *
 * @example
 * ```ts
 * import { createSyncDestination } from "guarded-drop/pino";
 *
 * const destination = createSyncDestination(1); // stdout
 * destination.write('{"msg":"hello"}\n');
 * ```
 */
export interface SyncDestination {
  /** The file descriptor written to. */
  readonly fd: number;
  /** Writes the whole chunk or throws. */
  write(chunk: string): boolean;
  /** Flushes to disk. */
  flushSync(): void;
  /** Closes the descriptor if this destination opened it. Later writes throw. */
  close(): void;
}

/**
 * Opens a destination: a path is opened for appending, a number is used as
 * an already open descriptor (and is not closed by `close()`).
 *
 * Nothing here can block the process for longer than `writeTimeoutMs`: a
 * path is opened non-blocking (a FIFO without a reader fails with ENXIO
 * once the bound has passed, instead of waiting forever), and a descriptor
 * that is a FIFO or pipe is reopened non-blocking through `/proc/self/fd`
 * where Linux offers it. A write that a full pipe does not take within the
 * bound throws.
 *
 * NOTE: a record cut by a timeout (a pipe took part of it) is ended with a
 * newline before the next record, so that a reader sees one broken line,
 * never two records run together. Records under 4 KiB are written to pipes
 * atomically, whole or not at all. A blocking pipe or socket given as a
 * descriptor that cannot be reopened (no `/proc`, or a socket) can still
 * block a write.
 *
 * @param destination A file path, or an open file descriptor.
 * @param options Whether to fsync every record, the file mode, and the write bound.
 * @returns The destination.
 * @throws {TypeError} If `destination` is neither a non-empty string nor a
 * non-negative integer, or `writeTimeoutMs` is not a positive finite number.
 * @throws {Error} If the path cannot be opened (the `fs` error, e.g. EACCES,
 * or ENXIO for a FIFO that no reader opened within `writeTimeoutMs`).
 *
 * @example Writing to /dev/full throws
 * ```ts
 * import { createSyncDestination } from "guarded-drop/pino";
 *
 * const destination = createSyncDestination("/dev/full");
 * try {
 *   destination.write("lost\n");
 * } catch (err) {
 *   console.log((err as NodeJS.ErrnoException).code); // "ENOSPC"
 * }
 * ```
 */
export function createSyncDestination(
  destination: string | number,
  options: SyncDestinationOptions = {},
): SyncDestination {
  const { fsync = false, mode = 0o640, writeTimeoutMs = DEFAULT_WRITE_TIMEOUT_MS } = options;
  if (typeof writeTimeoutMs !== "number" || !Number.isFinite(writeTimeoutMs) || writeTimeoutMs <= 0) {
    throw new TypeError(
      `Cannot create an audit destination as 'writeTimeoutMs' must be a positive finite number: current value is ${
        String(writeTimeoutMs)
      }`,
    );
  }
  let fd: number;
  let owned: boolean;
  if (typeof destination === "string" && destination.length > 0) {
    fd = openBounded(destination, mode, writeTimeoutMs);
    owned = true;
  } else if (typeof destination === "number" && Number.isInteger(destination) && destination >= 0) {
    const reopened = reopenNonBlocking(destination);
    fd = reopened ?? destination;
    owned = reopened !== undefined;
  } else {
    throw new TypeError(
      `Cannot create an audit destination as 'destination' must be a file path or a file descriptor: current value is ${
        JSON.stringify(destination) ?? typeof destination
      }`,
    );
  }
  // fsync on a pipe or a device fails (EINVAL) on every record: there is
  // nothing to flush, so it is skipped rather than failing every drop.
  const flushable = fsync && isRegularFile(fd);
  let closed = false;
  // A write timed out: the destination is full, and later writes fail at
  // once instead of each waiting the whole bound again.
  let stalled = false;
  // A timed-out write left part of a record: the next write ends that line first.
  let torn = false;

  return {
    get fd() {
      return fd;
    },
    write(chunk: string): boolean {
      if (closed) throw new Error("Cannot write the audit record as the audit destination is closed");
      const bytes = Buffer.from(torn ? `\n${chunk}` : chunk, "utf8");
      let offset = 0;
      let deadline: number | undefined;
      // writeSync may write part of the buffer (a pipe, a signal): loop until
      // all of it is out, or throw. A record is never half-reported as written.
      while (offset < bytes.length) {
        try {
          offset += writeSync(fd, bytes, offset, bytes.length - offset);
          if (offset > 0) torn = false;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
          // A full pipe or a non-blocking stdout: wait a little, bounded,
          // rather than lose the record, spin, or freeze the event loop.
          const now = performance.now();
          deadline ??= now + writeTimeoutMs;
          if (stalled || now >= deadline) {
            torn ||= offset > 0;
            const wasStalled = stalled;
            stalled = true;
            throw Object.assign(
              new Error(
                wasStalled
                  ? "Cannot write the audit record as the audit destination is still full since a write timed out (a pipe or FIFO whose reader stopped reading)"
                  : `Cannot write the audit record as the audit destination accepted no data within ${writeTimeoutMs} ms (a pipe or FIFO whose reader stopped reading)`,
              ),
              { code: wasStalled ? "EAGAIN" : "ETIMEDOUT" },
            );
          }
          sleepSync(Math.min(EAGAIN_PAUSE_MS, deadline - now));
        }
      }
      stalled = false;
      if (flushable) fsyncSync(fd);
      return true;
    },
    flushSync(): void {
      if (!closed && flushable) fsyncSync(fd);
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (owned) closeSync(fd);
    },
  };
}

/** Opens a path for appending, non-blocking; a FIFO gets `writeTimeoutMs` to find a reader. */
function openBounded(path: string, mode: number, writeTimeoutMs: number): number {
  const deadline = performance.now() + writeTimeoutMs;
  for (;;) {
    try {
      return openSync(path, APPEND_FLAGS, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENXIO") throw err;
      if (performance.now() >= deadline) {
        throw Object.assign(
          new Error(
            `Cannot open the audit destination as it is a FIFO that no reader opened within ${writeTimeoutMs} ms: start its reader first`,
          ),
          { code: "ENXIO", cause: err },
        );
      }
      sleepSync(5);
    }
  }
}

/**
 * A FIFO or pipe descriptor, reopened non-blocking through `/proc/self/fd`
 * (a new open file description of the same pipe, with its own flags), or
 * `undefined` when it is not one or cannot be reopened.
 */
function reopenNonBlocking(fd: number): number | undefined {
  try {
    if (!fstatSync(fd).isFIFO()) return undefined;
    const path = `/proc/self/fd/${fd}`;
    if (!existsSync(path)) return undefined;
    return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    // Not reopenable (no /proc, closed, a socket): used as it is, and the
    // first write reports what is wrong with it.
    return undefined;
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return true; // a closed descriptor: let fsync report it
  }
}
