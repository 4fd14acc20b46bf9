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
 * function alertLevel(outcome: DropOutcome): "none" | "ticket" | "page" {
 *   switch (outcome) {
 *     case "ok":
 *       return "none";
 *     case "refused":
 *     case "denied":
 *     case "rate_limited":
 *       return "ticket"; // the guard did its job: find out who asked
 *     case "breaker_open":
 *     case "audit_failed":
 *     case "error":
 *       return "page";
 *   }
 * }
 * ```
 *
 * `httpStatusOf(err)` and `grpcStatusOf(err)` map an outcome's error to a
 * status.
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
