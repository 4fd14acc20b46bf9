// Internal: the audit table's hash chain. What one row hashes to, byte for
// byte, so that the store that writes a row and the verifier that re-reads it
// years later compute the same thing.

import { createHash } from "node:crypto";
import type { DropRecordFields } from "../../lib/mod.ts";

/** What a `hash` looks like: 64 lower-case hex characters. */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The `prev_hash` of the first row: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** The two events the table holds. */
export type AuditEvent = "provisioner.drop" | "provisioner.drop.settled";

/**
 * The hashed content of one row: every column except `prev_hash` and
 * `hash`. Absent values are `null`, never left out, so that setting a NULL
 * column later changes the hash.
 */
export interface AuditRowContent extends Omit<DropRecordFields, "intent" | "action"> {
  readonly seq: number;
  /** ISO 8601 with milliseconds, UTC (`2026-12-01T22:16:37.123Z`): the server's clock at append. */
  readonly recorded_at: string;
  readonly event: AuditEvent;
  readonly intent: string | null;
  /**
   * `quarantine` or `restore`; `null` for a destruction (the default, and
   * what every row before the column existed means). Optional, so that
   * rows made before it existed hash as they always did.
   */
  readonly action?: string | null;
  /** Settled rows only. */
  readonly outcome: string | null;
  /** Settled rows only: the scrubbed error message of a non-ok outcome. */
  readonly error: string | null;
  /** Settled rows only: why a policy or budget said no. */
  readonly reason: string | null;
}

/** A row as stored: its content and its two chain columns. */
export interface AuditRow extends AuditRowContent {
  readonly prev_hash: string;
  readonly hash: string;
}

/** The content columns, in the order the table declares them. */
export const CONTENT_COLUMNS = [
  "seq",
  "recorded_at",
  "event",
  "drop_id",
  "token",
  "provider_resource_id",
  "resource_type",
  "backend",
  "request_id",
  "caller",
  "intent",
  "action",
  "outcome",
  "error",
  "reason",
] as const satisfies readonly (keyof AuditRowContent)[];

// Sorted once: the canonical form orders keys by UTF-16 code unit, which for
// these ASCII names is byte order.
const SORTED_COLUMNS = [...CONTENT_COLUMNS].sort();

/**
 * The canonical JSON of a row's content: one object holding every content
 * column, keys sorted by code unit, no whitespace, strings escaped as
 * `JSON.stringify` escapes them, `seq` as a decimal integer, absent values as
 * `null`. For these value types it is RFC 8785 (JCS). It is hashed as UTF-8.
 */
export function canonicalJson(content: AuditRowContent): string {
  return `{${
    SORTED_COLUMNS.filter((column) => present(column, content[column])).map((column) => member(column, content[column]))
      .join(",")
  }}`;
}

/**
 * Whether a column is part of the canonical form: every column always, but
 * `action` only when set, so that a destruction's row (and every row written
 * before the column existed) hashes exactly as before.
 */
function present(column: string, value: unknown): boolean {
  return column !== "action" || (value !== null && value !== undefined);
}

/**
 * The canonical JSON of a row whose `seq` and `recorded_at` only the server
 * knows (they are decided under the chain's lock), in three pieces: the
 * whole is `beforeRecordedAt + JSON.stringify(recorded_at) + beforeSeq +
 * String(seq) + afterSeq`, byte for byte what {@linkcode canonicalJson} gives.
 */
export function canonicalPieces(fields: Omit<AuditRowContent, "seq" | "recorded_at">): {
  readonly beforeRecordedAt: string;
  readonly beforeSeq: string;
  readonly afterSeq: string;
} {
  const value = (column: string) => (fields as Record<string, unknown>)[column];
  const members = (columns: readonly string[]) => columns.map((column) => member(column, value(column))).join(",");
  const atRecordedAt = SORTED_COLUMNS.indexOf("recorded_at");
  const atSeq = SORTED_COLUMNS.indexOf("seq");
  const kept = (columns: readonly string[]) => columns.filter((column) => present(column, value(column)));
  const before = kept(SORTED_COLUMNS.slice(0, atRecordedAt));
  const between = kept(SORTED_COLUMNS.slice(atRecordedAt + 1, atSeq));
  const after = kept(SORTED_COLUMNS.slice(atSeq + 1));
  const comma = (columns: readonly string[]) => (columns.length > 0 ? "," : "");
  return {
    beforeRecordedAt: `{${members(before)}${comma(before)}"recorded_at":`,
    beforeSeq: `${comma(between)}${members(between)},"seq":`,
    afterSeq: `${comma(after)}${members(after)}}`,
  };
}

// The pieces above assume this order, which sorting gives today; a column
// added later must not silently break it.
if (SORTED_COLUMNS.indexOf("recorded_at") > SORTED_COLUMNS.indexOf("seq")) {
  throw new Error("The canonical form expects recorded_at to sort before seq");
}

function member(column: string, value: unknown): string {
  let encoded: string;
  if (value === null) encoded = "null";
  else if (typeof value === "string") encoded = JSON.stringify(value);
  else if (typeof value === "number" && Number.isSafeInteger(value)) encoded = String(value);
  else {throw new TypeError(
      `Cannot hash the audit row as '${column}' must be a string, a safe integer or null: current value is ${typeof value}`,
    );}
  return `${JSON.stringify(column)}:${encoded}`;
}

/**
 * `sha256(prev_hash ‖ canonical JSON)`, as lower-case hex: the 64 hex
 * characters of `prevHash` followed by the canonical JSON, hashed as UTF-8.
 * In a shell: `printf '%s%s' "$prev_hash" "$json" | sha256sum`.
 */
export function chainHash(prevHash: string, content: AuditRowContent): string {
  return createHash("sha256").update(prevHash, "utf8").update(canonicalJson(content), "utf8").digest("hex");
}

// A lone surrogate half, which UTF-8 cannot carry.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A text as PostgreSQL will store it, so that what is hashed is what is
 * read back: NUL (which a text column refuses) and lone surrogates (which
 * UTF-8 cannot encode, and pg would turn into U+FFFD on the wire) become
 * U+FFFD.
 */
export function storable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000/g, "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");
}
