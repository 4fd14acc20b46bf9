/**
 * {@linkcode newTenantToken}: fresh tenant tokens for the checks.
 *
 * @module
 */

import { checkPrefix } from "./_prefix.ts";

// NOTE: a process-wide sequence is the one piece of module state here: it is
// what makes two tokens of one millisecond differ without relying on luck.
let tokenSequence = 0;

/**
 * Options of {@linkcode newTenantToken}.
 *
 * @example
 * ```ts
 * import type { TenantTokenOptions } from "guarded-drop/harness";
 *
 * const options: TenantTokenOptions = { prefix: "ci_" };
 * ```
 */
export interface TenantTokenOptions {
  /**
   * What every token starts with: 1 to 20 lower-case letters, digits, `_`
   * or `-`, starting with a letter.
   *
   * @default {"gd"}
   */
  prefix?: string;
}

/**
 * A fresh tenant token, unique across runs and processes: the prefix, then
 * 13 or more lower-case letters and digits. With a prefix of up to 20
 * characters it stays short enough for every name (`dedicated_db_<t>x`
 * stays under 63 bytes), and it passes the default name rules.
 *
 * @param options The prefix.
 * @returns A token such as `gdm4x2k1a7f3q1`.
 * @throws {TypeError} If the prefix is not 1 to 20 lower-case letters,
 * digits, `_` or `-` starting with a letter.
 *
 * @example
 * ```ts
 * import { newTenantToken } from "guarded-drop/harness";
 *
 * console.log(newTenantToken()); // "gd…"
 * console.log(newTenantToken({ prefix: "ci_" })); // "ci_…"
 * ```
 */
export function newTenantToken(options: TenantTokenOptions = {}): string {
  const prefix = checkPrefix(options?.prefix, "make a tenant token");
  const random = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, "0");
  return `${prefix}${Date.now().toString(36)}${random}${(tokenSequence++).toString(36)}`;
}
