/**
 * {@linkcode AdapterOptions}, the options every backend adapter shares.
 *
 * @module
 */

import type { NameRules } from "../../lib/mod.ts";

/**
 * How long an adapter waits for a connection by default, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONNECT_TIMEOUT_MS } from "guarded-drop/adapters/postgres";
 *
 * console.log(DEFAULT_CONNECT_TIMEOUT_MS); // 5000
 * ```
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * How long an adapter waits for one statement, command or HTTP request by
 * default, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPERATION_TIMEOUT_MS } from "guarded-drop/adapters/redis";
 *
 * console.log(DEFAULT_OPERATION_TIMEOUT_MS); // 30000
 * ```
 */
export const DEFAULT_OPERATION_TIMEOUT_MS = 30_000;

/**
 * The options every adapter factory takes, besides where its server is.
 *
 * @example
 * ```ts
 * import { createNameRules } from "guarded-drop";
 * import type { AdapterOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: AdapterOptions = {
 *   connectTimeoutMs: 2_000,
 *   operationTimeoutMs: 60_000,
 *   nameRules: createNameRules({ reserved: ["platform"] }),
 * };
 * ```
 */
export interface AdapterOptions {
  /**
   * How long to wait for a connection to the server, in ms. A server that
   * does not answer within it is `unavailable`.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * How long one statement, command or HTTP request may take, in ms. It
   * bounds each step, not a whole deprovision: a purge of many keys is many
   * commands.
   *
   * @default {30000}
   */
  operationTimeoutMs?: number;
  /**
   * The target-name checks run on every token before anything else.
   *
   * @default {createNameRules()}
   */
  nameRules?: NameRules;
}
