/**
 * Credential scrubbing for anything guarded-drop writes: error messages in
 * records, in logs and in the errors it throws.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";

// A URL's userinfo: everything between "scheme://" and the last "@" before
// the host. Greedy up to the last "@" in the run, because a password that was
// not percent-encoded may itself hold "@" or ":".
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'`<>]*@/gi;

// The same userinfo without a scheme, as `user:password@host:port` (a peer
// address, a CLI's target). It needs the ":" between user and password, so
// that a plain e-mail address is left alone; greedy up to the last "@", as
// for URLs.
const BARE_USERINFO = /(^|[\s"'(<[,;=])[^\s"'<>()[\]@/:]+:[^\s"'<>/]*@(?=[A-Za-z0-9[])/g;

// key=value and key: value pairs as libpq conninfo strings, driver options
// and JSON print them. The value is quoted or runs to the next separator.
// A prefix is allowed (PGPASSWORD, REDIS_PASSWORD, db_password, x-api-key).
const SECRET_PAIR =
  /(["']?\b[\w-]*?(?:password|passwd|pwd|pass|secret|api[_-]?key|access[_-]?key|auth[_-]?token|sslkey)\b["']?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])]+)/gi;

// HTTP authorization headers, as some drivers echo them in errors.
const AUTHORIZATION = /\b((?:authorization|proxy-authorization)\s*[=:]\s*["']?(?:basic|bearer|digest)?\s*)[A-Za-z0-9._~+/=-]+/gi;

// The words without which neither SECRET_PAIR nor AUTHORIZATION can match:
// each of their keywords holds one of these. Keep the two lists together.
const CREDENTIAL_WORD = /pass|pwd|secret|key|token|authorization/i;

/**
 * Whether `text` can hold any of the forms above: a URL's userinfo needs an
 * "@", and a pair or a header needs a "=" or ":" and one of the credential
 * words. It is exact in one direction, never missing a form the regexes
 * would scrub, and it lets the common fields through without running them:
 * a UUID, a service name, a bare `host:port` such as `10.0.0.7:5544`.
 */
function mayHoldCredential(text: string): boolean {
  if (text.includes("@")) return true;
  return (text.includes(":") || text.includes("=")) && CREDENTIAL_WORD.test(text);
}

/**
 * Replaces credentials in a text with `***`: the userinfo of URLs
 * (`postgres://app:s3cret@db/x` → `postgres://***@db/x`), also without a
 * scheme (`app:s3cret@db:5432` → `***@db:5432`), `password=…`-style
 * pairs in any common spelling, and authorization headers.
 *
 * NOTE: it scrubs the forms drivers print. A password spelled out in free
 * prose ("the password is hunter2") cannot be told from other words; never
 * put one there.
 *
 * @param text Any text.
 * @returns The text without credentials.
 *
 * @example
 * ```ts
 * import { scrubCredentials } from "guarded-drop";
 *
 * console.log(scrubCredentials("connect postgres://admin:hunter2@10.0.0.5:5432/x failed"));
 * // "connect postgres://***@10.0.0.5:5432/x failed"
 * console.log(scrubCredentials("host=db user=admin password='hunter2' sslmode=require"));
 * // "host=db user=admin password=*** sslmode=require"
 * ```
 */
export function scrubCredentials(text: string): string {
  if (!mayHoldCredential(text)) return text;
  return text
    .replace(URL_USERINFO, "$1***@")
    .replace(BARE_USERINFO, "$1***@")
    .replace(SECRET_PAIR, "$1***")
    .replace(AUTHORIZATION, "$1***");
}

/**
 * The message of any thrown value, scrubbed of credentials. Non-errors are
 * described by their type, never dumped, because a thrown object can be a
 * whole configuration with its passwords.
 *
 * @param err Any thrown value.
 * @returns A scrubbed, one-line message.
 *
 * @example
 * ```ts
 * import { scrubbedMessage } from "guarded-drop";
 *
 * console.log(scrubbedMessage(new Error("auth failed for redis://:pw@cache:6379")));
 * // "auth failed for redis://***@cache:6379"
 * ```
 */
export function scrubbedMessage(err: unknown): string {
  if (typeof err === "string") return scrubCredentials(err);
  if ((typeof err === "object" || typeof err === "function") && err !== null) {
    // Every read is guarded: a thrown Proxy must not turn the report of one
    // failure into another.
    const message = readProperty(err, "message");
    if (typeof message === "string" && message.length > 0) return scrubCredentials(message);
    const code = readProperty(err, "code");
    const name = readProperty(err, "name");
    const shownName = typeof name === "string" ? scrubCredentials(name) : "object";
    if (typeof code === "string") return `thrown ${shownName} with code ${scrubCredentials(code)}`;
    if (typeof name === "string") return `thrown ${shownName} without a message`;
    return "thrown object without a message";
  }
  return `thrown ${err === null ? "null" : typeof err}`;
}
