// A process the Redis quarantine suite kills between two commands: it
// quarantines (or restores) one shared tenant, and before its command number
// `stopAt` (counted from 0 over every command the adapter sends, pipelined
// ones included) it prints "at <n> <command>" and blocks its thread for
// good, so that the parent's SIGKILL lands there. Without a stop it prints
// "done <count>" and the commands it sent, as a JSON line.
//
// Usage: node --import tsx quarantine_child.ts <url> <token> <deprovision|restore> <stopAt|-1> <scanCount>

import { writeSync } from "node:fs";
import { Redis } from "ioredis";
import { redisShared } from "../../../adapters/redis/mod.ts";

const [url, token, action, stopAt, scanCount] = process.argv.slice(2);
const stop = Number(stopAt);
let sent = 0;
const commands: string[] = [];
const proto = Redis.prototype as unknown as {
  sendCommand: (command: { name: string; args: unknown[] }, ...rest: unknown[]) => unknown;
};
const sendCommand = proto.sendCommand;
proto.sendCommand = function (this: unknown, command, ...rest) {
  const n = sent++;
  const first = command.args[0];
  // The renames' scripts (EVAL or EVALSHA) are "EVAL RENAMENX": they are
  // the scripts whose keys include a copy's (`#gdq:d:…`), moved in or out.
  const moves = /^eval/i.test(command.name) && command.args.some((arg) => String(arg).startsWith("#gdq:d:"));
  const word = moves ? "RENAMENX" : typeof first === "string" && /^[A-Za-z]+$/.test(first) ? first : undefined;
  commands.push(`${moves ? "EVAL" : command.name.toUpperCase()}${word === undefined ? "" : ` ${word.toUpperCase()}`}`);
  if (n === stop) {
    writeSync(1, `at ${n} ${commands[n]}\n`);
    // Blocks this thread until the parent's SIGKILL: nothing else runs.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  return sendCommand.call(this, command, ...rest);
};

const adapter = redisShared({ url: url!, scanCount: Number(scanCount), retention: { days: 7 } });
try {
  if (action === "restore") await adapter.restore(token!);
  else await adapter.deprovision(token!);
  writeSync(1, `done ${sent}\n${JSON.stringify(commands)}\n`);
} finally {
  await adapter.close();
}
