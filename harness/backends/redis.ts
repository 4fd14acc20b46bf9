/**
 * The `redis` backend of the harness.
 *
 * @module
 */

import type { ConformanceSubject } from "../conformance/mod.ts";
import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { redisSubject } from "../subjects/redis.ts";

/**
 * The harness registration of the Redis adapters (containers: @testcontainers/redis).
 *
 * @example
 * ```ts
 * import { REDIS_BACKEND } from "guarded-drop/harness";
 *
 * console.log(REDIS_BACKEND.roles.length); // 2
 * ```
 */
export const REDIS_BACKEND = {
  backend: "redis",
  roles: [
    { role: "redis", name: "redis", urlVariables: ["GD_REDIS_URL"] },
    { role: "redisDedicated", name: "redis-dedicated", urlVariables: ["GD_REDIS_DEDICATED_URL"] },
  ],
  image: { variable: "GD_IMAGE_REDIS", fallback: "redis:7" },
  subjects: (
    { provider, servers, notOwnServers }: SubjectContext,
  ): Record<string, ConformanceSubject<unknown> | undefined> => {
    const shared = servers.redis && redisSubject(servers.redis, "shared");
    // A dedicated Redis holds one tenant; its neighbours live on the shared server.
    // Its ownership check writes another tenant's keys on a throwaway server: the
    // shared container with the containers provider, a third instance otherwise.
    const dedicated = servers.redisDedicated &&
      redisSubject(servers.redisDedicated, "dedicated", shared, {
        notOwnServer: notOwnServers.redisDedicated ?? (provider === "containers" ? servers.redis : undefined),
      });
    return {
      redis: shared as ConformanceSubject<unknown> | undefined,
      redisDedicated: dedicated as ConformanceSubject<unknown> | undefined,
    };
  },
} as const satisfies HarnessBackend;
