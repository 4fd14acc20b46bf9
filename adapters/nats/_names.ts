// Internal: the NATS tenant model. Which JetStream assets belong to tenant
// t, and the marks that prove it. NATS names cannot hold `.`, `*`, `>` or
// whitespace, and KV and object store buckets only `[A-Za-z0-9_-]`, so the
// tenant's part of a name is length-prefixed instead of delimited: `acme`
// owns `t4_acme_<name>`, and `acme_x` owns `t6_acme_x_<name>`. A name that
// starts with `t4_acme_` parses to the token `acme` and to nothing else.

import { type NameRules, RefusedError } from "../../lib/mod.ts";

/** The description that marks a shared tenant's live asset. */
export const OWNER_MARK = "guarded-drop tenant ";
/** The description of a dedicated server's ownership marker stream. */
export const DEDICATED_MARK = "guarded-drop dedicated ";
/** The description of a quarantined asset: `<mark><token> <copy name>`. */
export const QUARANTINE_MARK = "guarded-drop quarantined ";
/** The dedicated server's ownership marker stream, which the platform creates at provisioning. */
export const DEDICATED_MARKER_STREAM = "gd_owner";
/** The platform-only KV bucket that holds the quarantine records. */
export const QUARANTINE_BUCKET = "gd_quarantine";

/** What a stream is, by the name JetStream gives it. */
export type AssetKind = "stream" | "kv" | "objectStore";

/** The order of the deletes: plain streams, then KV buckets, then object stores. */
export const KIND_ORDER: readonly AssetKind[] = ["stream", "kv", "objectStore"];

/**
 * Checks a token for NATS: the name rules first, then no `.`, which NATS
 * names cannot hold (the name rules allow it for the other backends).
 *
 * @throws {RefusedError} For a hostile token or one with a dot.
 */
export function checkNatsToken(nameRules: NameRules, token: unknown): string {
  const checked = nameRules.checkNamingToken(token);
  if (checked.includes(".")) {
    throw new RefusedError(
      `Cannot drop as the NATS naming token ${JSON.stringify(checked)} must hold only letters, digits, '_' and '-': ` +
        "NATS stream, KV and object store names cannot hold '.'",
    );
  }
  return checked;
}

/** The prefix of every name tenant `token` owns: `t<length>_<token>_`. */
export function tenantPrefix(token: string): string {
  return `t${token.length}_${token}_`;
}

/** The kind of a stream and the asset name inside it (the bucket of `KV_<bucket>`). */
export function assetOf(streamName: string): { kind: AssetKind; name: string } {
  if (streamName.startsWith("KV_")) return { kind: "kv", name: streamName.slice(3) };
  if (streamName.startsWith("OBJ_")) return { kind: "objectStore", name: streamName.slice(4) };
  return { kind: "stream", name: streamName };
}

/** Whether a stream's name puts it under tenant `token` (not yet proof that it is the tenant's). */
export function namedForTenant(streamName: string, token: string): boolean {
  return assetOf(streamName).name.startsWith(tenantPrefix(token));
}

/** The token a tenant-named stream parses to, or `undefined`. */
export function tokenOfName(streamName: string): string | undefined {
  const match = /^t(\d{1,2})_/.exec(assetOf(streamName).name);
  if (match === null) return undefined;
  const name = assetOf(streamName).name;
  const start = match[0].length;
  const length = Number(match[1]);
  if (name.length < start + length + 1 || name[start + length] !== "_") return undefined;
  return name.slice(start, start + length);
}

/** The live ownership mark of tenant `token`. */
export function ownerMark(token: string): string {
  return `${OWNER_MARK}${token}`;
}

/** The dedicated ownership marker's description for tenant `token`. */
export function dedicatedMark(token: string): string {
  return `${DEDICATED_MARK}${token}`;
}

/** The quarantine description of one copy. */
export function quarantineMark(token: string, copy: string): string {
  return `${QUARANTINE_MARK}${token} ${copy}`;
}

/** The tenant a mark names (`guarded-drop tenant X`, `… dedicated X`, `… quarantined X c`), or `undefined`. */
export function markedTenant(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  for (const prefix of [OWNER_MARK, DEDICATED_MARK, QUARANTINE_MARK]) {
    if (description.startsWith(prefix)) return description.slice(prefix.length).split(" ")[0];
  }
  return undefined;
}
