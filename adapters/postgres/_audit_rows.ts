// Internal: a row as the readers select it (seq and recorded_at as text),
// typed for the chain check.

import type { AuditEvent, AuditRow } from "./_audit_chain.ts";

/** Maps a selected row; seq was selected as text, so no bigint parser can change it. */
export function auditRowOf(raw: Record<string, unknown>): AuditRow {
  const text = (key: string): string => (typeof raw[key] === "string" ? raw[key] as string : String(raw[key]));
  const nullable = (key: string): string | null => (raw[key] === null || raw[key] === undefined ? null : text(key));
  return {
    seq: Number(text("seq")),
    recorded_at: text("recorded_at"),
    event: text("event") as AuditEvent,
    drop_id: text("drop_id"),
    token: text("token"),
    provider_resource_id: text("provider_resource_id"),
    resource_type: text("resource_type"),
    backend: text("backend"),
    request_id: text("request_id"),
    caller: text("caller"),
    intent: nullable("intent"),
    action: nullable("action"),
    outcome: nullable("outcome"),
    error: nullable("error"),
    reason: nullable("reason"),
    prev_hash: text("prev_hash"),
    hash: text("hash"),
  };
}
