// Internal: the `retention` option every recoverable adapter takes, checked
// up front with the same messages (DESIGN §11, §14).

import type { RetentionOptions } from "../../lib/mod.ts";
import { describe, positive } from "./_resolve_options.ts";

/** One day, in ms: retention is counted in days. */
export const DAY_MS = 86_400_000;

/**
 * The retention with its clock, or `undefined` without one.
 *
 * @throws {TypeError} If it is not an object, `days` is not a positive
 * finite number, or `now` is not a function.
 */
export function resolveRetention(adapter: string, retention: RetentionOptions | undefined): Required<RetentionOptions> | undefined {
  if (retention === undefined) return undefined;
  if (typeof retention !== "object" || retention === null) {
    throw new TypeError(`Cannot create ${adapter} as 'retention' must be an object: current value is ${describe(retention)}`);
  }
  const days = positive(adapter, "retention.days", retention.days, Number.NaN);
  if (Number.isNaN(days)) {
    throw new TypeError(`Cannot create ${adapter} as 'retention.days' must be a positive finite number: current value is undefined`);
  }
  if (retention.now !== undefined && typeof retention.now !== "function") {
    throw new TypeError(`Cannot create ${adapter} as 'retention.now' must be a function: current value is ${describe(retention.now)}`);
  }
  return { days, now: retention.now ?? Date.now };
}
