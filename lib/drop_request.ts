/**
 * The request that every guarded drop carries.
 *
 * @module
 */

import type { DropAction } from "./drop_action.ts";

/**
 * Where the tenant lives: on a multi-tenant cluster, or on its own server.
 *
 * @example
 * ```ts
import type { Backend } from "guarded-drop";
 *
 * const backend: Backend = "shared";
 * ```
 */
export type Backend = "shared" | "dedicated";

/**
 * Every {@linkcode Backend}, in a stable order.
 *
 * @example
 * ```ts
 * import { BACKENDS } from "guarded-drop";
 *
 * console.log(BACKENDS.join(", ")); // "shared, dedicated"
 * ```
 */
export const BACKENDS: readonly Backend[] = Object.freeze(["shared", "dedicated"]);

/**
 * Who asks to drop what, and why. Every field ends up in the audit record.
 *
 * @example
 * ```ts
 * import type { DropRequest } from "guarded-drop";
 *
 * const request: DropRequest = {
 *   token: "acme42",
 *   providerResourceId: "res-7f3a",
 *   resourceType: "postgres",
 *   backend: "shared",
 *   requestId: "req-0001",
 *   caller: "billing.cancel-subscription",
 *   intent: "subscription cancelled 30 days ago",
 * };
 * ```
 */
export interface DropRequest {
  /** The platform's naming token of the tenant: `acme42` names `db_acme42`. Required. */
  readonly token: string;
  /** The provider's own id of the resource. May be empty. */
  readonly providerResourceId?: string;
  /**
   * What is dropped: `postgres`, `redis`, `mongodb`, `rabbitmq` or your own.
   * Required, with no whitespace, control or invisible character (refused).
   *
   * NOTE: it is compared exactly: `Postgres` gets a breaker and a counter
   * series of its own. Pass one spelling per resource type.
   */
  readonly resourceType: string;
  /** `shared` or `dedicated`. Required. */
  readonly backend: Backend;
  /** The id that ties this drop to the request that caused it. Required. */
  readonly requestId: string;
  /** The code path or service that asks. Written as `unknown` when empty. */
  readonly caller?: string;
  /** A free-form reason, given to the policy and written in the record. */
  readonly intent?: string;
  /**
   * What the call does to the data: `destroy` (a drop or a purge),
   * `quarantine` (an adapter with `retention`) or `restore`. Written in
   * every record as `action` and counted by `incAction`, so that alerts on
   * destruction never fire on quarantines. Anything else is `refused`.
   * `restore` skips the drop budget: bringing a tenant back is never
   * rate-limited as a destruction.
   *
   * @default {"destroy"}
   */
  readonly action?: DropAction;
}
