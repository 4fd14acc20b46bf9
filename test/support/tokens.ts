/**
 * Naming tokens for tests, each with the property its test relies on made
 * true by construction, never by the clock or by luck.
 *
 * A token made of `Date.now().toString(36)` has no letters for minutes at a
 * time (`…12345`), and one made of hex has none with a probability that is
 * small but not zero; a test that upper-cases "some letters" of such a token
 * then gets the lower-case token back, and fails by chance. Here the letters
 * a property needs come from a letters-only alphabet.
 *
 * @module
 */

import { randomBytes } from "node:crypto";

/**
 * Where a token's clock and randomness come from. Tests pass a fixed one to
 * show that a property holds whatever the clock says.
 *
 * @example
 * ```ts
 * import type { TokenSource } from "./tokens.ts";
 *
 * const fixed: TokenSource = { now: () => 36 ** 5 * 1_000, random: (n) => new Uint8Array(n) };
 * ```
 */
export interface TokenSource {
  /** Milliseconds since the epoch. */
  now(): number;
  /** `size` random bytes. */
  random(size: number): Uint8Array;
}

/**
 * The real clock and `crypto.randomBytes`.
 *
 * @example
 * ```ts
 * import { SYSTEM_TOKEN_SOURCE } from "./tokens.ts";
 *
 * console.log(SYSTEM_TOKEN_SOURCE.random(4).length); // 4
 * ```
 */
export const SYSTEM_TOKEN_SOURCE: TokenSource = Object.freeze({
  now: () => Date.now(),
  random: (size: number) => randomBytes(size),
});

/** Clock characters: they order tokens by time across runs, and wrap every ~17 hours. */
const CLOCK_CHARS = 5;
/** Random bytes (as hex) that every token keeps, whatever its prefix: 32 bits. */
const RANDOM_BYTES = 4;
const LOWER_LETTERS = "abcdefghijklmnopqrstuvwxyz";

/**
 * A naming token no other run or test file uses: the prefix, 5 clock
 * characters and 8 random hex digits (32 bits), all lower-case letters and
 * digits. A long prefix makes the token longer rather than cutting the
 * random part, as the former helper did beyond 3 characters.
 *
 * It has no other property: after the prefix it may be all digits. Use
 * {@linkcode mixedCaseToken} when a test needs letters.
 *
 * @param prefix What the token starts with.
 * @param source The clock and the randomness.
 * @returns The token: the prefix and 13 more characters.
 *
 * @example
 * ```ts
 * import { uniqueToken } from "./tokens.ts";
 *
 * console.log(uniqueToken("race").length); // 17
 * ```
 */
export function uniqueToken(prefix = "gd", source: TokenSource = SYSTEM_TOKEN_SOURCE): string {
  const clock = source.now().toString(36).slice(-CLOCK_CHARS).padStart(CLOCK_CHARS, "0");
  return `${prefix}${clock}${Buffer.from(source.random(RANDOM_BYTES)).toString("hex")}`;
}

/**
 * A unique token with upper-case letters right after the prefix
 * (`relQZK…`): it always differs from its lower-case form, whatever the
 * clock and the random bytes are, so a test of case folding never gets the
 * lower-case token back.
 *
 * @param prefix What the token starts with (kept as given).
 * @param source The clock and the randomness.
 * @returns A token `t` with `t !== t.toLowerCase()`, and letters and digits only.
 *
 * @example
 * ```ts
 * import { mixedCaseToken } from "./tokens.ts";
 *
 * const token = mixedCaseToken("rel");
 * console.log(token !== token.toLowerCase()); // true
 * ```
 */
export function mixedCaseToken(prefix = "gd", source: TokenSource = SYSTEM_TOKEN_SOURCE): string {
  const lower = letters(source, 3);
  // The unique token of `<prefix><abc>`, with those three letters upper-cased.
  const unique = uniqueToken(`${prefix}${lower}`, source);
  return `${prefix}${lower.toUpperCase()}${unique.slice(prefix.length + lower.length)}`;
}

/**
 * `count` random lower-case letters: never a digit.
 *
 * @param source The randomness.
 * @param count How many letters.
 * @returns The letters.
 *
 * @example
 * ```ts
 * import { letters, SYSTEM_TOKEN_SOURCE } from "./tokens.ts";
 *
 * console.log(/^[a-z]{3}$/.test(letters(SYSTEM_TOKEN_SOURCE, 3))); // true
 * ```
 */
export function letters(source: TokenSource, count: number): string {
  return Array.from(source.random(count), (byte) => LOWER_LETTERS[byte % LOWER_LETTERS.length]).join("");
}
