/**
 * {@linkcode startExternalServers}: the `external` provider, on servers given
 * by URL.
 *
 * @module
 */

import { type FaultProxy, startFaultProxy } from "./fault_proxy.ts";
import { ROLE_REGISTRATIONS, SERVER_ROLES, type ServerRole, type ServerSet } from "./server_set.ts";

/**
 * The environment variables of the external provider, by server role.
 *
 * @example
 * ```ts
 * import { EXTERNAL_URL_VARIABLES } from "guarded-drop/harness";
 *
 * console.log(EXTERNAL_URL_VARIABLES.postgres); // ["GD_POSTGRES_URL"]
 * ```
 */
export const EXTERNAL_URL_VARIABLES: Readonly<Record<ServerRole, readonly string[]>> = Object.freeze(
  Object.fromEntries(SERVER_ROLES.map((role) => [role, ROLE_REGISTRATIONS[role].urlVariables])) as Record<
    ServerRole,
    readonly string[]
  >,
);

/**
 * Whether any external URL is set.
 *
 * @param env The environment to read.
 * @returns `true` when at least one `GD_*_URL` variable is set.
 *
 * @example
 * ```ts
 * import { hasExternalUrls } from "guarded-drop/harness";
 *
 * console.log(hasExternalUrls({ GD_REDIS_URL: "redis://127.0.0.1:6379" })); // true
 * ```
 */
export function hasExternalUrls(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Object.values(EXTERNAL_URL_VARIABLES).flat().some((name) => (env[name] ?? "") !== "");
}

/**
 * Uses the servers given by `GD_*_URL` variables. Each one gets a
 * {@linkcode FaultProxy} in front of it: the fault checks stop and freeze the
 * proxy, never the server, which other tenants and other runs may share.
 *
 * @param env The environment to read the URLs from.
 * @returns The servers, and for each missing one the variable to set.
 *
 * @example
 * ```ts
 * import { startExternalServers } from "guarded-drop/harness";
 *
 * const set = await startExternalServers({ GD_REDIS_URL: "redis://127.0.0.1:6379" });
 * console.log(Object.keys(set.servers)); // ["redis"]
 * await set.stop();
 * ```
 */
export async function startExternalServers(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ServerSet> {
  const proxies: FaultProxy[] = [];
  const servers: Partial<Record<ServerRole, FaultProxy>> = {};
  const missing: Partial<Record<ServerRole, string>> = {};
  try {
    for (const [role, variables] of Object.entries(EXTERNAL_URL_VARIABLES) as [ServerRole, readonly string[]][]) {
      const unset = variables.filter((name) => (env[name] ?? "") === "");
      if (unset.length > 0) {
        missing[role] = `${unset.join(" and ")} ${unset.length > 1 ? "are" : "is"} not set: set ${
          unset.length > 1 ? "them" : "it"
        } to a ${ROLE_REGISTRATIONS[role].name.replace("-", " ")} server's URL${
          role.endsWith("Dedicated") ? " (a second server: the tenant's own)" : ""
        }`;
        continue;
      }
      const keys: Readonly<Record<string, string>> = ROLE_REGISTRATIONS[role].urlKeys ?? {};
      const urls = Object.fromEntries(variables.map((name) => [keys[name] ?? "url", env[name]!]));
      const proxy = await startFaultProxy({ name: ROLE_REGISTRATIONS[role].name, urls });
      proxies.push(proxy);
      servers[role] = proxy;
    }
  } catch (err) {
    await Promise.all(proxies.map((p) => p.close()));
    throw err;
  }
  return {
    provider: "external",
    servers,
    missing,
    async stop() {
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}
