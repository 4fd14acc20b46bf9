/**
 * The tail of a container's own log and its state, read once (no follow),
 * for a check that failed because its server crashed or restarted.
 *
 * @module
 */

/** Docker's stream header: 1 byte stream type, 3 zero bytes, a 4-byte big-endian length. */
const HEADER_BYTES = 8;

/**
 * What this module needs of a dockerode container.
 *
 * @example
 * ```ts
 * import type { LoggedContainer } from "./_container_log.ts";
 *
 * const quiet: LoggedContainer = {
 *   logs: async () => Buffer.alloc(0),
 *   inspect: async () => ({ State: { Status: "running", ExitCode: 0, OOMKilled: false } }),
 * };
 * ```
 */
export interface LoggedContainer {
  logs(options: { stdout: true; stderr: true; follow: false; tail: number }): Promise<Buffer | string>;
  inspect(): Promise<{
    State?: { Status?: string; Running?: boolean; ExitCode?: number; OOMKilled?: boolean; StartedAt?: string };
    RestartCount?: number;
    HostConfig?: { ShmSize?: number };
  }>;
}

/**
 * The state line and the last `lines` lines of a container's log.
 *
 * @param container The dockerode container.
 * @param lines How many lines.
 * @returns The text, state line first.
 *
 * @example
 * ```ts
 * import { getContainerRuntimeClient } from "testcontainers";
 * import { containerLogTail } from "./_container_log.ts";
 *
 * declare const id: string;
 * const client = await getContainerRuntimeClient();
 * console.log(await containerLogTail(client.container.getById(id) as never, 40));
 * ```
 */
export async function containerLogTail(container: LoggedContainer, lines: number): Promise<string> {
  const [info, raw] = await Promise.all([
    container.inspect(),
    container.logs({ stdout: true, stderr: true, follow: false, tail: lines }),
  ]);
  const state = info.State ?? {};
  const head = `state: ${state.Status ?? "unknown"}, exit code ${state.ExitCode ?? "?"}, ` +
    `OOM-killed ${state.OOMKilled === true ? "yes" : "no"}, started at ${state.StartedAt ?? "?"}, ` +
    `/dev/shm ${info.HostConfig?.ShmSize === undefined ? "?" : `${Math.round(info.HostConfig.ShmSize / 2 ** 20)} MB`}`;
  return `${head}\n${demux(typeof raw === "string" ? Buffer.from(raw) : raw)}`;
}

/**
 * The text of a non-TTY log stream, its 8-byte frame headers removed. A
 * stream that does not start with a header (a TTY container) is returned
 * as it is.
 *
 * @param raw The bytes Docker sent.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { demux } from "./_container_log.ts";
 *
 * const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from("ok\n")]);
 * console.log(demux(frame)); // "ok\n"
 * ```
 */
export function demux(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= raw.length) {
    const type = raw[at]!;
    if (type > 2 || raw[at + 1] !== 0 || raw[at + 2] !== 0 || raw[at + 3] !== 0) return raw.toString("utf8");
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + HEADER_BYTES, at + HEADER_BYTES + size));
    at += HEADER_BYTES + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
