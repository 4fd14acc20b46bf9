/**
 * A real audit pipeline for tests: guardedDrop with a pino logger writing
 * synchronously to a temp file and a prom-client counter in its own
 * registry. Tests assert on the records in the file and on counter values,
 * never on the absence of errors.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createGuardedDrop, type DropOutcome, type GuardedDrop, type GuardedDropOptions } from "../../lib/mod.ts";
import { type AuditLogger, createAuditLogger } from "../../adapters/pino/mod.ts";
import { createDropCounter } from "../../adapters/prom_client/mod.ts";

/** One parsed line of the audit file. */
export interface AuditLine {
  level: number;
  event: string;
  drop_id: string;
  token: string;
  provider_resource_id: string;
  resource_type: string;
  backend: string;
  request_id: string;
  caller: string;
  intent?: string;
  outcome?: string;
  error?: string;
  [key: string]: unknown;
}

/** The labels to read a counter value by. */
export interface CountLabels {
  resource_type: string;
  backend: string;
  outcome: DropOutcome;
}

export interface AuditFixture {
  readonly guardedDrop: GuardedDrop;
  readonly logger: AuditLogger;
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
  /** The sum of all series of `provisioner_drop_total`. */
  total(): Promise<number>;
  /** Closes the destination and removes the temp dir. */
  close(): void;
}

/**
 * Builds a fixture. `options` are passed to createGuardedDrop (a policy, a
 * budget, a breaker clock…); the logger and counter are the fixture's.
 */
export function createAuditFixture(
  options: Omit<GuardedDropOptions, "logger" | "counter"> = {},
): AuditFixture {
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
  async function values(): Promise<{ labels: Record<string, string | number>; value: number }[]> {
    const metric = registry.getSingleMetric("provisioner_drop_total");
    if (metric === undefined) throw new Error("provisioner_drop_total is not registered");
    return (await metric.get()).values as { labels: Record<string, string | number>; value: number }[];
  }

  return {
    guardedDrop,
    logger,
    registry,
    file,
    lines,
    dropRecords: (requestId) =>
      lines().filter((l) => l.event === "provisioner.drop" && (requestId === undefined || l.request_id === requestId)),
    failedRecords: (requestId) =>
      lines().filter((l) =>
        l.event === "provisioner.drop.failed" && (requestId === undefined || l.request_id === requestId)
      ),
    async count(labels) {
      const series = (await values()).find((v) =>
        v.labels.resource_type === labels.resource_type && v.labels.backend === labels.backend &&
        v.labels.outcome === labels.outcome
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
