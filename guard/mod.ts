/**
 * The drop-guard: a scanner on the TypeScript compiler API that makes a new
 * un-audited drop path unmergeable.
 *
 * It finds destructive operations (SQL `DROP DATABASE|ROLE|USER|SCHEMA|OWNED`,
 * Redis `ACL DELUSER`, `FLUSHALL`, `FLUSHDB`, MongoDB `dropDatabase`,
 * `dropUser`, `dropAllUsersFromDatabase`, RabbitMQ vhost and user deletion,
 * the ORMs' database and schema drops, database tools run as child processes)
 * outside functions sanctioned with `/** @sanctionedDrop *\/`, and adapter
 * `deprovision` calls and references to sanctioned functions outside the
 * drop callback of a guardedDrop call.
 *
 * ```ts
 * import { exitCodeOf, formatText, scan } from "guarded-drop/guard";
 *
 * const result = await scan({ project: "tsconfig.json", paths: ["src"] });
 * process.stdout.write(formatText(result));
 * process.exitCode = exitCodeOf(result);
 * ```
 *
 * The CLI is `drop-guard [paths…] [--project tsconfig.json] [--config dropguard.json] [--format text|json|sarif|github] [--base <git-ref>]`.
 *
 * @module
 */

export * from "./baseline.ts";
export * from "./config.ts";
export * from "./create_rule.ts";
export * from "./finding.ts";
export * from "./format_github.ts";
export * from "./format_json.ts";
export * from "./format_sarif.ts";
export * from "./format_text.ts";
export * from "./rules/mod.ts";
export * from "./run_cli.ts";
export * from "./scan.ts";
export * from "./usage_error.ts";
