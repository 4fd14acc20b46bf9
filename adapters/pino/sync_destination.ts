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

import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** How often a write that would block is retried before it fails. */
const MAX_EAGAIN_RETRIES = 1000;
const EAGAIN_PAUSE_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Options of {@linkcode createSyncDestination}.
 *
 * @example
 * ```ts
 * import type { SyncDestinationOptions } from "guarded-drop/pino";
 *
 * const options: SyncDestinationOptions = { fsync: true };
 * ```
 */
export interface SyncDestinationOptions {
  /**
   * Whether every record is `fsync`ed before the write returns, so that a
   * crash right after cannot lose it. It costs a disk flush per record.
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
 * @param destination A file path, or an open file descriptor.
 * @param options Whether to fsync every record, and the file mode.
 * @returns The destination.
 * @throws {TypeError} If `destination` is neither a non-empty string nor a
 * non-negative integer.
 * @throws {Error} If the path cannot be opened (the `fs` error, e.g. EACCES).
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
export function createSyncDestination(destination: string | number, options: SyncDestinationOptions = {}): SyncDestination {
  const { fsync = false, mode = 0o640 } = options;
  let fd: number;
  let owned: boolean;
  if (typeof destination === "string" && destination.length > 0) {
    fd = openSync(destination, "a", mode);
    owned = true;
  } else if (typeof destination === "number" && Number.isInteger(destination) && destination >= 0) {
    fd = destination;
    owned = false;
  } else {
    throw new TypeError(
      `Cannot create an audit destination as 'destination' must be a file path or a file descriptor: current value is ${
        JSON.stringify(destination) ?? typeof destination
      }`,
    );
  }
  let closed = false;

  return {
    get fd() {
      return fd;
    },
    write(chunk: string): boolean {
      if (closed) throw new Error("Cannot write the audit record as the audit destination is closed");
      const bytes = Buffer.from(chunk, "utf8");
      let offset = 0;
      let retries = 0;
      // writeSync may write part of the buffer (a pipe, a signal): loop until
      // all of it is out, or throw. A record is never half-reported as written.
      while (offset < bytes.length) {
        try {
          offset += writeSync(fd, bytes, offset, bytes.length - offset);
        } catch (err) {
          // A non-blocking stdout or pipe answers EAGAIN when full: wait a
          // little, bounded, rather than lose the record or spin.
          if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || ++retries > MAX_EAGAIN_RETRIES) throw err;
          Atomics.wait(pause, 0, 0, EAGAIN_PAUSE_MS);
        }
      }
      if (fsync) fsyncSync(fd);
      return true;
    },
    flushSync(): void {
      if (!closed) fsyncSync(fd);
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (owned) closeSync(fd);
    },
  };
}
