/**
 * The case variant of a tenant, shared by the `case-variants` and
 * `nothing-changed` checks: a token with an upper-case first letter, made by
 * the subject, and dropped by its exact name with name rules whose case
 * policy is "exact".
 *
 * @module
 */

import { createNameRules } from "../../../lib/mod.ts";
import { createAuditRecorder } from "../../audit_recorder.ts";
import type { CheckContext } from "../_context.ts";

/** Name rules that take tokens exactly as given, upper case included. */
const EXACT_RULES = createNameRules({ mixedCaseTokens: "exact" });

/**
 * The variant of a lower-case token: its first letter in upper case. Tokens
 * from `freshToken()` start with the prefix's letter, so it always differs.
 */
export function caseVariantOf(token: string): string {
  const variant = `${token.charAt(0).toUpperCase()}${token.slice(1)}`;
  if (variant === token) {
    throw new Error(`Cannot make a case variant of ${JSON.stringify(token)}: its first character has no upper case`);
  }
  return variant;
}

/**
 * Drops `token` by its exact name, through a guardedDrop and an adapter
 * that both take names exactly as given; throws when the drop fails.
 */
export async function dropExactly(ctx: CheckContext, token: string): Promise<void> {
  await ctx.withDrop(
    async (recorder, adapter) => {
      await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
    },
    { ...ctx.adapterOptions, nameRules: EXACT_RULES },
    createAuditRecorder({ nameRules: EXACT_RULES }),
  );
}
