/**
 * {@linkcode createAuditRecorder}: a real audit pipeline to check drops
 * against. guardedDrop writes with a pino logger synchronously to a temp file
 * and counts in its own prom-client registry; the checks then read the
 * records back from the file and the counter values from the registry, and
 * assert on counts.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import {
  createGuardedDrop,
  type DropAction,
  type DropOutcome,
  type GuardedDrop,
  type GuardedDropOptions,
} from "../lib/mod.ts";
import { type AuditLogger, createAuditLogger } from "../adapters/pino/mod.ts";
import { createDropCounter } from "../adapters/prom_client/mod.ts";

/**
 * One parsed line of the audit file.
 *
 * @example
 * ```ts
 * import type { AuditLine } from "guarded-drop/harness";
 *
 * const isFailure = (line: AuditLine) => line.event === "provisioner.drop.failed";
 * ```
 */
export interface AuditLine {
  /** pino's level: 30 info, 40 warn, 50 error. */
  level: number;
  /** `provisioner.drop`, `provisioner.drop.failed`… */
  event: string;
  /** Unique per guardedDrop call. */
  drop_id: string;
  /** The tenant's token. */
  token: string;
  /** The provider's id of the resource dropped. */
  provider_resource_id: string;
  /** The resource type (`postgres`, `redis`…). */
  resource_type: string;
  /** `shared` or `dedicated`. */
  backend: string;
  /** The request's id. */
  request_id: string;
  /** Who asked for the drop; `unknown` when the request had none. */
  caller: string;
  /** The request's intent, when it had one. */
  intent?: string;
  /** How the drop ended, on a failed record. */
  outcome?: string;
  /** The error's message, scrubbed of credentials, on a failed record. */
  error?: string;
  /** Any other field the record carries. */
  [key: string]: unknown;
}

/**
 * The labels to read a counter value by.
 *
 * @example
 * ```ts
 * import type { CountLabels } from "guarded-drop/harness";
 *
 * const labels: CountLabels = { resource_type: "redis", backend: "shared", outcome: "ok" };
 * ```
 */
export interface CountLabels {
  /** The `resource_type` label. */
  resource_type: string;
  /** The `backend` label. */
  backend: string;
  /** The `outcome` label. */
  outcome: DropOutcome;
}

/**
 * A guardedDrop wired to a temp audit file and a private registry.
 *
 * @example
 * ```ts
 * import { createAuditRecorder } from "guarded-drop/harness";
 *
 * const recorder = createAuditRecorder();
 * await recorder.guardedDrop({ token: "acme42", resourceType: "redis", backend: "shared", requestId: "r1" }, () => {});
 * console.log(recorder.dropRecords().length); // 1
 * recorder.close();
 * ```
 */
export interface AuditRecorder {
  /** A guardedDrop that writes to `logger` and counts in `registry`. */
  readonly guardedDrop: GuardedDrop;
  /** The logger that keeps every record written. */
  readonly logger: AuditLogger;
  /** The prom-client registry holding the drop counter. */
  readonly registry: Registry;
  /** The audit file. */
  readonly file: string;
  /** Every line of the audit file, parsed. */
  lines(): AuditLine[];
  /** The `provisioner.drop` records, optionally only those of one request id. */
  dropRecords(requestId?: string): AuditLine[];
  /** The `provisioner.drop.failed` records, optionally only those of one request id. */
  failedRecords(requestId?: string): AuditLine[];
  /** The value of `provisioner_drop_total` for the labels (0 when the series does not exist). */
  count(labels: CountLabels): Promise<number>;
  /**
   * The value of `provisioner_drop_action_total` for these labels: calls by
   * what they did (`destroy`, `quarantine`, `restore`).
   */
  countAction(labels: CountLabels & { action: DropAction }): Promise<number>;
  /** The sum of all series of `provisioner_drop_total`. */
  total(): Promise<number>;
  /** Closes the audit file and removes its temp dir. */
  close(): void;
}

/**
 * Builds an {@linkcode AuditRecorder}. `options` go to createGuardedDrop (a
 * policy, a budget, a breaker clock…); the logger and the counter are the
 * recorder's own.
 *
 * @param options guardedDrop options other than `logger` and `counter`.
 * @returns The recorder. Call `close()` when done.
 *
 * @example With a short breaker cooldown
 * ```ts
 * import { createAuditRecorder } from "guarded-drop/harness";
 *
 * const recorder = createAuditRecorder({ breaker: { cooldownMs: 100 } });
 * recorder.close();
 * ```
 */
export function createAuditRecorder(
  options: Omit<GuardedDropOptions, "logger" | "counter"> = {},
): AuditRecorder {
  const dir = mkdtempSync(join(tmpdir(), "guarded-drop-audit-"));
  const file = join(dir, "audit.log");
  const logger = createAuditLogger({ destination: file });
  const registry = new Registry();
  const counter = createDropCounter({ registry });
  const guardedDrop = createGuardedDrop({ ...options, logger, counter });

  function lines(): AuditLine[] {
    return readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) =>
      JSON.parse(line) as AuditLine
    );
  }
  async function values(
    name = "provisioner_drop_total",
  ): Promise<{ labels: Record<string, string | number>; value: number }[]> {
    const metric = registry.getSingleMetric(name);
    if (metric === undefined) throw new Error(`${name} is not registered`);
    return (await metric.get()).values as { labels: Record<string, string | number>; value: number }[];
  }
  const byEvent = (event: string, requestId: string | undefined) =>
    lines().filter((l) => l.event === event && (requestId === undefined || l.request_id === requestId));

  return {
    guardedDrop,
    logger,
    registry,
    file,
    lines,
    dropRecords: (requestId) => byEvent("provisioner.drop", requestId),
    failedRecords: (requestId) => byEvent("provisioner.drop.failed", requestId),
    async count(labels) {
      const series = (await values()).find((v) =>
        v.labels.resource_type === labels.resource_type && v.labels.backend === labels.backend &&
        v.labels.outcome === labels.outcome
      );
      return series?.value ?? 0;
    },
    async countAction(labels) {
      const series = (await values("provisioner_drop_action_total")).find((v) =>
        v.labels.resource_type === labels.resource_type && v.labels.backend === labels.backend &&
        v.labels.outcome === labels.outcome && v.labels.action === labels.action
      );
      return series?.value ?? 0;
    },
    async total() {
      return (await values()).reduce((sum, v) => sum + v.value, 0);
    },
    close() {
      logger.destination.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
