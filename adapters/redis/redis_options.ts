/**
 * The options of the Redis factories: {@linkcode RedisSharedOptions} and
 * {@linkcode RedisDedicatedOptions}.
 *
 * @module
 */

import type { AdapterOptions } from "../_shared/adapter_options.ts";
import type { RetentionOptions } from "../../lib/mod.ts";

/**
 * How many slots one `SCAN` visits by default when a shared tenant's keys
 * are purged. Measured with `bench/redis-purge.ts` (1,000,000 tenant keys):
 * a neighbour's GET p99 stays far under 5 ms, and larger counts gain little
 * throughput while each SCAN holds the server longer.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCAN_COUNT } from "guarded-drop/adapters/redis";
 *
 * console.log(DEFAULT_SCAN_COUNT); // 1000
 * ```
 */
export const DEFAULT_SCAN_COUNT = 1_000;

/**
 * Options of {@linkcode redisShared}.
 *
 * @example
 * ```ts
 * import type { RedisSharedOptions } from "guarded-drop/adapters/redis";
 *
 * const options: RedisSharedOptions = { url: "redis://provisioner:secret@cache.internal:6379/0", scanCount: 500 };
 * ```
 */
export interface RedisSharedOptions extends AdapterOptions {
  /**
   * The admin connection (`redis://[user:password@]host:port[/db]`, or
   * `rediss://` for TLS): a user allowed `ACL`, `SCAN` and `UNLINK`. The
   * tenant's keys are purged in its logical database. It is never written
   * into an error.
   */
  url: string;
  /**
   * The `COUNT` of each `SCAN`: how much of the keyspace one command visits.
   * Each batch of keys it returns is removed by one `UNLINK`, pipelined with
   * the next `SCAN`.
   *
   * @default {DEFAULT_SCAN_COUNT}
   */
  scanCount?: number;
  /**
   * Quarantine instead of dropping: `deprovision` keeps the user's rules in
   * a mark, deletes the user (cutting its clients) and renames the keys into
   * `#gdq:d:<name>:` (see {@linkcode redisShared}); `restore` brings the
   * newest copy back, and `purgeExpired` drops the copies older than `days`.
   *
   * @default {undefined: deprovision drops}
   */
  retention?: RetentionOptions;
}

/**
 * Options of {@linkcode redisDedicated}.
 *
 * @example
 * ```ts
 * import type { RedisDedicatedOptions } from "guarded-drop/adapters/redis";
 *
 * const options: RedisDedicatedOptions = { url: "redis://tenant-acme42.internal:6379", allowedUsers: ["metrics"] };
 * ```
 */
export interface RedisDedicatedOptions extends AdapterOptions {
  /**
   * The admin connection to the tenant's own server. It is never written
   * into an error.
   */
  url: string;
  /**
   * The platform's own ACL users that may exist on a dedicated server
   * besides `default`, the tenant's `ded_<t>` and the connection's own user
   * when it is not tenant-shaped (an exporter, a backup agent; or an admin
   * user named like a tenant's). Any other user makes the deprovision
   * refuse before `FLUSHALL`: see {@linkcode redisDedicated}.
   * They never stand in for the proof: without `ded_<t>` on the server,
   * there is no `FLUSHALL`.
   *
   * @default {[]}
   */
  allowedUsers?: readonly string[];
  /**
   * Quarantine instead of dropping: `deprovision` disables `ded_<t>`, kills
   * its clients and keeps every key (see {@linkcode redisDedicated});
   * `restore` enables it again, and `purgeExpired` flushes the servers whose
   * copy is older than `days`.
   *
   * @default {undefined: deprovision drops}
   */
  retention?: RetentionOptions;
}
