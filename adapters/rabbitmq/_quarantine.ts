// Internal: the RabbitMQ quarantine's requests and its mark. The mark is a
// global runtime parameter named after the vhost: only an administrator can
// write one, a tenant's user never can, and re-creating the vhost (which
// resets its description) does not touch it. It records the user's
// permissions, so that a restore grants exactly those back.

import { RefusedError } from "../../lib/mod.ts";
import type { FailureContext } from "../_shared/_errors.ts";
import { callApi, type ManagementEndpoint } from "./_management_api.ts";

/** The prefix of every mark's parameter name; the vhost's name follows. */
export const MARK_PREFIX = "guarded-drop.quarantine.";

/** What a mark records. */
export interface RabbitmqMark {
  readonly guarded_drop: "quarantine";
  readonly v: 1;
  readonly token: string;
  readonly backend: string;
  readonly vhost: string;
  readonly user: string;
  readonly quarantined_at: string;
  /** The user's permissions on the vhost, or null when it had none. */
  readonly permissions: { readonly configure: string; readonly write: string; readonly read: string } | null;
  /** The user's topic permissions on the vhost. */
  readonly topic_permissions: readonly { readonly exchange: string; readonly write: string; readonly read: string }[];
  /**
   * Set once the quarantine has revoked every permission: before it, the
   * recorded permissions may still be there (a quarantine killed midway);
   * after it, any permission on the vhost was granted since, by someone else.
   */
  readonly revoked?: boolean;
  /** Set by a restore before it grants: a restore killed midway is resumed, not refused. */
  readonly restoring?: boolean;
}

/** The tenant a request is about. */
export interface Target {
  readonly token: string;
  readonly backend: string;
  readonly vhost: string;
  readonly user: string;
}

const get = (
  endpoint: ManagementEndpoint,
  context: FailureContext,
  segments: string[],
  step: string,
  timeoutMs: number,
) => callApi(endpoint, context, { method: "GET", segments, step, timeoutMs });

/** The mark, when its parameter exists and describes exactly this tenant; anything else is not trusted. */
export function trustedMark(value: unknown, target: Target): RabbitmqMark | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.guarded_drop !== "quarantine" || m.v !== 1) return undefined;
  if (m.token !== target.token || m.backend !== target.backend || m.vhost !== target.vhost || m.user !== target.user) {
    return undefined;
  }
  if (typeof m.quarantined_at !== "string" || Number.isNaN(Date.parse(m.quarantined_at))) return undefined;
  const p = m.permissions as Record<string, unknown> | null;
  if (p !== null && (typeof p !== "object" || ![p.configure, p.write, p.read].every((x) => typeof x === "string"))) {
    return undefined;
  }
  if (!Array.isArray(m.topic_permissions)) return undefined;
  if (
    (m.revoked !== undefined && typeof m.revoked !== "boolean") ||
    (m.restoring !== undefined && typeof m.restoring !== "boolean")
  ) return undefined;
  return value as RabbitmqMark;
}

/** Reads the tenant's mark, or `undefined`. */
export async function readMark(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  target: Target,
  timeoutMs: number,
): Promise<RabbitmqMark | undefined> {
  const answer = await get(
    endpoint,
    context,
    ["global-parameters", `${MARK_PREFIX}${target.vhost}`],
    "GET /api/global-parameters/{mark}",
    timeoutMs,
  );
  if (answer.status === 404) return undefined;
  return trustedMark((answer.body as { value?: unknown } | undefined)?.value, target);
}

/** Every mark on the broker, with the name of the vhost it names. */
export async function listMarks(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  timeoutMs: number,
): Promise<{ vhost: string; value: unknown }[]> {
  const answer = await get(endpoint, context, ["global-parameters"], "GET /api/global-parameters", timeoutMs);
  const all = Array.isArray(answer.body) ? answer.body as { name?: unknown; value?: unknown }[] : [];
  return all.flatMap((p) =>
    typeof p.name === "string" && p.name.startsWith(MARK_PREFIX)
      ? [{ vhost: p.name.slice(MARK_PREFIX.length), value: p.value }]
      : []
  );
}

/** The user's permissions on the vhost now: its regular ones (or null) and its topic ones. */
export async function readPermissions(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  target: Target,
  timeoutMs: number,
): Promise<Pick<RabbitmqMark, "permissions" | "topic_permissions">> {
  const regular = await get(
    endpoint,
    context,
    ["permissions", target.vhost, target.user],
    "GET /api/permissions/{vhost}/{user}",
    timeoutMs,
  );
  const topic = await get(
    endpoint,
    context,
    ["topic-permissions", target.vhost, target.user],
    "GET /api/topic-permissions/{vhost}/{user}",
    timeoutMs,
  );
  const r = regular.body as { configure?: string; write?: string; read?: string } | undefined;
  return {
    permissions: regular.status === 404 || r === undefined
      ? null
      : { configure: r.configure ?? "", write: r.write ?? "", read: r.read ?? "" },
    topic_permissions: topic.status === 404 || !Array.isArray(topic.body)
      ? []
      : (topic.body as { exchange: string; write: string; read: string }[]).map((t) => ({
        exchange: t.exchange,
        write: t.write,
        read: t.read,
      })),
  };
}

/** Writes the mark. */
export async function writeMark(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  mark: RabbitmqMark,
  timeoutMs: number,
): Promise<void> {
  const name = `${MARK_PREFIX}${mark.vhost}`;
  await callApi(endpoint, context, {
    method: "PUT",
    segments: ["global-parameters", name],
    body: { name, value: mark },
    step: "PUT /api/global-parameters/{mark}",
    timeoutMs,
  });
}

/** Removes the mark (404: removed already). */
export async function removeMark(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  vhost: string,
  timeoutMs: number,
): Promise<void> {
  await callApi(endpoint, context, {
    method: "DELETE",
    segments: ["global-parameters", `${MARK_PREFIX}${vhost}`],
    step: "DELETE /api/global-parameters/{mark}",
    timeoutMs,
  });
}

/** Revokes the user's permissions and topic permissions on the vhost (404: none). */
export async function revokePermissions(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  target: Target,
  timeoutMs: number,
): Promise<void> {
  await callApi(endpoint, context, {
    method: "DELETE",
    segments: ["permissions", target.vhost, target.user],
    step: "DELETE /api/permissions/{vhost}/{user}",
    timeoutMs,
  });
  await callApi(endpoint, context, {
    method: "DELETE",
    segments: ["topic-permissions", target.vhost, target.user],
    step: "DELETE /api/topic-permissions/{vhost}/{user}",
    timeoutMs,
  });
}

/** Grants the permissions the mark recorded. */
export async function grantRecorded(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  mark: RabbitmqMark,
  timeoutMs: number,
): Promise<void> {
  if (mark.permissions !== null) {
    await callApi(endpoint, context, {
      method: "PUT",
      segments: ["permissions", mark.vhost, mark.user],
      body: mark.permissions,
      step: "PUT /api/permissions/{vhost}/{user}",
      timeoutMs,
    });
  }
  for (const topic of mark.topic_permissions) {
    await callApi(endpoint, context, {
      method: "PUT",
      segments: ["topic-permissions", mark.vhost, mark.user],
      body: topic,
      step: "PUT /api/topic-permissions/{vhost}/{user}",
      timeoutMs,
    });
  }
}

/**
 * Whether every permission the user has now is one the mark recorded (what
 * a quarantine or a restore killed midway leaves), and not one granted since.
 */
export function withinRecorded(
  now: Pick<RabbitmqMark, "permissions" | "topic_permissions">,
  mark: RabbitmqMark,
): boolean {
  // Field by field: the broker gives a stored parameter's keys back in its own order.
  const regular = now.permissions === null ||
    (mark.permissions !== null && now.permissions.configure === mark.permissions.configure &&
      now.permissions.write === mark.permissions.write && now.permissions.read === mark.permissions.read);
  const recorded = new Set(mark.topic_permissions.map((t) => `${t.exchange}\u0000${t.write}\u0000${t.read}`));
  return regular && now.topic_permissions.every((t) => recorded.has(`${t.exchange}\u0000${t.write}\u0000${t.read}`));
}

/** The refusal of a restore whose names a new tenant has taken. */
export function takenError(context: FailureContext, target: Target): RefusedError {
  return new RefusedError(
    `Cannot restore ${context.what} ${JSON.stringify(context.token)} as its user must have no permission on ${
      JSON.stringify(target.vhost)
    }: ` +
      `current value is permissions granted since the quarantine (a new tenant of that token?); the copy is kept, nothing was changed`,
  );
}
