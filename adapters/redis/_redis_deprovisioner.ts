// Internal: the Redis Deprovisioners behind redisShared and redisDedicated.

import type { Redis } from "ioredis";
import {
  type Backend,
  checkTenantToken,
  DEFAULT_NAME_RULES,
  type Deprovisioner,
  type DropReport,
  type NameRules,
  RefusedError,
} from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { REDIS_URL } from "../_shared/_connection_url.ts";
import { describe, positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import {
  aclUserExists,
  anyKeyMatches,
  deleteAclUser,
  flushServerAndDeleteUser,
  purgeKeys,
  serverKeyCount,
  tenantKeyPattern,
  unexpectedAclUsers,
} from "./_commands.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { parseMarker } from "./_quarantine.ts";
import { classifyRedisError, closeRedis, openRedis, type RedisTimeouts } from "./_connection.ts";
import { DEFAULT_SCAN_COUNT, type RedisDedicatedOptions, type RedisSharedOptions } from "./redis_options.ts";

/** What both forms share: the connection, its timeouts, the name rules and the close() bookkeeping. */
abstract class RedisDeprovisioner {
  readonly resourceType = "redis";
  protected readonly nameRules: NameRules;
  protected readonly connectTimeoutMs: number;
  readonly #url: string;
  readonly #timeouts: RedisTimeouts;
  readonly #clients = new Set<Redis>();
  protected readonly hooks: SessionHooks<Redis> = {
    connect: (context) => this.#open(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (client) => this.#release(client),
  };
  #closed = false;

  constructor(adapter: string, options: RedisSharedOptions | RedisDedicatedOptions) {
    const resolved = resolveAdapterOptions(adapter, options, { option: "url", rule: REDIS_URL });
    if (typeof options.url !== "string" || options.url.length === 0) {
      throw new TypeError(
        `Cannot create ${adapter} as 'url' must be a non-empty string: current value is ${describe(options.url)}`,
      );
    }
    this.#url = options.url;
    this.#timeouts = { connectTimeoutMs: resolved.connectTimeoutMs, operationTimeoutMs: resolved.operationTimeoutMs };
    this.connectTimeoutMs = resolved.connectTimeoutMs;
    this.nameRules = resolved.nameRules;
  }

  /** Ends the connections of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of this.#clients) closeRedis(client);
    this.#clients.clear();
  }

  // A connection per call: drops are rare, and a connection that never
  // reconnects cannot be one a restart silently broke.
  async #open(context: FailureContext): Promise<Redis> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const client = await openRedis(this.#url, this.#timeouts);
    this.#clients.add(client);
    return client;
  }

  #release(client: Redis | undefined): void {
    if (client === undefined) return;
    this.#clients.delete(client);
    // QUIT would wait for the server; every reply we need has arrived.
    closeRedis(client);
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("GD_")) return err;
    return classifyRedisError(context, step, err, this.connectTimeoutMs);
  }
}

/** Drops a shared tenant: its ACL user `usr_<t>` and its keys `<t>:*`. */
export class RedisSharedDeprovisioner extends RedisDeprovisioner implements Deprovisioner {
  readonly backend: Backend = "shared";
  readonly #scanCount: number;

  constructor(options: RedisSharedOptions) {
    super("the Redis adapter", options);
    const scanCount = positive("the Redis adapter", "scanCount", options.scanCount, DEFAULT_SCAN_COUNT);
    if (!Number.isInteger(scanCount)) {
      throw new TypeError(
        `Cannot create the Redis adapter as 'scanCount' must be a positive integer: current value is ${scanCount}`,
      );
    }
    this.#scanCount = scanCount;
  }

  /**
   * `ACL DELUSER usr_<t>` (which disconnects the tenant's clients, so that
   * nothing writes while the keys go), then SCAN MATCH `<t>:*` with
   * pipelined UNLINK batches. Idempotent.
   *
   * @sanctionedDrop
   */
  // `DropReport`: the quarantining subclass resolves with one.
  async deprovision(token: string): Promise<void | DropReport> {
    const { user, pattern } = this.#targets(token);
    const context: FailureContext = { action: "deprovision", what: "the Redis tenant", token };
    await inSession(this.hooks, context, async (client, step) => {
      step("ACL DELUSER");
      await deleteAclUser(client, user);
      step("SCAN and UNLINK");
      await purgeKeys(client, pattern, this.#scanCount);
    });
  }

  /** Whether the ACL user exists or any key matches `<t>:*` (a SCAN that stops at the first match). */
  async exists(token: string): Promise<boolean> {
    const { user, pattern } = this.#targets(token);
    const context: FailureContext = { action: "check", what: "the Redis tenant", token };
    return await inSession(this.hooks, context, async (client, step) => {
      step("ACL GETUSER");
      if (await aclUserExists(client, user)) return true;
      step("SCAN");
      return await anyKeyMatches(client, pattern, this.#scanCount);
    });
  }

  #targets(token: string): { user: string; pattern: string } {
    // The token's case is the name rules' policy, the same for every backend.
    const checked = checkTenantToken(this.nameRules, token);
    return { user: this.nameRules.checkUserName(`usr_${checked}`), pattern: tenantKeyPattern(checked) };
  }
}

/** Drops a dedicated tenant: its ACL user `ded_<t>`, then everything on its own server. */
export class RedisDedicatedDeprovisioner extends RedisDeprovisioner implements Deprovisioner {
  readonly backend: Backend = "dedicated";
  readonly #allowedUsers: ReadonlySet<string>;

  constructor(options: RedisDedicatedOptions) {
    super("the dedicated Redis adapter", options);
    const allowed = options.allowedUsers ?? [];
    if (!Array.isArray(allowed) || !allowed.every((user) => typeof user === "string" && user.length > 0)) {
      throw new TypeError(
        `Cannot create the dedicated Redis adapter as 'allowedUsers' must be an array of non-empty strings: current value is ${
          describe(allowed)
        }`,
      );
    }
    this.#allowedUsers = new Set(allowed);
  }

  /**
   * Flushes the tenant's server only with proof that it is the tenant's
   * own: its `ded_<t>` user is there. Then it refuses a server that also
   * holds other ACL users, and runs `FLUSHALL ASYNC` and `ACL DELUSER
   * ded_<t>` in one transaction. Without the user, a server without keys is
   * already gone (`ok`, nothing sent), and a server with keys is refused.
   * Idempotent, and safe to run many times at once.
   *
   * @sanctionedDrop
   */
  // `DropReport`: the quarantining subclass resolves with one.
  async deprovision(token: string): Promise<void | DropReport> {
    const user = this.#target(token);
    const context: FailureContext = { action: "deprovision", what: "the dedicated Redis tenant", token };
    await inSession(this.hooks, context, async (client, step) => {
      step("ACL GETUSER");
      if (!(await aclUserExists(client, user))) {
        // No proof. An empty server is what a finished drop leaves (or a
        // concurrent one of the same tenant): nothing to do. Any key there
        // may be another tenant's, since the absence of other users proves
        // nothing (many shared servers run with `default` alone).
        step("INFO keyspace");
        const keys = await serverKeyCount(client);
        if (keys === 0) return;
        throw new RefusedError(
          `Cannot deprovision the dedicated Redis tenant ${JSON.stringify(token)} as its server holds no ACL user ` +
            `${JSON.stringify(user)}, the proof that it is the tenant's own, and holds ${keys} key${
              keys === 1 ? "" : "s"
            }: ` +
            "FLUSHALL there could wipe another tenant's data. Check that the URL is the tenant's own server; " +
            `if it is, create the user ${JSON.stringify(user)} on it first`,
        );
      }
      step("ACL USERS");
      // The tenant's own quarantine marks (`gd-quarantine~<name>~ded_<t>~…`,
      // disabled, no permission, made only by an admin) are the platform's:
      // a copy in place that the flush takes, so they go with the user.
      const users = (await client.call("ACL", "USERS")) as string[];
      const marks = users.filter((name) => parseMarker(name)?.user === user);
      const allowed = new Set([...this.#allowedUsers, ...marks]);
      const { users: others, self } = await unexpectedAclUsers(
        client,
        user,
        allowed,
        (name) => this.#tenantShaped(name),
      );
      if (others.length > 0) {
        const shown = others.slice(0, 5).map((name) => JSON.stringify(name)).join(", ");
        const own = others.includes(self)
          ? `. ${
            JSON.stringify(self)
          } is the connection's own user, named like a tenant's: a URL with a tenant's credentials ` +
            "points at that tenant's server"
          : "";
        throw new RefusedError(
          `Cannot deprovision the dedicated Redis tenant ${
            JSON.stringify(token)
          } as its server holds other ACL users ` +
            `(${shown}${
              others.length > 5 ? `, and ${others.length - 5} more` : ""
            }): FLUSHALL there could wipe another ` +
            `tenant's data${own}. Check that the URL is the tenant's own server, or list the platform's users in 'allowedUsers'`,
        );
      }
      step("MULTI FLUSHALL ASYNC, ACL DELUSER");
      await flushServerAndDeleteUser(client, user, ...marks);
    });
  }

  /** Whether the ACL user `ded_<t>` exists or any database of the server holds a key. */
  async exists(token: string): Promise<boolean> {
    const user = this.#target(token);
    const context: FailureContext = { action: "check", what: "the dedicated Redis tenant", token };
    return await inSession(this.hooks, context, async (client, step) => {
      step("ACL GETUSER");
      if (await aclUserExists(client, user)) return true;
      step("INFO keyspace");
      return (await serverKeyCount(client)) > 0;
    });
  }

  #target(token: string): string {
    return this.nameRules.checkUserName(`ded_${checkTenantToken(this.nameRules, token)}`);
  }

  /**
   * Whether an ACL user looks like some tenant's: it starts with one of the
   * default user prefixes (any case), or the configured name rules accept it
   * as a tenant user. A name rule that throws anything but a refusal counts
   * as "tenant-shaped": when in doubt, the connection's user is not exempt.
   */
  #tenantShaped(user: string): boolean {
    const lower = user.toLowerCase();
    if (DEFAULT_NAME_RULES.userPrefixes.some((prefix) => lower.startsWith(prefix))) return true;
    try {
      this.nameRules.checkUserName(user);
      return true;
    } catch (err) {
      // By code, not class: custom rules may come from another copy of the package.
      return (err as { code?: unknown } | null)?.code !== "GD_REFUSED";
    }
  }
}
