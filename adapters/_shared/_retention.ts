// Internal: the `retention` option every recoverable adapter takes, checked
// up front with the same messages (DESIGN §11, §14), and what the MySQL and
// Redis quarantines share with PostgreSQL's: the quarantine name and the
// copy's expiry (PostgreSQL keeps its own copy of the same name rules).

import { createHash, randomBytes } from "node:crypto";
import type { RetentionOptions } from "../../lib/mod.ts";
import { describe, positive } from "./_resolve_options.ts";

/** One day, in ms: retention is counted in days. */
export const DAY_MS = 86_400_000;

/** The shape of a quarantine name: `q_`, 14 digits of UTC time, `_`, 12 hex digits. */
export const QUARANTINE_NAME = /^q_\d{14}_[0-9a-f]{12}$/;

/**
 * The retention with its clock, or `undefined` without one.
 *
 * @throws {TypeError} If it is not an object, `days` is not a positive
 * finite number, or `now` is not a function.
 */
export function resolveRetention(
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

/**
 * The quarantine clock's reading, checked.
 *
 * @throws {TypeError} When `now()` does not return a finite number.
 */
export function quarantineTime(what: string, retention: Required<RetentionOptions>): Date {
  const now = retention.now();
  if (typeof now !== "number" || !Number.isFinite(now)) {
    throw new TypeError(
      `Cannot quarantine ${what} as 'retention.now()' must return a finite number: current value is ${describe(now)}`,
    );
  }
  return new Date(now);
}

/**
 * A quarantine name: `q_`, the UTC time to the second, and 12 hex digits (8
 * of the hash of what it replaces, 4 random). 29 characters: it fits every
 * identifier limit of the backends (MySQL's 32 for users, 64 for schemas).
 */
export function quarantineName(original: string, at: Date): string {
  return `q_${stampOf(at)}_${nameHash(original)}${randomBytes(2).toString("hex")}`;
}

/**
 * Whether `name` is a quarantine name this module made for `original` at
 * `quarantinedAt` (ISO 8601): the shape, the hash, and the second.
 */
export function consistentName(name: string, original: string, quarantinedAt: string): boolean {
  if (!QUARANTINE_NAME.test(name)) return false;
  const at = Date.parse(quarantinedAt);
  if (!Number.isFinite(at) || new Date(at).toISOString() !== quarantinedAt) return false;
  return name.slice(2, 16) === stampOf(new Date(at)) && name.slice(17, 25) === nameHash(original);
}

/** When a copy quarantined at `at` expires, or `null` without a retention. */
export function expiryOf(at: Date, days: number | undefined): Date | null {
  return days === undefined ? null : new Date(at.getTime() + days * DAY_MS);
}

function stampOf(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function nameHash(original: string): string {
  return createHash("sha256").update(original).digest("hex").slice(0, 8);
}
