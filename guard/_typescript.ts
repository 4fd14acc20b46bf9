/**
 * The TypeScript compiler, the user's own: an optional peer dependency,
 * loaded with `require` only when the guard runs.
 *
 * @module
 */

import { createRequire } from "node:module";
import type ts from "typescript";
import { GuardUsageError } from "./usage_error.ts";

/** The majors of the `typescript` peer range (`>=5.0 <7`). */
const SUPPORTED_MAJORS = [5, 6];
const INSTALL = "npm i -D typescript";

/**
 * Loads `typescript` from where guarded-drop is installed, or says how to
 * install it. `import ts from "typescript"` would make Node's ESM loader
 * scan the 9 MB CommonJS bundle for its named exports before running it:
 * half a second on every run of the CLI, more than the guard's own walk.
 * `require` loads it the way tsc loads itself.
 *
 * @returns The `typescript` module.
 * @throws {GuardUsageError} When TypeScript is not installed, or its version is outside the peer range.
 */
function loadTypescript(): typeof ts {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve("typescript");
  } catch (err) {
    throw new GuardUsageError(
      `Cannot run drop-guard as 'typescript' must be installed next to guarded-drop (an optional peer dependency, 5.0 or later): ` +
        `current value is not installed. Install it with: ${INSTALL}`,
      { cause: err },
    );
  }
  const loaded = require(path) as typeof ts;
  const major = Number.parseInt(String(loaded.version), 10);
  if (!SUPPORTED_MAJORS.includes(major)) {
    throw new GuardUsageError(
      `Cannot run drop-guard as 'typescript' must be 5.x or 6.x: current value is ${
        String(loaded.version)
      } (${path}). ` +
        `Install a supported one with: ${INSTALL}@6`,
    );
  }
  return loaded;
}

/**
 * The `typescript` module. Types come from `import type ts from "typescript"`;
 * values from here. Importing this file throws {@linkcode GuardUsageError}
 * when TypeScript is missing; nothing outside the guard imports it, so the
 * core never loads TypeScript.
 */
export const typescript: typeof ts = loadTypescript();
