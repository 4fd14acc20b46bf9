/**
 * {@linkcode HOSTILE_TOKENS}: the tokens every check of refusals hands over.
 *
 * @module
 */

/**
 * Tokens a careless or compromised caller could hand over. guardedDrop and
 * the adapter must both refuse every one of them.
 *
 * @example Checking your own name rules against them
 * ```ts
 * import { createNameRules, isRefusedError } from "guarded-drop";
 * import { HOSTILE_TOKENS } from "guarded-drop/harness";
 *
 * const rules = createNameRules({ reserved: ["platform"] });
 * for (const token of HOSTILE_TOKENS) {
 *   try {
 *     rules.checkNamingToken(token);
 *     throw new Error(`accepted ${JSON.stringify(token)}`);
 *   } catch (err) {
 *     if (!isRefusedError(err)) throw err;
 *   }
 * }
 * ```
 */
export const HOSTILE_TOKENS: readonly string[] = Object.freeze([
  "postgres",
  "template1",
  "default",
  "admin",
  "ROOT",
  "rdsadmin",
  "",
  "*",
  "acme*",
  "../etc",
  // drop-guard-ignore-next-line sql-drop -- an injection attempt the checks must refuse; it is data, never run
  "a;DROP DATABASE postgres",
  "a' OR '1'='1",
  "acme:1",
  "ａｃｍｅ",
  "acme\u0000",
  "x".repeat(64),
]);
