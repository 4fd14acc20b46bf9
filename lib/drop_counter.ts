/**
 * The counter contract: `provisioner_drop_total{resource_type,backend,outcome}`
 * counts every call, and the optional `incAction` counts it again by what it
 * did (`provisioner_drop_action_total{resource_type,backend,action,outcome}`
 * with `guarded-drop/prom-client`), so that alerts can tell a destruction
 * from a quarantine or a restore.
 *
 * @module
 */

import type { DropAction } from "./drop_action.ts";
import type { DropOutcome } from "./outcome.ts";

/**
 * The labels of one increment.
 *
 * @example
 * ```ts
 * import type { DropCounterLabels } from "guarded-drop";
 *
 * const labels: DropCounterLabels = { resource_type: "redis", backend: "shared", outcome: "ok" };
 * ```
 */
export interface DropCounterLabels {
  /** The request's resource type, or `unknown` when it had none. */
  readonly resource_type: string;
  /** The request's backend, or `unknown` when it had none. */
  readonly backend: string;
  /** How the drop ended. */
  readonly outcome: DropOutcome;
}

/**
 * What guardedDrop counts with: a prom-client `Counter` fits as it is, and
 * `guarded-drop/prom-client` makes one.
 *
 * @example
 * ```ts
 * import type { DropCounter } from "guarded-drop";
 *
 * const counts = new Map<string, number>();
 * const counter: DropCounter = {
 *   inc(labels) {
 *     const key = `${labels.resource_type}/${labels.backend}/${labels.outcome}`;
 *     counts.set(key, (counts.get(key) ?? 0) + 1);
 *   },
 * };
 * ```
 */
export interface DropCounter {
  /** Counts one call. A promise it returns (a push gateway) is not awaited; its rejection is reported through `logger.error`. */
  inc(labels: DropCounterLabels): void;
  /**
   * Counts the same call by its action, once, after `inc`. Optional, so that
   * a plain prom-client `Counter` with three labels still fits: without it,
   * nothing tells a quarantine from a destruction in the metrics.
   */
  incAction?(labels: DropActionLabels): void;
}

/**
 * The labels of {@linkcode DropCounter.incAction}: those of `inc`, and the
 * action the call performed (what the drop callback reported, else the
 * request's `action`, else `destroy`).
 *
 * @example
 * ```ts
 * import type { DropActionLabels } from "guarded-drop";
 *
 * const labels: DropActionLabels = { resource_type: "postgres", backend: "shared", action: "quarantine", outcome: "ok" };
 * ```
 */
export interface DropActionLabels extends DropCounterLabels {
  /** What the drop did: quarantine, destruction or restore. */
  readonly action: DropAction;
}
