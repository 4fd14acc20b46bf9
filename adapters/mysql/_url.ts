// Internal: the admin URL of the MySQL adapters, checked when the adapter is made.

import type { ConnectionUrlRule } from "../_shared/_connection_url.ts";
import { describe } from "../_shared/_resolve_options.ts";

/** The rule of the MySQL adapters' `url`, for the shared URL check. */
export const MYSQL_URL: ConnectionUrlRule = {
  schemes: ["mysql:", "mariadb:"],
  example: "mysql://user:password@host:3306/",
};

/**
 * Checks that `url` was given. Its shape (scheme, percent-encoded
 * credentials, host and port) is checked by the shared URL check in
 * `resolveAdapterOptions`, so that a typo is a configuration error at
 * start-up and never an `unavailable` drop that counts toward the breaker.
 *
 * @throws {TypeError} If it is not a non-empty string; the value is never echoed.
 */
export function requireMysqlUrl(adapter: string, url: unknown): string {
  if (typeof url !== "string" || url.length === 0) {
    throw new TypeError(
      `Cannot create ${adapter} as 'url' must be a non-empty string: current value is ${describe(url)}`,
    );
  }
  return url;
}
