// Internal: a value shown in a "current value is …" message. Short, quoted,
// scrubbed, and never a dump of an object: a request, a name or an option
// can be anything a caller passed, a configuration object with its passwords
// included. The one describer of the package: the core, the name rules and
// the adapters' option checks all print values through it.

import { scrubCredentials } from "./scrub_credentials.ts";

/** At most this many characters of a string are shown; a longer one is described. */
const MAX_SHOWN = 80;

/**
 * How strings are shown: `"quoted"` shows a short one JSON-quoted and
 * scrubbed; `"length"` never shows one, only its length, for options where
 * a misplaced string can be a bare password that no scrubber recognises.
 */
export type StringDisplay = "quoted" | "length";

/**
 * `"acme42"` for a short string (JSON-quoted, so that a hostile name cannot
 * forge a log line), `(a string of 100000 characters)` for a long one (a cut
 * could separate a password from the "@" the scrubber needs to see),
 * `null`, `undefined`, `42`, `true`, `an object`, `an array`, `a function`
 * or `a symbol`.
 */
export function describeValue(value: unknown, strings: StringDisplay = "quoted"): string {
  if (typeof value === "string") {
    if (strings === "length" || value.length > MAX_SHOWN) return `a string of ${value.length} characters`;
    return JSON.stringify(scrubCredentials(value));
  }
  if (value === null) return "null";
  if (isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return String(value); // undefined, a number, a boolean or a bigint
  }
}

/**
 * `Array.isArray`, which never throws: on a revoked Proxy it does, and a
 * value we describe or read can be one.
 */
export function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** {@linkcode describeValue} for an option: a string is never shown, only its length. */
export function describeOption(value: unknown): string {
  return describeValue(value, "length");
}
