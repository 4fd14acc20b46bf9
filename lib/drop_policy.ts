/**
 * The hooks for the deletion-intent policy and the drop budget. Their real
 * implementations plug in here (`createTerminalityPolicy`, the Redis drop
 * budget); guardedDrop owns the fail-closed behaviour.
 *
 * @module
 */

import type { DropRequest } from "./drop_request.ts";

/**
 * A policy's or a budget's answer, when it has more to say than `true` or
 * `false`.
 *
 * - `allowed`: only `true` lets the drop proceed.
 * - `reason`: why not; it goes into the error (`DeniedError.reason`,
 *   `RateLimitedError.reason`) and the `provisioner.drop.failed` record.
 * - `retryAfterMs`: when a retry may succeed (a budget's next free slot); it
 *   goes into `RateLimitedError.retryAfterMs`.
 * - `warning`: with `allowed: true`, the drop proceeds and a
 *   `provisioner.drop.warning` record says this.
 *
 * @example
 * ```ts
 * import type { DropVerdict } from "guarded-drop";
 *
 * const spent: DropVerdict = { allowed: false, reason: "global limit of 10 per 60000 ms spent", retryAfterMs: 1200 };
 * const degraded: DropVerdict = { allowed: true, warning: "budget store unreachable; allowed by onUnavailable" };
 * ```
 */
export interface DropVerdict {
  /** Whether the drop may run. */
  readonly allowed: boolean;
  /** Why it may not, when `allowed` is false. */
  readonly reason?: string;
  /** When to ask again, in ms, when `allowed` is false. */
  readonly retryAfterMs?: number;
  /** What to warn about when it may run (written as a provisioner.drop.warning record). */
  readonly warning?: string;
}

/**
 * The deletion-intent policy. It must answer `true` or `{ allowed: true }`
 * within `authorizeTimeoutMs` for the drop to proceed. `false`, a verdict
 * that does not allow, any other value, a rejection or a timeout all mean
 * `denied`, with a reason. The signal aborts when the timeout passes.
 *
 * @example Only drops with a stated intent
 * ```ts
 * import type { DropAuthorizer } from "guarded-drop";
 *
 * const authorize: DropAuthorizer = (req) =>
 *   typeof req.intent === "string" && req.intent.length > 0 ? true : { allowed: false, reason: "no intent" };
 * ```
 */
export type DropAuthorizer = (
  req: DropRequest,
  signal: AbortSignal,
) => Promise<boolean | DropVerdict> | boolean | DropVerdict;

/**
 * The drop budget. `take` answers `true` or `{ allowed: true }` to let the
 * drop proceed; `false`, a verdict that does not allow, any other value, an
 * error or no answer within `budgetTimeoutMs` mean `rate_limited`. The
 * signal aborts when that timeout passes.
 *
 * @example At most 10 drops per process
 * ```ts
 * import type { DropBudget } from "guarded-drop";
 *
 * let left = 10;
 * const budget: DropBudget = {
 *   take: () => left-- > 0 ? true : { allowed: false, reason: "10 drops per process spent" },
 * };
 * ```
 */
export interface DropBudget {
  /** Takes one drop from the budget: answers whether it may run, or a verdict saying why not. */
  take(req: DropRequest, signal?: AbortSignal): Promise<boolean | DropVerdict> | boolean | DropVerdict;
}
