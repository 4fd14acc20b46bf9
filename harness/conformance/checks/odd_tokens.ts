/**
 * `odd-tokens`: every kind of token the name rules accept survives the
 * adapter's quoting on the real server: dots, dashes, underscores, a leading
 * digit, one character, and the longest the adapter accepts. Each tenant is
 * made, dropped, and nothing of it is left; the neighbour stays whole. A
 * token holding a character the subject declares its backend cannot hold
 * (`refusedTokenCharacters`) must instead be refused with nothing changed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deprovisioner } from "../../../lib/mod.ts";
import type { CheckModule } from "../_check_module.ts";
import type { CheckContext } from "../_context.ts";

/** The longest token the name rules accept (DESIGN §4). */
const MAX_TOKEN_BYTES = 63;
/**
 * One-character tokens cannot be unique to a run: the check takes the first
 * of these that nothing on the server holds, and never drops one that
 * something does.
 */
const ONE_CHARACTER_CANDIDATES = "qzjkxwvy7531";
/** What pads a token to the longest length: every accepted class but upper case. */
const PADDING = "x.y-z_0";

/** The `odd-tokens` check. */
export const oddTokensCheck: CheckModule = {
  id: "odd-tokens",
  title: () =>
    "every kind of token the name rules accept round-trips: dots, dashes, underscores, a leading digit, one character, the longest",
  async run(ctx) {
    const { subject, neighbour } = ctx;
    const unholdable = [...(subject.refusedTokenCharacters ?? "")];
    const holdable = (token: string) => !unholdable.some((character) => token.includes(character));
    const base = ctx.freshToken();
    const other = ctx.freshToken();
    const otherData = await neighbour.createTenant(other);
    const made: string[] = [];
    try {
      await ctx.withDrop(async (recorder, adapter) => {
        const tokens = [
          `${base}.dot`,
          `${base}.a.b.`,
          `${base}-dash-`,
          `${base}__under`,
          `${base}.-_mix`,
          `9${base}`,
          await longestToken(adapter, base, unholdable),
        ];
        const one = await freeOneCharacterToken(ctx, adapter);
        if (one !== undefined) tokens.push(one);
        const refused = tokens.filter((token) => !holdable(token));
        for (const token of tokens.filter(holdable)) {
          made.push(token);
          const data = await subject.createTenant(token);
          assert.deepEqual(
            await subject.readTenant(token),
            data,
            `precondition: the tenant ${JSON.stringify(token)} can be read back`,
          );
          assert.equal(await adapter.exists(token), true, `exists(${JSON.stringify(token)}) before the drop`);
          await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
          assert.equal(await adapter.exists(token), false, `exists(${JSON.stringify(token)}) after the drop`);
          assert.equal(
            await subject.readTenant(token),
            undefined,
            `a direct read of ${JSON.stringify(token)} after the drop`,
          );
        }
        for (const token of refused) {
          await assert.rejects(
            adapter.exists(token),
            { code: "GD_REFUSED" },
            `exists(${JSON.stringify(token)}): a name the backend cannot hold`,
          );
          await assert.rejects(recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token)), {
            outcome: "refused",
          });
        }
        const dropped = tokens.length - refused.length;
        assert.deepEqual(await neighbour.readTenant(other), otherData, "the neighbour's data");
        assert.equal(recorder.dropRecords().length, tokens.length, "provisioner.drop records");
        assert.equal(
          recorder.failedRecords().length,
          refused.length,
          "provisioner.drop.failed records (the refused tokens)",
        );
        assert.equal(await recorder.count(ctx.labels("ok")), dropped, "provisioner_drop_total{outcome=ok}");
        assert.equal(
          await recorder.count(ctx.labels("refused")),
          refused.length,
          "provisioner_drop_total{outcome=refused}",
        );
        assert.equal(await recorder.total(), tokens.length, "provisioner_drop_total, all series");
      });
    } finally {
      await ctx.cleanUp(made);
      await ctx.cleanUp([other], neighbour);
    }
  },
};

/**
 * The longest token the adapter accepts, made from `base` and every
 * accepted class: each length from 63 down is offered to `exists()`, whose
 * refusal comes before any connection, until one is not refused.
 */
async function longestToken(adapter: Deprovisioner, base: string, unholdable: readonly string[]): Promise<string> {
  const padding = [...PADDING].filter((character) => !unholdable.includes(character)).join("");
  for (let length = MAX_TOKEN_BYTES; length > base.length; length--) {
    const token = `${base}${padding.repeat(MAX_TOKEN_BYTES)}`.slice(0, length);
    try {
      await adapter.exists(token);
      return token;
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== "GD_REFUSED") throw err;
    }
  }
  throw new Error(`the adapter refuses every token longer than ${JSON.stringify(base)}, the check's own`);
}

/** The first one-character token that neither the adapter nor a direct read finds, or `undefined`. */
async function freeOneCharacterToken(ctx: CheckContext, adapter: Deprovisioner): Promise<string | undefined> {
  for (const candidate of ONE_CHARACTER_CANDIDATES) {
    if (!(await adapter.exists(candidate)) && (await ctx.subject.readTenant(candidate)) === undefined) return candidate;
  }
  return undefined;
}
