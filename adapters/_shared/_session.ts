// Internal: one adapter call on its own connection. Every call of the
// PostgreSQL, Redis and MongoDB adapters has the same shape: connect, run
// named steps, classify any failure by the step it happened in, and always
// release the connection.

import type { FailureContext } from "./_errors.ts";

/** How an adapter opens, classifies and releases its connections. */
export interface SessionHooks<Client> {
  connect(context: FailureContext): Promise<Client>;
  /** Turns a failure into the adapter's error; `step` names what was running. */
  classify(context: FailureContext, step: string, err: unknown): unknown;
  release(client: Client | undefined): Promise<void> | void;
}

/**
 * Runs `body` on a fresh connection. `body` calls `step("DROP DATABASE")`
 * before each statement, so that an error says which one failed.
 */
export async function inSession<Client, T>(
  hooks: SessionHooks<Client>,
  context: FailureContext,
  body: (client: Client, step: (name: string) => void) => Promise<T>,
): Promise<T> {
  let step = "connect";
  let client: Client | undefined;
  try {
    client = await hooks.connect(context);
    return await body(client, (name) => {
      step = name;
    });
  } catch (err) {
    throw hooks.classify(context, step, err);
  } finally {
    await hooks.release(client);
  }
}
