/**
 * Servers for the adapter suites: the URLs of the shared servers (DESIGN §6
 * `GD_*` variables), and second "dedicated" instances that a suite starts and
 * stops itself: a `redis-server` on a free port and a PostgreSQL cluster made
 * with `initdb` in a temp dir. A suite whose server is missing is skipped
 * with a reason that says how to get one, never passed.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { startFaultProxy } from "../../harness/fault_proxy.ts";

/** How long a second instance may take to answer after it is started. */
const START_TIMEOUT_MS = 30_000;
const LOOPBACK = "127.0.0.1";

/** How to get each shared server, for skip reasons. */
export const HOW_TO_GET = {
  postgres: "set GD_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres (a superuser connection; start the " +
    "machine's cluster with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`)",
  redis: "set GD_REDIS_URL=redis://127.0.0.1:6379 (an admin connection; start a server with `redis-server " +
    "--daemonize yes --port 6379 --save '' --appendonly no`)",
  rabbitmq:
    "set GD_RABBITMQ_MANAGEMENT_URL=http://guest:guest@127.0.0.1:15672 and GD_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 " +
    "(start the broker with `rabbitmq-server -detached` and enable the API with `rabbitmq-plugins enable rabbitmq_management`)",
  mongodb: "set GD_MONGODB_URL=mongodb://admin:password@127.0.0.1:27017/?authSource=admin (a user with root on a " +
    "MongoDB server; MongoDB is not packaged on this machine, so its suites run only where one exists)",
} as const;

/** A `GD_*` variable, or `undefined` when it is unset or empty. */
export function envUrl(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

// The suites have always imported their tokens from here; the helpers and
// their guarantees live in tokens.ts.
export { mixedCaseToken, uniqueToken } from "./tokens.ts";

/** Whether an executable is on PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/** A port nothing listens on right now (the kernel's pick, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Cannot pick a free port: no address");
  return address.port;
}

/**
 * A TCP server that accepts connections and never answers: a host that is
 * up at the TCP level and hung above it, so that only a client's timeout can
 * end the wait.
 */
export interface SilentServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a {@linkcode SilentServer} on the loopback. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A second instance a suite controls: it can be stopped and started again on the same port. */
export interface ControlledServer {
  /** What failure reports call it: `postgres on port 40123`, … */
  readonly name: string;
  /** A URL to connect as the server's admin. */
  readonly url: string;
  readonly port: number;
  /** Whether the suite started it, and so can stop and start it. A server given by URL is not. */
  readonly controlled: boolean;
  /** Stops it (the port then refuses connections). */
  stop(): Promise<void>;
  /** Starts it again after {@linkcode stop}, on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
  /**
   * Its state (running, or how its process ended), then the last `lines`
   * lines of its own log: what {@linkcode explainCrashes} shows when a test
   * fails. Absent for a server given by URL or behind a proxy.
   */
  logTail?(lines: number): Promise<string>;
}

// ---------------------------------------------------------------------------
// Redis

/** Why a second Redis cannot be started here, or `undefined` when it can. */
export function dedicatedRedisSkipReason(): string | undefined {
  if (envUrl("GD_REDIS_DEDICATED_URL") !== undefined) return undefined;
  return onPath("redis-server")
    ? undefined
    : "redis-server is not on PATH to start a second instance: install it (apt-get install redis-server) or set " +
      "GD_REDIS_DEDICATED_URL to a Redis server the suite may FLUSHALL";
}

/**
 * The tenant's own Redis: `GD_REDIS_DEDICATED_URL` when set (it cannot be
 * stopped then), otherwise a `redis-server` the suite starts on a free port
 * with no persistence and protected mode off.
 */
export async function startDedicatedRedis(): Promise<ControlledServer> {
  const given = envUrl("GD_REDIS_DEDICATED_URL");
  if (given !== undefined) return externalServer(given);
  return await startThrowawayRedis();
}

/** Why a throwaway Redis cannot be started here, or `undefined` when it can. */
export function throwawayRedisSkipReason(): string | undefined {
  return onPath("redis-server")
    ? undefined
    : "redis-server is not on PATH to start a throwaway instance: install it (apt-get install redis-server)";
}

/**
 * A `redis-server` this process starts on a free port (no persistence,
 * protected mode off) and may flush, whatever GD_* variables say.
 */
export async function startThrowawayRedis(): Promise<ControlledServer> {
  const dir = mkdtempSync(join(tmpdir(), "guarded-drop-redis-"));
  return await startChildServer({
    name: "redis-server",
    dir,
    log: join(dir, "redis.log"),
    url: (port) => `redis://${LOOPBACK}:${port}`,
    args: (port) => [
      "--port",
      String(port),
      "--bind",
      LOOPBACK,
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
      "--dir",
      dir,
      "--logfile",
      join(dir, "redis.log"),
    ],
    answers: redisAnswers,
  });
}

/** How {@linkcode startChildServer} runs one server binary. */
export interface ChildServerSpec {
  /** The executable, for spawn and for messages. */
  readonly name: string;
  /** Its temp dir, removed on dispose and when it cannot start. */
  readonly dir: string;
  /** The log file its arguments make it write. */
  readonly log: string;
  readonly url: (port: number) => string;
  readonly args: (port: number) => string[];
  /** Whether the server answers on the port yet. */
  readonly answers: (port: number) => Promise<boolean>;
}

/**
 * A server binary this process runs on a free port and stops by pid
 * (SIGKILL: a crash, which is what the fault checks want), started again on
 * the same port. If it cannot start, nothing is left running or on disk.
 */
export async function startChildServer(spec: ChildServerSpec): Promise<ControlledServer> {
  let port = 0;
  let child: ChildProcess | undefined;
  /** How the last process ended when the suite did not stop it: a crash. */
  let crashed: string | undefined;
  const start = async () => {
    child = spawn(spec.name, spec.args(port), { stdio: "ignore" });
    const started = child;
    crashed = undefined;
    started.once("exit", (code, signal) => {
      if (child === started) crashed = `crashed: its process ${started.pid} exited with ${signal ?? `code ${code}`}`;
    });
    await waitFor(`${spec.name} on port ${port}`, async () => {
      if (started.exitCode !== null) {
        throw new Error(`${spec.name} exited with ${started.exitCode} (port ${port} taken?)`);
      }
      return await spec.answers(port);
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  try {
    await onFreePort((free) => {
      port = free;
      return start();
    });
  } catch (err) {
    await stop();
    rmSync(spec.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    name: `${spec.name} on port ${port}`,
    url: spec.url(port),
    port,
    controlled: true,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(spec.dir, { recursive: true, force: true });
    },
    logTail: async (lines) => {
      const state = crashed ?? (child === undefined ? "stopped by the suite" : `running, pid ${child.pid}`);
      return `state: ${state}\n${fileTail(spec.log, lines)}`;
    },
  };
}

/** The last `lines` lines of a log file, or why there are none. */
function fileTail(path: string, lines: number): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Sends a RESP PING and resolves whether `+PONG` came back. */
async function redisAnswers(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return await new Promise<boolean>((resolve) => {
    const socket = connect(port, LOOPBACK);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

// ---------------------------------------------------------------------------
// PostgreSQL

/** Why a second PostgreSQL cannot be started here, or `undefined` when it can. */
export function dedicatedPostgresSkipReason(): string | undefined {
  if (envUrl("GD_POSTGRES_DEDICATED_URL") !== undefined) return undefined;
  if (!onPath("initdb") || !onPath("pg_ctl")) {
    return "initdb and pg_ctl are not on PATH to start a second cluster: install postgresql and put its bin " +
      "directory on PATH, or set GD_POSTGRES_DEDICATED_URL to a superuser connection on a server the suite may use";
  }
  if (isRoot() && postgresAccount() === undefined) {
    return "initdb refuses to run as root and there is no 'postgres' account to run it as: create one, run the " +
      "tests as a non-root user, or set GD_POSTGRES_DEDICATED_URL";
  }
  return undefined;
}

/**
 * The tenant's own PostgreSQL: `GD_POSTGRES_DEDICATED_URL` when set,
 * otherwise a cluster made with `initdb` in a temp dir (trust auth, fsync
 * off) and started with `pg_ctl` on a free port, its socket in the temp dir.
 *
 * initdb and the server refuse to run as root. As root (CI and this
 * machine), both run as the `postgres` account: the temp dir is chowned to
 * it and the processes are spawned with its uid and gid.
 */
export async function startDedicatedPostgres(): Promise<ControlledServer> {
  const given = envUrl("GD_POSTGRES_DEDICATED_URL");
  if (given !== undefined) return externalServer(given);
  const dir = mkdtempSync(join(tmpdir(), "guarded-drop-pg-"));
  const account = isRoot() ? postgresAccount() : undefined;
  if (account !== undefined) chownSync(dir, account.uid, account.gid);
  const data = join(dir, "data");
  let port = 0;
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, {
      cwd: dir,
      encoding: "utf8",
      timeout: START_TIMEOUT_MS,
      ...(account === undefined ? {} : { uid: account.uid, gid: account.gid }),
      env: { ...process.env, LC_ALL: "C" },
    });
    if (result.status !== 0) {
      throw new Error(
        `${command} ${args[0] ?? ""} failed (exit ${result.status ?? result.signal}): ${
          result.stderr || result.stdout
        }`,
      );
    }
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const start = async () => {
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "postgres.log"),
      "-w",
      "-t",
      String(START_TIMEOUT_MS / 1000),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=${LOOPBACK} -c fsync=off -c full_page_writes=off`,
      "start",
    ]);
  };
  const stop = async () => {
    if (!existsSync(join(data, "postmaster.pid"))) return;
    run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  };
  await onFreePort((free) => {
    port = free;
    return start();
  });
  return {
    name: `postgres on port ${port}`,
    url: `postgres://postgres@${LOOPBACK}:${port}/postgres`,
    port,
    controlled: true,
    stop,
    start,
    async dispose() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    logTail: async (lines) => `state: ${postmasterState(data)}\n${fileTail(join(dir, "postgres.log"), lines)}`,
  };
}

/** Whether the cluster's postmaster runs: its pid file names a live process. */
function postmasterState(data: string): string {
  const pidFile = join(data, "postmaster.pid");
  if (!existsSync(pidFile)) return "stopped (no postmaster.pid)";
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    process.kill(pid, 0);
    return `running, postmaster pid ${pid}`;
  } catch {
    return `crashed: postmaster ${pid} is gone but its postmaster.pid is left`;
  }
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function postgresAccount(): { uid: number; gid: number } | undefined {
  return systemAccount("postgres");
}

function systemAccount(account: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , uid, gid] = line.split(":");
      if (name === account && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // No /etc/passwd: not a Unix account database we can read.
  }
  return undefined;
}

// ---------------------------------------------------------------------------

/**
 * A server given by URL behind the harness's fault proxy: stopping it stops
 * the proxy (new connections are refused, open ones are cut), never the
 * server, which other runs share.
 */
export async function proxiedServer(url: string): Promise<ControlledServer> {
  const proxy = await startFaultProxy({ name: "proxied", urls: { url } });
  const proxied = proxy.urls().url!;
  return {
    name: `proxy to ${new URL(url).host}`,
    url: proxied,
    port: Number(new URL(proxied).port),
    controlled: true,
    stop: () => proxy.stop(),
    start: () => proxy.start(),
    dispose: () => proxy.close(),
  };
}

function externalServer(url: string): ControlledServer {
  const cannot = async () => {
    throw new Error("Cannot stop or start a server given by URL");
  };
  return {
    name: `server at ${new URL(url).host}`,
    url,
    port: Number(new URL(url).port) || 0,
    controlled: false,
    stop: cannot,
    start: cannot,
    dispose: async () => {},
  };
}

/**
 * Starts a server on a free port, and on another one when it fails: another
 * test file may take the port between our pick and the server's bind.
 */
async function onFreePort(start: (port: number) => Promise<void>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await start(await freePort());
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`Cannot start ${what}: it did not answer within ${START_TIMEOUT_MS} ms`);
}

// ---------------------------------------------------------------------------
// MySQL / MariaDB

/** How to get the shared MySQL server, for skip reasons. */
export const HOW_TO_GET_MYSQL =
  "set GD_MYSQL_URL=mysql://root@127.0.0.1:3306/ (an admin account; start the machine's MariaDB with " +
  "`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`)";

/** Why a second MariaDB cannot be started here, or `undefined` when it can. */
export function dedicatedMysqlSkipReason(): string | undefined {
  if (envUrl("GD_MYSQL_DEDICATED_URL") !== undefined) return undefined;
  if (!onPath("mariadb-install-db") || !onPath("mariadbd")) {
    return "mariadb-install-db and mariadbd are not on PATH to start a second server: install mariadb-server, or set " +
      "GD_MYSQL_DEDICATED_URL to an admin URL of a server the suite may use";
  }
  if (isRoot() && mysqlAccount() === undefined) {
    return "mariadbd refuses to run as root and there is no 'mysql' account to run it as: create one, or set GD_MYSQL_DEDICATED_URL";
  }
  return undefined;
}

/**
 * The tenant's own MariaDB: `GD_MYSQL_DEDICATED_URL` when set, otherwise a
 * server made with `mariadb-install-db` in a temp dir (root with no
 * password, no binary log, a small buffer pool) and started with `mariadbd`
 * on a free port, its socket in the temp dir, stopped by pid.
 */
export async function startDedicatedMysql(): Promise<ControlledServer> {
  const given = envUrl("GD_MYSQL_DEDICATED_URL");
  if (given !== undefined) return externalServer(given);
  const dir = mkdtempSync(join(tmpdir(), "guarded-drop-mariadb-"));
  const account = isRoot() ? mysqlAccount() : undefined;
  const data = join(dir, "data");
  if (account !== undefined) chownSync(dir, account.uid, account.gid);
  const install = spawnSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${data}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...(account === undefined ? [] : ["--user=mysql"]),
    ],
    { cwd: dir, encoding: "utf8", timeout: START_TIMEOUT_MS },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `mariadb-install-db failed (exit ${install.status ?? install.signal}): ${install.stderr || install.stdout}`,
    );
  }
  if (account !== undefined) chownTree(dir, account);
  return await startChildServer({
    name: "mariadbd",
    dir,
    log: join(dir, "mariadb.log"),
    url: (port) => `mysql://root@${LOOPBACK}:${port}/`,
    args: (port) => [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      `--bind-address=${LOOPBACK}`,
      `--socket=${join(dir, "mysqld.sock")}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      `--log-error=${join(dir, "mariadb.log")}`,
      "--skip-log-bin",
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=16M",
      "--innodb-log-file-size=8M",
      // Its own temp dir: internal temp tables under the shared /tmp were
      // seen gone mid-query (EE_DELETE, Errcode 2) while other suites ran.
      `--tmpdir=${dir}`,
      ...(account === undefined ? [] : ["--user=mysql"]),
    ],
    answers: mysqlAnswers,
  });
}

/** Whether a MySQL server greets on the port: its handshake starts with protocol version 10. */
async function mysqlAnswers(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return await new Promise<boolean>((resolve) => {
    const socket = connect(port, LOOPBACK);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    // A packet header of 4 bytes, then the protocol version.
    socket.once("data", (data) => done(data.length > 4 && data[4] === 10));
  });
}

function mysqlAccount(): { uid: number; gid: number } | undefined {
  return systemAccount("mysql");
}

function chownTree(path: string, account: { uid: number; gid: number }): void {
  spawnSync("chown", ["-R", `${account.uid}:${account.gid}`, path], { timeout: START_TIMEOUT_MS });
}
