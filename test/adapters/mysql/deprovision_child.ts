// A second process for the MySQL suite: deprovisions one tenant N times at
// once through its own guardedDrop, and prints the outcomes as JSON.
// Usage: node --import tsx deprovision_child.ts <url> <shared|dedicated> <token> <n>

import { createGuardedDrop, type DropError } from "../../../lib/mod.ts";
import { mysqlDedicated, mysqlShared } from "../../../adapters/mysql/mod.ts";

const [url, backend, token, n] = process.argv.slice(2);
const adapter = (backend === "dedicated" ? mysqlDedicated : mysqlShared)({ url: url! });
const silent = { info() {}, warn() {}, error() {} };
const guardedDrop = createGuardedDrop({ logger: silent, counter: { inc() {} } });
try {
  const outcomes = await Promise.all(Array.from({ length: Number(n) }, async (_, i) => {
    try {
      await guardedDrop(
        {
          token: token!,
          resourceType: adapter.resourceType,
          backend: adapter.backend,
          requestId: `child-${process.pid}-${i}`,
          caller: "child",
        },
        () => adapter.deprovision(token!),
      );
      return "ok";
    } catch (err) {
      return `${(err as DropError).outcome}: ${(err as Error).message}`;
    }
  }));
  process.stdout.write(JSON.stringify(outcomes));
} finally {
  await adapter.close();
}
