/**
 * {@linkcode HarnessBackend}: how a backend registers itself with the
 * harness, once: its server roles, the URL variables of the external
 * provider, its image, how the containers provider starts it when no
 * @testcontainers module does, and its conformance subjects.
 *
 * @module
 */

import type { ConformanceSubject } from "./conformance/mod.ts";
import type { ServerControl } from "./server_control.ts";

/**
 * One server role of a backend: `nats` (its shared server) or
 * `natsDedicated` (a tenant's own).
 *
 * @example
 * ```ts
 * import type { HarnessRole } from "guarded-drop/harness";
 *
 * const role: HarnessRole = { role: "nats", name: "nats", urlVariables: ["GD_NATS_URL"] };
 * ```
 */
export interface HarnessRole {
  /** The key in `ServerSet.servers`. */
  readonly role: string;
  /** What the server is for, in messages and in `ServerControl.name`. */
  readonly name: string;
  /** The external provider's variables: every one must be set for the role to have a server. */
  readonly urlVariables: readonly string[];
  /**
   * The key of `urls()` each variable fills.
   *
   * @default {"url" for every variable}
   */
  readonly urlKeys?: Readonly<Record<string, string>>;
}

/**
 * A container the containers provider starts with testcontainers'
 * `GenericContainer`, for a backend without its own module: one per role.
 * It is ready when a socket listens on `port` inside it (read from
 * `/proc/net/tcp`, so the image needs a shell and `grep`): a log line is
 * not used, because after a restart testcontainers reads the logs since the
 * restart's whole second and can miss a line printed within it, and then
 * waits out its whole timeout.
 *
 * @example
 * ```ts
 * import type { HarnessContainer } from "guarded-drop/harness";
 *
 * const nats: HarnessContainer = {
 *   port: 4222,
 *   startupTimeoutMs: 120_000,
 *   urls: (host, port) => ({ url: `nats://${host}:${port}` }),
 * };
 * ```
 */
export interface HarnessContainer {
  /** The port the server listens on inside the container. */
  readonly port: number;
  /** The command, when the image's own is not the one wanted. @default {the image's CMD} */
  readonly command?: readonly string[];
  /** How long a start (or a restart) may take, in ms. */
  readonly startupTimeoutMs: number;
  /** The URLs of a started container, from its host and mapped port. */
  urls(host: string, port: number): Record<string, string>;
}

/**
 * What a backend's subjects are built from: the servers the provider gave,
 * and throwaway servers for the `not-own-server` checks, by role.
 *
 * @example
 * ```ts
 * import type { SubjectContext } from "guarded-drop/harness";
 *
 * const empty: SubjectContext = { provider: "external", servers: {}, notOwnServers: {} };
 * ```
 */
export interface SubjectContext {
  /** Which provider gave the servers. */
  readonly provider: "containers" | "external";
  /** The servers the provider gave, by role. */
  readonly servers: Readonly<Record<string, ServerControl | undefined>>;
  /** Throwaway servers that are not the tenant's own, by role, for the `not-own-server` checks. */
  readonly notOwnServers: Readonly<Record<string, ServerControl | undefined>>;
}

/**
 * A backend of the harness. Adding one is a file in `harness/backends/`
 * and a line in its `mod.ts`: the server roles, both providers, the skip
 * reasons and the conformance suite all read this list.
 *
 * @example
 * ```ts
 * import type { HarnessBackend } from "guarded-drop/harness";
 *
 * const nats: HarnessBackend = {
 *   backend: "nats",
 *   roles: [{ role: "nats", name: "nats", urlVariables: ["GD_NATS_URL"] }],
 *   image: { variable: "GD_IMAGE_NATS", fallback: "nats:2.10-alpine" },
 *   subjects: () => ({}),
 * };
 * ```
 */
export interface HarnessBackend {
  /** The backend's name, and the key of its image. */
  readonly backend: string;
  /** The backend's server roles. */
  readonly roles: readonly HarnessRole[];
  /** Its image for the containers provider: the variable that overrides it, and the default. */
  readonly image?: { readonly variable: string; readonly fallback: string };
  /**
   * How the containers provider starts it with a generic container. Without
   * it, the containers provider has the backend's own code (the
   * @testcontainers modules), or reports its roles missing.
   */
  readonly container?: HarnessContainer;
  /** Its conformance subjects, by role, for the servers the context has. */
  subjects(context: SubjectContext): Record<string, ConformanceSubject<unknown> | undefined>;
}
