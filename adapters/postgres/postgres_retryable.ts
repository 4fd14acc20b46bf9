/**
 * {@linkcode isRetryablePostgresError}: whether a failed PostgreSQL drop is
 * worth trying again as it is.
 *
 * @module
 */

import { RETRYABLE_SQLSTATES } from "./_classify.ts";

const MAX_DEPTH = 8;

/**
 * Whether the same drop, made again unchanged, can succeed without an
 * operator: the server was unavailable (kind `unavailable`), or the failure
 * was a passing state of the tenant (kind `failed` with SQLSTATE 57014
 * statement timeout, 55P03 lock timeout, 55006 still in use, 40001, 40P01,
 * or XX000 concurrent catalog update). A drop is idempotent, so a retry is
 * always safe; this says whether it is useful. A refused target, a missing
 * privilege (42501) or objects elsewhere that block the role (2BP01) need
 * someone to act first.
 *
 * The adapter's own errors carry `retryable`; guardedDrop's errors keep the
 * adapter's `kind` and `sqlState` on their `cause`, from which this decides.
 *
 * @param err What `adapter.deprovision` or `guardedDrop` rejected with.
 * @returns `true` when a retry can succeed as it is.
 *
 * @example Retrying a guarded drop later
 * ```ts
 * import { isRetryablePostgresError } from "guarded-drop/adapters/postgres";
 *
 * const timedOut = { outcome: "error", kind: "failed", cause: { code: "GD_BACKEND_FAILED", kind: "failed", sqlState: "57014" } };
 * console.log(isRetryablePostgresError(timedOut)); // true
 * console.log(isRetryablePostgresError({ kind: "failed", sqlState: "42501" })); // false
 * ```
 */
export function isRetryablePostgresError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === "object" && current !== null; depth++) {
    const { retryable, kind, sqlState, code, cause } = current as Record<string, unknown>;
    if (typeof retryable === "boolean") return retryable;
    if (code === "GD_REFUSED" || code === "GD_DENIED") return false;
    if (typeof code === "string" && code.startsWith("GD_BACKEND_")) {
      return kind === "unavailable" || (typeof sqlState === "string" && RETRYABLE_SQLSTATES.has(sqlState));
    }
    current = cause;
  }
  return false;
}
