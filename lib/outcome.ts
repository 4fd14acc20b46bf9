/**
 * The outcomes a guarded drop can end with. They are the values of the
 * `outcome` label of `provisioner_drop_total`, so they are part of the
 * contract: dashboards and alerts are written against them.
 *
 * @module
 */

/**
 * What happened to one guarded drop.
 *
 * - `ok`: the drop callback resolved.
 * - `error`: the drop callback threw (the backend failed or was unreachable).
 * - `breaker_open`: the circuit breaker refused to call the drop callback.
 * - `refused`: the request was malformed or named a non-tenant target.
 * - `denied`: the deletion-intent policy said no, failed or timed out.
 * - `rate_limited`: the drop budget said no or failed.
 * - `audit_failed`: the audit record could not be written, so nothing ran.
 *
 * @example Exhaustive handling
 * ```ts
 * import type { DropOutcome } from "guarded-drop";
 *
 * function httpStatusOf(outcome: DropOutcome): number {
 *   switch (outcome) {
 *     case "ok": return 204;
 *     case "refused": return 400;
 *     case "denied": return 403;
 *     case "rate_limited": return 429;
 *     case "breaker_open": return 503;
 *     case "audit_failed": return 503;
 *     case "error": return 502;
 *   }
 * }
 * ```
 */
export type DropOutcome =
  | "ok"
  | "error"
  | "breaker_open"
  | "refused"
  | "denied"
  | "rate_limited"
  | "audit_failed";

/**
 * Every {@linkcode DropOutcome}, in a stable order. Counter bindings use it
 * to create every series up front.
 *
 * @example Zero-initialising a metric
 * ```ts
 * import { DROP_OUTCOMES } from "guarded-drop";
 *
 * for (const outcome of DROP_OUTCOMES) console.log(outcome);
 * ```
 */
export const DROP_OUTCOMES: readonly DropOutcome[] = Object.freeze([
  "ok",
  "error",
  "breaker_open",
  "refused",
  "denied",
  "rate_limited",
  "audit_failed",
]);
