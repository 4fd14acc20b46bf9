/**
 * The TypeScript compiler, loaded with `require`.
 *
 * @module
 */

import { createRequire } from "node:module";
import type ts from "typescript";

/**
 * The `typescript` module. Types come from `import type ts from "typescript"`;
 * values from here.
 *
 * `import ts from "typescript"` would make Node's ESM loader scan the 9 MB
 * CommonJS bundle for its named exports before running it: half a second on
 * every run of the CLI, more than the guard's own walk. `require` loads it
 * the way tsc loads itself.
 */
export const typescript: typeof ts = createRequire(import.meta.url)("typescript");
