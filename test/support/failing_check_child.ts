// A child process for the harness's "a failed check leaves nothing running"
// test: it runs conformance checks that fail on purpose (the server dies
// before or during them), prints how each ended, and then simply returns.
// It must exit on its own: a client left reconnecting, a timer or a child
// left running would keep it alive, and the parent's bound would catch it.

import {
  conformanceChecks,
  type ConformanceSubject,
  rabbitmqSubject,
  redisSubject,
  type ServerControl,
} from "../../harness/mod.ts";
import { freePort, startSilentServer, startThrowawayRedis } from "./servers.ts";

const server = await startThrowawayRedis();
const control: ServerControl = {
  name: "redis-dying",
  provider: "external",
  urls: () => ({ url: server.url }),
  stop: () => server.stop(),
  start: () => server.start(),
  pause: async () => {},
  unpause: async () => {},
};
try {
  const subject = redisSubject(control, "shared");
  // The server dies in the middle of the check: after the tenant is made, at the first read.
  let killed = false;
  const dying: ConformanceSubject<unknown> = {
    ...subject,
    server: undefined,
    async readTenant(token) {
      if (!killed) {
        killed = true;
        await server.stop();
      }
      return await subject.readTenant(token);
    },
  };
  for (
    const check of conformanceChecks(dying, { adapterOptions: { connectTimeoutMs: 500, operationTimeoutMs: 1000 } })
  ) {
    if (check.id !== "drop" && check.id !== "same-tenant") continue;
    try {
      await check.run();
      console.log(`passed ${check.id}`);
    } catch (err) {
      console.log(`failed ${check.id}: ${String((err as Error).message).split("\n")[0]}`);
    }
  }
  // RabbitMQ's management API on a closed port, and on one that accepts and never answers.
  const silent = await startSilentServer();
  try {
    for (const port of [await freePort(), silent.port]) {
      const broker: ServerControl = {
        ...control,
        name: "rabbitmq-dead",
        urls: () => ({ managementUrl: `http://guest:guest@127.0.0.1:${port}` }),
      };
      const drop = conformanceChecks(rabbitmqSubject(broker, "shared"), {
        adapterOptions: { connectTimeoutMs: 500, operationTimeoutMs: 1000 },
      })
        .find((c) => c.id === "drop")!;
      try {
        await drop.run();
        console.log("passed rabbitmq drop");
      } catch (err) {
        console.log(`failed rabbitmq drop: ${String((err as Error).message).split("\n")[0]}`);
      }
    }
  } finally {
    await silent.close();
  }
} finally {
  await server.dispose();
}
console.log("done");
