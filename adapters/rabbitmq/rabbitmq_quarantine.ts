/**
 * The types of the RabbitMQ adapters' quarantine: {@linkcode RabbitmqAdapter}
 * and {@linkcode RabbitmqQuarantinedCopy}. The shared types
 * (`RetentionOptions`, `PurgeOptions`, `PurgeResult`) are the core's.
 *
 * @module
 */

import type { PurgeResult, QuarantinedCopyInfo, RecoverableDeprovisioner } from "../../lib/mod.ts";

export type { PurgeOptions, PurgeResult, RetentionOptions } from "../../lib/mod.ts";

/**
 * One quarantined RabbitMQ tenant: its vhost, kept under its own name with
 * its queues and messages, and its user, kept with no permission.
 *
 * @example
 * ```ts
 * import type { RabbitmqQuarantinedCopy } from "guarded-drop/adapters/rabbitmq";
 *
 * const copy: RabbitmqQuarantinedCopy = {
 *   token: "acme42",
 *   name: "vh_acme42",
 *   vhost: "vh_acme42",
 *   user: "usr_acme42",
 *   quarantinedAt: new Date("2026-12-01T22:30:00Z"),
 *   expiresAt: new Date("2026-12-31T22:30:00Z"),
 * };
 * ```
 */
export interface RabbitmqQuarantinedCopy extends QuarantinedCopyInfo {
  /** The vhost, under its original name: RabbitMQ cannot rename one. */
  readonly vhost: string;
  /** The tenant's user, kept without permissions. */
  readonly user: string;
}

/**
 * A RabbitMQ deprovisioner with the quarantine of recoverable drops. With
 * `retention`, `deprovision` quarantines: it records the user's permissions
 * in a mark (a global runtime parameter, which only an administrator can
 * write), revokes them, and closes the user's connections; the vhost, its
 * queues and messages stay. `restore` grants the recorded permissions back.
 *
 * NOTE: the broker's own expiry still runs on a quarantined vhost: message
 * TTLs (`x-message-ttl`, per-message `expiration`), queue TTLs (`x-expires`)
 * and length limits can drop messages or queues meanwhile. A vhost cannot be
 * renamed, so a copy holds its token's vhost name: provisioning that token
 * again adopts the copy's vhost (check `quarantined(token)` first).
 *
 * @example
 * ```ts
 * import { rabbitmqShared } from "guarded-drop/adapters/rabbitmq";
 *
 * const adapter = rabbitmqShared({ managementUrl: "http://guest:guest@127.0.0.1:15672", retention: { days: 30 } });
 * console.log(typeof adapter.restore); // "function"
 * await adapter.close();
 * ```
 */
export interface RabbitmqAdapter extends RecoverableDeprovisioner<RabbitmqQuarantinedCopy> {
  /** Drops every expired copy through `guardedDrop`, intent `quarantine_expired`. */
  purgeExpired(
    guardedDrop: import("../../lib/mod.ts").GuardedDrop,
    options?: import("../../lib/mod.ts").PurgeOptions,
  ): Promise<PurgeResult<RabbitmqQuarantinedCopy>>;
}
