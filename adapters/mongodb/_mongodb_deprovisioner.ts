// Internal: the MongoDB Deprovisioner behind mongodbShared and mongodbDedicated.

import { MongoClient, type MongoClientOptions } from "mongodb";
import {
  type Backend,
  checkTenantToken,
  type DropError,
  type DropReport,
  type GuardedDrop,
  type NameRules,
  type PurgeOptions,
  type PurgeResult,
  RefusedError,
  type RetentionOptions,
  scrubbedMessage,
} from "../../lib/mod.ts";
import { DAY_MS, resolveRetention } from "../_shared/_retention.ts";
import {
  flagMark,
  grantRoles,
  killUserSessions,
  listMarks,
  type MongodbMark,
  type MongoTarget,
  readMark,
  removeMark,
  revokeRoles,
  trustedMark,
  userRoles,
  withinRecorded,
  writeMark,
} from "./_quarantine.ts";
import type { MongodbAdapter, MongodbQuarantinedCopy } from "./mongodb_quarantine.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { MONGODB_URL } from "../_shared/_connection_url.ts";
import { describe, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { checkPurgeArguments } from "../_shared/_purge.ts";
import { classifyMongoError } from "./_classify.ts";
import { databaseExists, dropTenantDatabase, dropTenantUser, userExists } from "./_commands.ts";
import { readCaseVariants } from "./_case_variants.ts";
import type { MongodbAdapterOptions } from "./mongodb_options.ts";

/** The names of one tenant model. */
export interface MongodbForm {
  readonly backend: Backend;
  readonly databasePrefix: string;
  readonly userPrefix: string;
  readonly what: string;
  readonly adapter: string;
}

/** Drops one tenant's user and database on MongoDB. */
const QUARANTINED: DropReport = Object.freeze({ action: "quarantine" });

export class MongodbDeprovisioner implements MongodbAdapter {
  readonly resourceType = "mongodb";
  readonly backend: Backend;
  readonly #form: MongodbForm;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #nameRules: NameRules;
  readonly #clients = new Set<MongoClient>();
  readonly #hooks: SessionHooks<MongoClient> = {
    connect: (context) => this.#connect(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (client) => this.#release(client),
  };
  readonly #retention: Required<RetentionOptions> | undefined;
  /**
   * Whether a name that differs from the tenant's only in case may be the
   * one the platform meant: unless the name rules take tokens exactly as
   * given (`mixedCaseTokens: "exact"`), where such a name is another tenant.
   */
  readonly #caseInsensitive: boolean;
  #closed = false;

  constructor(form: MongodbForm, options: MongodbAdapterOptions) {
    const resolved = resolveAdapterOptions(form.adapter, options, { option: "url", rule: MONGODB_URL });
    if (typeof options.url !== "string" || options.url.length === 0) {
      throw new TypeError(
        `Cannot create ${form.adapter} as 'url' must be a non-empty string: current value is ${describe(options.url)}`,
      );
    }
    this.backend = form.backend;
    this.#form = form;
    this.#url = options.url;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#nameRules = resolved.nameRules;
    this.#retention = resolveRetention(form.adapter, options.retention);
    this.#caseInsensitive = this.#nameRules.mixedCaseTokens !== "exact";
    this.#checkDriverAccepts(form.adapter);
  }

  // The driver parses the URL and its options when a client is made, and
  // never connects then: made here once, an option it rejects (`?replSet=`,
  // `directConnection` with two hosts, an SRV URL with a port) is a
  // configuration error from the factory, not a `failed` drop.
  #checkDriverAccepts(adapter: string): void {
    let client: MongoClient;
    try {
      client = new MongoClient(this.#url, this.#clientOptions());
    } catch (err) {
      // The driver names options and their values, not the URL; scrubbed anyway.
      const why = scrubbedMessage(err).split(this.#url).join("<url>").slice(0, 200);
      const name = (err as { name?: unknown } | null)?.name;
      throw new TypeError(
        `Cannot create ${adapter} as 'url' must be a connection string the MongoDB driver accepts: it rejects it (${
          typeof name === "string" ? `${name}: ` : ""
        }${why})`,
      );
    }
    // Nothing was opened; close() only settles the client's bookkeeping.
    void client.close().catch(() => {});
  }

  #clientOptions(): MongoClientOptions {
    return {
      serverSelectionTimeoutMS: this.#connectTimeoutMs,
      connectTimeoutMS: this.#connectTimeoutMs,
      socketTimeoutMS: this.#operationTimeoutMs,
      appName: "guarded-drop",
    };
  }

  /**
   * Without `retention`: `dropUser` in `admin` (UserNotFound is fine), then
   * `dropDatabase`. Idempotent. With `retention`: quarantines (see
   * #quarantine), resolving `{ action: "quarantine" }`. Either way it fails,
   * with nothing changed, while a database or user whose name differs from
   * the tenant's only in case exists (see #failOnCaseVariants).
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void | DropReport> {
    const target = this.#target(token);
    if (this.#retention !== undefined) return await this.#quarantine(target);
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token };
    await inSession(this.#hooks, context, async (client, step) => {
      await this.#failOnCaseVariants(client, step, context, target);
      step("dropUser");
      await dropTenantUser(client, target.user);
      step("dropDatabase");
      await dropTenantDatabase(client, target.database);
    });
  }

  /**
   * Whether the user (`usersInfo`) or the database (`listDatabases`) exists,
   * and is not quarantined; true as well while a database or user whose name
   * differs from the tenant's only in case exists (unless the name rules are
   * "exact"), since that may be the tenant the platform meant.
   */
  async exists(token: string): Promise<boolean> {
    const target = this.#target(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      if (this.#caseInsensitive) {
        step("listDatabases and usersInfo in any case");
        if ((await readCaseVariants(client, target.database, target.user)).length > 0) return true;
      }
      step("reading the quarantine mark");
      if (await readMark(client, target) !== undefined) return false;
      step("usersInfo");
      if (await userExists(client, target.user)) return true;
      step("listDatabases");
      return await databaseExists(client, target.database);
    });
  }

  /** The tenant's quarantined copy (a database name holds one at most), or none. */
  async quarantined(token: string): Promise<MongodbQuarantinedCopy[]> {
    const target = this.#target(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("reading the quarantine mark");
      const mark = await readMark(client, target);
      return mark === undefined ? [] : [this.#copyOf(mark)];
    });
  }

  /**
   * Grants the recorded roles back, then removes the mark. Refused, with
   * nothing changed, without a copy, without the user, or when the user has
   * other roles now (a new tenant of that token).
   */
  async restore(token: string): Promise<MongodbQuarantinedCopy> {
    const target = this.#target(token);
    const context: FailureContext = { action: "restore", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("reading the quarantine mark");
      const mark = await readMark(client, target);
      if (mark === undefined) {
        throw new RefusedError(
          `Cannot restore ${this.#form.what} ${
            JSON.stringify(token)
          } as it must have a quarantined copy: current value is none`,
        );
      }
      step("usersInfo");
      const roles = await userRoles(client, target.user);
      if (roles === undefined) {
        throw new RefusedError(
          `Cannot restore ${this.#form.what} ${JSON.stringify(token)} as its user ${
            JSON.stringify(target.user)
          } must exist: current value is gone; nothing was changed`,
        );
      }
      // Once the quarantine has revoked every role, any role was granted
      // since (a new tenant), unless a restore of ours was granting.
      const ours = mark.restoring === true || mark.revoked !== true
        ? withinRecorded(roles, mark.roles)
        : roles.length === 0;
      if (!ours) {
        throw new RefusedError(
          `Cannot restore ${this.#form.what} ${
            JSON.stringify(token)
          } as its user must have no role: current value is roles granted since the quarantine (a new tenant of that token?); the copy is kept, nothing was changed`,
        );
      }
      if (mark.restoring !== true) await flagMark(client, target.database, { restoring: true });
      step("grantRolesToUser");
      await grantRoles(client, target.user, mark.roles);
      step("removing the quarantine mark");
      await removeMark(client, target.database);
      return { ...this.#copyOf(mark), action: "restore" as const };
    });
  }

  /** Drops each expired copy of this form through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(
    guardedDrop: GuardedDrop,
    options: PurgeOptions = {},
  ): Promise<PurgeResult<MongodbQuarantinedCopy>> {
    const { retention, now, requestPrefix: prefix } = checkPurgeArguments(
      this.#form.adapter,
      this.#retention,
      guardedDrop,
      options,
    );
    const listing: FailureContext = {
      action: "purge",
      what: `the quarantined copies of each ${this.#form.what.replace(/^the /, "")}`,
      token: "*",
    };
    const copies = await inSession(this.#hooks, listing, async (client, step) => {
      step("reading the quarantine marks");
      return (await listMarks(client)).flatMap((value) => {
        const database = typeof value._id === "string" ? value._id : "";
        if (!database.startsWith(this.#form.databasePrefix)) return [];
        let target: MongoTarget;
        try {
          target = this.#target(database.slice(this.#form.databasePrefix.length));
        } catch {
          return []; // not a name this adapter makes
        }
        const mark = trustedMark(value, target);
        return mark === undefined ? [] : [this.#copyOf(mark)];
      });
    });
    const expired = copies.filter((copy) => copy.expiresAt !== null && copy.expiresAt.getTime() <= now);
    const purged: MongodbQuarantinedCopy[] = [];
    const failed: { copy: MongodbQuarantinedCopy; error: DropError }[] = [];
    for (const copy of expired) {
      try {
        await guardedDrop(
          {
            token: copy.token,
            providerResourceId: copy.name,
            resourceType: this.resourceType,
            backend: this.backend,
            requestId: `${prefix}/${copy.name}`,
            caller: options.caller ?? "guarded-drop/quarantine-purge",
            intent: "quarantine_expired",
          },
          () => this.#purgeCopy(copy),
        );
        purged.push(copy);
      } catch (err) {
        failed.push({ copy, error: err as DropError });
      }
    }
    return { purged, failed, kept: copies.length - expired.length };
  }

  /**
   * The mark first (the user's roles, and when), then the revoke, then the
   * sessions. Killed after the mark, the tenant is whole and listed as a
   * copy that `restore` brings back; a mark left by an interrupted call is
   * kept (its recorded roles survive a second call).
   *
   * A tenant without a vhost (database) has nothing to keep: its user is deleted.
   *
   * @sanctionedDrop
   */
  async #quarantine(target: MongoTarget): Promise<DropReport> {
    const context: FailureContext = { action: "quarantine", what: this.#form.what, token: target.token };
    return await inSession(this.#hooks, context, async (client, step) => {
      await this.#failOnCaseVariants(client, step, context, target);
      step("reading the quarantine mark");
      let mark = await readMark(client, target);
      if (mark === undefined) {
        step("usersInfo");
        const roles = await userRoles(client, target.user);
        step("listDatabases");
        if (!(await databaseExists(client, target.database))) {
          // No database, no data to keep: the user alone is dropped.
          if (roles !== undefined) await dropTenantUser(client, target.user);
          return { action: "destroy" } as DropReport;
        }
        const candidate: MongodbMark = {
          _id: target.database,
          guarded_drop: "quarantine",
          v: 1,
          token: target.token,
          backend: target.backend,
          database: target.database,
          user: target.user,
          quarantined_at: new Date(this.#retention!.now()).toISOString(),
          roles: roles ?? [],
          revoked: false,
        };
        step("writing the quarantine mark");
        await writeMark(client, candidate);
        mark = (await readMark(client, target)) ?? candidate;
      }
      step("revokeRolesFromUser");
      const now = await userRoles(client, target.user);
      if (now !== undefined) await revokeRoles(client, target.user, now);
      step("killAllSessionsByPattern");
      await killUserSessions(client, target.user);
      // From here on, a role of the user means someone granted it since.
      if (mark.revoked !== true || mark.restoring === true) {
        await flagMark(client, target.database, { revoked: true, restoring: false });
      }
      return QUARANTINED;
    });
  }

  /**
   * Drops one copy, when it is still marked with the same time (restored
   * meanwhile: refused, nothing dropped).
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: MongodbQuarantinedCopy): Promise<void> {
    const target = this.#target(copy.token);
    const context: FailureContext = {
      action: "purge",
      what: `the quarantined copy ${JSON.stringify(copy.name)} of ${this.#form.what}`,
      token: copy.token,
    };
    await inSession(this.#hooks, context, async (client, step) => {
      step("reading the quarantine mark");
      const mark = await readMark(client, target);
      if (mark === undefined || mark.quarantined_at !== copy.quarantinedAt.toISOString()) {
        throw new RefusedError(
          `Cannot purge ${context.what} as it must still be quarantined: current value is gone (restored or purged meanwhile), nothing was dropped`,
        );
      }
      step("dropUser");
      await dropTenantUser(client, target.user);
      step("dropDatabase");
      await dropTenantDatabase(client, target.database);
      step("removing the quarantine mark");
      await removeMark(client, target.database);
    });
  }

  /**
   * Fails, before anything is changed, while a database or user whose name
   * differs from the tenant's only in case exists: MongoDB refuses a second
   * database name in another case, so `db_Acme` is the database the
   * platform may have meant by "acme", and `usr_Acme` its user. No retry
   * cures it: an operator drops the variant by its exact name, or renames it.
   */
  async #failOnCaseVariants(
    client: MongoClient,
    step: (name: string) => void,
    context: FailureContext,
    target: MongoTarget,
  ): Promise<void> {
    if (!this.#caseInsensitive) return;
    step("listDatabases and usersInfo in any case");
    const variants = await readCaseVariants(client, target.database, target.user);
    if (variants.length === 0) return;
    const many = variants.length > 1;
    throw backendError(
      "failed",
      context,
      `${variants.join(" and ")} ${many ? "differ" : "differs"} from its names (${JSON.stringify(target.database)}, ` +
        `${
          JSON.stringify(target.user)
        }) only in case, so nothing was changed: MongoDB refuses two database names that differ ` +
        `only in case and keeps user names as given, and the platform may have meant ${many ? "them" : "it"}. Drop ` +
        `${many ? "them" : "it"} by ${
          many ? "their" : "its"
        } exact name (name rules made with mixedCaseTokens: "exact"), ` +
        `or rename ${many ? "them" : "it"}`,
      undefined,
    );
  }

  #copyOf(mark: MongodbMark): MongodbQuarantinedCopy {
    const quarantinedAt = new Date(mark.quarantined_at);
    const days = this.#retention?.days;
    return {
      token: mark.token,
      name: mark.database,
      database: mark.database,
      user: mark.user,
      quarantinedAt,
      expiresAt: days === undefined ? null : new Date(quarantinedAt.getTime() + days * DAY_MS),
    };
  }

  #target(token: string): MongoTarget {
    const checked = this.#nameRules.checkNamingToken(token);
    return { token: checked, backend: this.backend, ...this.#targets(checked) };
  }

  /** Closes the clients of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#clients];
    this.#clients.clear();
    await Promise.allSettled(open.map((client) => client.close(true)));
  }

  #targets(token: string): { database: string; user: string } {
    // The token's case is the name rules' policy, the same for every backend.
    const checked = checkTenantToken(this.#nameRules, token);
    return {
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
    };
  }

  // A client per call, closed after it: drops are rare, and an idle adapter
  // then keeps no monitoring connections open to the server.
  async #connect(context: FailureContext): Promise<MongoClient> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const client = new MongoClient(this.#url, this.#clientOptions());
    this.#clients.add(client);
    try {
      await client.connect();
    } catch (err) {
      this.#clients.delete(client);
      await client.close(true).catch(() => {});
      throw err;
    }
    return client;
  }

  async #release(client: MongoClient | undefined): Promise<void> {
    if (client === undefined || !this.#clients.delete(client)) return;
    await client.close().catch(() => {});
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("GD_")) return err;
    return classifyMongoError(context, step, err, this.#connectTimeoutMs);
  }
}
