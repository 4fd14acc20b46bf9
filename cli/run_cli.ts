/**
 * {@linkcode runGuardedDropCli}: the `guarded-drop` command, callable
 * in-process.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { scrubbedMessage } from "../lib/mod.ts";
import type { AuditChainReport, PendingDrop } from "../adapters/postgres/mod.ts";
// Only the checks: the adapter itself, and pg with it, are loaded when a command runs.
import { HASH_PATTERN } from "../adapters/postgres/_audit_chain.ts";
import { auditTable } from "../adapters/postgres/_audit_table.ts";
import { packageVersion } from "../guard/_version.ts";

/**
 * Where the CLI writes.
 *
 * @example
 * ```ts
 * import type { GuardedDropCliIo } from "guarded-drop/cli";
 *
 * const io: GuardedDropCliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
 * ```
 */
export interface GuardedDropCliIo {
  /** Receives what the CLI prints on standard output. */
  readonly stdout: (text: string) => void;
  /** Receives what the CLI prints on standard error. */
  readonly stderr: (text: string) => void;
  /**
   * The clock a `--since` duration counts back from, in ms since the epoch.
   *
   * @default {Date.now}
   */
  readonly now: () => number;
}

/**
 * The exit codes: 0 intact (verify), nothing in doubt (pending) or closed
 * (resolve); 1 the chain is broken, drops are in doubt, or the resolve was
 * refused (no such drop, or settled already); 2 a usage error; 3 the table
 * could not be read or written (server down, no such table, no grant).
 *
 * @example
 * ```ts
 * import type { GuardedDropExitCode } from "guarded-drop/cli";
 *
 * const broken: GuardedDropExitCode = 1;
 * ```
 */
export type GuardedDropExitCode = 0 | 1 | 2 | 3;

const USAGE = `Usage: guarded-drop audit verify  --postgres <url> [--table <name>] [--expect-head <hash>] [--json]
       guarded-drop audit pending --postgres <url> [--table <name>] [--since <duration|time>] [--json]
       guarded-drop audit resolve <drop_id> --note <text> --postgres <url> [--table <name>] [--json]

Commands:
  audit verify    re-compute the audit table's hash chain; name the first row that was
                  edited, deleted, inserted or reordered, and print the head hash
  audit pending   list the drops in doubt: an intent row and no settled row; one that a
                  later ok drop of the same resource settled is shown as resolved
  audit resolve   close one drop in doubt with a note; the resolution is a row of the chain

Options:
  --postgres <url>      the database holding the audit table (postgres:// or postgresql://);
                        put the password in PGPASSWORD rather than in the URL
  --table <name>        the table, "name" or "schema.name" (default guarded_drop_audit)
  --expect-head <hash>  verify: a head hash stored elsewhere earlier; the chain must still hold it
  --since <when>        pending: only drops since a duration ago (90s, 30m, 24h, 7d, 2w) or an
                        ISO 8601 time (2026-12-01 or 2026-12-01T08:00:00Z)
  --note <text>         resolve: what the operator checked (required)
  --json                print JSON
  -h, --help            show this help
  -v, --version         show the version

Exit codes: 0 intact (verify), nothing in doubt (pending), resolved (resolve);
1 chain broken (verify), drops in doubt (pending), refused: unknown or settled drop (resolve);
2 usage error; 3 the table could not be read or written.
`;

class UsageError extends Error {}

interface Parsed {
  readonly command: "verify" | "pending" | "resolve";
  readonly postgres: string;
  readonly table: string | undefined;
  readonly expectHead: string | undefined;
  readonly since: Date | undefined;
  readonly dropId: string | undefined;
  readonly note: string | undefined;
  readonly json: boolean;
}

/**
 * Runs `guarded-drop` with the given arguments.
 *
 * @param args The arguments, without `node` and the script.
 * @param io Where to write.
 * @returns The exit code: 0 intact or listed, 1 chain broken, 2 usage error,
 * 3 the table could not be read.
 *
 * @example Verify the chain in a test
 * ```ts
 * import { runGuardedDropCli } from "guarded-drop/cli";
 *
 * let out = "";
 * const code = await runGuardedDropCli(
 *   ["audit", "verify", "--postgres", "postgres://postgres@127.0.0.1:5432/postgres", "--json"],
 *   { stdout: (t) => (out += t) },
 * );
 * console.log(code, out);
 * ```
 */
export async function runGuardedDropCli(
  args: readonly string[],
  io: Partial<GuardedDropCliIo> = {},
): Promise<GuardedDropExitCode> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const now = io.now ?? Date.now;
  let parsed: Parsed | "help" | "version";
  try {
    parsed = parse(args, now);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr(`guarded-drop: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === "help") {
    stdout(USAGE);
    return 0;
  }
  if (parsed === "version") {
    stdout(`${packageVersion()}\n`);
    return 0;
  }
  const { json } = parsed;
  try {
    const postgres = await import("../adapters/postgres/mod.ts");
    const connection = {
      connectionString: parsed.postgres,
      ...(parsed.table === undefined ? {} : { table: parsed.table }),
    };
    if (parsed.command === "verify") {
      const report = await postgres.verifyAuditChain({
        ...connection,
        ...(parsed.expectHead === undefined ? {} : { expectHead: parsed.expectHead }),
      });
      stdout(json ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report));
      return report.intact ? 0 : 1;
    }
    const table = parsed.table ?? "guarded_drop_audit";
    if (parsed.command === "resolve") {
      try {
        const resolved = await postgres.resolveDrop({ ...connection, dropId: parsed.dropId!, note: parsed.note! });
        stdout(
          json
            ? `${JSON.stringify({ table, resolved }, null, 2)}\n`
            : `resolved drop ${resolved.dropId} (${resolved.resourceType}/${resolved.backend} ${resolved.token}) in ${table}\n`,
        );
        return 0;
      } catch (err) {
        if ((err as { code?: unknown } | null)?.code !== "GD_REFUSED") throw err;
        const message = scrubbedMessage(err);
        if (json) stdout(`${JSON.stringify({ error: message })}\n`);
        stderr(`guarded-drop: ${message}\n`);
        return 1;
      }
    }
    const pending = await postgres.pendingDrops({
      ...connection,
      ...(parsed.since === undefined ? {} : { since: parsed.since }),
    });
    const inDoubt = pending.filter((drop) => drop.resolvedBy === null).length;
    const since = parsed.since?.toISOString() ?? null;
    stdout(
      json
        ? `${
          JSON.stringify(
            { table, since, count: pending.length, inDoubt, resolved: pending.length - inDoubt, pending },
            null,
            2,
          )
        }\n`
        : pendingText(table, pending, inDoubt),
    );
    // Non-zero while anything is in doubt, so that cron and CI alert on it.
    return inDoubt > 0 ? 1 : 0;
  } catch (err) {
    const message = cannotRead(err);
    if (json) stdout(`${JSON.stringify({ error: message })}\n`);
    stderr(`guarded-drop: ${message}\n`);
    return 3;
  }
}

function parse(args: readonly string[], now: () => number): Parsed | "help" | "version" {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        postgres: { type: "string" },
        table: { type: "string" },
        "expect-head": { type: "string" },
        since: { type: "string" },
        note: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    }));
  } catch (err) {
    throw new UsageError(parseProblem(err, args));
  }
  if (values.help === true) return "help";
  if (values.version === true) return "version";
  const [group, command, ...rest] = positionals;
  const expected = "expected 'audit verify', 'audit pending' or 'audit resolve'";
  if (group === undefined) throw new UsageError(`Cannot run as no command was given: ${expected}`);
  if (group !== "audit") throw new UsageError(`Cannot run as '${shown(group)}' is not a command: ${expected}`);
  if (command !== "verify" && command !== "pending" && command !== "resolve") {
    throw new UsageError(
      command === undefined
        ? "Cannot run 'audit' as no subcommand was given: expected 'verify', 'pending' or 'resolve'"
        : `Cannot run 'audit' as '${shown(command)}' is not a subcommand: expected 'verify', 'pending' or 'resolve'`,
    );
  }
  const dropId = command === "resolve" ? rest.shift() : undefined;
  if (command === "resolve" && dropId === undefined) {
    throw new UsageError("Cannot run 'audit resolve' as '<drop_id>' is required");
  }
  if (rest.length > 0) {
    throw new UsageError(
      `Cannot run 'audit ${command}' as it takes no further arguments: current value is ${rest.length} more`,
    );
  }
  const postgres = values.postgres;
  if (typeof postgres !== "string") {
    throw new UsageError(`Cannot run 'audit ${command}' as '--postgres <url>' is required`);
  }
  if (!isPostgresUrl(postgres)) {
    // Never echoed: a malformed URL is where a password is least likely to be recognised and scrubbed.
    throw new UsageError(
      `Cannot run 'audit ${command}' as '--postgres' must be a postgres:// or postgresql:// URL: current value is a string of ${postgres.length} characters`,
    );
  }
  const table = values.table as string | undefined;
  if (table !== undefined) {
    try {
      auditTable(table, `run 'audit ${command}'`);
    } catch (err) {
      throw new UsageError((err as Error).message.replace("'table'", "'--table'"));
    }
  }
  const expectHead = values["expect-head"] as string | undefined;
  if (expectHead !== undefined && command !== "verify") {
    throw new UsageError("Cannot run 'audit pending' as '--expect-head' is an option of 'audit verify'");
  }
  if (expectHead !== undefined && !HASH_PATTERN.test(expectHead)) {
    throw new UsageError(
      `Cannot run 'audit verify' as '--expect-head' must be 64 lower-case hex characters: current value is ${
        shown(expectHead)
      }`,
    );
  }
  const since = values.since as string | undefined;
  if (since !== undefined && command !== "pending") {
    throw new UsageError(`Cannot run 'audit ${command}' as '--since' is an option of 'audit pending'`);
  }
  const note = values.note as string | undefined;
  if (note !== undefined && command !== "resolve") {
    throw new UsageError(`Cannot run 'audit ${command}' as '--note' is an option of 'audit resolve'`);
  }
  if (command === "resolve" && (note === undefined || note.trim().length === 0)) {
    throw new UsageError("Cannot run 'audit resolve' as '--note <text>' is required: say what was checked");
  }
  return {
    command,
    postgres,
    table,
    expectHead,
    since: since === undefined ? undefined : parseSince(since, now),
    dropId,
    note,
    json: values.json === true,
  };
}

const DURATION = /^(\d{1,9})(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--since`: a duration back from now (`30m`), or an ISO 8601 date or time (a date alone is midnight UTC). */
function parseSince(text: string, now: () => number): Date {
  const duration = DURATION.exec(text);
  if (duration !== null) return new Date(now() - Number(duration[1]) * UNIT_MS[duration[2]!]!);
  const time = ISO_TIME.test(text) ? new Date(text) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw new UsageError(
      `Cannot run 'audit pending' as '--since' must be a duration (90s, 30m, 24h, 7d, 2w) or an ISO 8601 time (2026-12-01T08:00:00Z): current value is ${
        shown(text)
      }`,
    );
  }
  return time;
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** parseArgs' problem, without the value of an `--option=value` argument, which may be a URL. */
function parseProblem(err: unknown, args: readonly string[]): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = args.find((arg) => arg.startsWith("-") && !KNOWN.has(arg.split("=")[0]!));
    return `Cannot run as '${shown(option?.split("=")[0] ?? "?")}' is not an option`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const option = args.find((arg, i) =>
      KNOWN.has(arg) && arg !== "--json" && arg !== "--help" && arg !== "-h" && args[i + 1] === undefined
    );
    return option !== undefined
      ? `Cannot run as '${option}' needs a value`
      : "Cannot run as an option has a malformed value";
  }
  return `Cannot run as the arguments are malformed (${scrubbedMessage(err).split("\n")[0]})`;
}

const KNOWN: ReadonlySet<string> = new Set([
  "--postgres",
  "--table",
  "--expect-head",
  "--since",
  "--note",
  "--json",
  "--help",
  "-h",
]);

/** A user's argument, shown only when it is short and plain: an argument in the wrong place may be a URL. */
function shown(text: string): string {
  return /^[\w.-]{1,64}$/.test(text) ? text : `<${text.length} characters>`;
}

function cannotRead(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" && /'pg'/.test(scrubbedMessage(err))) {
    return "Cannot read the audit table as the pg package is not installed: npm install pg";
  }
  return scrubbedMessage(err);
}

function verifyText(report: AuditChainReport): string {
  const lines: string[] = [];
  if (report.intact) {
    lines.push(
      report.head === null
        ? `audit chain intact: table ${report.table} is empty`
        : `audit chain intact: table ${report.table}, ${report.rows} rows (seq 1–${report.head.seq})`,
    );
  } else {
    const broken = report.break!;
    const row = broken.drop_id === null ? `seq ${broken.seq}` : `seq ${broken.seq} (drop_id ${broken.drop_id})`;
    lines.push(`audit chain BROKEN: table ${report.table}, first break at ${row}: ${broken.kind}`);
    lines.push(`  ${broken.detail}`);
    lines.push(`rows checked: ${report.rows}`);
  }
  if (report.anchorSeq !== null) lines.push(`anchor: the expected head is at seq ${report.anchorSeq}`);
  if (report.head !== null) {
    lines.push(`head: seq ${report.head.seq} hash ${report.head.hash}`);
    if (report.intact) {
      lines.push(
        "Store the head hash where the database's admins cannot write, and check it later with --expect-head <hash>:",
      );
      lines.push("rows deleted from the end of the chain are visible only that way.");
    }
  }
  return `${lines.join("\n")}\n`;
}

function pendingText(table: string, pending: readonly PendingDrop[], inDoubt: number): string {
  if (pending.length === 0) return `no drops in doubt in ${table}\n`;
  const header = [
    "seq",
    "recorded_at",
    "drop_id",
    "status",
    "action",
    "resource_type",
    "backend",
    "token",
    "caller",
    "request_id",
    "intent",
  ];
  const rows = pending.map((drop) => [
    String(drop.seq),
    drop.recorded_at,
    drop.drop_id,
    drop.resolvedBy === null ? "IN DOUBT" : `resolved by ${drop.resolvedBy}`,
    drop.action,
    drop.resource_type,
    drop.backend,
    drop.token,
    drop.caller,
    drop.request_id,
    drop.intent ?? "-",
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  const resolved = pending.length - inDoubt;
  return [
    `${inDoubt} drop${inDoubt === 1 ? "" : "s"} in doubt in ${table} (an intent row and no settled row)` +
    (resolved > 0 ? `, ${resolved} resolved by a later ok drop of the same resource:` : ":"),
    line(header),
    ...rows.map(line),
    inDoubt > 0
      ? "Check each resource in doubt; re-run its drop, or close it with: guarded-drop audit resolve <drop_id> --note <text>"
      : "",
    "",
  ].join("\n").replace(/\n\n$/, "\n");
}
