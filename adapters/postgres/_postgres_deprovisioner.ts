// Internal: the PostgreSQL Deprovisioner behind postgresShared and postgresDedicated.

import { Client } from "pg";
import {
  type Backend,
  type BackendError,
  checkTenantToken,
  type DropError,
  type DropReport,
  type GuardedDrop,
  type NameRules,
  RefusedError,
} from "../../lib/mod.ts";
import { adapterCaseRule } from "../_shared/_case_rule.ts";
import { backendError, type FailureContext, sleep } from "../_shared/_errors.ts";
import { describe, positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { resolveRetention } from "../_shared/_retention.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { checkPurgeArguments } from "../_shared/_purge.ts";
import { classifyPostgresError, sqlStateOf, withRetryable } from "./_classify.ts";
import { dropTenant, type TenantNames } from "./_drop_tenant.ts";
import { copiesOf, dropQuarantinedCopy, ofTenant, quarantineTenant, restoreTenant } from "./_quarantine.ts";
import { listQuarantined } from "./_quarantine_statements.ts";
import { inspectTenant } from "./_statements.ts";
import { endClient } from "./_pg_client.ts";
import { lockTenant, LockWaitExpired, lockWaitMs, unlockTenant } from "./_tenant_lock.ts";
import type { PostgresAdapterOptions } from "./postgres_options.ts";
import type {
  PostgresAdapter,
  PurgeOptions,
  PurgeResult,
  QuarantinedCopy,
  RetentionOptions,
} from "./postgres_quarantine.ts";

/** The names of one tenant model. */
export interface PostgresForm {
  readonly backend: Backend;
  readonly databasePrefix: string;
  readonly rolePrefix: string;
  /** For messages: "the PostgreSQL tenant", "the dedicated PostgreSQL tenant". */
  readonly what: string;
  /** For option messages: "the PostgreSQL adapter". */
  readonly adapter: string;
}

// Past the server's statement_timeout, so that a slow statement is reported
// by the server (57014) and only a silent server trips the client's timer.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

// How often a call is run again, from its re-read of the catalog, when a
// statement met a concurrent catalog update by someone who does not take
// the tenant's lock (XX000 "tuple concurrently updated").
const CONCURRENT_UPDATE_ATTEMPTS = 5;

const MIXED_CASE_MODES = ["refuse", "fold", "exact"] as const;
/** What a quarantining deprovision resolves with: guardedDrop then records and counts a quarantine. */
const QUARANTINED: DropReport = Object.freeze({ action: "quarantine" });

/** Drops, or quarantines, one tenant's database and role on PostgreSQL. */
export class PostgresDeprovisioner implements PostgresAdapter {
  readonly resourceType = "postgres";
  readonly backend: Backend;
  readonly #form: PostgresForm;
  readonly #connectionString: string;
  readonly #ssl: PostgresAdapterOptions["ssl"];
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #dropDatabaseAttempts: number;
  readonly #lockWaitMs: number;
  readonly #nameRules: NameRules;
  readonly #mixedCaseTokens: "refuse" | "fold" | "exact";
  readonly #retention: Required<RetentionOptions> | undefined;
  readonly #clients = new Set<Client>();
  readonly #hooks: SessionHooks<Client> = {
    connect: (context) => this.#connect(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (client) => this.#release(client),
  };
  #closed = false;

  constructor(form: PostgresForm, options: PostgresAdapterOptions) {
    const adapter = form.adapter;
    const resolved = resolveAdapterOptions(adapter, options);
    if (typeof options.connectionString !== "string" || options.connectionString.length === 0) {
      throw new TypeError(
        `Cannot create ${adapter} as 'connectionString' must be a non-empty string: current value is ${
          describe(options.connectionString)
        }`,
      );
    }
    const connectionString = options.connectionString;
    const attempts = positive(adapter, "dropDatabaseAttempts", options.dropDatabaseAttempts, 5);
    if (!Number.isInteger(attempts)) {
      throw new TypeError(
        `Cannot create ${adapter} as 'dropDatabaseAttempts' must be a positive integer: current value is ${attempts}`,
      );
    }
    const mixedCase = adapterCaseRule(adapter, resolved.nameRules, options.mixedCaseTokens, MIXED_CASE_MODES);
    this.backend = form.backend;
    this.#form = form;
    this.#connectionString = connectionString;
    this.#ssl = options.ssl;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#dropDatabaseAttempts = attempts;
    this.#lockWaitMs = positive(adapter, "lockWaitMs", options.lockWaitMs, lockWaitMs(resolved.operationTimeoutMs));
    this.#nameRules = resolved.nameRules;
    this.#mixedCaseTokens = mixedCase;
    this.#retention = resolveRetention(adapter, options.retention);
  }

  /**
   * Drops the tenant's database and role, holding the tenant's advisory
   * lock: read the catalog; refuse (`failed`, nothing changed) when the role
   * owns objects or holds privileges that these steps cannot clear; REVOKE
   * CONNECT; terminate its backends; check the role again; DROP DATABASE IF
   * EXISTS … WITH (FORCE) (retried on 55006); DROP OWNED BY (only for what
   * is left in the admin database) and DROP ROLE IF EXISTS in one
   * transaction. Idempotent, and safe to run any number of times at once.
   * With `retention`, it quarantines instead (see quarantineTenant).
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void | DropReport> {
    const { token: checked, ...names } = this.#targets(token);
    const retention = this.#retention;
    if (retention !== undefined) {
      const context: FailureContext = { action: "quarantine", what: this.#form.what, token: checked };
      const now = retention.now();
      if (typeof now !== "number" || !Number.isFinite(now)) {
        throw new TypeError(
          `Cannot quarantine ${this.#form.what} as 'retention.now()' must return a finite number: current value is ${
            describe(now)
          }`,
        );
      }
      const tenant = { token: checked, backend: this.backend, at: new Date(now) };
      await this.#underLock(
        context,
        names.database,
        (client, step) => quarantineTenant(client, step, context, names, tenant, this.#dropDatabaseAttempts),
        (client) => gone(client, names),
      );
      // Told to guardedDrop, which records and counts a quarantine, not a destruction.
      return QUARANTINED;
    }
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token: checked };
    await this.#underLock(
      context,
      names.database,
      (client, step) => dropTenant(client, step, context, names, this.#dropDatabaseAttempts),
      (client) => gone(client, names),
    );
  }

  /** The tenant's quarantined copies, newest first. */
  async quarantined(token: string): Promise<QuarantinedCopy[]> {
    const { token: checked, ...names } = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token: checked };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("reading the quarantined copies");
      return copiesOf(await listQuarantined(client), ofTenant(names, checked, this.backend), this.#retention?.days).map(
        (marked) => marked.copy,
      );
    });
  }

  /** Brings the tenant's newest quarantined copy back under its original names. */
  async restore(token: string): Promise<QuarantinedCopy> {
    const { token: checked, ...names } = this.#targets(token);
    const context: FailureContext = { action: "restore", what: this.#form.what, token: checked };
    const restored = await this.#underLock(
      context,
      names.database,
      (client, step) =>
        restoreTenant(
          client,
          step,
          context,
          names,
          this.backend,
          this.#retention?.days,
          this.#dropDatabaseAttempts,
          this.#retention?.now() ?? Date.now(),
        ),
    );
    // Without `done`, #underLock answers undefined never. The action tells
    // guardedDrop it was a restore, even when the request did not say so.
    return { ...(restored as QuarantinedCopy), action: "restore" } as QuarantinedCopy;
  }

  /**
   * Drops each expired copy of this form through `guardedDrop`, intent
   * `quarantine_expired`, one after another.
   */
  async purgeExpired(guardedDrop: GuardedDrop, options: PurgeOptions = {}): Promise<PurgeResult> {
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
      step("reading the quarantined copies");
      return copiesOf(await listQuarantined(client), (mark) => this.#ownToken(mark), retention.days).map((marked) =>
        marked.copy
      );
    });
    const expired = copies.filter((copy) => copy.expiresAt !== null && copy.expiresAt.getTime() <= now);
    const purged: QuarantinedCopy[] = [];
    const failed: { copy: QuarantinedCopy; error: DropError }[] = [];
    const gone = new Set<string>();
    for (const copy of expired) {
      try {
        const dropped = await guardedDrop(
          {
            token: copy.token,
            providerResourceId: copy.name,
            resourceType: this.resourceType,
            backend: this.backend,
            requestId: `${prefix}/${copy.name}`,
            caller: options.caller ?? "guarded-drop/quarantine-purge",
            intent: "quarantine_expired",
          },
          () => this.#purgeCopy(copy, gone),
        );
        if (dropped) purged.push(copy);
      } catch (err) {
        // A copy restored meanwhile is neither purged nor failed; its record says refused.
        if (!gone.has(copy.name)) failed.push({ copy, error: err as DropError });
      }
    }
    return { purged, failed, kept: copies.length - expired.length };
  }

  /**
   * Whether the tenant's database or role still exists. Reads pg_database
   * and pg_roles only; a database a failed DROP left invalid
   * (`datconnlimit = -2`) still exists, and unless `mixedCaseTokens` is
   * "exact", so does a database or role whose name differs only in case.
   */
  async exists(token: string): Promise<boolean> {
    const { database, role, caseInsensitive } = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("reading pg_database and pg_roles");
      const state = await inspectTenant(client, database, role);
      return state.databaseExists || state.roleExists || (caseInsensitive === true && state.caseVariants.length > 0);
    });
  }

  /** Ends the connections of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#clients];
    this.#clients.clear();
    await Promise.allSettled(open.map((client) => endClient(client)));
  }

  /**
   * Drops one expired copy, holding its tenant's lock so that a restore
   * cannot take it at the same moment.
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: QuarantinedCopy, gone: Set<string>): Promise<true> {
    const context: FailureContext = {
      action: "purge",
      what: `the quarantined copy ${JSON.stringify(copy.name)} of ${this.#form.what}`,
      token: copy.token,
    };
    const dropped = await this.#underLock(
      context,
      copy.originalDatabase,
      (client, step) => dropQuarantinedCopy(client, step, context, copy, this.#dropDatabaseAttempts),
    );
    if (dropped !== true) {
      // Restored (or purged by another job) since the listing: nothing was
      // dropped, so the record must not say ok, nor count as a drop.
      gone.add(copy.name);
      throw new RefusedError(
        `Cannot purge ${context.what} as it must still be quarantined: current value is gone (restored or purged meanwhile), nothing was dropped`,
      );
    }
    return true;
  }

  /**
   * The token of a copy whose mark is of this adapter's form (its backend,
   * and original names that are the prefixes and one valid token), derived
   * from the names, or `undefined`. The mark's own `token` is not used: the
   * audit record of a purge names the tenant whose names the copy had.
   */
  #ownToken(mark: { backend: string; database: string; role: string }): string | undefined {
    const { databasePrefix, rolePrefix } = this.#form;
    if (mark.backend !== this.backend || !mark.database.startsWith(databasePrefix)) return undefined;
    const token = mark.database.slice(databasePrefix.length);
    if (mark.role !== rolePrefix + token) return undefined;
    try {
      return this.#nameRules.checkNamingToken(token) === token ? token : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Checks the token and both names before anything touches the server, and
   * applies the case rule (`mixedCaseTokens`). A token with upper-case
   * letters gets here only when the name rules' policy is "exact" (the
   * policy refuses it otherwise, for every backend alike): it is then folded
   * ("fold") or used as given ("exact").
   */
  #targets(token: string): TenantNames & { token: string } {
    let checked = checkTenantToken(this.#nameRules, token);
    if (this.#mixedCaseTokens === "fold") checked = checked.toLowerCase();
    return {
      token: checked,
      caseInsensitive: this.#mixedCaseTokens !== "exact",
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      role: this.#nameRules.checkUserName(`${this.#form.rolePrefix}${checked}`),
    };
  }

  /**
   * Runs `body` on a fresh admin connection that holds the tenant's
   * advisory lock, and runs it again from the start when a statement met a
   * concurrent catalog update (XX000) by someone who does not take the lock.
   */
  async #underLock<T>(
    context: FailureContext,
    database: string,
    body: (client: Client, step: (name: string) => void) => Promise<T>,
    done?: (client: Client) => Promise<boolean>,
  ): Promise<T | undefined> {
    return await inSession(this.#hooks, context, async (client, step) => {
      step("pg_try_advisory_lock");
      const budget = this.#lockWaitMs;
      let got: "locked" | "done";
      try {
        got = await lockTenant(client, database, budget, done === undefined ? undefined : () => done(client));
      } catch (err) {
        if (!(err instanceof LockWaitExpired)) throw err;
        throw withRetryable(
          backendError("failed", context, `${err.message} (lockWaitMs): a retry can succeed`, undefined, {
            sqlState: "55P03",
          }),
          true,
        );
      }
      // Another call finished the work while this one waited.
      if (got === "done") return undefined;
      try {
        for (let attempt = 1;; attempt++) {
          try {
            return await body(client, step);
          } catch (err) {
            if (sqlStateOf(err) !== "XX000" || attempt >= CONCURRENT_UPDATE_ATTEMPTS) throw err;
          }
          // Jittered, so that two writers that collided do not collide again.
          await sleep(Math.min(25 * 2 ** attempt, 1_000) * (0.5 + Math.random()));
        }
      } finally {
        await unlockTenant(client, database);
      }
    });
  }

  // A connection per call: drops are rare, and a fresh connection cannot be
  // one a server restart has silently broken, as a pooled idle one can.
  async #connect(context: FailureContext): Promise<Client> {
    if (this.#closed) throw withRetryable(backendError("failed", context, "the adapter is closed", undefined), false);
    const client = new Client({
      connectionString: this.#connectionString,
      ssl: this.#ssl,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      statement_timeout: this.#operationTimeoutMs,
      query_timeout: this.#operationTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      application_name: "guarded-drop",
      keepAlive: true,
    });
    // Without a listener, a connection the server ends would crash the process.
    client.on("error", () => {});
    this.#clients.add(client);
    try {
      await client.connect();
    } catch (err) {
      this.#clients.delete(client);
      await endClient(client);
      throw err;
    }
    return client;
  }

  async #release(client: Client | undefined): Promise<void> {
    if (client === undefined || !this.#clients.delete(client)) return;
    await endClient(client);
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    // Ours already: a refusal or a classified BackendError.
    if (typeof code === "string" && code.startsWith("GD_")) return err as BackendError;
    return classifyPostgresError(context, step, err, this.#connectTimeoutMs);
  }
}

/**
 * Whether a deprovision has nothing left to do: neither name exists, nor a
 * name that differs only in case when the names are case insensitive (the
 * call must then fail, under the lock). A quarantine moves both names in
 * one transaction, so a pending one leaves them in place.
 */
async function gone(client: Client, names: TenantNames): Promise<boolean> {
  const state = await inspectTenant(client, names.database, names.role);
  return !state.databaseExists && !state.roleExists &&
    (names.caseInsensitive !== true || state.caseVariants.length === 0);
}
