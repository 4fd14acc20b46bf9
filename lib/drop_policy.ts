/**
 * The hooks for the deletion-intent policy and the drop budget. Their real
 * implementations plug in here; guardedDrop owns the fail-closed behaviour.
 *
 * @module
 */

import type { DropRequest } from "./drop_request.ts";

/**
 * The deletion-intent policy. It must resolve to exactly `true` within the
 * timeout for the drop to proceed; `false`, any other value, a rejection or a
 * timeout all mean `denied`. The signal aborts when the timeout passes.
 *
 * @example Only drops with a stated intent
 * ```ts
 * import type { DropAuthorizer } from "guarded-drop";
 *
 * const authorize: DropAuthorizer = (req) => typeof req.intent === "string" && req.intent.length > 0;
 * ```
 */
export type DropAuthorizer = (req: DropRequest, signal: AbortSignal) => Promise<boolean> | boolean;

/**
 * The drop budget. `take` resolves to exactly `true` to let the drop
 * proceed; `false`, any other value or an error mean `rate_limited`.
 *
 * @example At most 10 drops per process
 * ```ts
 * import type { DropBudget } from "guarded-drop";
 *
 * let left = 10;
 * const budget: DropBudget = { take: () => left-- > 0 };
 * ```
 */
export interface DropBudget {
  take(req: DropRequest): Promise<boolean> | boolean;
}
