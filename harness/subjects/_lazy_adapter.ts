// Internal: an adapter whose module (and so its driver) is loaded on first
// use. The harness re-exports every subject, and a team that checks only its
// Redis code must not need pg, mongodb or ioredis installed to import it.

import type { Backend, Deprovisioner } from "../../lib/mod.ts";

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
    async deprovision(token: string): Promise<void> {
      await (await adapter()).deprovision(token);
    },
    async exists(token: string): Promise<boolean> {
      return (await adapter()).exists(token);
    },
    async close(): Promise<void> {
      if (loaded !== undefined) await (await loaded).close();
    },
  };
}
