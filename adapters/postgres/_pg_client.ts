// Internal: closing a pg client within a bound, for every PostgreSQL module
// (the deprovisioner, the audit store and its readers, the resource lookup).

import type { Client } from "pg";

/** How long a polite end() may take before the socket is destroyed. */
const END_TIMEOUT_MS = 1_000;

/** Destroys a client's socket at once: the server rolls back whatever it had open. */
export function destroyClient(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/**
 * Ends a client, and destroys its socket when the server does not answer
 * the goodbye in time: a hung server must not hang a close or an error path.
 */
export async function endClient(client: Client): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    client.end().then(() => true, () => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), END_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!ended) destroyClient(client);
}
