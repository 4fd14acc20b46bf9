// Internal: a bound on a wait for code we did not write (a policy, a budget,
// an audit store). A hung dependency must end as an outcome, never as a
// promise that stays pending.

/** The DeadlineErrors this module made: told apart by identity, since `instanceof` on a thrown Proxy can throw. */
const made = new WeakSet<object>();

/**
 * Whether `err` is a {@linkcode DeadlineError} that {@linkcode withDeadline}
 * made. An identity check: it never runs code of a hostile value, where
 * `instanceof` would call a Proxy's `getPrototypeOf` trap (or throw on a
 * revoked one).
 */
export function isDeadlineError(err: unknown): err is DeadlineError {
  return typeof err === "object" && err !== null && made.has(err);
}

/** The wait took longer than its bound. */
export class DeadlineError extends Error {
  /** The bound, in ms. */
  readonly ms: number;

  /**
   * @param what What did not answer, for the message ("the audit store").
   * @param ms The bound, in ms.
   */
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "DeadlineError";
    this.ms = ms;
    made.add(this);
  }
}

/**
 * Runs `fn` with a signal, and settles with its answer, or rejects with a
 * {@linkcode DeadlineError} (and aborts the signal) when `ms` pass first. A
 * synchronous throw of `fn` becomes a rejection.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  fn: (signal: AbortSignal) => T | Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(what, ms);
      controller.abort(new DOMException(error.message, "TimeoutError"));
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(controller.signal)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
