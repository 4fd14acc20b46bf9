// Internal: the cancels the drop budget still owes, sent until the server
// confirms each.

import type { BudgetConnection } from "./_budget_connection.ts";
import { type BudgetClient, type OwedCancel, runCancel } from "./_drop_budget_script.ts";

/** The first and the longest pause between tries of the cancels still owed, in ms. */
const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** How many owed cancels are remembered; beyond, the oldest is forgotten (its charge ends with its window). */
const MAX_PENDING = 10_000;

/**
 * Takes whose caller was told they did not count, by member, until a cancel
 * of each is confirmed. A cancel is sent at once on a connection of its
 * own bound, retried with a growing pause (up to 30 s), sent ahead of the
 * next take on the same connection ({@linkcode sendOn}), and a last time by
 * {@linkcode close}.
 */
export class CancelQueue {
  readonly #connection: BudgetConnection;
  readonly #timeoutMs: number;
  /** How long a cancel mark lives, in ms: longer than any delay a given-up take can still have. */
  readonly #markMs: number;
  readonly #owed = new Map<string, OwedCancel>();
  #flushing: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryDelayMs: number;
  #closed = false;

  constructor(connection: BudgetConnection, timeoutMs: number, markMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#markMs = markMs;
    this.#retryDelayMs = Math.max(MIN_RETRY_MS, timeoutMs);
  }

  /** How many cancels are owed. */
  get size(): number {
    return this.#owed.size;
  }

  /** Remembers a take its caller was told did not count, and cancels it. */
  owe(cancel: OwedCancel): void {
    if (this.#owed.size >= MAX_PENDING) this.#owed.delete(this.#owed.keys().next().value!);
    this.#owed.set(cancel.member, cancel);
    this.#flushSoon();
  }

  /**
   * Writes a cancel for every owed take to `client`, before anything sent
   * after this call on the same connection, and forgets each once it is
   * confirmed. Resolves whether all were confirmed; never rejects.
   */
  sendOn(client: BudgetClient): Promise<boolean> {
    const sent = [...this.#owed.values()].map((cancel) =>
      runCancel(client, cancel, this.#markMs).then(
        () => {
          this.#owed.delete(cancel.member);
          return true;
        },
        () => false,
      )
    );
    return Promise.all(sent).then((confirmed) => confirmed.every(Boolean));
  }

  /** Stops the retries, and makes a last bounded try for the cancels still owed. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#flushing;
    if (this.#owed.size === 0) return;
    const reuse = this.#connection.ready();
    const opening = reuse !== undefined ? Promise.resolve(reuse) : this.#connection.openApart();
    await bounded(opening.then((client) => this.sendOn(client)), this.#timeoutMs).catch(() => false);
    void opening.then((client) => {
      if (client !== reuse) client.disconnect();
    }, () => {});
  }

  /** Sends the owed cancels now, bounded, and again later until they are confirmed. */
  #flushSoon(): void {
    if (this.#closed || this.#owed.size === 0 || this.#flushing !== undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#flushing = bounded(this.#connection.open().then((client) => this.sendOn(client)), this.#timeoutMs)
      .catch(() => false)
      .then((confirmed) => {
        this.#flushing = undefined;
        if (confirmed && this.#owed.size === 0) {
          this.#retryDelayMs = Math.max(MIN_RETRY_MS, this.#timeoutMs);
          return;
        }
        // It hung on a connection that looked fine: do not reuse it.
        if (!confirmed && this.#connection.ready() !== undefined) this.#connection.discard();
        if (this.#closed) return;
        this.#retryTimer = setTimeout(() => this.#flushSoon(), this.#retryDelayMs);
        this.#retryTimer.unref?.();
        this.#retryDelayMs = Math.min(MAX_RETRY_MS, this.#retryDelayMs * 2);
      });
  }
}

/** `promise`, or a rejection once `ms` have passed: a wait that never hangs. */
export async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
