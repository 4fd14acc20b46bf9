/**
 * {@linkcode postgresResourceLookup}: the terminality policy's view of a
 * resource, read from the platform's own PostgreSQL table.
 *
 * @module
 */

import pg, { type ClientConfig, type PoolClient } from "pg";
import type { BackendError, DropRequest, ResourceLookup, ResourceState } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { checkConnectionUrl, POSTGRES_URL } from "../_shared/_connection_url.ts";
import { describe } from "../_shared/_resolve_options.ts";
import { classifyPostgresError } from "./_classify.ts";
// The package's one CancelRequest, which the audit store uses too.
import { cancelBackend, destroyClient } from "./_audit_connection.ts";

/**
 * Options of {@linkcode postgresResourceLookup}.
 *
 * @example
 * ```ts
 * import type { PostgresResourceLookupOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: PostgresResourceLookupOptions = {
 *   connectionString: "postgres://provisioner_ro@platform-db.internal:5432/platform",
 *   query: "SELECT status, expires_at FROM resources WHERE token = $1 AND provider_resource_id = $2",
 *   poolSize: 2,
 * };
 * ```
 */
export interface PostgresResourceLookupOptions {
  /**
   * The platform database, where the resources table lives. A role that may
   * only read it is enough and is best. It is never written into an error.
   */
  connectionString: string;
  /**
   * The platform's parameterised query. `$1` is the request's token, `$2`
   * its `providerResourceId` (`null` when the request has none, so that a
   * query that matches on it finds nothing). It must return at most one row
   * with a text `status` column and, optionally, an `expires_at` timestamp
   * column (`NULL`: never expires).
   */
  query: string;
  /**
   * How many connections the pool keeps at most. Drops are rare: two
   * connections serve a burst without holding many of the platform's.
   *
   * @default {2}
   */
  poolSize?: number;
  /**
   * How long to wait for a connection, in ms. The policy's own timeout
   * (`authorizeTimeoutMs` of createGuardedDrop) usually ends the wait first.
   *
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * The server-side `statement_timeout` of the query, in ms: it ends a slow
   * query even if the cancel sent on abort never arrives.
   *
   * @default {5000}
   */
  queryTimeoutMs?: number;
  /**
   * TLS options, passed to pg as they are.
   *
   * @default {undefined: what the connection string says}
   */
  ssl?: ClientConfig["ssl"];
}

/**
 * A {@linkcode ResourceLookup} with its pool: close it when the service
 * stops.
 *
 * @example
 * ```ts
 * import type { PostgresResourceLookup } from "guarded-drop/adapters/postgres";
 *
 * async function stop(lookup: PostgresResourceLookup): Promise<void> {
 *   await lookup.close();
 * }
 * ```
 */
export interface PostgresResourceLookup extends ResourceLookup {
  /** Cancels running lookups and ends the pool's connections. Later lookups reject. */
  close(): Promise<void>;
}

const ADAPTER = "postgresResourceLookup";
const DEFAULT_POOL_SIZE = 2;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** Past the server's statement_timeout: only a silent server trips the client's own timer. */
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;
/** The bound on the pool's goodbye: a hung server must not hang a close. */
const END_TIMEOUT_MS = 1_000;
/** Idle connections are closed after this, so that a quiet service holds none. */
const IDLE_TIMEOUT_MS = 30_000;
/** The parameters the lookup binds: `$1` the token, `$2` the provider's resource id. */
const MAX_PARAMETER = 2;

/**
 * Builds a {@linkcode ResourceLookup} for `createTerminalityPolicy` that runs
 * the platform's own query on a small pool and maps its row to
 * `{ status, expiresAt }`:
 *
 * - no row: `undefined`, the resource is unknown (the policy denies);
 * - one row: its `status` (text) and `expires_at` (a timestamp, or `NULL`
 *   for never; `'infinity'` counts as never);
 * - more than one row, or a row without a text `status`: a rejection that
 *   says so (the policy denies, with that reason).
 *
 * The query runs in a read-only transaction (`default_transaction_read_only`):
 * a lookup must never change the platform's state. When the signal aborts
 * (the policy's timeout), the lookup rejects at once with the signal's
 * reason, the query is cancelled on the server (a protocol CancelRequest),
 * and its connection is discarded rather than reused.
 *
 * NOTE: read-only is asked for as a startup parameter; a server that ignores
 * startup parameters (PGlite's socket server) does not enforce it. Give the
 * lookup a role that may only read the table, which every server enforces.
 *
 * NOTE: the check for `$1` and `$2` reads the query's text: a `$1` inside a
 * string literal counts too. Write the placeholders as parameters only.
 *
 * @param options The platform database, the query and the pool's size.
 * @returns The lookup, with `close()`.
 * @throws {TypeError} If `connectionString` is not a PostgreSQL URL (or a
 * socket path), the
 * query has no `$1` or uses a parameter past `$2`, or a number option is not
 * a positive integer.
 *
 * @example Deny the drop of an active tenant
 * ```ts
 * import { createGuardedDrop, createTerminalityPolicy } from "guarded-drop";
 * import { postgresResourceLookup } from "guarded-drop/adapters/postgres";
 *
 * const logger = { info() {}, warn() {}, error() {} };
 * // No connection is made until the first lookup.
 * const lookup = postgresResourceLookup({
 *   connectionString: "postgres://provisioner_ro@127.0.0.1:5432/platform",
 *   query: "SELECT status, expires_at FROM resources WHERE token = $1",
 * });
 * const guardedDrop = createGuardedDrop({ logger, counter: { inc() {} }, authorize: createTerminalityPolicy({ lookup }) });
 * // await guardedDrop({ token, …, intent: "customer_request" }, () => adapter.deprovision(token));
 * await lookup.close(); // on shutdown
 * ```
 */
export function postgresResourceLookup(options: PostgresResourceLookupOptions): PostgresResourceLookup {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as 'options' must be an object: current value is ${describe(options)}`,
    );
  }
  const { connectionString, query } = options;
  if (typeof connectionString !== "string" || connectionString.length === 0) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as 'connectionString' must be a non-empty string: current value is ${
        describe(connectionString)
      }`,
    );
  }
  checkConnectionUrl(ADAPTER, "connectionString", connectionString, POSTGRES_URL);
  const parameters = checkQuery(query);
  const poolSize = positiveInteger("poolSize", options.poolSize, DEFAULT_POOL_SIZE);
  const connectTimeoutMs = positiveInteger("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
  const queryTimeoutMs = positiveInteger("queryTimeoutMs", options.queryTimeoutMs, DEFAULT_QUERY_TIMEOUT_MS);

  const pool = new pg.Pool({
    connectionString,
    ssl: options.ssl,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    // An idle pool must not keep a short-lived process (a CLI, a test) alive.
    allowExitOnIdle: true,
    application_name: "guarded-drop-lookup",
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    options: "-c default_transaction_read_only=on",
    keepAlive: true,
  });
  // An idle connection the server ends must not crash the process; the next
  // lookup gets a fresh one.
  pool.on("error", () => {});
  const clients = new Set<PoolClient>();
  pool.on("connect", (client) => {
    clients.add(client);
    client.on("error", () => {});
  });
  pool.on("remove", (client) => clients.delete(client));
  const running = new Set<AbortController>();
  let closed = false;

  async function lookup(req: DropRequest, signal: AbortSignal): Promise<ResourceState | undefined> {
    const token = typeof req?.token === "string" ? req.token : "unknown";
    const context: FailureContext = { action: "check", what: "the platform's resource", token };
    if (closed) throw backendError("failed", context, "the lookup is closed", undefined);
    // A controller of our own, so that close() can abort every running lookup.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    if (signal?.aborted) throw abortReason(signal);
    signal?.addEventListener("abort", onAbort, { once: true });
    running.add(controller);
    try {
      const params: unknown[] = [req.token];
      if (parameters === 2) params.push(typeof req.providerResourceId === "string" ? req.providerResourceId : null);
      const rows = await abortable(controller.signal, run(params, context, controller.signal));
      return resourceOf(rows, context);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      running.delete(controller);
    }
  }

  /**
   * Runs the query on a pooled connection. When `signal` aborts while it
   * runs, the query is cancelled on the server and the connection is
   * discarded: a cancel that arrives after the query ended would hit the
   * next query on that backend.
   */
  async function run(
    params: unknown[],
    context: FailureContext,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>[]> {
    let step = "connect";
    let client: PoolClient | undefined;
    let released = false;
    const release = (discard: boolean) => {
      if (client === undefined || released) return;
      released = true;
      client.release(discard);
    };
    const cancel = () => {
      if (client === undefined) return;
      void cancelBackend(client).finally(() => release(true));
    };
    let failed = false;
    try {
      client = await pool.connect();
      // Aborted while waiting for a connection: the caller has its answer.
      if (signal.aborted) {
        release(true);
        return [];
      }
      signal.addEventListener("abort", cancel, { once: true });
      step = "the lookup query";
      // A read-only transaction of its own: the connection's
      // default_transaction_read_only can be turned off by an `?options=`
      // in the URL, BEGIN READ ONLY cannot.
      await client.query("BEGIN READ ONLY");
      const rows = (await client.query<Record<string, unknown>>(query, params)).rows;
      await client.query("COMMIT");
      return rows;
    } catch (err) {
      failed = true;
      throw classifyPostgresError(context, step, err, connectTimeoutMs);
    } finally {
      signal.removeEventListener("abort", cancel);
      // An error may have left the connection in an unknown state: discard it.
      if (!signal.aborted) release(failed);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    for (const controller of running) {
      controller.abort(new Error(`Cannot look up as ${ADAPTER} was closed`));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      pool.end().then(() => true, () => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), END_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!ended) {
      for (const client of clients) destroyClient(client);
    }
  }

  return Object.assign(lookup, { close });
}

/** `work`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The lookup was aborted", "AbortError");
}

/** The lookup's answer from the query's rows. */
function resourceOf(rows: Record<string, unknown>[], context: FailureContext): ResourceState | undefined {
  if (rows.length === 0) return undefined;
  if (rows.length > 1) {
    throw notAResource(context, `the query returned ${rows.length} rows: a lookup must find at most one resource`);
  }
  const row = rows[0]!;
  const status = row.status;
  if (typeof status !== "string") {
    throw notAResource(context, `the query's row has no text 'status' column: current value is ${describe(status)}`);
  }
  const expires = row.expires_at;
  if (expires === undefined) return { status };
  if (expires === null) return { status, expiresAt: null };
  if (expires instanceof Date && !Number.isNaN(expires.getTime())) return { status, expiresAt: expires };
  // pg reads 'infinity' and '-infinity' as numbers: never, and since always.
  if (expires === Infinity) return { status, expiresAt: null };
  if (expires === -Infinity) return { status, expiresAt: new Date(-8.64e15) };
  throw notAResource(
    context,
    `the query's 'expires_at' column must be a timestamp or NULL: current value is ${describe(expires)}`,
  );
}

function notAResource(context: FailureContext, reason: string): BackendError {
  return backendError("failed", context, reason, undefined);
}

/** Checks the query and returns how many parameters it binds (1 or 2). */
function checkQuery(query: unknown): 1 | 2 {
  if (typeof query !== "string" || query.trim().length === 0) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as 'query' must be a non-empty string: current value is ${describe(query)}`,
    );
  }
  const used = new Set([...query.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
  if (!used.has(1)) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as 'query' must use $1 for the token: current value is a query without $1`,
    );
  }
  const beyond = [...used].filter((n) => n < 1 || n > MAX_PARAMETER).sort((a, b) => a - b);
  if (beyond.length > 0) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as 'query' may only use $1 (the token) and $2 (the provider resource id): current value uses $${
        beyond[0]
      }`,
    );
  }
  return used.has(2) ? 2 : 1;
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(
      `Cannot create ${ADAPTER} as '${option}' must be a positive integer: current value is ${describe(value)}`,
    );
  }
  return value;
}
