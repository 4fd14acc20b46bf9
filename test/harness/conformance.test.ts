// The end-to-end conformance suite (DESIGN §6) for every adapter, on every
// provider that can run here: containers (when a Docker engine answers) and
// external (the GD_*_URL servers, with second "dedicated" instances started
// here when no URL is given). A provider or server that cannot run shows as
// skipped with its reason.
//
// GD_PROVIDER=containers|external limits the run to one provider, and
// GD_CONFORMANCE_BACKENDS=nats,redis to some backends (by default all of them).

import { after, describe } from "node:test";
import { createTerminalityPolicy } from "../../lib/mod.ts";
import {
  type ConformancePolicy,
  type ConformanceSubject,
  describeConformance,
  HARNESS_BACKENDS,
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
import { startThrowawayNats, throwawayNatsSkipReason } from "../support/nats_server.ts";
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
const onlyBackends = (process.env.GD_CONFORMANCE_BACKENDS ?? "").split(",").map((b) => b.trim()).filter((b) =>
  b !== ""
);
const wanted = (backend: string) => onlyBackends.length === 0 || onlyBackends.includes(backend);
const wantedRoles = HARNESS_BACKENDS.filter((b) => wanted(b.backend)).flatMap((b) => b.roles.map((r) => r.role));
const providers: readonly ("containers" | "external")[] = forced === "containers" || forced === "external"
  ? [forced]
  : ["containers", "external"];

/** Second instances for the external provider's dedicated roles, when no URL names one. */
async function dedicatedInstances(
  env: NodeJS.ProcessEnv,
): Promise<
  { env: NodeJS.ProcessEnv; started: ControlledServer[]; notOwn: Partial<Record<ServerRole, ServerControl>> }
> {
  const started: ControlledServer[] = [];
  const notOwn: Partial<Record<ServerRole, ServerControl>> = {};
  const out = { ...env };
  if (
    wanted("postgres") && (out.GD_POSTGRES_URL ?? "") !== "" && (out.GD_POSTGRES_DEDICATED_URL ?? "") === "" &&
    dedicatedPostgresSkipReason() === undefined
  ) {
    const server = await startDedicatedPostgres();
    started.push(server);
    out.GD_POSTGRES_DEDICATED_URL = server.url;
  }
  if (
    wanted("redis") && (out.GD_REDIS_URL ?? "") !== "" && (out.GD_REDIS_DEDICATED_URL ?? "") === "" &&
    dedicatedRedisSkipReason() === undefined
  ) {
    const server = await startDedicatedRedis();
    started.push(server);
    out.GD_REDIS_DEDICATED_URL = server.url;
  }
  if (
    wanted("mysql") && (out.GD_MYSQL_URL ?? "") !== "" && (out.GD_MYSQL_DEDICATED_URL ?? "") === "" &&
    dedicatedMysqlSkipReason() === undefined
  ) {
    const server = await startDedicatedMysql();
    started.push(server);
    out.GD_MYSQL_DEDICATED_URL = server.url;
  }
  // A third Redis for the ownership check: a wrong URL must never point the
  // dedicated adapter at the shared server, whose data other runs own.
  if (wanted("redis") && (out.GD_REDIS_URL ?? "") !== "" && throwawayRedisSkipReason() === undefined) {
    const server = await startThrowawayRedis();
    started.push(server);
    notOwn.redisDedicated = notOwnControl("redis-not-own", server);
  }
  // NATS: the tenant's own server, and a third one for the ownership check.
  if (wanted("nats") && (out.GD_NATS_URL ?? "") !== "" && throwawayNatsSkipReason() === undefined) {
    if ((out.GD_NATS_DEDICATED_URL ?? "") === "") {
      const server = await startThrowawayNats();
      started.push(server);
      out.GD_NATS_DEDICATED_URL = server.url;
    }
    const server = await startThrowawayNats();
    started.push(server);
    notOwn.natsDedicated = notOwnControl("nats-not-own", server);
  }
  return { env: out, started, notOwn };
}

/** A throwaway server as the control of a `not-own-server` check. */
function notOwnControl(name: string, server: ControlledServer): ServerControl {
  return {
    name,
    provider: "external",
    urls: () => ({ url: server.url }),
    stop: () => server.stop(),
    start: () => server.start(),
    pause: async () => {
      throw new Error(`Cannot pause the ${name} server: no check needs it`);
    },
    unpause: async () => {},
  };
}

/** Every registered backend's subjects, by role (each backend registers them in harness/backends/). */
function subjects(
  set: ServerSet,
  notOwn: Partial<Record<ServerRole, ServerControl>>,
): Record<ServerRole, ConformanceSubject<unknown> | undefined> {
  const context = { provider: set.provider, servers: set.servers, notOwnServers: notOwn };
  const all: Record<string, ConformanceSubject<unknown> | undefined> = {};
  for (const backend of HARNESS_BACKENDS) {
    if (!wanted(backend.backend)) continue;
    const made: Record<string, ConformanceSubject<unknown> | undefined> = backend.subjects(context);
    for (const { role } of backend.roles) all[role] = made[role];
  }
  return all as Record<ServerRole, ConformanceSubject<unknown> | undefined>;
}

for (const provider of providers) {
  let env = process.env;
  const instances: ControlledServer[] = [];
  let notOwn: Partial<Record<ServerRole, ServerControl>> = {};
  if (provider === "external") {
    const dedicated = await dedicatedInstances(process.env);
    env = dedicated.env;
    instances.push(...dedicated.started);
    notOwn = dedicated.notOwn;
  }
  const selection = await selectServers({ provider, env, roles: wantedRoles });
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
  const bySubject = subjects(set, notOwn);
  describe(`conformance on ${provider}`, async () => {
    // A check that fails because a server crashed ends with that server's log.
    explainCrashes(() => [...Object.values(set.servers), ...instances]);
    for (
      const [role, subject] of Object.entries(bySubject) as [ServerRole, ConformanceSubject<unknown> | undefined][]
    ) {
      if (subject !== undefined) {
        await describeConformance(subject, { policy: platformPolicy() });
      } else {
        await describeConformance({ name: `${role} (${provider})`, skip: set.missing[role] ?? "no server" });
      }
    }
  });
}
