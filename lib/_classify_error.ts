// Internal: what the breaker step rejected with, as the outcome's error.
// Everything a drop or a breaker throws ends here, so every read of the
// thrown value is guarded and every message scrubbed.

import { BreakerOpenError } from "./breaker_open_error.ts";
import { DeniedError } from "./denied_error.ts";
import type { DropError } from "./drop_error.ts";
import { DropFailedError } from "./drop_failed_error.ts";
import { RefusedError } from "./refused_error.ts";
import { readProperty } from "./_read_property.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/**
 * Classifies `err`, thrown by the breaker step.
 *
 * - The drop callback was not called: the breaker rejected the call
 *   (`breaker_open`, when `isBreakerOpen` recognises its error) or the
 *   breaker itself failed (`error`).
 * - It was called: code `GD_REFUSED` is `refused`, `GD_DENIED` is `denied`,
 *   and anything else is `error`, keeping the adapter's `kind`.
 */
export function classifyError(err: unknown, called: boolean, isBreakerOpen: (err: unknown) => boolean): DropError {
  const message = scrubbedMessage(err);
  const cause = scrubError(err);
  if (!called) {
    if (recognises(isBreakerOpen, err)) {
      const retryAfterMs = readProperty(err, "retryAfterMs");
      return new BreakerOpenError(`Cannot drop as the circuit breaker rejected the call: ${message}`, {
        cause,
        ...(typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && { retryAfterMs }),
      });
    }
    return new DropFailedError(`Cannot drop as the circuit breaker failed: ${message}`, { cause });
  }
  const code = readProperty(err, "code");
  if (code === "GD_REFUSED") return new RefusedError(message, { cause });
  if (code === "GD_DENIED") return new DeniedError(message, { cause, reason: message });
  const kind = readProperty(err, "kind");
  return new DropFailedError(message, { cause, kind: kind === "unavailable" || kind === "refused" ? kind : "failed" });
}

/** A test that throws recognises nothing: the breaker failed. */
function recognises(test: (err: unknown) => boolean, err: unknown): boolean {
  try {
    return test(err) === true;
  } catch {
    return false;
  }
}
