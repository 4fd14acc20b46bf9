#!/usr/bin/env node
/**
 * The `guarded-drop` bin.
 *
 * ```sh
 * npx guarded-drop audit verify --postgres postgres://auditor@db:5432/provisioner [--table T] [--expect-head H] [--json]
 * npx guarded-drop audit pending --postgres postgres://auditor@db:5432/provisioner [--table T] [--json]
 * ```
 *
 * @module
 */

import { runGuardedDropCli } from "./run_cli.ts";

process.exitCode = await runGuardedDropCli(process.argv.slice(2));
