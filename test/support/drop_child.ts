// A child process for the cross-process concurrency checks: it makes one
// adapter and one guardedDrop (its own audit file and registry, like a
// replica of the provisioner), waits for "go" on stdin so that every child
// starts at the same moment, runs `drops` concurrent deprovisions of one
// tenant, and prints what it saw as one JSON line.
//
// argv[2] is a JSON ChildSpec.

import { createInterface } from "node:readline";
import type { Deprovisioner } from "../../lib/mod.ts";
import { createAuditRecorder } from "../../harness/audit_recorder.ts";

/** What a child runs. */
export interface ChildSpec {
  readonly adapter:
    | "redisShared"
    | "redisDedicated"
    | "rabbitmqShared"
    | "rabbitmqDedicated"
    | "postgresShared"
    | "postgresDedicated"
    | "natsShared"
    | "natsDedicated";
  readonly options: Record<string, unknown>;
  readonly token: string;
  readonly drops: number;
}

/** What a child reports. */
export interface ChildReport {
  readonly outcomes: string[];
  readonly errors: string[];
  readonly records: number;
  readonly ok: number;
  readonly total: number;
}

async function makeAdapter(spec: ChildSpec): Promise<Deprovisioner> {
  switch (spec.adapter) {
    case "redisShared":
    case "redisDedicated": {
      const { redisShared, redisDedicated } = await import("../../adapters/redis/mod.ts");
      return (spec.adapter === "redisShared" ? redisShared : redisDedicated)(spec.options as never);
    }
    case "natsShared":
    case "natsDedicated": {
      const { natsShared, natsDedicated } = await import("../../adapters/nats/mod.ts");
      return (spec.adapter === "natsShared" ? natsShared : natsDedicated)(spec.options as never);
    }
    case "postgresShared":
    case "postgresDedicated": {
      const { postgresShared, postgresDedicated } = await import("../../adapters/postgres/mod.ts");
      return (spec.adapter === "postgresShared" ? postgresShared : postgresDedicated)(spec.options as never);
    }
    default: {
      const { rabbitmqShared, rabbitmqDedicated } = await import("../../adapters/rabbitmq/mod.ts");
      return (spec.adapter === "rabbitmqShared" ? rabbitmqShared : rabbitmqDedicated)(spec.options as never);
    }
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "") as ChildSpec;
  const adapter = await makeAdapter(spec);
  const recorder = createAuditRecorder();
  try {
    process.stdout.write("ready\n");
    const lines = createInterface({ input: process.stdin });
    await new Promise<void>((resolve) => lines.once("line", () => resolve()));
    lines.close();
    const results = await Promise.allSettled(
      Array.from({ length: spec.drops }, (_, i) =>
        recorder.guardedDrop(
          {
            token: spec.token,
            resourceType: adapter.resourceType,
            backend: adapter.backend,
            requestId: `child-${process.pid}-${i}`,
            caller: "test/drop_child",
          },
          () => adapter.deprovision(spec.token),
        )),
    );
    const report: ChildReport = {
      outcomes: results.map((r) =>
        r.status === "fulfilled" ? "ok" : String((r.reason as { outcome?: unknown }).outcome)
      ),
      errors: results.flatMap((r) => r.status === "rejected" ? [String((r.reason as Error).message)] : []),
      records: recorder.dropRecords().length,
      ok: await recorder.count({ resource_type: adapter.resourceType, backend: adapter.backend, outcome: "ok" }),
      total: await recorder.total(),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    recorder.close();
    await adapter.close();
  }
}

await main();
