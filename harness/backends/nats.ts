/**
 * The `nats` backend of the harness: a shared NATS server with JetStream
 * (`GD_NATS_URL`) and a dedicated one (`GD_NATS_DEDICATED_URL`), or a
 * container of each from `GD_IMAGE_NATS`.
 *
 * @module
 */

import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { natsSubject } from "../subjects/nats.ts";
import type { ConformanceSubject } from "../conformance/mod.ts";

/**
 * The harness registration of the NATS adapters.
 *
 * @example
 * ```ts
 * import { NATS_BACKEND } from "guarded-drop/harness";
 *
 * console.log(NATS_BACKEND.roles.map((r) => r.role)); // ["nats", "natsDedicated"]
 * ```
 */
export const NATS_BACKEND = {
  backend: "nats",
  roles: [
    { role: "nats", name: "nats", urlVariables: ["GD_NATS_URL"] },
    { role: "natsDedicated", name: "nats-dedicated", urlVariables: ["GD_NATS_DEDICATED_URL"] },
  ],
  // The official image's CMD runs without JetStream: the command turns it on.
  image: { variable: "GD_IMAGE_NATS", fallback: "nats:2.10-alpine" },
  container: {
    port: 4222,
    command: ["-a", "0.0.0.0", "-p", "4222", "-js", "-sd", "/data"],
    // A NATS start takes under a second; a loaded 2-core machine gets minutes, as every server.
    startupTimeoutMs: 120_000,
    urls: (host: string, port: number): Record<string, string> => ({ url: `nats://${host}:${port}` }),
  },
  subjects: (
    { provider, servers, notOwnServers }: SubjectContext,
  ): Record<string, ConformanceSubject<unknown> | undefined> => {
    const shared = servers.nats && natsSubject(servers.nats, "shared");
    // A dedicated server holds one tenant; its neighbours live on the shared one.
    const dedicated = servers.natsDedicated &&
      natsSubject(servers.natsDedicated, "dedicated", shared, {
        // Never the external shared server: a wrong adapter would wipe it.
        notOwnServer: notOwnServers.natsDedicated ?? (provider === "containers" ? servers.nats : undefined),
      });
    return {
      nats: shared as ConformanceSubject<unknown> | undefined,
      natsDedicated: dedicated as ConformanceSubject<unknown> | undefined,
    };
  },
} as const satisfies HarnessBackend;
