// Internal: the quarantine of a NATS tenant. The streams stay where they
// are, with every message, sequence and consumer; what moves is the mark
// and the subjects. Each stream's description becomes `guarded-drop
// quarantined <t> <copy>` and its subjects `gdq.<copy>.<stream>`, so that a
// publish to the tenant's subjects is stored nowhere (measured on 2.9.10:
// the consumers keep their filters, KV reads still answer). The platform's
// record of the copy (the streams with their original descriptions and
// subjects) goes in the KV bucket `gd_quarantine`, under the key
// `<backend>.<token>`. That record is the lock of the copy: a quarantine
// creates it only where none is, and a restore or a purge claims it by
// revision before touching a stream, so that they never interleave.

import { randomUUID } from "node:crypto";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";
import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { shownNames, type StreamEntry } from "./_assets.ts";
import { apiErrorCode, STREAM_NOT_FOUND } from "./_connection.ts";
import { QUARANTINE_BUCKET, quarantineMark } from "./_names.ts";
import type { NatsQuarantinedCopy } from "./nats_quarantine.ts";

const DAY_MS = 86_400_000;

/** The record of one quarantined copy, as kept in `gd_quarantine`. */
export interface QuarantineRecord {
  readonly guarded_drop: "quarantine";
  readonly v: 1;
  readonly token: string;
  readonly backend: string;
  readonly name: string;
  readonly quarantined_at: string;
  /** Each stream, with the description and subjects it had. */
  readonly streams: readonly {
    readonly name: string;
    readonly description: string | null;
    readonly subjects?: readonly string[];
  }[];
  /** `quarantined`, or what a restore or a purge that claimed it is doing. */
  readonly state: "quarantined" | "restoring" | "purging";
}

/** The record's key: `<backend>.<token>`. */
export function recordKey(backend: string, token: string): string {
  return `${backend}.${token}`;
}

/** The quarantine bucket, made on first use (an idempotent stream create): only a quarantine makes it. */
export async function quarantineBucket(nc: NatsConnection): Promise<KV> {
  const { Kvm } = await import("@nats-io/kv");
  return await new Kvm(nc).create(QUARANTINE_BUCKET, { history: 1, description: "guarded-drop quarantine records" });
}

/** The quarantine bucket when it exists, or `undefined`: reads never create it. */
export async function existingQuarantineBucket(nc: NatsConnection, jsm: JetStreamManager): Promise<KV | undefined> {
  try {
    await jsm.streams.info(`KV_${QUARANTINE_BUCKET}`);
  } catch (err) {
    if (apiErrorCode(err) === STREAM_NOT_FOUND) return undefined;
    throw err;
  }
  const { Kvm } = await import("@nats-io/kv");
  return await new Kvm(nc).open(QUARANTINE_BUCKET);
}

/** A record and its revision, or `undefined`. A value that is not a record of this token and backend counts as none. */
export async function readRecord(
  kv: KV,
  backend: string,
  token: string,
): Promise<{ record: QuarantineRecord; revision: number } | undefined> {
  const entry = await kv.get(recordKey(backend, token));
  if (entry === null || entry.operation !== "PUT") return undefined;
  let record: QuarantineRecord;
  try {
    record = entry.json<QuarantineRecord>();
  } catch {
    return undefined;
  }
  if (
    record?.guarded_drop !== "quarantine" || record.token !== token || record.backend !== backend ||
    !Array.isArray(record.streams)
  ) {
    return undefined;
  }
  return { record, revision: entry.revision };
}

/** The copy a record describes. */
export function copyOf(record: QuarantineRecord, retentionDays: number | undefined): NatsQuarantinedCopy {
  const quarantinedAt = new Date(record.quarantined_at);
  return {
    token: record.token,
    name: record.name,
    streams: record.streams.map((stream) => stream.name),
    quarantinedAt,
    expiresAt: retentionDays === undefined ? null : new Date(quarantinedAt.getTime() + retentionDays * DAY_MS),
  };
}

/** `q_<yyyymmddhhmmss>_<8 hex>`. */
function copyName(at: Date): string {
  return `q_${at.toISOString().replace(/[-:T]/g, "").slice(0, 14)}_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
}

/** The subject a quarantined stream captures instead of the tenant's: one no tenant publishes to. */
function quarantineSubject(copy: string, stream: string): string {
  return `gdq.${copy}.${stream}`;
}

/**
 * Sets one stream's description and, when given, its subjects, keeping the
 * rest of its configuration. A stream without subjects (a mirror) keeps none.
 */
async function remarkStream(
  jsm: JetStreamManager,
  name: string,
  description: string | null,
  subjects: readonly string[] | undefined,
): Promise<void> {
  const { config } = await jsm.streams.info(name);
  // The client merges an update into the stream's current configuration:
  // an absent description would keep the old one, an empty one clears it.
  const next = { ...config, description: description ?? "" };
  if (subjects !== undefined && subjects.length > 0 && (config.subjects ?? []).length > 0) {
    next.subjects = [...subjects];
  }
  await jsm.streams.update(name, next);
}

/**
 * Quarantines the tenant's `live` streams. The record is created first, only
 * where none is (`kv.create`): a concurrent quarantine of the same tenant
 * then finds it and marks the same streams with the same copy name. A
 * record whose streams do not cover what is live now belongs to an older
 * copy: the quarantine is refused, nothing changed.
 *
 * @sanctionedDrop
 */
export async function quarantineStreams(
  jsm: JetStreamManager,
  kv: KV,
  step: (name: string) => void,
  context: FailureContext,
  tenant: { readonly token: string; readonly backend: string; readonly at: Date },
  live: readonly StreamEntry[],
): Promise<void> {
  if (live.length === 0) return;
  const fresh: QuarantineRecord = {
    guarded_drop: "quarantine",
    v: 1,
    token: tenant.token,
    backend: tenant.backend,
    name: copyName(tenant.at),
    quarantined_at: tenant.at.toISOString(),
    streams: live.map((stream) => ({
      name: stream.name,
      description: stream.description ?? null,
      subjects: stream.subjects,
    })),
    state: "quarantined",
  };
  step("creating the quarantine record");
  let record = fresh;
  try {
    await kv.create(recordKey(tenant.backend, tenant.token), JSON.stringify(fresh));
  } catch (err) {
    const existing = await readRecord(kv, tenant.backend, tenant.token);
    if (existing === undefined) throw err;
    record = existing.record;
    const covered = new Set(record.streams.map((stream) => stream.name));
    const uncovered = live.filter((stream) => !covered.has(stream.name)).map((stream) => stream.name);
    if (uncovered.length > 0 || record.state !== "quarantined") {
      throw new RefusedError(
        `Cannot quarantine ${context.what} ${
          JSON.stringify(context.token)
        } as it must have no other quarantined copy: current value is ` +
          `the copy ${JSON.stringify(record.name)} (${record.state}), while ${shownNames(uncovered)} ${
            uncovered.length === 1 ? "is" : "are"
          } ` +
          "live. Restore or purge that copy first; nothing was changed",
      );
    }
  }
  const mark = quarantineMark(tenant.token, record.name);
  for (const stream of live) {
    step(`marking the stream ${stream.name} quarantined`);
    await remarkStream(jsm, stream.name, mark, [quarantineSubject(record.name, stream.name)]);
  }
}

/** Claims a record by revision for a restore or a purge; `false` when another call claimed it first. */
export async function claimRecord(
  kv: KV,
  record: QuarantineRecord,
  revision: number,
  state: "restoring" | "purging",
): Promise<boolean> {
  try {
    await kv.update(recordKey(record.backend, record.token), JSON.stringify({ ...record, state }), revision);
    return true;
  } catch (err) {
    // JetStream's "wrong last sequence": another call claimed or removed it.
    if (
      (err as { code?: unknown } | null)?.code === 10071 || /wrong last sequence/i.test(String((err as Error)?.message))
    ) return false;
    throw err;
  }
}

/**
 * Gives each stream of the copy that still carries its quarantine mark its
 * original description and subjects back, then removes the record.
 */
export async function restoreStreams(
  jsm: JetStreamManager,
  kv: KV,
  step: (name: string) => void,
  record: QuarantineRecord,
  listed: readonly StreamEntry[],
): Promise<void> {
  const mark = quarantineMark(record.token, record.name);
  const marked = new Set(listed.filter((stream) => stream.description === mark).map((stream) => stream.name));
  for (const stream of record.streams) {
    if (!marked.has(stream.name)) continue;
    step(`restoring the description and subjects of ${stream.name}`);
    await remarkStream(jsm, stream.name, stream.description, stream.subjects);
  }
  step("removing the quarantine record");
  await kv.delete(recordKey(record.backend, record.token));
}

/** The streams of a copy that still carry its quarantine mark. */
export function markedStreams(record: QuarantineRecord, listed: readonly StreamEntry[]): StreamEntry[] {
  const mark = quarantineMark(record.token, record.name);
  const names = new Set(record.streams.map((stream) => stream.name));
  return listed.filter((stream) => names.has(stream.name) && stream.description === mark);
}

/** A refusal to restore: a live tenant holds the token again, or there is no copy. */
export function restoreRefused(context: FailureContext, why: string): RefusedError {
  return new RefusedError(`Cannot restore ${context.what} ${JSON.stringify(context.token)} as ${why}`);
}

/** The error of a quarantine that left live streams behind. */
export function leftLive(context: FailureContext, names: readonly string[]) {
  return backendError(
    "failed",
    context,
    `its streams ${shownNames(names)} are still live after the quarantine`,
    undefined,
  );
}
