/**
 * `guarded-drop/adapters/redis`: deprovision of Redis tenants, on a shared
 * server ({@linkcode redisShared}: ACL user `usr_<t>`, keys `<t>:*`) or on
 * their own server ({@linkcode redisDedicated}: ACL user `ded_<t>`, then
 * `FLUSHALL ASYNC`). {@linkcode redisDropBudget} is a drop budget shared
 * by every replica that uses the same Redis.
 *
 * ```ts
 * import { redisShared } from "guarded-drop/adapters/redis";
 *
 * const adapter = redisShared({ url: "redis://127.0.0.1:6379" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * await adapter.close();
 * ```
 *
 * ioredis 5 is a peer dependency: your own copy is used.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./drop_budget.ts";
export * from "./redis_dedicated.ts";
export * from "./redis_options.ts";
export * from "./redis_quarantine.ts";
export * from "./redis_shared.ts";
