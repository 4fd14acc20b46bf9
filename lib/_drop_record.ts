// Internal: the request as given, read once, and the audit record built from
// it. A record is written for every call, whatever the request holds, so
// nothing here throws and every field is made safe to write.

import type { DropFailedRecord, DropRecord, DropWarningRecord } from "./audit.ts";
import type { DropActionLabels, DropCounterLabels } from "./drop_counter.ts";
import { isDropAction } from "./drop_action.ts";
import type { DropError } from "./drop_error.ts";
import type { DropRequest } from "./drop_request.ts";
import type { DropOutcome } from "./outcome.ts";
import { newDropId } from "./_drop_id.ts";
import { readProperty } from "./_read_property.ts";
import { scrubCredentials } from "./scrub_credentials.ts";

/** Record fields longer than this are not written, so that a hostile value cannot flood the audit log. */
const MAX_FIELD_LENGTH = 512;

/** The request's fields as given, read once: a getter cannot answer differently later. */
export type GivenRequest = Partial<Record<keyof DropRequest, unknown>> & {
  /** Set when the request could not be read at all (a throwing getter, a revoked Proxy). */
  readonly unreadable?: { readonly error: unknown };
};

/** Reads every field of `req` once. Never throws. */
export function readRequest(req: unknown): GivenRequest {
  if (typeof req !== "object" || req === null) return {};
  try {
    const r = req as Record<keyof DropRequest, unknown>;
    return {
      token: r.token,
      providerResourceId: r.providerResourceId,
      resourceType: r.resourceType,
      backend: r.backend,
      requestId: r.requestId,
      caller: r.caller,
      intent: r.intent,
      action: r.action,
    };
  } catch (err) {
    // A hostile request still gets its record, with "unknown" fields, and is refused.
    return { unreadable: { error: err } };
  }
}

/** The `provisioner.drop` record of a call, frozen: what was given, "unknown" where it is missing. */
export function newRecord(given: GivenRequest): DropRecord {
  const record: { -readonly [K in keyof DropRecord]: DropRecord[K] } = {
    event: "provisioner.drop",
    drop_id: newDropId(),
    token: fieldOf(given.token, "unknown"),
    provider_resource_id: fieldOf(given.providerResourceId, ""),
    resource_type: fieldOf(given.resourceType, "unknown"),
    backend: fieldOf(given.backend, "unknown"),
    request_id: fieldOf(given.requestId, "unknown"),
    caller: fieldOf(given.caller, "unknown") || "unknown",
  };
  if (given.intent !== undefined) record.intent = fieldOf(given.intent, "unknown");
  record.action = given.action === undefined ? "destroy" : fieldOf(given.action, "unknown");
  // Frozen: the logger, the store and the failed record all see this one
  // object, and a sink that changed it would change what the others write.
  return Object.freeze(record);
}

/** The `provisioner.drop.failed` record of a non-ok outcome. */
export function failedRecord(record: DropRecord, error: DropError): DropFailedRecord {
  const reason = readProperty(error, "reason");
  return Object.freeze({
    ...record,
    event: "provisioner.drop.failed",
    outcome: error.outcome,
    // Scrubbed again: an error a caller's code built may carry anything.
    error: scrubCredentials(error.message),
    ...(typeof reason === "string" && { reason: fieldOf(reason, "") }),
  });
}

/** The `provisioner.drop.warning` record of a drop that proceeds with a warning. */
export function warningRecord(record: DropRecord, warning: string): DropWarningRecord {
  return Object.freeze({ ...record, event: "provisioner.drop.warning", warning: fieldOf(warning, "") });
}

/**
 * The counter labels of a call: the record's own fields, "unknown" when
 * empty, so that the count and the record always agree.
 */
export function labelsOf(record: DropRecord, outcome: DropOutcome): DropCounterLabels {
  return { resource_type: record.resource_type || "unknown", backend: record.backend || "unknown", outcome };
}

/**
 * The action labels of a call: a malformed action (the call is refused) is
 * counted as `destroy`, the default, so that the label set stays closed.
 */
export function actionLabelsOf(record: DropRecord, outcome: DropOutcome): DropActionLabels {
  return { ...labelsOf(record, outcome), action: isDropAction(record.action) ? record.action : "destroy" };
}

/**
 * A record field: what was given, made safe to write.
 *
 * NOTE: a value longer than 512 characters is not written at all, only its
 * length. Cutting it would be unsafe (a cut between a password and its "@"
 * hides the password from the scrubber), and scrubbing a huge hostile value
 * on every drop would not be bounded.
 */
export function fieldOf(value: unknown, missing: string): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") text = String(value);
  else return missing;
  if (text.length > MAX_FIELD_LENGTH) {
    return `<${text.length} characters: longer than ${MAX_FIELD_LENGTH}, not written>`;
  }
  return scrubCredentials(text);
}
