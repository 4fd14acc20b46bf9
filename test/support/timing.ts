/**
 * Timing bounds for tests on a loaded machine.
 *
 * @module
 */

/**
 * What a loaded 2-core machine can add to a wait: a whole test run and two
 * busy loops beside it. Use it for an upper bound that only has to tell a
 * bounded wait from an unbounded one (a hang, a wait for a lock that is
 * never released). Never use it to tell two finite waits apart: a test that
 * needs that must make the difference, not measure it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOADED_MACHINE_SLACK_MS } from "./timing.ts";
 *
 * const elapsedMs = 4_200;
 * assert.ok(elapsedMs < 4_000 + LOADED_MACHINE_SLACK_MS, "bounded by the lock wait");
 * ```
 */
export const LOADED_MACHINE_SLACK_MS = 15_000;

/**
 * The connect timeout of an adapter that talks to a server that answers: a
 * connection to a loaded machine's server can take longer than the 1.5 s
 * the unreachable-server checks use, and a healthy suite must not fail
 * because of that. Those checks keep their short timeout.
 *
 * @example
 * ```ts
 * import { HEALTHY_CONNECT_TIMEOUT_MS } from "./timing.ts";
 *
 * const options = { url: "redis://127.0.0.1:6379", connectTimeoutMs: HEALTHY_CONNECT_TIMEOUT_MS };
 * console.log(options.connectTimeoutMs); // 10000
 * ```
 */
export const HEALTHY_CONNECT_TIMEOUT_MS = 10_000;
