// Repro for issue 22 part 6: does fetch's timeout survive garbage collection?
// (On v20.20.2: AbortSignal.any over AbortSignal.timeout is lost, with or
// without fetch; the other three ways hold.)
//
//   node --expose-gc scripts/repro_fetch_signal_gc.mjs [trials]
//
// A local TCP server accepts and never answers. For each way of giving
// fetch a 500 ms bound, `trials` fetches run while a full collection is
// forced every 5 ms; each is watched by a 10 s timer this script holds. A
// bound that holds ends each trial at about 500 ms with a TimeoutError; a
// lost one shows STILL-WAITING (undici would wait 300 s for headers).
import { createServer } from "node:net";

if (typeof globalThis.gc !== "function") {
  console.error("run with --expose-gc");
  process.exit(2);
}
const trials = Number(process.argv[2] ?? 5);
const BOUND_MS = 500;
const WATCH_MS = 10_000;
const sockets = new Set();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => {});
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

/** Each returns [signal, cleanup]. */
const MODES = {
  "AbortSignal.any([AbortSignal.timeout, controller])":
    () => [AbortSignal.any([AbortSignal.timeout(BOUND_MS), new AbortController().signal]), () => {}],
  "AbortSignal.timeout alone": () => [AbortSignal.timeout(BOUND_MS), () => {}],
  "AbortController aborted by a held setTimeout": () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException("timeout", "TimeoutError")), BOUND_MS);
    return [controller.signal, () => clearTimeout(timer)];
  },
  "AbortSignal.any([held controller, controller])": () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException("timeout", "TimeoutError")), BOUND_MS);
    return [AbortSignal.any([controller.signal, new AbortController().signal]), () => clearTimeout(timer)];
  },
};

for (const gcOn of [false, true]) {
  const pressure = gcOn ? setInterval(() => globalThis.gc(), 5) : undefined;
  for (const [mode, make] of Object.entries(MODES)) {
    const results = [];
    for (let i = 0; i < trials; i++) {
      const started = performance.now();
      const [signal, cleanup] = make();
      let watchdog;
      const outcome = await Promise.race([
        fetch(url, { signal }).then(() => "answered", (err) => err.name),
        new Promise((resolve) => (watchdog = setTimeout(() => resolve("STILL-WAITING"), WATCH_MS))),
      ]);
      clearTimeout(watchdog);
      cleanup();
      results.push(`${outcome}@${Math.round(performance.now() - started)}ms`);
    }
    const held = results.filter((r) => r.startsWith("TimeoutError")).length;
    console.log(
      `${process.version} gc=${gcOn ? "every 5 ms" : "off"} | ${mode} | held ${held}/${trials} | ${results.join(" ")}`,
    );
  }
  clearInterval(pressure);
}
// The same composite without fetch: held and listened to, its timeout source referenced by
// nothing else. If this one is lost too, the loss is AbortSignal.any's, not undici's.
{
  const pressure = setInterval(() => globalThis.gc(), 5);
  const results = [];
  for (let i = 0; i < trials; i++) {
    const started = performance.now();
    const composite = AbortSignal.any([AbortSignal.timeout(BOUND_MS), new AbortController().signal]);
    let watchdog;
    const outcome = await Promise.race([
      new Promise((resolve) =>
        composite.addEventListener("abort", () => resolve(composite.reason?.name), { once: true })
      ),
      new Promise((resolve) => (watchdog = setTimeout(() => resolve("STILL-WAITING"), WATCH_MS))),
    ]);
    clearTimeout(watchdog);
    results.push(`${outcome}@${Math.round(performance.now() - started)}ms`);
  }
  clearInterval(pressure);
  const held = results.filter((r) => r.startsWith("TimeoutError")).length;
  console.log(
    `${process.version} gc=every 5 ms | no fetch: an abort listener on AbortSignal.any([AbortSignal.timeout, controller]) | held ${held}/${trials} | ${
      results.join(" ")
    }`,
  );
}
for (const socket of sockets) socket.destroy();
server.close();
process.exit(0);
