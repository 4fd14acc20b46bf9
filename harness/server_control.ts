/**
 * The fault controls of one server the harness runs checks against.
 *
 * @module
 */

/**
 * One server: where it answers now, and how to make it fail. The containers
 * provider stops and pauses the real container; the external provider puts a
 * {@linkcode FaultProxy} in front of a server it must not touch.
 *
 * @example Waiting out a restart
 * ```ts
 * import type { ServerControl } from "guarded-drop/harness";
 *
 * async function bounce(server: ServerControl): Promise<string> {
 *   await server.stop();
 *   await server.start();
 *   return server.urls().url!; // may have changed
 * }
 * ```
 */
export interface ServerControl {
  /** `postgres`, `redis-dedicated`, …: what the server is for. */
  readonly name: string;
  /** `containers` or `external`. */
  readonly provider: string;
  /** Where the server answers now (`url`, or `amqpUrl` and `managementUrl`). Read it again after a restart. */
  urls(): Readonly<Record<string, string>>;
  /** Stops the server: connections are refused until {@linkcode ServerControl.start}. */
  stop(): Promise<void>;
  /** Starts a stopped server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Freezes the server: connections are accepted or kept, and requests hang. */
  pause(): Promise<void>;
  /** Unfreezes a paused server. */
  unpause(): Promise<void>;
  /**
   * The last `lines` lines of the server's own log, headed by its state
   * (running, exit code, killed for memory), so that a check that failed
   * because the server crashed or restarted can show why. Absent where the
   * harness cannot read the log (a server given by URL).
   */
  logTail?(lines: number): Promise<string>;
}
