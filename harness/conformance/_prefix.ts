/**
 * The check of a token prefix, shared by {@linkcode newTenantToken} and the
 * conformance options.
 *
 * @module
 */

const PREFIX = /^[a-z][a-z0-9_-]{0,19}$/;

/**
 * Returns the prefix, or the default `gd` when none is given.
 *
 * @throws {TypeError} If the prefix is not 1 to 20 lower-case letters,
 * digits, `_` or `-` starting with a letter.
 */
export function checkPrefix(prefix: unknown, action: string): string {
  if (prefix === undefined) return "gd";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    const shown = typeof prefix === "string" ? JSON.stringify(prefix.slice(0, 40)) : typeof prefix;
    throw new TypeError(
      `Cannot ${action} as 'prefix' must be 1 to 20 lower-case letters, digits, '_' or '-', starting with a letter: current value is ${shown}`,
    );
  }
  return prefix;
}
