// The end-to-end conformance suite (DESIGN §6) for every adapter, on every
// provider that can run here: containers (when a Docker engine answers) and
// external (the GD_*_URL servers, with second "dedicated" instances started
// here when no URL is given). A provider or server that cannot run shows as
// skipped with its reason.
//
// GD_PROVIDER=containers|external limits the run to one provider.

import { after, describe } from "node:test";
import { createTerminalityPolicy } from "../../lib/mod.ts";
import {
  type ConformancePolicy,
  type ConformanceSubject,
  describeConformance,
  mongodbSubject,
  mysqlSubject,
  postgresSubject,
  rabbitmqSubject,
  redisSubject,
  selectServers,
  type ServerControl,
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
  startThrowawayRedis,
  throwawayRedisSkipReason,
} from "../support/servers.ts";
import { explainCrashes } from "../support/crash_report.ts";

/**
 * The platform's policy for the `active-denied` check: the library's own
 * terminality policy over an in-memory resources table, so that the check
 * runs here instead of being skipped.
 */
function platformPolicy(): ConformancePolicy {
  const status = new Map<string, string>();
  return {
    authorize: createTerminalityPolicy({
      lookup: async (req) => {
        const found = status.get(req.token);
        return found === undefined ? undefined : { status: found };
      },
    }),
    intent: "customer_request",
    markActive: (token) => void status.set(token, "active"),
    forget: (token) => void status.delete(token),
  };
}

const forced = process.env.GD_PROVIDER;
const providers: readonly ("containers" | "external")[] = forced === "containers" || forced === "external" ? [forced] : ["containers", "external"];

/** Second instances for the external provider's dedicated roles, when no URL names one. */
async function dedicatedInstances(
  env: NodeJS.ProcessEnv,
): Promise<{ env: NodeJS.ProcessEnv; started: ControlledServer[]; notOwnRedis?: ServerControl }> {
  const started: ControlledServer[] = [];
  let notOwnRedis: ServerControl | undefined;
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
  // A third Redis for the ownership check: a wrong URL must never point the
  // dedicated adapter at the shared server, whose data other runs own.
  if ((out.GD_REDIS_URL ?? "") !== "" && throwawayRedisSkipReason() === undefined) {
    const server = await startThrowawayRedis();
    started.push(server);
    notOwnRedis = {
      name: "redis-not-own",
      provider: "external",
      urls: () => ({ url: server.url }),
      stop: () => server.stop(),
      start: () => server.start(),
      pause: async () => {
        throw new Error("Cannot pause the not-own Redis: no check needs it");
      },
      unpause: async () => {},
    };
  }
  return { env: out, started, notOwnRedis };
}

function subjects(set: ServerSet, notOwnRedis: ServerControl | undefined): Record<ServerRole, ConformanceSubject<unknown> | undefined> {
  const { servers } = set;
  const redisShared = servers.redis && redisSubject(servers.redis, "shared");
  return {
    postgres: servers.postgres && postgresSubject(servers.postgres, "shared"),
    postgresDedicated: servers.postgresDedicated && postgresSubject(servers.postgresDedicated, "dedicated"),
    redis: redisShared,
    // A dedicated Redis holds one tenant; its neighbours live on the shared server.
    // Its ownership check writes another tenant's keys on a throwaway server: the
    // shared container with the containers provider, a third instance otherwise.
    redisDedicated: servers.redisDedicated &&
      redisSubject(servers.redisDedicated, "dedicated", redisShared, { notOwnServer: notOwnRedis ?? (set.provider === "containers" ? servers.redis : undefined) }),
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
  let notOwnRedis: ServerControl | undefined;
  if (provider === "external") {
    const dedicated = await dedicatedInstances(process.env);
    env = dedicated.env;
    instances.push(...dedicated.started);
    notOwnRedis = dedicated.notOwnRedis;
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
  const bySubject = subjects(set, notOwnRedis);
  describe(`conformance on ${provider}`, async () => {
    // A check that fails because a server crashed ends with that server's log.
    explainCrashes(() => [...Object.values(set.servers), ...instances]);
    for (const [role, subject] of Object.entries(bySubject) as [ServerRole, ConformanceSubject<unknown> | undefined][]) {
      if (subject !== undefined) {
        await describeConformance(subject, { policy: platformPolicy() });
      } else {
        await describeConformance({ name: `${role} (${provider})`, skip: set.missing[role] ?? "no server" });
      }
    }
  });
}
