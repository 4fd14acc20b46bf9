// Internal: an adapter whose module (and so its driver) is loaded on first
// use. The harness re-exports every subject, and a team that checks only its
// Redis code must not need pg, mongodb or ioredis installed to import it.

import type { Backend, Deprovisioner, DropReport, RecoverableDeprovisioner } from "../../lib/mod.ts";

export function lazyAdapter(resourceType: string, backend: Backend, load: () => Promise<Deprovisioner>): Deprovisioner {
  let loaded: Promise<Deprovisioner> | undefined;
  const adapter = () => (loaded ??= load());
  return {
    resourceType,
    backend,
    /**
     * Delegates to the loaded adapter's deprovision.
     *
     * @sanctionedDrop
     */
    // What it resolves with is kept: an adapter that quarantines says so to guardedDrop.
    async deprovision(token: string): Promise<void | DropReport> {
      return await (await adapter()).deprovision(token);
    },
    async exists(token: string): Promise<boolean> {
      return (await adapter()).exists(token);
    },
    async close(): Promise<void> {
      if (loaded !== undefined) await (await loaded).close();
    },
  };
}

/**
 * {@linkcode lazyAdapter} for an adapter made with `retention`: its
 * quarantine members are forwarded too.
 */
export function lazyRecoverableAdapter(
  resourceType: string,
  backend: Backend,
  load: () => Promise<RecoverableDeprovisioner>,
): RecoverableDeprovisioner {
  let loaded: Promise<RecoverableDeprovisioner> | undefined;
  const adapter = () => (loaded ??= load());
  const base = lazyAdapter(resourceType, backend, adapter);
  return {
    ...base,
    quarantined: async (token) => (await adapter()).quarantined(token),
    /**
     * The adapter's restore, forwarded: call it inside guardedDrop, with
     * `action: "restore"` (some restores drop an emptied copy).
     *
     * @sanctionedDrop
     */
    async restore(token) {
      return await (await adapter()).restore(token);
    },
    purgeExpired: async (guardedDrop, options) => (await adapter()).purgeExpired(guardedDrop, options),
  };
}
