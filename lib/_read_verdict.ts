// Internal: what a policy or a budget answered, read fail-closed. Only
// `true` or `{ allowed: true }` allows; anything else is a no with a reason
// that says what was answered.

import { describeValue, isArray } from "./_describe_value.ts";
import { fieldOf } from "./_drop_record.ts";
import { readProperty } from "./_read_property.ts";

/** An answer, read: every field checked, the texts scrubbed and bounded. */
export interface ReadVerdict {
  readonly allowed: boolean;
  readonly reason: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly warning: string | undefined;
}

/**
 * Reads `answer`, the value a policy or a budget resolved with. `who` names
 * it in the reasons ("the policy").
 */
export function readVerdict(answer: unknown, who: string): ReadVerdict {
  if (answer === true) return { allowed: true, reason: undefined, retryAfterMs: undefined, warning: undefined };
  if (answer === false) return no(`${who} answered false`);
  if (typeof answer !== "object" || answer === null || isArray(answer)) {
    return no(`${who} answered ${describeValue(answer)}, which is neither a boolean nor a verdict { allowed }`);
  }
  // Every read is guarded: a verdict can be a Proxy whose getters throw.
  const allowed = readProperty(answer, "allowed");
  if (typeof allowed !== "boolean") {
    return no(`${who} answered a verdict whose 'allowed' is ${describeValue(allowed)}, not a boolean`);
  }
  const reason = readProperty(answer, "reason");
  const retryAfterMs = readProperty(answer, "retryAfterMs");
  const warning = readProperty(answer, "warning");
  return {
    allowed,
    reason: typeof reason === "string" && reason.length > 0
      ? fieldOf(reason, "")
      : allowed
      ? undefined
      : `${who} gave no reason`,
    retryAfterMs: typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
      ? retryAfterMs
      : undefined,
    warning: allowed && typeof warning === "string" && warning.length > 0 ? fieldOf(warning, "") : undefined,
  };
}

function no(reason: string): ReadVerdict {
  return { allowed: false, reason, retryAfterMs: undefined, warning: undefined };
}
