/**
 * Credential scrubbing for anything guarded-drop writes: error messages in
 * records, in logs and in the errors it throws.
 *
 * @module
 */

import { readProperty } from "./_read_property.ts";
import { CREDENTIAL_WORD, cutIndex, scrubForms } from "./_scrub_forms.ts";

/**
 * Texts longer than this are cut before they are scrubbed, and the cut is
 * said: an error message can be megabytes (a driver echoing a whole query),
 * and every record must stay small.
 *
 * @example
 * ```ts
 * import { MAX_SCRUBBED_LENGTH, scrubCredentials } from "guarded-drop";
 *
 * const huge = "row ".repeat(MAX_SCRUBBED_LENGTH);
 * console.log(scrubCredentials(huge).endsWith("more characters not shown]")); // true
 * ```
 */
export const MAX_SCRUBBED_LENGTH = 8192;

/**
 * Whether `text` can hold any of the forms scrubbed: a URL's userinfo needs
 * an "@"; a pair or a header needs a "=" or ":" (or "%" when encoded), a
 * flag or Redis's AUTH a space or a tab,
 * and each of them one of the credential words. It is exact in one
 * direction, never missing a form the scrubber would scrub, and it lets the
 * common fields through without running it: a UUID, a service name, a bare
 * `host:port` such as `10.0.0.7:5544`.
 */
function mayHoldCredential(text: string): boolean {
  // One scan for every character a form needs: most fields (a UUID, a name) have none.
  if (!FORM_CHARACTER.test(text)) return false;
  return text.includes("@") || CREDENTIAL_WORD.test(text);
}

/**
 * Room left below the limit when a text is cut, for the note and for the
 * prefix a message built from it adds ("Cannot drop as …: "): scrubbing that
 * message again does not cut it a second time, and the note keeps the
 * number of characters really dropped.
 */
const CUT_RESERVE = 512;

/** A character without which no form can be present: "@", a pair's "=", ":" or "%", a flag's space or tab. */
const FORM_CHARACTER = /[@:=%\t ]/;

/**
 * Replaces credentials in a text with `***`:
 *
 * - the userinfo of URLs: everything from the scheme's `//` to the last "@"
 *   before the next whitespace, since a password that was not
 *   percent-encoded may hold "/", "#", "?", quotes or "@"
 *   (`postgres://app:s3/cret@db/x` → `postgres://***@db/x`); a whitespace
 *   right before the "@", or a space or newline inside the password of a
 *   URL, is included;
 * - the same without a scheme (`app:s3cret@db:5432` → `***@db:5432`);
 * - `password=…`-style pairs in any common spelling, quoted or not, JSON
 *   included (`password`, `passwd`, `passphrase`, `pass`, `pwd`, `pw`,
 *   `secret`, `credentials`, `api_key`, `access_key`, `private_key`,
 *   `auth_token`, `sslkey`, with any prefix such as `PGPASSWORD`);
 * - flags and settings with a space before the value: `--password x`,
 *   `requirepass x`, `masterauth x`, and Redis's `AUTH [user] password`;
 * - authorization headers, also as JSON (`"Authorization":"Basic …"`).
 *
 * Its time is linear in the text's length: no hostile message can block
 * the event loop.
 *
 * NOTE: a text longer than {@linkcode MAX_SCRUBBED_LENGTH} characters is cut
 * before it is scrubbed, to at most 7680 characters, at a whitespace that
 * splits no credential from its "@", and the rest is dropped, never shown:
 * the result ends with `… [cut: N more characters not shown]`.
 *
 * NOTE: it scrubs the forms drivers print. A password spelled out in free
 * prose ("the password is hunter2"), or in a MySQL-style `-phunter2`,
 * cannot be told from other words; never put one there. A quoted value
 * longer than 1024 characters is scrubbed only up to its first separator.
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
  if (text.length > MAX_SCRUBBED_LENGTH) {
    const cut = cutIndex(text, MAX_SCRUBBED_LENGTH - CUT_RESERVE);
    return `${scrubForms(text.slice(0, cut))}… [cut: ${text.length - cut} more characters not shown]`;
  }
  return mayHoldCredential(text) ? scrubForms(text) : text;
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
