/**
 * The one helper of the fault checks: inject a fault into the subject's
 * server, run a body against it with short timeouts, always heal the server,
 * and wait until it answers again.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CheckContext, DropBody } from "./_context.ts";

/** A fault the subject's server control can inject, with its cure. */
export type Fault = "stop" | "pause";

const HEAL: Record<Fault, "start" | "unpause"> = { stop: "start", pause: "unpause" };

/**
 * Runs `body` while the server has the fault, then heals it (even when the
 * body throws) and waits until it answers again.
 *
 * @param ctx The check context; its subject must have a server control.
 * @param fault `stop` or `pause`.
 * @param token The token to ask `exists()` about while waiting.
 * @param body What to run against the faulty server, with the fault timeouts.
 */
export async function underFault(ctx: CheckContext, fault: Fault, token: string, body: DropBody): Promise<void> {
  const server = ctx.subject.server;
  if (server === undefined) throw new Error(`Cannot inject the ${fault} fault as the subject has no server control`);
  await server[fault]();
  try {
    await ctx.withDrop(body, ctx.faultAdapterOptions);
  } finally {
    await server[HEAL[fault]]();
  }
  await ctx.waitUntilAnswering(token);
}

/**
 * After the server has recovered, drops the tenant through guardedDrop and
 * asserts one `ok` and nothing left.
 */
export async function dropAfterRecovery(ctx: CheckContext, token: string): Promise<void> {
  await ctx.withDrop(async (recorder, adapter) => {
    await recorder.guardedDrop(ctx.request(token), () => adapter.deprovision(token));
    assert.equal(await recorder.count(ctx.labels("ok")), 1, "provisioner_drop_total{outcome=ok} after the recovery");
  });
  assert.equal(await ctx.subject.readTenant(token), undefined, "the tenant after the drop that followed the recovery");
}
