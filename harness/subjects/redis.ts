/**
 * {@linkcode redisSubject}: the conformance subject of the Redis adapters,
 * with a tenant fixture on the real server.
 *
 * @module
 */

import type { Backend } from "../../lib/mod.ts";
import { lazyAdapter, lazyRecoverableAdapter } from "./_lazy_adapter.ts";
import { type ConformanceSubject, newTenantToken, type NotOwnServer } from "../conformance/mod.ts";
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
  /** The tenant's ACL user, or `null` when there is none. */
  readonly user: string | null;
  /** The tenant's keys and their values. */
  readonly keys: Readonly<Record<string, string>>;
}

const KEYS = 20;
const FOREIGN_KEYS = 100;

/**
 * Options of {@linkcode redisSubject}.
 *
 * @example
 * ```ts
 * import type { RedisSubjectOptions, ServerControl } from "guarded-drop/harness";
 *
 * declare const throwaway: ServerControl;
 * const options: RedisSubjectOptions = { notOwnServer: throwaway };
 * ```
 */
export interface RedisSubjectOptions {
  /**
   * A throwaway Redis that is not the tenant's own, for the dedicated
   * subject's `not-own-server` check: it gets another tenant's 100 keys and
   * only the `default` user, and the dedicated adapter pointed at it must
   * refuse. Never a server whose data matters: a wrong adapter flushes it.
   *
   * @default {undefined}
   */
  notOwnServer?: ServerControl;
}

/**
 * Runs `fn` on a client that never reconnects and never queues, and that
 * is disconnected in `finally`, whether the connect or `fn` fails: a failed
 * check must leave no client reconnecting to a dead port.
 */
async function withRedis<T>(url: string, fn: (redis: import("ioredis").Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 10_000,
    commandTimeout: 30_000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // Errors reach the caller through the rejected command; without a
  // listener ioredis would also print every one of them.
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

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
 * @param options A throwaway server that is not the tenant's own (dedicated only).
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
  options: RedisSubjectOptions = {},
): ConformanceSubject<RedisTenant> {
  const userOf = (token: string) => `${backend === "shared" ? "usr_" : "ded_"}${token}`;
  const url = () => server.urls().url!;
  const withClient = <T>(fn: (redis: import("ioredis").Redis) => Promise<T>) => withRedis(url(), fn);
  // Each tenant's password, from createTenant to loginAsTenant: this
  // subject's own state, never the module's.
  const passwords = new Map<string, string>();
  const adapterFor =
    (target: () => string) => (adapterOptions: { connectTimeoutMs: number; operationTimeoutMs: number }) => {
      const config = { url: target(), ...adapterOptions };
      return lazyAdapter("redis", backend, async () => {
        const { redisShared, redisDedicated } = await import("../../adapters/redis/mod.ts");
        return (backend === "shared" ? redisShared : redisDedicated)(config);
      });
    };
  const foreignServer = backend === "dedicated" ? options.notOwnServer : undefined;
  let notOwnServer: NotOwnServer<RedisTenant> | undefined;
  if (foreignServer !== undefined) {
    const foreignUrl = () => foreignServer.urls().url!;
    const other = newTenantToken({ prefix: "gdforeign" });
    const keysOf = async (redis: import("ioredis").Redis) => {
      const keys: Record<string, string> = {};
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${other}:*`, "COUNT", 1000);
        cursor = next;
        for (const key of batch) keys[key] = (await redis.get(key)) ?? "";
      } while (cursor !== "0");
      return keys;
    };
    notOwnServer = {
      createAdapter: adapterFor(foreignUrl),
      createData: () =>
        withRedis(foreignUrl(), async (redis) => {
          const users = (await redis.call("ACL", "USERS")) as string[];
          if (users.some((user) => user.startsWith("ded_"))) {
            throw new Error("the not-own server holds a ded_ user: it must not");
          }
          const keys: Record<string, string> = {};
          for (let i = 1; i <= FOREIGN_KEYS; i++) keys[`${other}:${i}`] = `${other} value ${i}`;
          await redis.mset(keys);
          return { user: null, keys };
        }),
      readData: () => withRedis(foreignUrl(), async (redis) => ({ user: null, keys: await keysOf(redis) })),
      removeData: () =>
        withRedis(foreignUrl(), async (redis) => {
          const keys = Object.keys(await keysOf(redis));
          if (keys.length > 0) await redis.unlink(...keys);
        }),
    };
  }

  return {
    name: `redis ${backend} (${server.provider})`,
    resourceType: "redis",
    backend,
    server,
    neighbour,
    oneTenantPerServer: backend === "dedicated",
    notOwnServer,
    createAdapter: adapterFor(url),
    // The shared form's quarantine keeps the data out of sight under another
    // name; the dedicated form's keeps it in place on the tenant's own
    // server (its user disabled), where a direct read still sees it
    // unchanged: `keepsCopyInPlace`.
    recovery: {
      keepsCopyInPlace: backend === "dedicated",
      createAdapter: (options) =>
        lazyRecoverableAdapter("redis", backend, async () => {
          const { redisShared, redisDedicated } = await import("../../adapters/redis/mod.ts");
          return (backend === "shared" ? redisShared : redisDedicated)({ url: url(), ...options });
        }),
      async loginAsTenant(token) {
        const { Redis } = await import("ioredis");
        const redis = new Redis(url(), {
          username: userOf(token),
          password: passwords.get(token) ?? "",
          lazyConnect: true,
          connectTimeout: 10_000,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          enableReadyCheck: false,
        });
        redis.on("error", () => {});
        try {
          await redis.connect();
          await redis.get(`${token}:1`);
        } finally {
          redis.disconnect();
        }
      },
    },
    createTenant: (token) =>
      withClient(async (redis) => {
        const user = userOf(token);
        const password = `pw-${crypto.randomUUID()}`;
        passwords.set(token, password);
        // No @admin: a tenant that could run ACL SETUSER could widen its own
        // rules, and the quarantine refuses such a tenant.
        await redis.call("ACL", "SETUSER", user, "on", `>${password}`, `~${token}:*`, "+@all", "-@admin");
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
