/**
 * The helpers of the recovery checks (DESIGN §14): the adapter made with
 * `retention`, checksums of what a fixture wrote, and a purge that can only
 * touch the copies of the check's own tenants, so that it is safe on a
 * server shared with other runs.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { DropRequest, RecoverableDeprovisioner } from "../../lib/mod.ts";
import { type AuditRecorder, createAuditRecorder } from "../audit_recorder.ts";
import type { CheckContext } from "./_context.ts";
import type { ConformanceRecovery } from "./conformance_subject.ts";

/** The retention the checks make their adapters with. */
export const RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;

/** A purge clock past every copy the check made: retention and a day. */
export const afterRetention = (): number => Date.now() + (RETENTION_DAYS + 1) * DAY_MS;

/** Why the recovery checks cannot run for a subject, or `undefined`. */
export function recoverySkip(ctx: CheckContext): string | undefined {
  return ctx.subject.recovery === undefined
    ? "the subject's adapter has no restore ('recovery' on the subject): its drops are not recoverable"
    : undefined;
}

/** A stable checksum of what a fixture read: sha256 of its JSON, keys sorted. */
export function checksumOf(data: unknown): string {
  return createHash("sha256").update(stableJson(data)).digest("hex");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${
      Object.keys(value).sort().map((key) =>
        `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Whether logging in as the tenant works now. */
export async function canLogIn(recovery: ConformanceRecovery, token: string): Promise<boolean> {
  try {
    await recovery.loginAsTenant(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `body` with a recorder whose policy lets only `tokens` through, and
 * the subject's adapter with retention; closes both. Another run's copy
 * that the purge meets is `denied`, never dropped.
 */
export async function withRecoverable(
  ctx: CheckContext,
  tokens: ReadonlySet<string>,
  body: (recorder: AuditRecorder, adapter: RecoverableDeprovisioner) => Promise<void>,
): Promise<void> {
  const recovery = ctx.subject.recovery!;
  const recorder = createAuditRecorder({ authorize: (req) => tokens.has(req.token) });
  let adapter: RecoverableDeprovisioner;
  try {
    adapter = recovery.createAdapter({ ...ctx.adapterOptions, retention: { days: RETENTION_DAYS } });
  } catch (err) {
    recorder.close();
    throw err;
  }
  try {
    await body(recorder, adapter);
  } finally {
    recorder.close();
    await adapter.close().catch(() => {});
  }
}

/** The request of a restore: audited and counted as `restore`, intent `quarantine_restore`. */
export function restoreRequest(ctx: CheckContext, token: string): DropRequest {
  return { ...ctx.request(token), action: "restore", intent: "quarantine_restore" };
}

/** The audit lines of one token, by event. */
export function linesOf(recorder: AuditRecorder, token: string, event: string): number {
  return recorder.lines().filter((line) => line.token === token && line.event === event).length;
}

/**
 * Removes whatever a recovery check left of its tenants: the live tenant
 * (dropped by the plain adapter) and every quarantined copy (purged with
 * a clock past the retention, only for these tokens).
 */
export async function cleanUpRecovery(ctx: CheckContext, tokens: readonly string[]): Promise<void> {
  await ctx.cleanUp(tokens);
  await withRecoverable(ctx, new Set(tokens), async (recorder, adapter) => {
    await adapter.purgeExpired(recorder.guardedDrop, { now: afterRetention(), caller: "guarded-drop/harness" });
  });
}
