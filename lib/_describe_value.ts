// Internal: a value shown in a refusal message. Short, quoted, scrubbed, and
// never a dump of an object: a request or a name can be anything a caller
// passed, a configuration object with its passwords included.

import { scrubCredentials } from "./scrub_credentials.ts";

/** At most this many characters of a string are shown; a longer one is described. */
const MAX_SHOWN = 80;

/**
 * `"acme42"` for a short string (JSON-quoted, so that a hostile name cannot
 * forge a log line), `(a string of 100000 characters)` for a long one (a cut
 * could separate a password from the "@" the scrubber needs to see),
 * `null`, `undefined`, `42`, `an object`, `an array` or `a function`.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return value.length > MAX_SHOWN ? `(a string of ${value.length} characters)` : JSON.stringify(scrubCredentials(value));
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return String(value);
}
