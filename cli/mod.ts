/**
 * `guarded-drop/cli`: the `guarded-drop` command, callable in-process.
 *
 * ```ts
 * import { runGuardedDropCli } from "guarded-drop/cli";
 *
 * const code = await runGuardedDropCli(["audit", "pending", "--postgres", "postgres://postgres@127.0.0.1:5432/postgres"]);
 * console.log(code); // 0, or 3 when the table cannot be read
 * ```
 *
 * @module
 */

export * from "./run_cli.ts";
