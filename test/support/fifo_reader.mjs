// A FIFO's reader for the pino tests: it opens the FIFO (non-blocking, so
// that it never waits for a writer), says "open", reads exactly argv[3]
// bytes and says "stopped", then reads nothing until a line arrives on
// stdin. Then it drains the FIFO until the writer closes it and reports how
// many complete lines it got in all, and whether every one was JSON.

import { closeSync, constants, openSync, readSync } from "node:fs";
import { createInterface } from "node:readline";

const [fifo, limitArg] = process.argv.slice(2);
const limit = Number(limitArg);
const pause = new Int32Array(new SharedArrayBuffer(4));
const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
process.stdout.write("open\n");
const chunks = [];
let total = 0;

/** Reads up to `max` bytes; `null` at end of file (every writer closed). */
function readSome(max) {
  const buffer = Buffer.alloc(Math.min(max, 65536));
  for (;;) {
    try {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      return n === 0 ? null : buffer.subarray(0, n);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

// Before any writer opened, a non-blocking read returns 0 too: wait for the first byte.
while (total < limit) {
  const chunk = readSome(limit - total);
  if (chunk === null) {
    Atomics.wait(pause, 0, 0, 2);
    continue;
  }
  chunks.push(chunk);
  total += chunk.length;
}
process.stdout.write("stopped\n");
const lines = createInterface({ input: process.stdin });
lines.once("line", () => {
  lines.close();
  for (;;) {
    const chunk = readSome(65536);
    if (chunk === null) break;
    chunks.push(chunk);
  }
  closeSync(fd);
  const text = Buffer.concat(chunks).toString("utf8");
  const complete = text.split("\n").slice(0, -1);
  let json = 0;
  for (const line of complete) {
    try {
      JSON.parse(line);
      json++;
    } catch {
      // counted as not JSON
    }
  }
  process.stdout.write(`${JSON.stringify({ lines: complete.length, json, bytes: text.length })}\n`);
});
