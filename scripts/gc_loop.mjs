// A preload that forces a full garbage collection every 5 ms, for running
// any suite under GC pressure (issue 22 part 6): a bound that rests on
// something the collector may take breaks under it.
//
//   node --expose-gc --import ./scripts/gc_loop.mjs --import tsx --test test/harness/conformance.test.ts
//
// Without --expose-gc it does nothing and says so.
if (typeof globalThis.gc === "function") {
  const collect = globalThis.gc;
  setInterval(() => collect(), 5).unref();
} else {
  console.error("scripts/gc_loop.mjs: run node with --expose-gc; no collection is forced");
}
