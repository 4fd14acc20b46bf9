/**
 * The shape every backend adapter implements.
 *
 * @module
 */

import type { DropReport } from "./drop_action.ts";
import type { Backend } from "./drop_request.ts";

/**
 * One backend's deprovision, for one tenant model (shared or dedicated).
 *
 * - `deprovision(token)` drops the tenant named by the token. It checks the
 *   target names first and is idempotent: a tenant already gone succeeds.
 *   Call it only inside a guardedDrop callback; the drop-guard enforces it.
 * - `exists(token)` checks the token the same way and tells whether any of
 *   the tenant's objects remain. A hostile token throws the refusal error.
 * - `close()` releases the adapter's connections.
 *
 * @example
 * ```ts
 * import type { Deprovisioner } from "guarded-drop";
 *
 * async function isGone(adapter: Deprovisioner, token: string): Promise<boolean> {
 *   return !(await adapter.exists(token));
 * }
 * ```
 */
export interface Deprovisioner {
  /** `postgres`, `redis`, `mongodb`, `rabbitmq`: the `resource_type` label. */
  readonly resourceType: string;
  /** The tenant model: the `backend` label. */
  readonly backend: Backend;
  /**
   * Drops (or, with `retention`, quarantines) the tenant. It may resolve
   * with a {@linkcode DropReport} saying what it did, which guardedDrop
   * records and counts: an adapter that quarantines resolves with
   * `{ action: "quarantine" }`.
   */
  deprovision(token: string): Promise<void | DropReport>;
  /** Whether anything of the tenant is still there. */
  exists(token: string): Promise<boolean>;
  /** Closes the adapter's connections. */
  close(): Promise<void>;
}
