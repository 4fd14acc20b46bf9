// Internal: the DropErrors this copy of the package made, told apart by
// identity. The chokepoint must know its own errors from anything a caller's
// code threw, and `instanceof` on a thrown Proxy runs its `getPrototypeOf`
// trap (or throws, once revoked).

const made = new WeakSet<object>();

/** Records `error` as made by this copy. Called by the DropError constructor. */
export function markOwnError(error: object): void {
  made.add(error);
}

/** Whether this copy made `err`: an identity check that runs no code of `err`. */
export function isOwnError(err: unknown): boolean {
  return typeof err === "object" && err !== null && made.has(err);
}
