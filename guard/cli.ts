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

// As tsc does: where Node has a compile cache (22.1 and later), loading the
// 9 MB of typescript.js is a cache hit after the first run. It must be on
// before the compiler is imported.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { runCli } = await import("./run_cli.ts");

process.exitCode = await runCli(process.argv.slice(2));
