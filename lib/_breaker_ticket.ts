// Internal: the two-step protocol of the built-in CircuitBreaker. execute()
// is admit, run, then settle; guardedDrop uses the steps directly for its
// own breakers, so that the breaker is settled and the outcome counted in one
// promise reaction instead of two. Symbols keep it out of the public API.

/** The ticket of a call admitted while the circuit is closed. */
export const CLOSED_TICKET: object = Object.freeze({});
/** Not admitted: the circuit is open, or its half-open trial is taken. */
export const OPEN: unique symbol = Symbol("open");
/** A call's ticket: the closed ticket, a half-open trial, or OPEN. */
export type Ticket = object | typeof OPEN;

export const admit: unique symbol = Symbol("admit");
export const succeeded: unique symbol = Symbol("succeeded");
export const failed: unique symbol = Symbol("failed");
export const openError: unique symbol = Symbol("openError");
