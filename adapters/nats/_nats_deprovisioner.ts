// Internal: the NATS Deprovisioners behind natsShared and natsDedicated.
// Both forms run the same flows; they differ in which streams a drop of
// tenant t takes (see `dropStreams` and `liveStreams`).

import type { JetStreamManager } from "@nats-io/jetstream";
import { type Backend, type DropError, type GuardedDrop, type NameRules, RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { describe, positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { checkPurgeArguments } from "../_shared/_purge.ts";
import type { PurgeOptions, RetentionOptions } from "../postgres/postgres_quarantine.ts";
import { deleteStreams, leftOverError, listStreams, shownNames, type StreamEntry } from "./_assets.ts";
import {
  classifyNatsError,
  closeNats,
  NATS_URL,
  type NatsSession,
  type NatsTimeouts,
  openNats,
} from "./_connection.ts";
import {
  checkNatsToken,
  DEDICATED_MARKER_STREAM,
  dedicatedMark,
  markedTenant,
  namedForTenant,
  ownerMark,
  QUARANTINE_BUCKET,
  quarantineMark,
} from "./_names.ts";
import {
  claimRecord,
  copyOf,
  existingQuarantineBucket,
  leftLive,
  markedStreams,
  quarantineBucket,
  quarantineStreams,
  readRecord,
  recordKey,
  restoreRefused,
  restoreStreams,
} from "./_quarantine.ts";
import type { NatsAdapter, NatsPurgeResult, NatsQuarantinedCopy } from "./nats_quarantine.ts";
import type { NatsDedicatedOptions, NatsSharedOptions } from "./nats_options.ts";

/** The stream of the quarantine records, never part of a tenant. */
const QUARANTINE_STREAM = `KV_${QUARANTINE_BUCKET}`;

/** What both forms share: the connection, the flows and the close() bookkeeping. */
abstract class NatsDeprovisioner implements NatsAdapter {
  readonly resourceType = "nats";
  abstract readonly backend: Backend;
  protected readonly nameRules: NameRules;
  readonly #url: string;
  readonly #timeouts: NatsTimeouts;
  readonly #retention: Required<RetentionOptions> | undefined;
  readonly #adapter: string;
  readonly #what: string;
  readonly #sessions = new Set<NatsSession>();
  readonly #hooks: SessionHooks<NatsSession> = {
    connect: (context) => this.#open(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (session) => this.#release(session),
  };
  #closed = false;

  constructor(adapter: string, what: string, options: NatsSharedOptions | NatsDedicatedOptions) {
    const resolved = resolveAdapterOptions(adapter, options, { option: "url", rule: NATS_URL });
    if (typeof options.url !== "string" || options.url.length === 0) {
      throw new TypeError(
        `Cannot create ${adapter} as 'url' must be a non-empty string: current value is ${describe(options.url)}`,
      );
    }
    this.#url = options.url;
    this.#timeouts = { connectTimeoutMs: resolved.connectTimeoutMs, operationTimeoutMs: resolved.operationTimeoutMs };
    this.nameRules = resolved.nameRules;
    this.#retention = resolveRetention(adapter, options.retention);
    this.#adapter = adapter;
    this.#what = what;
  }

  /**
   * The streams a drop of `token` deletes, after any proof the form needs.
   *
   * @throws {RefusedError} When the proof fails: nothing is changed.
   */
  protected abstract dropStreams(listed: readonly StreamEntry[], token: string): StreamEntry[];
  /** The tenant's live streams: what a quarantine marks. */
  protected abstract liveStreams(listed: readonly StreamEntry[], token: string): StreamEntry[];
  /** Whether a stream is the proof of ownership, which a drop deletes last. */
  protected isProof(_stream: StreamEntry): boolean {
    return false;
  }
  /** Whether anything of the tenant is live, as `exists` answers: never a refusal. */
  protected existsIn(listed: readonly StreamEntry[], token: string): boolean {
    return this.liveStreams(listed, token).length > 0;
  }

  /**
   * Deletes the tenant's streams (consumers first, then streams, KV buckets
   * and object stores) and re-lists to confirm; with `retention`, marks
   * them quarantined instead. Idempotent, and safe to run many times at once.
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void> {
    const checked = checkNatsToken(this.nameRules, token);
    if (this.#retention !== undefined) {
      await this.#quarantine(checked, this.#retention);
      return;
    }
    const context: FailureContext = { action: "deprovision", what: this.#what, token: checked };
    await inSession(this.#hooks, context, async ({ jsm }, step) => {
      step("listing the streams");
      const take = this.dropStreams(await listStreams(jsm), checked);
      if (take.length === 0) return;
      await this.#deleteAndConfirm(jsm, context, step, take, (relisted) => this.dropStreams(relisted, checked));
    });
  }

  /** Whether the tenant has a live stream, KV bucket or object store (one `$JS.API.STREAM.LIST`). */
  async exists(token: string): Promise<boolean> {
    const checked = checkNatsToken(this.nameRules, token);
    const context: FailureContext = { action: "check", what: this.#what, token: checked };
    return await inSession(this.#hooks, context, async ({ jsm }, step) => {
      step("listing the streams");
      return this.existsIn(await listStreams(jsm), checked);
    });
  }

  /** The tenant's quarantined copy, as a list (empty or one). */
  async quarantined(token: string): Promise<NatsQuarantinedCopy[]> {
    const checked = checkNatsToken(this.nameRules, token);
    const context: FailureContext = { action: "check", what: this.#what, token: checked };
    return await inSession(this.#hooks, context, async ({ nc, jsm }, step) => {
      step("reading the quarantine record");
      const kv = await existingQuarantineBucket(nc, jsm);
      const found = kv === undefined ? undefined : await readRecord(kv, this.backend, checked);
      return found === undefined ? [] : [copyOf(found.record, this.#retention?.days)];
    });
  }

  /** Gives the tenant's quarantined streams their marks back. */
  async restore(token: string): Promise<NatsQuarantinedCopy> {
    const checked = checkNatsToken(this.nameRules, token);
    const context: FailureContext = { action: "restore", what: this.#what, token: checked };
    return await inSession(this.#hooks, context, async ({ nc, jsm }, step) => {
      step("reading the quarantine record");
      const kv = await existingQuarantineBucket(nc, jsm);
      const found = kv === undefined ? undefined : await readRecord(kv, this.backend, checked);
      if (kv === undefined || found === undefined || found.record.state === "purging") {
        throw restoreRefused(
          context,
          `it must have a quarantined copy: current value is ${found === undefined ? "none" : "one being purged"}`,
        );
      }
      step("listing the streams");
      const listed = await listStreams(jsm);
      const live = this.liveStreams(listed, checked);
      if (live.length > 0) {
        throw restoreRefused(
          context,
          `its names must be free: current value is the live streams ${
            shownNames(live.map((s) => s.name))
          } (the quarantined copy is kept)`,
        );
      }
      step("claiming the quarantine record");
      if (!(await claimRecord(kv, found.record, found.revision, "restoring"))) {
        throw restoreRefused(
          context,
          "its copy must not be claimed by another restore or purge: current value is claimed",
        );
      }
      await restoreStreams(jsm, kv, step, found.record, listed);
      return copyOf(found.record, this.#retention?.days);
    });
  }

  /** Deletes each expired copy of this form through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(guardedDrop: GuardedDrop, options: PurgeOptions = {}): Promise<NatsPurgeResult> {
    const { retention, now, requestPrefix: prefix } = checkPurgeArguments(
      this.#adapter,
      this.#retention,
      guardedDrop,
      options,
    );
    const listing: FailureContext = {
      action: "purge",
      what: `the quarantined copies of each ${this.#what.replace(/^the /, "")}`,
      token: "*",
    };
    const copies = await inSession(this.#hooks, listing, async ({ nc, jsm }, step) => {
      step("reading the quarantine records");
      const kv = await existingQuarantineBucket(nc, jsm);
      const found: NatsQuarantinedCopy[] = [];
      if (kv === undefined) return found;
      for await (const key of await kv.keys(`${this.backend}.*`)) {
        const token = key.slice(this.backend.length + 1);
        const record = await readRecord(kv, this.backend, token);
        if (record !== undefined) found.push(copyOf(record.record, retention.days));
      }
      return found;
    });
    const expired = copies.filter((copy) => copy.expiresAt !== null && copy.expiresAt.getTime() <= now);
    const purged: NatsQuarantinedCopy[] = [];
    const failed: { copy: NatsQuarantinedCopy; error: DropError }[] = [];
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
          () => this.#purgeCopy(copy),
        );
        if (dropped) purged.push(copy);
      } catch (err) {
        failed.push({ copy, error: err as DropError });
      }
    }
    return { purged, failed, kept: copies.length - expired.length };
  }

  /** Ends the connections of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(open.map((session) => closeNats(session.nc)));
  }

  /**
   * Marks the tenant's live streams quarantined (see quarantineStreams).
   *
   * @sanctionedDrop
   */
  async #quarantine(token: string, retention: Required<RetentionOptions>): Promise<void> {
    const context: FailureContext = { action: "quarantine", what: this.#what, token };
    const now = retention.now();
    if (typeof now !== "number" || !Number.isFinite(now)) {
      throw new TypeError(
        `Cannot quarantine ${this.#what} as 'retention.now()' must return a finite number: current value is ${
          describe(now)
        }`,
      );
    }
    await inSession(this.#hooks, context, async ({ nc, jsm }, step) => {
      step("listing the streams");
      const live = this.liveStreams(await listStreams(jsm), token);
      if (live.length === 0) return;
      step("opening the quarantine bucket");
      const kv = await quarantineBucket(nc);
      await quarantineStreams(jsm, kv, step, context, { token, backend: this.backend, at: new Date(now) }, live);
      step("listing the streams again");
      const left = this.liveStreams(await listStreams(jsm), token);
      if (left.length > 0) throw leftLive(context, left.map((stream) => stream.name));
    });
  }

  /**
   * Deletes one quarantined copy when its record still names it and is not
   * being restored: the record is claimed first, by revision.
   *
   * @returns Whether the copy was there to delete.
   * @sanctionedDrop
   */
  async #purgeCopy(copy: NatsQuarantinedCopy): Promise<boolean> {
    const context: FailureContext = { action: "purge", what: this.#what, token: copy.token };
    return await inSession(this.#hooks, context, async ({ nc, jsm }, step) => {
      step("reading the quarantine record");
      const kv = await existingQuarantineBucket(nc, jsm);
      const found = kv === undefined ? undefined : await readRecord(kv, this.backend, copy.token);
      if (kv === undefined || found === undefined || found.record.name !== copy.name) return false;
      if (found.record.state === "restoring") {
        throw new RefusedError(
          `Cannot purge ${this.#what} ${
            JSON.stringify(copy.token)
          } as its copy must not be being restored: current value is restoring`,
        );
      }
      step("claiming the quarantine record");
      if (!(await claimRecord(kv, found.record, found.revision, "purging"))) return false;
      step("listing the streams");
      const take = markedStreams(found.record, await listStreams(jsm));
      await this.#deleteAndConfirm(jsm, context, step, take, (relisted) => markedStreams(found.record, relisted));
      step("removing the quarantine record");
      await kv.delete(recordKey(this.backend, copy.token));
      return true;
    });
  }

  /**
   * Deletes `take`, then re-lists: `remaining` must find nothing.
   *
   * @sanctionedDrop
   */
  async #deleteAndConfirm(
    jsm: JetStreamManager,
    context: FailureContext,
    step: (name: string) => void,
    take: readonly StreamEntry[],
    remaining: (relisted: readonly StreamEntry[]) => StreamEntry[],
  ): Promise<void> {
    const raced: string[] = [];
    // The proof goes last: a concurrent drop that lists while this one runs
    // must still find it, or an empty server.
    await deleteStreams(jsm, take.filter((stream) => !this.isProof(stream)), step, raced);
    await deleteStreams(jsm, take.filter((stream) => this.isProof(stream)), step, raced);
    step("listing the streams again");
    const left = remaining(await listStreams(jsm));
    if (left.length > 0) throw leftOverError(context, left, raced);
  }

  // A connection per call: drops are rare, and a connection that never
  // reconnects cannot be one a restart silently broke.
  async #open(context: FailureContext): Promise<NatsSession> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const session = await openNats(this.#url, this.#timeouts);
    this.#sessions.add(session);
    return session;
  }

  async #release(session: NatsSession | undefined): Promise<void> {
    if (session === undefined) return;
    this.#sessions.delete(session);
    await closeNats(session.nc);
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("GD_")) return err;
    return classifyNatsError(context, step, err, this.#timeouts.connectTimeoutMs);
  }
}

/** Drops a shared tenant: the streams, KV buckets and object stores named and marked as its own. */
export class NatsSharedDeprovisioner extends NatsDeprovisioner {
  readonly backend: Backend = "shared";

  constructor(options: NatsSharedOptions) {
    super("the NATS adapter", "the NATS tenant", options);
  }

  protected dropStreams(listed: readonly StreamEntry[], token: string): StreamEntry[] {
    return this.liveStreams(listed, token);
  }

  /** Named `t<n>_<token>_…` and marked `guarded-drop tenant <token>`: a look-alike without the mark is not the tenant's. */
  protected liveStreams(listed: readonly StreamEntry[], token: string): StreamEntry[] {
    const mark = ownerMark(token);
    return listed.filter((stream) => namedForTenant(stream.name, token) && stream.description === mark);
  }
}

/** Drops a dedicated tenant: every stream of its own server, after the proof. */
export class NatsDedicatedDeprovisioner extends NatsDeprovisioner {
  readonly backend: Backend = "dedicated";

  constructor(options: NatsDedicatedOptions) {
    super("the dedicated NATS adapter", "the dedicated NATS tenant", options);
  }

  /** Every stream, once the marker proves the server is the tenant's (live or quarantined); none on an empty server. */
  protected dropStreams(listed: readonly StreamEntry[], token: string): StreamEntry[] {
    const marker = this.#proof(listed, token);
    if (marker === "none") return [];
    return [...listed];
  }

  /** Every stream but the quarantine records, while the marker is live. */
  protected liveStreams(listed: readonly StreamEntry[], token: string): StreamEntry[] {
    const marker = this.#proof(listed, token);
    if (marker !== "live") return [];
    return listed.filter((stream) => stream.name !== QUARANTINE_STREAM);
  }

  protected override isProof(stream: StreamEntry): boolean {
    return stream.name === DEDICATED_MARKER_STREAM;
  }

  /** The live marker, or else any stream but the quarantine records (data of unknown owner); a quarantined marker is not live. */
  protected override existsIn(listed: readonly StreamEntry[], token: string): boolean {
    const marker = listed.find((stream) => stream.name === DEDICATED_MARKER_STREAM)?.description;
    if (marker === dedicatedMark(token)) return true;
    if (marker !== undefined && marker.startsWith(quarantineMark(token, ""))) return false;
    return listed.some((stream) => stream.name !== QUARANTINE_STREAM);
  }

  /**
   * Reads the proof: the marker stream `gd_owner` described `guarded-drop
   * dedicated <t>` (live) or `guarded-drop quarantined <t> …`. A server
   * without it and without streams is gone (`none`). It refuses a server
   * that holds streams without the marker, or any stream marked for another
   * tenant (a shared server, or another tenant's own).
   */
  #proof(listed: readonly StreamEntry[], token: string): "live" | "quarantined" | "none" {
    const context = `Cannot deprovision the dedicated NATS tenant ${JSON.stringify(token)} as`;
    const foreign = listed.filter((stream) => {
      const owner = markedTenant(stream.description);
      return owner !== undefined && owner !== token && stream.name !== QUARANTINE_STREAM;
    });
    if (foreign.length > 0) {
      throw new RefusedError(
        `${context} its server must hold no other tenant's streams: current value is ${
          shownNames(foreign.map((s) => s.name))
        } ` +
          "marked for other tenants. Check that the URL is the tenant's own server; nothing was changed",
      );
    }
    const marker = listed.find((stream) => stream.name === DEDICATED_MARKER_STREAM)?.description;
    if (marker === dedicatedMark(token)) return "live";
    if (marker !== undefined && marker.startsWith(quarantineMark(token, ""))) return "quarantined";
    const others = listed.filter((stream) => stream.name !== QUARANTINE_STREAM);
    if (others.length === 0) return "none";
    throw new RefusedError(
      `${context} its server must hold the marker stream ${JSON.stringify(DEDICATED_MARKER_STREAM)} described ` +
        `${JSON.stringify(dedicatedMark(token))}, the proof that it is the tenant's own: current value is ` +
        `${
          marker === undefined ? "no marker" : `a marker described ${JSON.stringify(marker)}`
        }, and ${others.length} ` +
        `stream${
          others.length === 1 ? "" : "s"
        }. Check that the URL is the tenant's own server; if it is, create the marker first`,
    );
  }
}

/** Checks `retention`: `undefined`, or `{ days: positive finite, now?: function }`. */
function resolveRetention(
  adapter: string,
  retention: RetentionOptions | undefined,
): Required<RetentionOptions> | undefined {
  if (retention === undefined) return undefined;
  if (typeof retention !== "object" || retention === null) {
    throw new TypeError(
      `Cannot create ${adapter} as 'retention' must be an object: current value is ${describe(retention)}`,
    );
  }
  const days = positive(adapter, "retention.days", retention.days, Number.NaN);
  if (Number.isNaN(days)) {
    throw new TypeError(
      `Cannot create ${adapter} as 'retention.days' must be a positive finite number: current value is undefined`,
    );
  }
  if (retention.now !== undefined && typeof retention.now !== "function") {
    throw new TypeError(
      `Cannot create ${adapter} as 'retention.now' must be a function: current value is ${describe(retention.now)}`,
    );
  }
  return { days, now: retention.now ?? Date.now };
}
