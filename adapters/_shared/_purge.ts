// Internal: the purge loop of the MySQL and Redis quarantines, as
// PostgreSQL's purgeExpired runs it: list the copies, drop each expired one
// through guardedDrop with intent `quarantine_expired`, one after another,
// and go on past a copy whose drop fails.

import { randomUUID } from "node:crypto";
import { type Backend, type DropError, type DropRequest, type GuardedDrop, RefusedError } from "../../lib/mod.ts";
import type { PurgeOptions, PurgeResult, QuarantinedCopy, RetentionOptions } from "../postgres/postgres_quarantine.ts";
import { describe } from "./_resolve_options.ts";

/** What the purge needs of an adapter. */
export interface PurgeTarget {
  /** For messages: "the MySQL adapter". */
  readonly adapter: string;
  /** For messages: "the MySQL tenant". */
  readonly what: string;
  readonly resourceType: string;
  readonly backend: Backend;
  readonly retention: Required<RetentionOptions> | undefined;
  /** Every copy of the adapter's form, with its token. */
  list(): Promise<QuarantinedCopy[]>;
  /**
   * `guardedDrop(request, () => <drop the copy under its tenant's lock>)`:
   * the adapter makes the call itself, so that its sanctioned drop is
   * referenced only inside a drop callback. When the copy was restored or
   * purged since the listing, the callback calls `gone()` and throws
   * {@linkcode goneError}.
   */
  guarded(request: DropRequest, copy: QuarantinedCopy, gone: () => void): Promise<unknown>;
}

/** What a purge runs with, once its arguments have been checked. */
export interface PurgeArguments {
  readonly retention: Required<RetentionOptions>;
  /** The time the copies' expiry is compared with. */
  readonly now: number;
  /** The prefix of each drop's `requestId`. */
  readonly requestPrefix: string;
}

/**
 * Checks a `purgeExpired` call's arguments, the same way on every backend.
 *
 * @throws {TypeError} Without `retention`, or with a `guardedDrop` that is not a function or a
 * `now` that is not a number.
 */
export function checkPurgeArguments(
  adapter: string,
  retention: Required<RetentionOptions> | undefined,
  guardedDrop: unknown,
  options: PurgeOptions,
): PurgeArguments {
  if (retention === undefined) {
    throw new TypeError(`Cannot purge with ${adapter} as 'retention' must be set: current value is undefined`);
  }
  if (typeof guardedDrop !== "function") {
    throw new TypeError(
      `Cannot purge with ${adapter} as 'guardedDrop' must be a function: current value is ${describe(guardedDrop)}`,
    );
  }
  const now = options.now ?? retention.now();
  if (typeof now !== "number" || Number.isNaN(now)) {
    throw new TypeError(`Cannot purge with ${adapter} as 'now' must be a number: current value is ${describe(now)}`);
  }
  return { retention, now, requestPrefix: options.requestId ?? `purge-${randomUUID()}` };
}

/**
 * Drops each expired copy through `guardedDrop`. A copy restored between
 * the listing and its drop is neither purged nor failed: its record says
 * refused, and nothing was dropped.
 *
 * @throws {TypeError} Without `retention`, or with a malformed argument.
 */
export async function purgeCopies(
  target: PurgeTarget,
  guardedDrop: GuardedDrop,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const { retention, now, requestPrefix: prefix } = checkPurgeArguments(
    target.adapter,
    target.retention,
    guardedDrop,
    options,
  );
  const copies = await target.list();
  const expired = copies.filter((copy) => copy.expiresAt !== null && copy.expiresAt.getTime() <= now);
  const purged: QuarantinedCopy[] = [];
  const failed: { copy: QuarantinedCopy; error: DropError }[] = [];
  for (const copy of expired) {
    let gone = false;
    const request: DropRequest = {
      token: copy.token,
      providerResourceId: copy.name,
      resourceType: target.resourceType,
      backend: target.backend,
      requestId: `${prefix}/${copy.name}`,
      caller: options.caller ?? "guarded-drop/quarantine-purge",
      intent: "quarantine_expired",
    };
    try {
      await target.guarded(request, copy, () => {
        gone = true;
      });
      purged.push(copy);
    } catch (err) {
      // Restored (or purged by another job) since the listing: neither purged nor failed.
      if (!gone) failed.push({ copy, error: err as DropError });
    }
  }
  return { purged, failed, kept: copies.length - expired.length };
}

/**
 * The refusal of a purge whose copy is gone since the listing: nothing was
 * dropped, so its record must say refused, not ok.
 */
export function goneError(copy: QuarantinedCopy, what: string): RefusedError {
  return new RefusedError(
    `Cannot purge the quarantined copy ${JSON.stringify(copy.name)} of ${what} ${
      JSON.stringify(copy.token)
    } as it must still ` +
      "be quarantined: current value is gone (restored or purged meanwhile), nothing was dropped",
  );
}
