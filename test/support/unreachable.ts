/**
 * The two unreachable-server checks every adapter suite makes: a closed port
 * fails fast as `unavailable`, and a server that accepts and never answers
 * fails as `unavailable` once the connect timeout has passed. Both go through
 * guardedDrop (one record, one count), and no credential of the URL ever
 * reaches a record or a message.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Deprovisioner, isBackendError } from "../../lib/mod.ts";
import type { AuditFixture } from "./audit_fixture.ts";
import { dropThrough } from "./drop_through.ts";
import { freePort, startSilentServer } from "./servers.ts";
import { LOADED_MACHINE_SLACK_MS } from "./timing.ts";

/** The password the adapter's URL carries in {@linkcode assertClosedPortUnavailable}. */
export const SECRET = "hunter2-secret";

export interface UnreachableOptions {
  readonly fixture: AuditFixture;
  readonly token: string;
  readonly connectTimeoutMs: number;
  /**
   * How much later than the timeout the failure may come. The upper bound
   * only tells a bounded failure from a hang, so it is never less than
   * LOADED_MACHINE_SLACK_MS: a loaded machine stalls longer than a suite's
   * 1.5 s.
   */
  readonly marginMs: number;
}

/**
 * Makes the adapter for a closed port with `SECRET` in its URL, and asserts
 * that both a drop and `exists()` fail as `unavailable`, within the connect
 * timeout, saying `message`, without echoing the secret.
 */
export async function assertClosedPortUnavailable(
  options: UnreachableOptions & {
    /** Makes the adapter for a closed port; the URL must carry `SECRET` as its password. */
    readonly adapterFor: (port: number) => Deprovisioner;
    readonly message: RegExp;
    /** The `serverCode` exists() must report, when the driver gives one. */
    readonly serverCode?: string;
  },
): Promise<void> {
  const { fixture, token, connectTimeoutMs, marginMs } = options;
  const down = options.adapterFor(await freePort());
  try {
    const result = await dropThrough(fixture, down, token, { expect: "error" });
    assert.equal(result.error?.kind, "unavailable");
    assert.ok(
      result.elapsedMs < connectTimeoutMs + Math.max(marginMs, LOADED_MACHINE_SLACK_MS),
      `${result.elapsedMs} ms`,
    );
    assert.doesNotMatch(JSON.stringify(fixture.lines()), /hunter2/);
    await assert.rejects(down.exists(token), (err: unknown) => {
      assert.ok(isBackendError(err));
      assert.equal(err.kind, "unavailable");
      assert.equal(err.name, "BackendError");
      if (options.serverCode !== undefined) assert.equal(err.serverCode, options.serverCode);
      assert.match(err.message, options.message);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
  } finally {
    await down.close();
  }
}

/**
 * Makes the adapter for a server that accepts and never answers, and asserts
 * that a drop fails as `unavailable` after the connect timeout (when
 * `waitsForTimeout`) and never much later.
 */
export async function assertHungServerUnavailable(
  options: UnreachableOptions & {
    readonly adapterFor: (port: number) => Deprovisioner;
    /** Whether the failure must wait for the whole timeout (false when a driver gives up on its own first). */
    readonly waitsForTimeout: boolean;
  },
): Promise<void> {
  const { fixture, token, connectTimeoutMs, marginMs } = options;
  const silent = await startSilentServer();
  const hung = options.adapterFor(silent.port);
  try {
    const result = await dropThrough(fixture, hung, token, { expect: "error" });
    assert.equal(result.error?.kind, "unavailable");
    if (options.waitsForTimeout) {
      assert.ok(result.elapsedMs >= connectTimeoutMs - 100, `${result.elapsedMs} ms: it waited for the timeout`);
    }
    assert.ok(
      result.elapsedMs < connectTimeoutMs + Math.max(marginMs, LOADED_MACHINE_SLACK_MS),
      `${result.elapsedMs} ms`,
    );
  } finally {
    await hung.close();
    await silent.close();
  }
}
