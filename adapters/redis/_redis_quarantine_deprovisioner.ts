// Internal: the Redis deprovisioners with the quarantine, what redisShared
// and redisDedicated return. Without `retention` they are the plain
// deprovisioners; with it, `deprovision` quarantines.

import type { Redis } from "ioredis";
import { checkTenantToken, DEFAULT_NAME_RULES, type DropReport, type GuardedDrop } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { goneError, purgeCopies } from "../_shared/_purge.ts";
import { quarantineTime, resolveRetention } from "../_shared/_retention.ts";
import { inSession } from "../_shared/_session.ts";
import type { PurgeOptions, PurgeResult, QuarantinedCopy, RetentionOptions } from "../postgres/postgres_quarantine.ts";
import { tenantKeyPattern } from "./_commands.ts";
import {
  dedicatedCopy,
  dedicatedMarks,
  dropDedicatedCopy,
  dropSharedCopy,
  enabled,
  quarantineDedicated,
  quarantineShared,
  restoreDedicated,
  restoreShared,
  sharedCopies,
  type SharedTenant,
} from "./_quarantine.ts";
import { aclRules, readMarks, takeLock } from "./_quarantine_commands.ts";
import { RedisDedicatedDeprovisioner, RedisSharedDeprovisioner } from "./_redis_deprovisioner.ts";
import { DEFAULT_SCAN_COUNT, type RedisDedicatedOptions, type RedisSharedOptions } from "./redis_options.ts";
import type { RedisAdapter } from "./redis_quarantine.ts";

/** What a quarantining deprovision resolves with: guardedDrop then records and counts a quarantine, not a destruction. */
const QUARANTINED: DropReport = Object.freeze({ action: "quarantine" });

/** How long a call waits for the tenant's lock. */
const LOCK_WAIT_MS = 30_000;
/** How long a lock outlives a process that died holding it. */
const LOCK_TTL_MS = 10_000;

/** Runs `body` on a fresh connection that holds the tenant's lock `#gdq:lock:<user>`. */
async function underLock<T>(
  hooks: RedisSharedQuarantineDeprovisioner["hooks"],
  context: FailureContext,
  user: string,
  body: (client: Redis, step: (name: string) => void) => Promise<T>,
): Promise<T> {
  return await inSession(hooks, context, async (client, step) => {
    step("SET #gdq:lock NX");
    const lock = await takeLock(client, user, LOCK_WAIT_MS, LOCK_TTL_MS);
    if (lock === undefined) {
      throw backendError(
        "failed",
        context,
        `another call held the tenant's lock for ${LOCK_WAIT_MS} ms; a retry finishes it`,
        undefined,
      );
    }
    try {
      return await body(client, step);
    } finally {
      await lock.release();
    }
  });
}

/**
 * Whether an ACL user looks like some tenant's: a default user prefix (any
 * case), or a name the configured rules accept as a tenant user.
 */
function tenantShapedBy(nameRules: RedisSharedQuarantineDeprovisioner["nameRules"]): (user: string) => boolean {
  return (user) => {
    const lower = user.toLowerCase();
    if (DEFAULT_NAME_RULES.userPrefixes.some((prefix) => lower.startsWith(prefix))) return true;
    try {
      nameRules.checkUserName(user);
      return true;
    } catch (err) {
      return (err as { code?: unknown } | null)?.code !== "GD_REFUSED";
    }
  };
}

/** A shared tenant's deprovisioner, with the quarantine. */
export class RedisSharedQuarantineDeprovisioner extends RedisSharedDeprovisioner implements RedisAdapter {
  readonly #retention: Required<RetentionOptions> | undefined;
  readonly #scanCount: number;

  constructor(options: RedisSharedOptions) {
    super(options);
    this.#retention = resolveRetention("the Redis adapter", options.retention);
    this.#scanCount = options.scanCount ?? DEFAULT_SCAN_COUNT;
  }

  /**
   * Without `retention`, drops. With it, under the tenant's lock,
   * quarantines: see quarantineShared.
   *
   * @sanctionedDrop
   */
  override async deprovision(token: string): Promise<void | DropReport> {
    const retention = this.#retention;
    if (retention === undefined) return await super.deprovision(token);
    const tenant = this.#tenant(token);
    const at = quarantineTime("the Redis tenant", retention);
    const context: FailureContext = { action: "quarantine", what: "the Redis tenant", token: tenant.token };
    await underLock(
      this.hooks,
      context,
      tenant.user,
      (client, step) =>
        quarantineShared(client, step, context, tenant, at, this.#scanCount, tenantShapedBy(this.nameRules)),
    );
    return QUARANTINED;
  }

  /** The tenant's quarantined copies, newest first. */
  async quarantined(token: string): Promise<QuarantinedCopy[]> {
    const tenant = this.#tenant(token);
    const context: FailureContext = { action: "check", what: "the Redis tenant", token: tenant.token };
    return await inSession(this.hooks, context, async (client, step) => {
      step("HGETALL #gdq:marks");
      const own = (m: { user: string; pattern: string; backend: string }) =>
        m.user === tenant.user && m.pattern === tenant.pattern && m.backend === tenant.backend
          ? tenant.token
          : undefined;
      return sharedCopies(await readMarks(client), own, this.#retention?.days).map((c) => c.copy);
    });
  }

  /** Brings the tenant's newest copy back. */
  async restore(token: string): Promise<QuarantinedCopy> {
    const tenant = this.#tenant(token);
    const context: FailureContext = { action: "restore", what: "the Redis tenant", token: tenant.token };
    const restored = await underLock(
      this.hooks,
      context,
      tenant.user,
      (client, step) => restoreShared(client, step, context, tenant, this.#retention?.days, this.#scanCount),
    );
    // The action tells guardedDrop it was a restore, even when the request did not say so.
    return { ...restored, action: "restore" } as QuarantinedCopy;
  }

  /** Drops each expired copy through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(guardedDrop: GuardedDrop, options: PurgeOptions = {}): Promise<PurgeResult> {
    return await purgeCopies(
      {
        adapter: "the Redis adapter",
        what: "the Redis tenant",
        resourceType: this.resourceType,
        backend: this.backend,
        retention: this.#retention,
        list: () =>
          inSession(
            this.hooks,
            { action: "purge", what: "the quarantined copies of each Redis tenant", token: "*" },
            async (client, step) => {
              step("HGETALL #gdq:marks");
              return sharedCopies(await readMarks(client), (mark) => this.#ownToken(mark), this.#retention?.days)
                .filter((c) => c.mark.state === "quarantined")
                .map((c) => c.copy);
            },
          ),
        guarded: (request, copy, gone) => guardedDrop(request, () => this.#purgeCopy(copy, gone)),
      },
      guardedDrop,
      options,
    );
  }

  /**
   * Drops one expired copy under its tenant's lock.
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: QuarantinedCopy, gone: () => void): Promise<void> {
    const context: FailureContext = {
      action: "purge",
      what: `the quarantined copy ${JSON.stringify(copy.name)} of the Redis tenant`,
      token: copy.token,
    };
    if (
      await underLock(
        this.hooks,
        context,
        copy.originalRole,
        (client, step) => dropSharedCopy(client, step, copy, this.#scanCount),
      )
    ) return;
    gone();
    throw goneError(copy, "the Redis tenant");
  }

  /** The token a mark's user and pattern were made from, when they are this form's and consistent. */
  #ownToken(mark: { user: string; pattern: string; backend: string }): string | undefined {
    if (mark.backend !== this.backend || !mark.user.startsWith("usr_")) return undefined;
    const token = mark.user.slice("usr_".length);
    try {
      const tenant = this.#tenant(token);
      return tenant.user === mark.user && tenant.pattern === mark.pattern ? token : undefined;
    } catch {
      return undefined;
    }
  }

  #tenant(token: string): SharedTenant {
    const checked = checkTenantToken(this.nameRules, token);
    return {
      token: checked,
      backend: this.backend,
      user: this.nameRules.checkUserName(`usr_${checked}`),
      pattern: tenantKeyPattern(checked),
    };
  }
}

/** A dedicated tenant's deprovisioner, with the quarantine. */
export class RedisDedicatedQuarantineDeprovisioner extends RedisDedicatedDeprovisioner implements RedisAdapter {
  readonly #retention: Required<RetentionOptions> | undefined;
  readonly #allowed: ReadonlySet<string>;

  constructor(options: RedisDedicatedOptions) {
    super(options);
    this.#retention = resolveRetention("the dedicated Redis adapter", options.retention);
    this.#allowed = new Set(options.allowedUsers ?? []);
  }

  /**
   * Without `retention`, drops. With it, under the tenant's lock,
   * quarantines: see quarantineDedicated.
   *
   * @sanctionedDrop
   */
  override async deprovision(token: string): Promise<void | DropReport> {
    const retention = this.#retention;
    if (retention === undefined) return await super.deprovision(token);
    const user = this.#user(token);
    const at = quarantineTime("the dedicated Redis tenant", retention);
    const context: FailureContext = { action: "quarantine", what: "the dedicated Redis tenant", token };
    await underLock(this.hooks, context, user, (client, step) => quarantineDedicated(client, step, context, user, at));
    return QUARANTINED;
  }

  /** With `retention`: whether `ded_<t>` exists and is not quarantined, or, without it, the server holds a key. */
  override async exists(token: string): Promise<boolean> {
    if (this.#retention === undefined) return await super.exists(token);
    const user = this.#user(token);
    const context: FailureContext = { action: "check", what: "the dedicated Redis tenant", token };
    return await inSession(this.hooks, context, async (client, step) => {
      step("ACL LIST");
      const rules = await aclRules(client, user);
      if (rules === undefined) return await super.exists(token);
      return enabled(rules) || (await dedicatedMarks(client, user)).length === 0;
    });
  }

  /** The tenant's quarantined copy, when it has one. */
  async quarantined(token: string): Promise<QuarantinedCopy[]> {
    const user = this.#user(token);
    const context: FailureContext = { action: "check", what: "the dedicated Redis tenant", token };
    return await inSession(this.hooks, context, async (client, step) => {
      step("ACL USERS");
      return (await dedicatedMarks(client, user)).map((mark) => dedicatedCopy(mark, token, this.#retention?.days));
    });
  }

  /**
   * Gives the tenant its server back. It deletes the mark user: call it
   * inside guardedDrop, with `action: "restore"`.
   *
   * @sanctionedDrop
   */
  async restore(token: string): Promise<QuarantinedCopy> {
    const user = this.#user(token);
    const context: FailureContext = { action: "restore", what: "the dedicated Redis tenant", token };
    const mark = await underLock(
      this.hooks,
      context,
      user,
      (client, step) => restoreDedicated(client, step, context, user),
    );
    // The action tells guardedDrop it was a restore, even when the request did not say so.
    return { ...dedicatedCopy(mark, token, this.#retention?.days), action: "restore" } as QuarantinedCopy;
  }

  /** Drops the expired copy on this server through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(guardedDrop: GuardedDrop, options: PurgeOptions = {}): Promise<PurgeResult> {
    return await purgeCopies(
      {
        adapter: "the dedicated Redis adapter",
        what: "the dedicated Redis tenant",
        resourceType: this.resourceType,
        backend: this.backend,
        retention: this.#retention,
        list: () =>
          inSession(this.hooks, {
            action: "purge",
            what: "the quarantined copies of each dedicated Redis tenant",
            token: "*",
          }, async (client, step) => {
            step("ACL USERS");
            return (await dedicatedMarks(client)).flatMap((mark) => {
              const token = this.#ownToken(mark.user);
              return token === undefined ? [] : [dedicatedCopy(mark, token, this.#retention?.days)];
            });
          }),
        guarded: (request, copy, gone) => guardedDrop(request, () => this.#purgeCopy(copy, gone)),
      },
      guardedDrop,
      options,
    );
  }

  /**
   * Flushes the server of one expired copy under its tenant's lock.
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: QuarantinedCopy, gone: () => void): Promise<void> {
    const context: FailureContext = {
      action: "purge",
      what: `the quarantined copy ${JSON.stringify(copy.name)} of the dedicated Redis tenant`,
      token: copy.token,
    };
    const shaped = tenantShapedBy(this.nameRules);
    if (
      await underLock(
        this.hooks,
        context,
        copy.originalRole,
        (client, step) => dropDedicatedCopy(client, step, context, copy, this.#allowed, shaped),
      )
    ) return;
    gone();
    throw goneError(copy, "the dedicated Redis tenant");
  }

  #ownToken(user: string): string | undefined {
    if (!user.startsWith("ded_")) return undefined;
    const token = user.slice("ded_".length);
    try {
      return this.#user(token) === user ? token : undefined;
    } catch {
      return undefined;
    }
  }

  #user(token: string): string {
    return this.nameRules.checkUserName(`ded_${checkTenantToken(this.nameRules, token)}`);
  }
}
