/**
 * What a guarded call did to the tenant's data: {@linkcode DropAction}, and
 * {@linkcode DropReport}, the value a drop callback resolves with to say it.
 * The audit records carry it as `action`, and a counter that has `incAction`
 * counts it, so that a quarantine is never mistaken for a destruction.
 *
 * @module
 */

/**
 * - `destroy`: the data is gone (a drop, or a purge of a quarantined copy).
 * - `quarantine`: the tenant is locked out and its data kept, for `restore`.
 * - `restore`: a quarantined copy was brought back.
 *
 * @example Alerting on destruction only
 * ```ts
 * import type { DropAction } from "guarded-drop";
 *
 * const pages = (action: DropAction) => action === "destroy";
 * console.log(pages("quarantine")); // false
 * ```
 */
export type DropAction = "destroy" | "quarantine" | "restore";

/**
 * Every {@linkcode DropAction}, in a stable order: counter bindings set
 * every series up front with it.
 *
 * @example
 * ```ts
 * import { DROP_ACTIONS } from "guarded-drop";
 *
 * console.log(DROP_ACTIONS.join(", ")); // "destroy, quarantine, restore"
 * ```
 */
export const DROP_ACTIONS: readonly DropAction[] = Object.freeze(["destroy", "quarantine", "restore"]);

/**
 * What a drop callback may resolve with to say what it did. An adapter with
 * `retention` resolves `deprovision` with `{ action: "quarantine" }`; when
 * that differs from the request's `action`, guardedDrop writes a
 * `provisioner.drop.warning` record and counts the reported action, which
 * is what happened.
 *
 * @example
 * ```ts
 * import type { DropReport } from "guarded-drop";
 *
 * async function quarantine(): Promise<DropReport> {
 *   // … lock the tenant out, keep its data …
 *   return { action: "quarantine" };
 * }
 * console.log((await quarantine()).action); // "quarantine"
 * ```
 */
export interface DropReport {
  /** What the drop did: quarantine, destruction or restore. */
  readonly action: DropAction;
}

/**
 * Whether a value is a {@linkcode DropAction}.
 *
 * @param value Anything.
 * @returns `true` for `destroy`, `quarantine` and `restore`.
 *
 * @example
 * ```ts
 * import { isDropAction } from "guarded-drop";
 *
 * console.log(isDropAction("quarantine"), isDropAction("drop")); // true false
 * ```
 */
export function isDropAction(value: unknown): value is DropAction {
  return value === "destroy" || value === "quarantine" || value === "restore";
}
