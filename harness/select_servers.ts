/**
 * {@linkcode selectServers}: which provider gives the harness its servers.
 *
 * @module
 */

import { dockerUnavailableReason, imagesFromEnv, startContainerServers } from "./containers_provider.ts";
import { EXTERNAL_URL_VARIABLES, hasExternalUrls, startExternalServers } from "./external_provider.ts";
import { HARNESS_BACKENDS } from "./backends/mod.ts";
import type { ServerRole, ServerSet } from "./server_set.ts";

/**
 * The outcome of {@linkcode selectServers}: servers, or the reason there are
 * none, which says how to get them.
 *
 * @example
 * ```ts
 * import type { Selection } from "guarded-drop/harness";
 *
 * function describe(selection: Selection): string {
 *   return "skip" in selection ? `skipped: ${selection.skip}` : `on ${selection.set.provider}`;
 * }
 * ```
 */
export type Selection = { readonly set: ServerSet } | { readonly skip: string };

/**
 * Options of {@linkcode selectServers}.
 *
 * @example
 * ```ts
 * import type { SelectServersOptions } from "guarded-drop/harness";
 *
 * const options: SelectServersOptions = { provider: "external", roles: ["redis"] };
 * ```
 */
export interface SelectServersOptions {
  /**
   * `containers`, `external`, or `auto`: containers when a Docker engine
   * answers, otherwise external when URLs are set.
   *
   * @default {process.env.GD_PROVIDER ?? "auto"}
   */
  provider?: "containers" | "external" | "auto";
  /** The environment (URLs, images). @default {process.env} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Which servers the containers provider starts. @default {every role} */
  roles?: readonly ServerRole[];
}

const IMAGE_VARIABLES = HARNESS_BACKENDS.flatMap((backend) => "image" in backend ? [backend.image.variable] : []);
const HOW_TO_GET_SERVERS = "start a Docker engine for the containers provider (where no registry answers, build the " +
  `images first with \`npm run images:offline\` and set ${IMAGE_VARIABLES.join(", ")}), or set ` +
  `${[...new Set(Object.values(EXTERNAL_URL_VARIABLES).flat())].join(", ")} for the external provider`;

/**
 * Picks the provider and starts its servers: `containers` when a Docker
 * engine answers, otherwise `external` when `GD_*_URL` variables are set,
 * otherwise none, with a reason that says how to get servers. A forced
 * provider that is not available is also a skip with its reason, never a
 * silent fallback to the other one.
 *
 * @param options The provider, the environment and the roles.
 * @returns The servers, or the reason to skip.
 *
 * @example
 * ```ts
 * import { selectServers } from "guarded-drop/harness";
 *
 * const selection = await selectServers();
 * if ("skip" in selection) console.log(`skipped: ${selection.skip}`);
 * else await selection.set.stop();
 * ```
 */
export async function selectServers(options: SelectServersOptions = {}): Promise<Selection> {
  const env = options.env ?? process.env;
  const provider = options.provider ?? (env.GD_PROVIDER as SelectServersOptions["provider"]) ?? "auto";
  if (provider !== "auto" && provider !== "containers" && provider !== "external") {
    return { skip: `GD_PROVIDER must be containers, external or auto: current value is ${JSON.stringify(provider)}` };
  }
  if (provider === "containers" || provider === "auto") {
    const dockerReason = await dockerUnavailableReason();
    if (dockerReason === undefined) {
      return { set: await startContainerServers({ images: imagesFromEnv(env), roles: options.roles }) };
    }
    if (provider === "containers") return { skip: `the containers provider was asked for, but ${dockerReason}` };
  }
  if (!hasExternalUrls(env)) {
    return {
      skip: provider === "external"
        ? `the external provider was asked for, but no GD_*_URL variable is set: ${HOW_TO_GET_SERVERS}`
        : `no servers: ${HOW_TO_GET_SERVERS}`,
    };
  }
  return { set: await startExternalServers(env) };
}
