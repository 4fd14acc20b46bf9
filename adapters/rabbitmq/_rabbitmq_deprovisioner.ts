// Internal: the RabbitMQ Deprovisioner behind rabbitmqShared and rabbitmqDedicated.

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
} from "../../lib/mod.ts";
import { DAY_MS, resolveRetention } from "../_shared/_retention.ts";
import {
  grantRecorded,
  listMarks,
  type RabbitmqMark,
  readMark,
  readPermissions,
  removeMark,
  revokePermissions,
  takenError,
  type Target,
  trustedMark,
  withinRecorded,
  writeMark,
} from "./_quarantine.ts";
import type { RabbitmqAdapter, RabbitmqQuarantinedCopy } from "./rabbitmq_quarantine.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { HTTP_URL } from "../_shared/_connection_url.ts";
import { resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { checkPurgeArguments } from "../_shared/_purge.ts";
import { type ManagementEndpoint, parseManagementUrl } from "./_management_api.ts";
import { checkApi, closeUserConnections, deleteUser, deleteVhost, objectExists } from "./_requests.ts";
import type { RabbitmqAdapterOptions } from "./rabbitmq_options.ts";

/** The names of one tenant model. */
export interface RabbitmqForm {
  readonly backend: Backend;
  readonly vhostPrefix: string;
  readonly userPrefix: string;
  readonly what: string;
  readonly adapter: string;
}

/** Drops one tenant's vhost and user through the management API. */
const QUARANTINED: DropReport = Object.freeze({ action: "quarantine" });

export class RabbitmqDeprovisioner implements RabbitmqAdapter {
  readonly resourceType = "rabbitmq";
  readonly backend: Backend;
  readonly #form: RabbitmqForm;
  readonly #endpoint: ManagementEndpoint;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #nameRules: NameRules;
  readonly #retention: Required<import("../../lib/mod.ts").RetentionOptions> | undefined;
  #closed = false;
  readonly #closing = new AbortController();
  // One tenant's quarantine, restore and purge run one after another in this
  // adapter: the management API has no transaction to make them atomic.
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(form: RabbitmqForm, options: RabbitmqAdapterOptions) {
    const resolved = resolveAdapterOptions(form.adapter, options, { option: "managementUrl", rule: HTTP_URL });
    this.#endpoint = { ...parseManagementUrl(form.adapter, options.managementUrl), closed: this.#closing.signal };
    this.backend = form.backend;
    this.#form = form;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#nameRules = resolved.nameRules;
    this.#retention = resolveRetention(form.adapter, options.retention);
  }

  /**
   * Without `retention`: `GET /api/whoami` (the API answers), close the
   * user's connections, `DELETE /api/vhosts/{vhost}`, `DELETE
   * /api/users/{user}`. A 404 is already gone, so it is idempotent. With
   * `retention`: quarantines (see #quarantine), resolving
   * `{ action: "quarantine" }`.
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void | DropReport> {
    const target = this.#target(token);
    if (this.#retention !== undefined) return await this.#serial(target.vhost, () => this.#quarantine(target));
    const context = this.#context("deprovision", token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    await closeUserConnections(this.#endpoint, context, target.user, this.#operationTimeoutMs);
    await deleteVhost(this.#endpoint, context, target.vhost, this.#operationTimeoutMs);
    await deleteUser(this.#endpoint, context, target.user, this.#operationTimeoutMs);
  }

  /** Whether the vhost or the user exists and is not quarantined. */
  async exists(token: string): Promise<boolean> {
    const target = this.#target(token);
    const context = this.#context("check", token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    // A quarantined tenant keeps its names but is not there for the platform.
    if (await readMark(this.#endpoint, context, target, this.#operationTimeoutMs) !== undefined) return false;
    return await objectExists(this.#endpoint, context, "vhosts", target.vhost, this.#operationTimeoutMs) ||
      await objectExists(this.#endpoint, context, "users", target.user, this.#operationTimeoutMs);
  }

  /** The tenant's quarantined copy (a vhost holds one at most), or none. */
  async quarantined(token: string): Promise<RabbitmqQuarantinedCopy[]> {
    const target = this.#target(token);
    const context = this.#context("check", token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    const mark = await readMark(this.#endpoint, context, target, this.#operationTimeoutMs);
    return mark === undefined ? [] : [this.#copyOf(mark)];
  }

  /**
   * Grants the recorded permissions back, then removes the mark. Refused,
   * with nothing changed, without a copy, without the user, or when the
   * user has other permissions on the vhost now (a new tenant).
   */
  async restore(token: string): Promise<RabbitmqQuarantinedCopy> {
    const target = this.#target(token);
    return await this.#serial(target.vhost, async () => {
      const context = this.#context("restore", token);
      await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
      const mark = await readMark(this.#endpoint, context, target, this.#operationTimeoutMs);
      if (
        mark === undefined ||
        !(await objectExists(this.#endpoint, context, "vhosts", target.vhost, this.#operationTimeoutMs))
      ) {
        throw new RefusedError(
          `Cannot restore ${this.#form.what} ${
            JSON.stringify(token)
          } as it must have a quarantined copy: current value is none`,
        );
      }
      if (!(await objectExists(this.#endpoint, context, "users", target.user, this.#operationTimeoutMs))) {
        throw new RefusedError(
          `Cannot restore ${this.#form.what} ${JSON.stringify(token)} as its user ${
            JSON.stringify(target.user)
          } must exist: current value is gone (deleted since the quarantine); nothing was changed`,
        );
      }
      const now = await readPermissions(this.#endpoint, context, target, this.#operationTimeoutMs);
      const none = now.permissions === null && now.topic_permissions.length === 0;
      // Once the quarantine has revoked everything, any permission was
      // granted since (a new tenant), unless a restore of ours was granting;
      // before that, what is left must be what the mark recorded.
      const ours = mark.restoring === true || mark.revoked !== true ? withinRecorded(now, mark) : none;
      if (!ours) throw takenError(context, target);
      if (mark.restoring !== true) {
        await writeMark(this.#endpoint, context, { ...mark, restoring: true }, this.#operationTimeoutMs);
      }
      await grantRecorded(this.#endpoint, context, mark, this.#operationTimeoutMs);
      await removeMark(this.#endpoint, context, target.vhost, this.#operationTimeoutMs);
      return { ...this.#copyOf(mark), action: "restore" as const };
    });
  }

  /** Drops each expired copy of this form through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(
    guardedDrop: GuardedDrop,
    options: PurgeOptions = {},
  ): Promise<PurgeResult<RabbitmqQuarantinedCopy>> {
    const { retention, now, requestPrefix: prefix } = checkPurgeArguments(
      this.#form.adapter,
      this.#retention,
      guardedDrop,
      options,
    );
    const context = this.#context("purge", "*");
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    const copies = (await listMarks(this.#endpoint, context, this.#operationTimeoutMs)).flatMap(({ vhost, value }) => {
      if (!vhost.startsWith(this.#form.vhostPrefix)) return [];
      let target: Target;
      try {
        target = this.#target(vhost.slice(this.#form.vhostPrefix.length));
      } catch {
        return []; // not a name this adapter makes
      }
      const mark = trustedMark(value, target);
      return mark === undefined ? [] : [this.#copyOf(mark)];
    });
    const expired = copies.filter((copy) => copy.expiresAt !== null && copy.expiresAt.getTime() <= now);
    const purged: RabbitmqQuarantinedCopy[] = [];
    const failed: { copy: RabbitmqQuarantinedCopy; error: DropError }[] = [];
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
          () => this.#serial(copy.vhost, () => this.#purgeCopy(copy)),
        );
        purged.push(copy);
      } catch (err) {
        failed.push({ copy, error: err as DropError });
      }
    }
    return { purged, failed, kept: copies.length - expired.length };
  }

  /**
   * Quarantines: the mark first (what the user may do, and when), then the
   * revoke, then the connections. Killed after the mark, the tenant is
   * whole and listed as a copy that `restore` brings back; a mark left by
   * an interrupted call is reused, so its recorded permissions survive.
   *
   * A tenant without a vhost (database) has nothing to keep: its user is deleted.
   *
   * @sanctionedDrop
   */
  async #quarantine(target: Target): Promise<DropReport> {
    const context = this.#context("quarantine", target.token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    let mark = await readMark(this.#endpoint, context, target, this.#operationTimeoutMs);
    if (mark === undefined) {
      if (!(await objectExists(this.#endpoint, context, "vhosts", target.vhost, this.#operationTimeoutMs))) {
        // No vhost, no data to keep: the user alone is deleted, as a drop.
        await closeUserConnections(this.#endpoint, context, target.user, this.#operationTimeoutMs);
        await deleteUser(this.#endpoint, context, target.user, this.#operationTimeoutMs);
        return { action: "destroy" };
      }
      const permissions = await readPermissions(this.#endpoint, context, target, this.#operationTimeoutMs);
      mark = {
        guarded_drop: "quarantine",
        v: 1,
        token: target.token,
        backend: target.backend,
        vhost: target.vhost,
        user: target.user,
        quarantined_at: new Date(this.#retention!.now()).toISOString(),
        ...permissions,
        revoked: false,
      };
      await writeMark(this.#endpoint, context, mark, this.#operationTimeoutMs);
    }
    await revokePermissions(this.#endpoint, context, target, this.#operationTimeoutMs);
    await closeUserConnections(this.#endpoint, context, target.user, this.#operationTimeoutMs);
    // From here on, a permission on the vhost means someone granted it since.
    if (mark.revoked !== true || mark.restoring === true) {
      await writeMark(this.#endpoint, context, { ...mark, revoked: true, restoring: false }, this.#operationTimeoutMs);
    }
    return QUARANTINED;
  }

  /**
   * Drops one copy, when it is still marked with the same time (restored
   * meanwhile: refused, nothing dropped).
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: RabbitmqQuarantinedCopy): Promise<void> {
    const target = this.#target(copy.token);
    const context = this.#context("purge", copy.token);
    const mark = await readMark(this.#endpoint, context, target, this.#operationTimeoutMs);
    if (mark === undefined || mark.quarantined_at !== copy.quarantinedAt.toISOString()) {
      throw new RefusedError(
        `Cannot purge the quarantined copy ${
          JSON.stringify(copy.name)
        } of ${this.#form.what} as it must still be quarantined: current value is gone (restored or purged meanwhile), nothing was dropped`,
      );
    }
    await closeUserConnections(this.#endpoint, context, target.user, this.#operationTimeoutMs);
    await deleteVhost(this.#endpoint, context, target.vhost, this.#operationTimeoutMs);
    await deleteUser(this.#endpoint, context, target.user, this.#operationTimeoutMs);
    await removeMark(this.#endpoint, context, target.vhost, this.#operationTimeoutMs);
  }

  #copyOf(mark: RabbitmqMark): RabbitmqQuarantinedCopy {
    const quarantinedAt = new Date(mark.quarantined_at);
    const days = this.#retention?.days;
    return {
      token: mark.token,
      name: mark.vhost,
      vhost: mark.vhost,
      user: mark.user,
      quarantinedAt,
      expiresAt: days === undefined ? null : new Date(quarantinedAt.getTime() + days * DAY_MS),
    };
  }

  /** Runs `body` after every earlier call on the same vhost in this adapter. */
  async #serial<T>(vhost: string, body: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(vhost) ?? Promise.resolve();
    const run = before.then(body, body);
    const settled = run.then(() => {}, () => {});
    this.#queues.set(vhost, settled);
    try {
      return await run;
    } finally {
      if (this.#queues.get(vhost) === settled) this.#queues.delete(vhost);
    }
  }

  /** Aborts the requests of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
  }

  #target(token: string): Target {
    const checked = this.#nameRules.checkNamingToken(token);
    return { token: checked, backend: this.backend, ...this.#targets(checked) };
  }

  #context(action: "deprovision" | "check" | "quarantine" | "restore" | "purge", token: string): FailureContext {
    const context: FailureContext = { action, what: this.#form.what, token };
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    return context;
  }

  #targets(token: string): { vhost: string; user: string } {
    // The token's case is the name rules' policy, the same for every backend.
    const checked = checkTenantToken(this.#nameRules, token);
    return {
      vhost: this.#nameRules.checkVhostName(`${this.#form.vhostPrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
    };
  }
}
