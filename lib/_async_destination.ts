// Internal: telling a pino logger whose writes land later from one whose
// writes are done when `info` returns, without importing pino (lib/ has no
// dependency). pino keeps its destination under a private
// `Symbol("pino.stream")` on the root logger (children inherit it through
// their prototype), so the symbol is found by its description.
//
// A destination is asynchronous when it is:
// - a transport (`pino.transport()`: a ThreadStream, written by a worker);
// - a SonicBoom whose `sync` is not `true` (`pino.destination({ sync: false })`,
//   and pino's default stdout destination);
// - any stream with `sync === false`;
// - a multistream (`pino.multistream`) holding one of those.
// NOTE: any other destination (a plain object with `write`, this package's
// sync destination, a Node stream) is trusted as the caller built it.

import { readProperty } from "./_read_property.ts";

const STREAM_SYMBOL_DESCRIPTION = "pino.stream";
/** Prototype links followed at most: a pino child of a child of … stays far below this. */
const MAX_DEPTH = 64;
/** Multistream nesting followed at most. */
const MAX_NESTING = 8;

/** The logger's pino destination, or `undefined` when it is not a pino logger. */
function pinoStreamOf(logger: object): unknown {
  let current: object | null = logger;
  for (let depth = 0; current !== null && depth < MAX_DEPTH; depth++) {
    let symbols: symbol[];
    try {
      symbols = Object.getOwnPropertySymbols(current);
    } catch {
      return undefined; // a Proxy that refuses: not pino
    }
    const symbol = symbols.find((s) => s.description === STREAM_SYMBOL_DESCRIPTION);
    if (symbol !== undefined) {
      try {
        return (current as Record<symbol, unknown>)[symbol];
      } catch {
        return undefined;
      }
    }
    try {
      current = Object.getPrototypeOf(current) as object | null;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function constructorName(value: object): unknown {
  return readProperty(readProperty(value, "constructor"), "name");
}

function describeStream(stream: unknown, nesting: number): string | undefined {
  if ((typeof stream !== "object" && typeof stream !== "function") || stream === null) return undefined;
  const name = constructorName(stream);
  if (name === "ThreadStream") return "a pino transport (a ThreadStream: a worker thread writes the lines later)";
  const streams = readProperty(stream, "streams");
  if (Array.isArray(streams) && nesting < MAX_NESTING) {
    for (const entry of streams) {
      const inner = describeStream(readProperty(entry, "stream"), nesting + 1);
      if (inner !== undefined) return `a pino multistream holding ${inner}`;
    }
    return undefined;
  }
  const sync = readProperty(stream, "sync");
  if (name === "SonicBoom" && sync !== true) {
    return "a SonicBoom with sync: false (pino.destination({ sync: false }), or pino's default stdout)";
  }
  if (sync === false) {
    return `a stream with sync: false (${typeof name === "string" && name !== "" ? name : "unnamed"})`;
  }
  return undefined;
}

/**
 * What makes the logger's writes land later, or `undefined` when they do
 * not (or it is not a pino logger).
 */
export function describeAsyncDestination(logger: object): string | undefined {
  return describeStream(pinoStreamOf(logger), 0);
}
