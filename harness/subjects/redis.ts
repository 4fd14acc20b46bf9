/**
 * {@linkcode redisSubject}: the conformance subject of the Redis adapters,
 * with a tenant fixture on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter } from "./_lazy_adapter.ts";
import type { ConformanceSubject } from "../conformance.ts";
import type { ServerControl } from "../server_control.ts";

/**
 * A Redis tenant as read straight from the server: its ACL user and its keys
 * (`<token>:*`) with their values.
 *
 * @example
 * ```ts
 * import type { RedisTenant } from "guarded-drop/harness";
 *
 * const intact: RedisTenant = { user: "usr_acme", keys: { "acme:1": "v1" } };
 * ```
 */
export interface RedisTenant {
  readonly user: string | null;
  readonly keys: Readonly<Record<string, string>>;
}

const KEYS = 20;

/**
 * The subject of `redisShared` (ACL user `usr_<t>`, keys `<t>:*`) or
 * `redisDedicated` (ACL user `ded_<t>` on the tenant's own server).
 *
 * A dedicated server holds one tenant: its drop is `FLUSHALL`, and the
 * adapter refuses a server that holds other tenants' users. So its
 * neighbours live on another server: pass the shared subject as `neighbour`.
 *
 * @param server The server (its `url` must be an admin's).
 * @param backend `shared` or `dedicated`.
 * @param neighbour Where neighbours live (dedicated only).
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { redisSubject, startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_REDIS_URL: "redis://127.0.0.1:6379" });
 * const subject = redisSubject(set.servers.redis!, "shared");
 * console.log(subject.name);
 * await set.stop();
 * ```
 */
export function redisSubject(
  server: ServerControl,
  backend: Backend,
  neighbour?: ConformanceSubject<RedisTenant>,
): ConformanceSubject<RedisTenant> {
  const userOf = (token: string) => `${backend === "shared" ? "usr_" : "ded_"}${token}`;
  const url = () => server.urls().url!;

  async function withClient<T>(fn: (redis: import("ioredis").Redis) => Promise<T>): Promise<T> {
    const { Redis } = await import("ioredis");
    const redis = new Redis(url(), { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 10_000 });
    await redis.connect();
    try {
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  }

  return {
    name: `redis ${backend} (${server.provider})`,
    resourceType: "redis",
    backend,
    server,
    neighbour,
    oneTenantPerServer: backend === "dedicated",
    createAdapter: (options) => {
      const config = { url: url(), ...options };
      return lazyAdapter("redis", backend, async () => {
        const { redisShared, redisDedicated } = await import("../../adapters/redis/mod.ts");
        return (backend === "shared" ? redisShared : redisDedicated)(config);
      });
    },
    createTenant: (token) =>
      withClient(async (redis) => {
        const user = userOf(token);
        await redis.call("ACL", "SETUSER", user, "on", `>pw-${crypto.randomUUID()}`, `~${token}:*`, "+@all");
        const keys: Record<string, string> = {};
        for (let i = 1; i <= KEYS; i++) keys[`${token}:${i}`] = `${token} value ${i}`;
        await redis.mset(keys);
        return { user, keys };
      }),
    readTenant: (token) =>
      withClient(async (redis) => {
        const user = userOf(token);
        const hasUser = (await redis.call("ACL", "GETUSER", user)) !== null;
        const keys: Record<string, string> = {};
        let cursor = "0";
        do {
          const [next, batch] = await redis.scan(cursor, "MATCH", `${token}:*`, "COUNT", 1000);
          cursor = next;
          for (const key of batch) {
            const value = await redis.get(key);
            if (value !== null) keys[key] = value;
          }
        } while (cursor !== "0");
        if (!hasUser && Object.keys(keys).length === 0) return undefined;
        return { user: hasUser ? user : null, keys };
      }),
    systemIntact: () =>
      withClient(async (redis) => {
        const users = (await redis.call("ACL", "USERS")) as string[];
        if (!users.includes("default")) throw new Error("the default user is gone");
      }),
  };
}
