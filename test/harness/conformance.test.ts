// The end-to-end conformance suite (DESIGN §6) for every adapter, on every
// provider that can run here: containers (when a Docker engine answers) and
// external (the GD_*_URL servers, with second "dedicated" instances started
// here when no URL is given). A provider or server that cannot run shows as
// skipped with its reason.
//
// GD_PROVIDER=containers|external limits the run to one provider.

import { after, describe } from "node:test";
import {
  type ConformanceSubject,
  describeConformance,
  mongodbSubject,
  mysqlSubject,
  postgresSubject,
  rabbitmqSubject,
  redisSubject,
  selectServers,
  type ServerRole,
  type ServerSet,
} from "../../harness/mod.ts";
import {
  type ControlledServer,
  dedicatedMysqlSkipReason,
  dedicatedPostgresSkipReason,
  dedicatedRedisSkipReason,
  startDedicatedMysql,
  startDedicatedPostgres,
  startDedicatedRedis,
} from "../support/servers.ts";

const forced = process.env.GD_PROVIDER;
const providers: readonly ("containers" | "external")[] = forced === "containers" || forced === "external" ? [forced] : ["containers", "external"];

/** Second instances for the external provider's dedicated roles, when no URL names one. */
async function dedicatedInstances(env: NodeJS.ProcessEnv): Promise<{ env: NodeJS.ProcessEnv; started: ControlledServer[] }> {
  const started: ControlledServer[] = [];
  const out = { ...env };
  if ((out.GD_POSTGRES_URL ?? "") !== "" && (out.GD_POSTGRES_DEDICATED_URL ?? "") === "" && dedicatedPostgresSkipReason() === undefined) {
    const server = await startDedicatedPostgres();
    started.push(server);
    out.GD_POSTGRES_DEDICATED_URL = server.url;
  }
  if ((out.GD_REDIS_URL ?? "") !== "" && (out.GD_REDIS_DEDICATED_URL ?? "") === "" && dedicatedRedisSkipReason() === undefined) {
    const server = await startDedicatedRedis();
    started.push(server);
    out.GD_REDIS_DEDICATED_URL = server.url;
  }
  if ((out.GD_MYSQL_URL ?? "") !== "" && (out.GD_MYSQL_DEDICATED_URL ?? "") === "" && dedicatedMysqlSkipReason() === undefined) {
    const server = await startDedicatedMysql();
    started.push(server);
    out.GD_MYSQL_DEDICATED_URL = server.url;
  }
  return { env: out, started };
}

function subjects(set: ServerSet): Record<ServerRole, ConformanceSubject<unknown> | undefined> {
  const { servers } = set;
  const redisShared = servers.redis && redisSubject(servers.redis, "shared");
  return {
    postgres: servers.postgres && postgresSubject(servers.postgres, "shared"),
    postgresDedicated: servers.postgresDedicated && postgresSubject(servers.postgresDedicated, "dedicated"),
    redis: redisShared,
    // A dedicated Redis holds one tenant; its neighbours live on the shared server.
    redisDedicated: servers.redisDedicated && redisSubject(servers.redisDedicated, "dedicated", redisShared),
    rabbitmq: servers.rabbitmq && rabbitmqSubject(servers.rabbitmq, "shared"),
    rabbitmqDedicated: servers.rabbitmqDedicated && rabbitmqSubject(servers.rabbitmqDedicated, "dedicated"),
    mongodb: servers.mongodb && mongodbSubject(servers.mongodb, "shared"),
    mysql: servers.mysql && mysqlSubject(servers.mysql, "shared"),
    mysqlDedicated: servers.mysqlDedicated && mysqlSubject(servers.mysqlDedicated, "dedicated"),
  } as Record<ServerRole, ConformanceSubject<unknown> | undefined>;
}

for (const provider of providers) {
  let env = process.env;
  const instances: ControlledServer[] = [];
  if (provider === "external") {
    const dedicated = await dedicatedInstances(process.env);
    env = dedicated.env;
    instances.push(...dedicated.started);
  }
  const selection = await selectServers({ provider, env });
  if ("skip" in selection) {
    describe(`conformance on ${provider}`, { skip: selection.skip }, () => {});
    await Promise.all(instances.map((s) => s.dispose()));
    continue;
  }
  const { set } = selection;
  after(async () => {
    await set.stop();
    await Promise.all(instances.map((s) => s.dispose()));
  });
  const bySubject = subjects(set);
  describe(`conformance on ${provider}`, async () => {
    for (const [role, subject] of Object.entries(bySubject) as [ServerRole, ConformanceSubject<unknown> | undefined][]) {
      if (subject !== undefined) {
        await describeConformance(subject);
      } else {
        await describeConformance({ name: `${role} (${provider})`, skip: set.missing[role] ?? "no server" });
      }
    }
  });
}
