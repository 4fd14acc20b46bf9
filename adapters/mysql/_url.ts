// Internal: the admin URL of the MySQL adapters, checked when the adapter is made.

import { describe } from "../_shared/_resolve_options.ts";

const SCHEMES: ReadonlySet<string> = new Set(["mysql:", "mariadb:"]);

/**
 * Checks a `mysql://user:password@host:port/` URL up front, so that a typo
 * is a configuration error at start-up and never an `unavailable` drop that
 * counts toward the breaker. No message echoes the URL: it holds a password.
 *
 * @throws {TypeError} If it is not a string, does not parse, has another
 * scheme or no host, or has an `@` after its authority (a password with an
 * unencoded `/`, `?` or `#`).
 */
export function checkedMysqlUrl(adapter: string, url: unknown): string {
  if (typeof url !== "string" || url.length === 0) {
    throw new TypeError(`Cannot create ${adapter} as 'url' must be a non-empty string: current value is ${describe(url)}`);
  }
  const problem = urlProblem(url);
  if (problem !== undefined) {
    throw new TypeError(`Cannot create ${adapter} as 'url' must be a mysql:// URL: it ${problem} (the URL is not shown: it may hold a password)`);
  }
  return url;
}

function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "does not parse; percent-encode '/', '?', '#' and '@' in the user name and password";
  }
  if (!SCHEMES.has(parsed.protocol)) return `has the scheme ${JSON.stringify(parsed.protocol)}, not mysql: or mariadb:`;
  if (parsed.hostname === "") return "has no host";
  // "mysql://root:12/3@db/" parses as host "root", port 12: the password's
  // unencoded "/" moved the real host into the path.
  if (`${parsed.pathname}${parsed.search}${parsed.hash}`.includes("@")) {
    return "has an '@' after its host; percent-encode '/', '?', '#' and '@' in the user name and password";
  }
  return undefined;
}
