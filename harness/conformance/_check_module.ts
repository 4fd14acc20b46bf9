/**
 * The shape of one conformance check module: an id, a title, an optional
 * reason to skip, and a run, each given the shared {@linkcode CheckContext}.
 * Adding a check is adding one module in `checks/` and one line in
 * `checks/mod.ts`.
 *
 * @module
 */

import type { CheckContext } from "./_context.ts";

/** One check, written once and instantiated for every subject. */
export interface CheckModule {
  /** A stable id, e.g. `drop`. */
  readonly id: string;
  /** The title, which may name counts from the options. */
  title(ctx: CheckContext): string;
  /** Why the check cannot run for this subject and options, or `undefined`. */
  skip?(ctx: CheckContext): string | undefined;
  /** Runs the check; throws on failure. */
  run(ctx: CheckContext): Promise<void>;
}
