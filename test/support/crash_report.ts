/**
 * A failure that explains itself: when a test fails and a server it used
 * crashed or restarted meanwhile, the failure ends with the tail of that
 * server's own log, so that "Connection terminated unexpectedly" comes with
 * the "server process … was terminated by signal 9" that caused it.
 *
 * Works for the containers (`docker logs`, through the harness's
 * `ServerControl.logTail`) and for the throwaway servers of
 * {@linkcode ./servers.ts} (their log files) alike.
 *
 * @module
 */

import { afterEach } from "node:test";

/**
 * A server whose own log can be read.
 *
 * @example
 * ```ts
 * import type { LoggedServer } from "./crash_report.ts";
 *
 * const server: LoggedServer = { name: "pg", logTail: async (lines) => `state: running\n(${lines} lines)` };
 * ```
 */
export interface LoggedServer {
  /** What the report calls it. */
  readonly name: string;
  /** Its state, then the last `lines` lines of its log. */
  logTail(lines: number): Promise<string>;
}

/**
 * Lines a server writes when it, or one of its processes, crashed, was
 * killed or restarted into recovery.
 *
 * @example
 * ```ts
 * import { CRASH_MARKERS } from "./crash_report.ts";
 *
 * const line = "LOG:  server process (PID 172) was terminated by signal 13: Broken pipe";
 * console.log(CRASH_MARKERS.some((marker) => marker.test(line))); // true
 * ```
 */
export const CRASH_MARKERS: readonly RegExp[] = Object.freeze([
  // The state line of a container or a throwaway server.
  /^state: (exited|dead|crashed)/m,
  /OOM-killed yes/,
  // PostgreSQL.
  /terminated by signal/,
  /terminated by exception/,
  /was terminated by/,
  /exited with exit code/,
  /\bPANIC:/,
  /all server processes terminated; reinitializing/,
  /terminating any other active server processes/,
  /database system was interrupted/,
  /the database system is in recovery mode/,
  /No space left on device/,
  /out of memory/i,
  // Redis.
  /REDIS BUG REPORT/,
  /crashed by signal/,
  // MariaDB.
  /got signal \d+/,
  /Starting crash recovery/,
]);

/**
 * How many log lines a report shows per server.
 *
 * @example
 * ```ts
 * import { REPORT_LINES } from "./crash_report.ts";
 *
 * console.log(REPORT_LINES); // 60
 * ```
 */
export const REPORT_LINES = 60;

/**
 * The report of every server whose log tail shows a crash or a restart into
 * recovery: a header naming it, then the tail. Empty when none does. A log
 * that cannot be read is named with the reason, not skipped silently.
 *
 * @param servers The servers to look at.
 * @param lines How many lines of each log to show.
 * @returns The report, or `""`.
 *
 * @example
 * ```ts
 * import { crashReport } from "./crash_report.ts";
 *
 * const crashed = { name: "pg", logTail: async () => "LOG:  server process (PID 7) was terminated by signal 9: Killed" };
 * console.log(await crashReport([crashed])); // "--- pg crashed or restarted: the last 60 lines of its log ---\n…"
 * ```
 */
export async function crashReport(servers: Iterable<LoggedServer>, lines = REPORT_LINES): Promise<string> {
  const reports = await Promise.all([...servers].map(async (server) => {
    let tail: string;
    try {
      tail = await server.logTail(lines);
    } catch (err) {
      return `--- ${server.name}: its log could not be read (${(err as Error).message.split("\n")[0]}) ---`;
    }
    if (!CRASH_MARKERS.some((marker) => marker.test(tail))) return "";
    return `--- ${server.name} crashed or restarted: the last ${lines} lines of its log ---\n${tail.trimEnd()}\n--- end of ${server.name}'s log ---`;
  }));
  return reports.filter((report) => report !== "").join("\n");
}

/**
 * Appends a report to a failed test's error, where the spec reporter prints
 * it last (it prints the stack, which starts with the message).
 *
 * @param error The test's error (node:test's wrapper or the thrown error).
 * @param report The text to append.
 *
 * @example
 * ```ts
 * import { appendToFailure } from "./crash_report.ts";
 *
 * const error = new Error("Connection terminated unexpectedly");
 * appendToFailure(error, "--- pg crashed ---");
 * console.log(error.stack?.endsWith("--- pg crashed ---")); // true
 * ```
 */
export function appendToFailure(error: Error, report: string): void {
  const target = error.cause instanceof Error ? error.cause : error;
  // Read first: V8 builds a stack lazily, from the message as it is then.
  const stack = target.stack;
  target.message = `${target.message}\n${report}`;
  if (typeof stack === "string") target.stack = `${stack}\n${report}`;
}

/**
 * Registers an `afterEach` hook in the current suite: when a test failed
 * and a server it could have used shows a crash, the failure ends with that
 * server's log tail.
 *
 * @param servers The servers, read when a test fails (they may be started
 * in `before`, after this call). Servers without a log are left out.
 *
 * @example
 * ```ts
 * import { describe } from "node:test";
 * import { explainCrashes } from "./crash_report.ts";
 * import { type ControlledServer } from "./servers.ts";
 *
 * describe("on a throwaway server", () => {
 *   let server: ControlledServer | undefined;
 *   explainCrashes(() => [server]);
 * });
 * ```
 */
export function explainCrashes(
  servers: () => Iterable<Partial<LoggedServer> & { readonly name?: string } | undefined>,
): void {
  afterEach(async (t) => {
    // `passed` and `error` are on the hook's context from Node 20.13 on; where
    // they are not, no report is added.
    const context = t as unknown as { passed?: boolean; error?: unknown };
    if (context.passed !== false || !(context.error instanceof Error)) return;
    const logged: LoggedServer[] = [];
    for (const server of servers()) {
      if (server?.logTail !== undefined) {
        logged.push({
          name: server.name ?? "server",
          logTail: (n) => server.logTail!(n),
        });
      }
    }
    const report = await crashReport(logged);
    if (report !== "") appendToFailure(context.error, report);
  });
}
