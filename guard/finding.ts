/**
 * {@linkcode Finding}: what the guard reports.
 *
 * @module
 */

/**
 * One finding. Suppressed findings are kept, with the suppression's reason,
 * so that SARIF can show them as suppressed; they do not fail the run.
 *
 * @example
 * ```ts
 * import type { Finding } from "guarded-drop/guard";
 *
 * const finding: Finding = {
 *   ruleId: "redis-flush",
 *   messageId: "flush",
 *   message: "Redis `FLUSHALL` outside a sanctioned function: …",
 *   file: "src/cache.ts",
 *   line: 12,
 *   column: 9,
 *   endLine: 12,
 *   endColumn: 17,
 *   fingerprint: "3f0c…",
 * };
 * ```
 */
export interface Finding {
  /** The rule's stable id. */
  readonly ruleId: string;
  /** The rule's message id. */
  readonly messageId: string;
  /** What was found, and how to route it through guardedDrop. */
  readonly message: string;
  /** The file, relative to the working directory, with `/` separators. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  /** 1-based line of the finding's end. */
  readonly endLine: number;
  /** 1-based column of the finding's end, in UTF-16 code units. */
  readonly endColumn: number;
  /**
   * Stable across edits elsewhere in the file: a hash of the rule id, the
   * file, the trimmed source line and its occurrence index.
   */
  readonly fingerprint: string;
  /**
   * How much it matters: `error` fails the run; `warning` and `note` (a
   * newly sanctioned function) are reported without failing it.
   *
   * @default {"error"}
   */
  readonly level?: FindingLevel;
  /**
   * With a baseline (`--baseline`): `true` when the baseline records this
   * finding (it does not fail the run), `false` when it is new.
   */
  readonly baselined?: boolean;
  /** On the findings of a comparison with a base revision (`--base`): that revision. */
  readonly base?: BaseRef;
  /**
   * Where the destructive text was written: each string or template literal
   * it was built from (a statement defined in one place and run in another
   * is reported where it runs, with these at its definition), or the
   * sanctioned function or `deprovision` reached.
   */
  readonly related?: readonly RelatedLocation[];
  /**
   * When the text crossed a binding or a call: the path from the literals
   * through the bindings to the finding's own location.
   */
  readonly flow?: readonly RelatedLocation[];
  /** Present when a `drop-guard-ignore-next-line` comment suppresses it. */
  readonly suppression?: {
    readonly reason: string;
    /** 1-based line of the comment. */
    readonly line: number;
  };
}

/**
 * A location a finding points to besides its own.
 *
 * @example
 * ```ts
 * import type { RelatedLocation } from "guarded-drop/guard";
 *
 * const at: RelatedLocation = { file: "src/sql.ts", line: 3, column: 20, endLine: 3, endColumn: 41, message: "the destructive text is written here" };
 * ```
 */
export interface RelatedLocation {
  /** Relative to the working directory, with `/` separators. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  /** 1-based line of the location's end. */
  readonly endLine: number;
  /** 1-based column of the location's end, in UTF-16 code units. */
  readonly endColumn: number;
  /** What is there. */
  readonly message: string;
}

/**
 * The level of a finding.
 *
 * @example
 * ```ts
 * import type { FindingLevel } from "guarded-drop/guard";
 *
 * const level: FindingLevel = "note";
 * ```
 */
export type FindingLevel = "error" | "warning" | "note";

/**
 * A base revision the working tree was compared with.
 *
 * @example
 * ```ts
 * import type { BaseRef } from "guarded-drop/guard";
 *
 * const base: BaseRef = { ref: "origin/main", commit: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b" };
 * ```
 */
export interface BaseRef {
  /** The ref as given to `--base`. */
  readonly ref: string;
  /** The commit it resolved to. */
  readonly commit: string;
}

/**
 * A sanctioned function the guard found.
 *
 * @example
 * ```ts
 * import type { SanctionedFunction } from "guarded-drop/guard";
 *
 * const site: SanctionedFunction = { name: "PostgresShared.deprovision", file: "adapters/postgres/shared.ts", line: 40, column: 3, source: "jsdoc" };
 * ```
 */
export interface SanctionedFunction {
  /** `name`, `Class.method`, `object.method` or `default`. */
  readonly name: string;
  /** Relative to the working directory. */
  readonly file: string;
  /** 1-based line of the function's declaration. */
  readonly line: number;
  /** 1-based column of the function's declaration, in UTF-16 code units. */
  readonly column: number;
  /** A `@sanctionedDrop` tag, or the config file. */
  readonly source: "jsdoc" | "config";
}

/**
 * An operation the guard found where it is allowed: a destructive statement
 * inside a sanctioned function, or an adapter's `deprovision` or a
 * sanctioned function inside a guardedDrop drop callback. These prove the
 * guard saw the code it lets through.
 *
 * @example
 * ```ts
 * import type { AllowedOperation } from "guarded-drop/guard";
 *
 * const op: AllowedOperation = { ruleId: "sql-drop", file: "adapters/postgres/_statements.ts", line: 80, column: 22, where: "sanctioned" };
 * ```
 */
export interface AllowedOperation {
  /** The rule that found the operation. */
  readonly ruleId: string;
  /** The file, relative to the working directory, with `/` separators. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
  /** Inside a sanctioned function, or inside a guardedDrop drop callback. */
  readonly where: "sanctioned" | "drop-callback";
}
