/**
 * The counter contract: `provisioner_drop_total{resource_type,backend,outcome}`.
 *
 * @module
 */

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
}
