#!/usr/bin/env node
/**
 * The `drop-guard` bin.
 *
 * ```sh
 * npx drop-guard [paths…] [--project tsconfig.json] [--config dropguard.json] [--format text|json|sarif|github] [--base <git-ref>]
 * ```
 *
 * @module
 */

import module from "node:module";
import { isGuardUsageError } from "./usage_error.ts";

// As tsc does: where Node has a compile cache (22.1 and later), loading the
// 9 MB of typescript.js is a cache hit after the first run. It must be on
// before the compiler is imported.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
try {
  // Loads the user's TypeScript, which is an optional peer: a missing or
  // unsupported one is a usage error (exit 2) that says how to install it.
  const { runCli } = await import("./run_cli.ts");
  process.exitCode = await runCli(process.argv.slice(2));
} catch (err) {
  if (!isGuardUsageError(err)) throw err;
  process.stderr.write(`drop-guard: ${err.message}\n`);
  process.exitCode = 2;
}
