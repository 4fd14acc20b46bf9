/**
 * {@linkcode startContainerServers}: the `containers` provider. It starts
 * real servers in containers with the @testcontainers modules, and injects
 * faults by stopping, restarting and pausing those containers.
 *
 * @module
 */

import { containerLogTail, type LoggedContainer } from "./_container_log.ts";
import type { ServerControl } from "./server_control.ts";
import { HARNESS_BACKENDS } from "./backends/mod.ts";
import { SERVER_ROLES, type ServerRole, type ServerSet } from "./server_set.ts";

/**
 * The backends that registered an image: the keys of {@linkcode ContainerImages}.
 *
 * @example
 * ```ts
 * import type { ImageBackend } from "guarded-drop/harness";
 *
 * const backend: ImageBackend = "postgres";
 * ```
 */
export type ImageBackend = Extract<(typeof HARNESS_BACKENDS)[number], { readonly image: unknown }>["backend"];

/**
 * The images, by backend: every backend registered with an image.
 *
 * @example
 * ```ts
 * import type { ContainerImages } from "guarded-drop/harness";
 *
 * const images: ContainerImages = {
 *   postgres: "guarded-drop/postgres:15-offline",
 *   redis: "guarded-drop/redis:7-offline",
 *   rabbitmq: "guarded-drop/rabbitmq:3-offline",
 *   mongodb: "mongo:8",
 *   nats: "guarded-drop/nats:2-offline",
 * };
 * ```
 */
export type ContainerImages = Readonly<Record<ImageBackend, string>>;

const IMAGE_BACKENDS = HARNESS_BACKENDS.flatMap((backend) => "image" in backend ? [backend] : []);

/**
 * The official images, used unless a `GD_IMAGE_*` variable says otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_IMAGES } from "guarded-drop/harness";
 *
 * console.log(DEFAULT_IMAGES.postgres); // "postgres:17"
 * ```
 */
export const DEFAULT_IMAGES: ContainerImages = Object.freeze(
  Object.fromEntries(IMAGE_BACKENDS.map((backend) => [backend.backend, backend.image.fallback])) as ContainerImages,
);

/**
 * The images from each backend's `GD_IMAGE_*` variable (`GD_IMAGE_POSTGRES`,
 * `GD_IMAGE_REDIS`, `GD_IMAGE_RABBITMQ`, `GD_IMAGE_MONGODB`,
 * `GD_IMAGE_NATS`), each defaulting to the official image.
 *
 * @param env The environment to read.
 * @returns The images.
 *
 * @example
 * ```ts
 * import { imagesFromEnv } from "guarded-drop/harness";
 *
 * console.log(imagesFromEnv({ GD_IMAGE_REDIS: "guarded-drop/redis:7-offline" }).redis);
 * ```
 */
export function imagesFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ContainerImages {
  const pick = (name: string, fallback: string) => (env[name] ?? "") === "" ? fallback : env[name]!;
  return Object.fromEntries(
    IMAGE_BACKENDS.map((backend) => [backend.backend, pick(backend.image.variable, backend.image.fallback)]),
  ) as ContainerImages;
}

/**
 * Options of {@linkcode startContainerServers}.
 *
 * @example
 * ```ts
 * import type { ContainerServersOptions } from "guarded-drop/harness";
 *
 * const options: ContainerServersOptions = { roles: ["postgres", "redis"] };
 * ```
 */
export interface ContainerServersOptions {
  /**
   * The images.
   *
   * @default {imagesFromEnv()}
   */
  images?: ContainerImages;
  /**
   * Which servers to start.
   *
   * @default {every role}
   */
  roles?: readonly ServerRole[];
}

const AMQP_PORT = 5672;
const MANAGEMENT_PORT = 15672;
// Measured on 2 cores: PostgreSQL starts in about 3.4 s, Redis in 0.4 s, and
// RabbitMQ in 9–14 s, up to 18 s with three containers starting at once.
// The module's own 30 s for RabbitMQ leaves too little margin. The same
// bound applies to a restart, and on a loaded 2-core machine (a whole test
// run beside it) a Redis restart took over 30 s: every server gets minutes.
// A healthy start still returns as soon as the server answers.
const POSTGRES_STARTUP_TIMEOUT_MS = 120_000;
const REDIS_STARTUP_TIMEOUT_MS = 120_000;
const RABBITMQ_STARTUP_TIMEOUT_MS = 120_000;
const MONGODB_STARTUP_TIMEOUT_MS = 120_000;
// testcontainers defaults to 0, which kills the server at once: Redis then
// loses its keys. Ten seconds lets every server shut down cleanly.
const STOP_TIMEOUT_S = 10;
// The @testcontainers/postgresql module's own user and database.
const POSTGRES_USER = "test";
const POSTGRES_DB = "test";
// PostgreSQL's health check: how often and how long. It runs for the
// container's whole life, not only at start; the wait for the first
// healthy answer ends as soon as one comes.
const POSTGRES_HEALTH_INTERVAL_MS = 250;
const POSTGRES_HEALTH_TIMEOUT_MS = 5_000;

/**
 * A shell command that succeeds once a socket listens on `port` inside the
 * container: its row in `/proc/net/tcp` or `tcp6` (the port in upper-case
 * hex, the remote address zero, state 0A = LISTEN). Unlike a log line, it
 * cannot be missed after a restart.
 */
function listening(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return `grep -q ':${hex} 0*:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null`;
}

/**
 * Runs the container with Docker's init (`--init`) as PID 1, which reaps
 * every orphaned process in the container.
 *
 * Without it the server is PID 1 and inherits the container's orphans.
 * PostgreSQL's postmaster takes any child it did not start and that dies of
 * a signal for a crashed backend: it ends every session and reinitialises
 * ("the database system is in recovery mode"). Measured under load: the
 * module's shell-form health check (`sh -c "pg_isready …"`, every 250 ms,
 * 1 s timeout) timed out, Docker killed the shell, its pg_isready was
 * reparented to the postmaster and died of SIGPIPE writing its answer to the
 * closed exec pipe, and the log read "server process (PID 172) was
 * terminated by signal 13: Broken pipe … all server processes terminated;
 * reinitializing".
 *
 * NOTE: testcontainers 11 has no public setter for `--init`: the host
 * config is a protected field of GenericContainer.
 */
function withInit<T extends object>(container: T): T {
  (container as unknown as { hostConfig: { Init?: boolean } }).hostConfig.Init = true;
  return container;
}

/**
 * Whether a Docker engine answers, and why not when it does not.
 *
 * @returns `undefined` when an engine answers, else the reason.
 *
 * @example
 * ```ts
 * import { dockerUnavailableReason } from "guarded-drop/harness";
 *
 * const reason = await dockerUnavailableReason();
 * console.log(reason ?? "docker answers");
 * ```
 */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const client = await getContainerRuntimeClient();
    await client.info;
    return undefined;
  } catch (err) {
    return `no Docker engine answers (${(err as Error).message.split("\n")[0]})`;
  }
}

/** A started testcontainers container, as far as the controls need it. */
interface Started {
  getId(): string;
  getHost(): string;
  getMappedPort(port: number): number;
  restart(options?: { timeout?: number }): Promise<void>;
  stop(options?: { timeout?: number }): Promise<unknown>;
}

function containerControl(name: string, container: Started, urls: () => Record<string, string>): ServerControl {
  async function runtime() {
    const { getContainerRuntimeClient } = await import("testcontainers");
    return (await getContainerRuntimeClient()).container.getById(container.getId());
  }
  return {
    name,
    provider: "containers",
    urls,
    async stop() {
      await (await runtime()).stop({ t: STOP_TIMEOUT_S });
    },
    async start() {
      // `restart` starts a stopped container, re-reads its new host ports and
      // waits with the module's own wait strategy.
      await container.restart();
    },
    // Pause and unpause are not on the started container; the runtime
    // client has them. While paused, requests hang: they do not fail.
    async pause() {
      await (await runtime()).pause();
    },
    async unpause() {
      await (await runtime()).unpause();
    },
    async logTail(lines) {
      return await containerLogTail((await runtime()) as unknown as LoggedContainer, lines);
    },
  };
}

/**
 * Starts each server in its own container, in parallel. The dedicated
 * PostgreSQL and Redis servers are second containers (the tenant's own
 * server); the dedicated RabbitMQ role shares the one broker, told apart by
 * the dedicated names.
 *
 * A server whose image cannot be had (no registry here, say) is listed in
 * `missing` with the reason; the others still start.
 *
 * Every container runs with Docker's init as PID 1, so that an orphaned
 * process is never reaped by the server itself: PostgreSQL takes one that
 * dies of a signal for a crashed backend and resets every session.
 *
 * @param options The images and the roles to start.
 * @returns The servers. Call `stop()` to remove the containers.
 * @throws {Error} If no Docker engine answers.
 *
 * @example
 * ```ts
 * import { startContainerServers } from "guarded-drop/harness";
 *
 * const set = await startContainerServers({ roles: ["redis"] });
 * console.log(set.servers.redis?.urls().url);
 * await set.stop();
 * ```
 */
export async function startContainerServers(options: ContainerServersOptions = {}): Promise<ServerSet> {
  const reason = await dockerUnavailableReason();
  if (reason !== undefined) throw new Error(`Cannot start containers as ${reason}`);
  const images = options.images ?? imagesFromEnv();
  const roles = new Set<ServerRole>(options.roles ?? SERVER_ROLES);
  const [
    { GenericContainer, Wait },
    { PostgreSqlContainer },
    { RedisContainer },
    { RabbitMQContainer },
    { MongoDBContainer },
  ] = await Promise.all([
    import("testcontainers"),
    import("@testcontainers/postgresql"),
    import("@testcontainers/redis"),
    import("@testcontainers/rabbitmq"),
    import("@testcontainers/mongodb"),
  ]);
  const started: Started[] = [];
  const servers: Partial<Record<ServerRole, ServerControl>> = {};
  const missing: Partial<Record<ServerRole, string>> = {};

  const postgres = async (role: ServerRole, name: string) => {
    // A test server: no fsync, as the suites' own initdb clusters run. Each
    // DROP DATABASE forces a checkpoint, and 50 at once on a loaded 2-core
    // machine with fsync on outlived the 30 s statement timeout.
    // The health check runs pg_isready itself (exec form, quiet): a check
    // that times out kills it, and leaves no orphan behind (see withInit).
    const c = await withInit(new PostgreSqlContainer(images.postgres))
      .withUsername(POSTGRES_USER)
      .withDatabase(POSTGRES_DB)
      .withCommand(["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
      .withHealthCheck({
        test: [
          "CMD",
          "pg_isready",
          "--quiet",
          "--host",
          "localhost",
          "--username",
          POSTGRES_USER,
          "--dbname",
          POSTGRES_DB,
        ],
        interval: POSTGRES_HEALTH_INTERVAL_MS,
        timeout: POSTGRES_HEALTH_TIMEOUT_MS,
        retries: 1000,
      })
      .withStartupTimeout(POSTGRES_STARTUP_TIMEOUT_MS)
      .start();
    started.push(c);
    servers[role] = containerControl(name, c, () => ({ url: c.getConnectionUri() }));
  };
  const redis = async (role: ServerRole, name: string) => {
    // Nothing persists across a restart, as on the machine's own servers.
    // With a dump and no ACL file, a restarted dedicated server keeps the
    // tenant's keys but loses its `ded_<t>` user, the ownership proof, and
    // the dedicated adapter then rightly refuses to flush it.
    // Ready when it answers PING, not when a log line shows: after a restart
    // the module's log wait can miss the new line (a one-second `since`
    // window), and it then waited its whole timeout on a loaded machine.
    const c = await withInit(new RedisContainer(images.redis))
      .withCommand(["redis-server", "--save", "", "--appendonly", "no"])
      .withWaitStrategy(Wait.forSuccessfulCommand("redis-cli -p 6379 ping | grep -q PONG"))
      .withStartupTimeout(REDIS_STARTUP_TIMEOUT_MS)
      .start();
    started.push(c);
    servers[role] = containerControl(name, c, () => ({ url: c.getConnectionUrl() }));
  };
  const rabbitmq = async () => {
    const c = await withInit(new RabbitMQContainer(images.rabbitmq)).withStartupTimeout(RABBITMQ_STARTUP_TIMEOUT_MS)
      .start();
    started.push(c);
    // getAmqpUrl() carries no credentials; the module sets guest/guest.
    const urls = () => ({
      amqpUrl: `amqp://guest:guest@${c.getHost()}:${c.getMappedPort(AMQP_PORT)}`,
      managementUrl: `http://guest:guest@${c.getHost()}:${c.getMappedPort(MANAGEMENT_PORT)}`,
    });
    if (roles.has("rabbitmq")) servers.rabbitmq = containerControl("rabbitmq", c, urls);
    if (roles.has("rabbitmqDedicated")) servers.rabbitmqDedicated = containerControl("rabbitmq-dedicated", c, urls);
  };
  const mongodb = async () => {
    const c = await withInit(new MongoDBContainer(images.mongodb)).withStartupTimeout(MONGODB_STARTUP_TIMEOUT_MS)
      .start();
    started.push(c);
    servers.mongodb = containerControl(
      "mongodb",
      c,
      () => ({ url: `${c.getConnectionString()}?directConnection=true` }),
    );
  };

  const jobs: [ServerRole[], string, () => Promise<void>][] = [];
  if (roles.has("postgres")) jobs.push([["postgres"], images.postgres, () => postgres("postgres", "postgres")]);
  if (roles.has("postgresDedicated")) {
    jobs.push([["postgresDedicated"], images.postgres, () => postgres("postgresDedicated", "postgres-dedicated")]);
  }
  if (roles.has("redis")) jobs.push([["redis"], images.redis, () => redis("redis", "redis")]);
  if (roles.has("redisDedicated")) {
    jobs.push([["redisDedicated"], images.redis, () => redis("redisDedicated", "redis-dedicated")]);
  }
  const rabbitRoles = (["rabbitmq", "rabbitmqDedicated"] as const).filter((r) => roles.has(r));
  if (rabbitRoles.length > 0) jobs.push([[...rabbitRoles], images.rabbitmq, rabbitmq]);
  if (roles.has("mongodb")) jobs.push([["mongodb"], images.mongodb, mongodb]);

  // A registered generic container: one per role (a dedicated server is the
  // tenant's own). A backend with neither an image nor a container here is
  // reported missing, never dropped.
  for (const backend of HARNESS_BACKENDS) {
    const spec = "container" in backend ? backend.container : undefined;
    for (const { role, name, urlVariables } of backend.roles) {
      if (!roles.has(role)) continue;
      if (spec !== undefined && "image" in backend) {
        const image = images[backend.backend];
        jobs.push([[role], image, async () => {
          let command = withInit(new GenericContainer(image)).withExposedPorts(spec.port);
          if (spec.command !== undefined) command = command.withCommand([...spec.command]);
          const c = await command.withWaitStrategy(Wait.forSuccessfulCommand(listening(spec.port))).withStartupTimeout(
            spec.startupTimeoutMs,
          ).start();
          started.push(c);
          servers[role] = containerControl(name, c, () => spec.urls(c.getHost(), c.getMappedPort(spec.port)));
        }]);
      } else if (!("image" in backend)) {
        missing[role] =
          `the containers provider has no ${backend.backend} image yet: give the server with ${
            urlVariables.join(" and ")
          } ` +
          "(external provider)";
      }
    }
  }

  const results = await Promise.allSettled(jobs.map(([, , start]) => start()));
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    const [jobRoles, image] = jobs[i]!;
    const why = (result.reason as Error).message.split("\n")[0];
    for (const role of jobRoles) {
      missing[role] = `its container (image ${image}) did not start: ${why}. ` +
        `Where no registry answers, build images with \`npm run images:offline\` and set GD_IMAGE_*, or give a server with GD_*_URL`;
    }
  });

  let stopped = false;
  return {
    provider: "containers",
    servers,
    missing,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(started.map((c) => c.stop({ timeout: STOP_TIMEOUT_S * 1000 })));
    },
  };
}
