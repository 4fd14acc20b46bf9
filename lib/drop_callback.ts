/**
 * What a guarded drop's callback is, and what it is given.
 *
 * @module
 */

/**
 * What the drop callback is given.
 *
 * @example
 * ```ts
 * import type { DropContext } from "guarded-drop";
 *
 * const drop = (ctx: DropContext) => console.log(`dropping under ${ctx.dropId}`);
 * ```
 */
export interface DropContext {
  /** The `drop_id` of the record that was written for this call. */
  readonly dropId: string;
}

/**
 * The destructive work. It runs only after the audit record is written and
 * every check passed.
 *
 * @example
 * ```ts
 * import type { DropCallback } from "guarded-drop";
 *
 * const drop: DropCallback<void> = async () => {
 *   // adapter.deprovision(token)
 * };
 * ```
 */
export type DropCallback<T> = (context: DropContext) => Promise<T> | T;
