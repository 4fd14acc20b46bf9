// Internal: the admin connection string is checked when the adapter is made.
// A password with an unencoded "/", "?" or "#" does not fail later as
// "unavailable": pg's parser would cut the URL at that character, and
// `postgres://admin:12/x@db.internal/postgres` even parses, as host "admin",
// port 12 and database "x@db.internal/postgres": a drop aimed at a server
// nobody meant. So it is a configuration error, thrown from the factory, and
// the message never echoes the string.

import { describe } from "../_shared/_resolve_options.ts";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const POSTGRES_SCHEMES: ReadonlySet<string> = new Set(["postgres", "postgresql"]);

/**
 * Checks a PostgreSQL connection string: a `postgres://` or `postgresql://`
 * URL whose user and password are percent-encoded. A string without `://`
 * (a `socket:` path) is left to pg.
 *
 * @param adapter What is being created, for messages ("the PostgreSQL adapter").
 * @param value The `connectionString` option.
 * @returns The string, unchanged.
 * @throws {TypeError} If it is not a non-empty string, names another scheme,
 * holds "/", "?" or "#" before the "@" that ends its user and password, does
 * not parse as a URL, or holds a broken percent-escape in the user or password.
 */
export function checkConnectionString(adapter: string, value: unknown): string {
  const cannot = (rule: string, current: string) =>
    new TypeError(`Cannot create ${adapter} as 'connectionString' ${rule}: current value is ${current}`);
  if (typeof value !== "string" || value.length === 0) throw cannot("must be a non-empty string", describe(value));
  const scheme = SCHEME.exec(value);
  if (scheme === null) return value;
  const shown = describe(value);
  if (!POSTGRES_SCHEMES.has(scheme[1]!.toLowerCase())) {
    throw cannot("must be a postgres:// or postgresql:// URL", `a ${JSON.stringify(scheme[1]!.toLowerCase())} URL, ${shown}`);
  }
  const rest = value.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const lastAt = rest.lastIndexOf("@");
  if (authorityEnd !== -1 && lastAt > authorityEnd) {
    throw cannot(
      "must percent-encode '/', '?', '#' and '@' in its user and password (as %2F, %3F, %23, %40)",
      `${shown} with '${rest[authorityEnd]}' before its last '@'`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw cannot("must be a valid URL (percent-encode the user and password)", shown);
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw cannot("must hold only complete percent-escapes (%XX) in its user and password", shown);
  }
  return value;
}
