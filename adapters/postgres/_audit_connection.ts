// Internal: the connections of the audit store and its readers (verify,
// pending): options checked up front, timeouts on every wait, and failures
// described without the connection string.

import pg, { Client, type ClientConfig } from "pg";
import type { AuditConnectionOptions } from "./audit_options.ts";
import { scrubbedMessage, scrubError } from "../../lib/mod.ts";
import { describe, positive } from "../_shared/_resolve_options.ts";
import { networkCodeOf } from "../_shared/_errors.ts";
import { checkConnectionUrl, POSTGRES_URL } from "../_shared/_connection_url.ts";
import { sqlStateOf } from "./_classify.ts";
import { destroyClient, endClient } from "./_pg_client.ts";

export { destroyClient, endClient };

export type { AuditConnectionOptions };

/** The options, checked, as pg takes them. */
export interface ResolvedConnection {
  readonly config: ClientConfig;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
// Past statement_timeout, so that a slow statement is reported by the server
// (57014) and only a silent server trips the client's own timer.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;
/** How long a polite end() may take before the socket is destroyed. */
const END_TIMEOUT_MS = 1_000;

/**
 * Checks the connection options.
 *
 * @throws {TypeError} If `options` is not an object, the connection string
 * is not a non-empty string or is malformed, or a timeout is not a positive
 * finite number.
 */
export function resolveConnection(what: string, options: AuditConnectionOptions): ResolvedConnection {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create ${what} as 'options' must be an object: current value is ${describe(options)}`);
  }
  if (typeof options.connectionString !== "string" || options.connectionString.length === 0) {
    throw new TypeError(
      `Cannot create ${what} as 'connectionString' must be a non-empty string: current value is ${
        describe(options.connectionString)
      }`,
    );
  }
  // As every adapter's: a malformed URL is a configuration error here, never
  // an `audit_failed` at drop time, and the message never holds it.
  checkConnectionUrl(what, "connectionString", options.connectionString, POSTGRES_URL);
  const connectTimeoutMs = positive(what, "connectTimeoutMs", options.connectTimeoutMs, DEFAULT_TIMEOUT_MS);
  const statementTimeoutMs = positive(what, "statementTimeoutMs", options.statementTimeoutMs, DEFAULT_TIMEOUT_MS);
  return {
    connectTimeoutMs,
    statementTimeoutMs,
    config: {
      connectionString: options.connectionString,
      ssl: options.ssl,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: Math.ceil(statementTimeoutMs),
      query_timeout: Math.ceil(statementTimeoutMs) + CLIENT_TIMEOUT_MARGIN_MS,
      // A writer that stalls between its statements holds the chain's lock:
      // the server ends such a transaction rather than let it block every
      // other writer.
      idle_in_transaction_session_timeout: Math.ceil(statementTimeoutMs),
      application_name: "guarded-drop-audit",
      keepAlive: true,
    },
  };
}

/**
 * Why a statement against the audit table failed, in words that hold no
 * credential: the SQLSTATE and the server's message, the network error, or
 * the timeout.
 */
export function failureReason(err: unknown, resolved: ResolvedConnection): string {
  const sqlState = sqlStateOf(err);
  const message = oneLine(scrubbedMessage(err));
  if (sqlState === "42P01") return `the table does not exist (SQLSTATE 42P01: ${message}); run migrate() first`;
  if (sqlState === "57014") {
    return `a statement outlived statementTimeoutMs (${resolved.statementTimeoutMs} ms; SQLSTATE 57014)`;
  }
  if (sqlState !== undefined) return `the server answered SQLSTATE ${sqlState}: ${message}`;
  const network = networkCodeOf(err);
  if (network !== undefined) return `the server is unreachable (${network})`;
  if (connectionLost(err)) return `the connection was lost (${message})`;
  if (/timeout expired/i.test(message)) return `no connection was made within ${resolved.connectTimeoutMs} ms`;
  if (/Query read timeout/i.test(message)) {
    return `the server did not answer within ${resolved.statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS} ms`;
  }
  return message;
}

// pg's own messages when the socket dies; these errors carry no code.
const CONNECTION_LOST =
  /Connection terminated|not queryable|connection is closed|Client has encountered a connection error/i;

/** Whether the connection died under a statement (not a server's answer, not a timeout). */
export function connectionLost(err: unknown): boolean {
  if (sqlStateOf(err) !== undefined) return false;
  return networkCodeOf(err) !== undefined || CONNECTION_LOST.test(scrubbedMessage(err));
}

/** An error whose message is `Cannot <what> as <reason>`, its cause scrubbed. */
export function auditError(what: string, err: unknown, resolved: ResolvedConnection): Error {
  return new Error(`Cannot ${what} as ${failureReason(err, resolved)}`, { cause: scrubError(err) });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

/**
 * Asks the server to cancel what the client's backend is running, on a
 * connection of its own (the protocol's CancelRequest: no login), as pg's
 * own cancel does. Resolves when the server has taken the request (it closes
 * that connection once it has signalled the backend), or after a second:
 * best effort, as a server that cannot be reached has nothing running to
 * cancel.
 */
export function cancelBackend(client: Client): Promise<void> {
  const c = client as unknown as { processID?: number | null; secretKey?: number | null; host?: string; port?: number };
  if (
    typeof c.processID !== "number" || typeof c.secretKey !== "number" || c.host === undefined || c.port === undefined
  ) {
    return Promise.resolve();
  }
  const { processID, secretKey, host, port } = c;
  return new Promise((resolve) => {
    const connection = new (pg as unknown as { Connection: new () => CancelConnection }).Connection();
    const timer = setTimeout(() => {
      connection.stream?.destroy();
      resolve();
    }, END_TIMEOUT_MS);
    connection.on("error", () => {});
    connection.stream?.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    connection.once("connect", () => connection.cancel(processID, secretKey));
    if (host.startsWith("/")) connection.connect(`${host}/.s.PGSQL.${port}`);
    else connection.connect(port, host);
  });
}

interface CancelConnection {
  on(event: "error", listener: () => void): void;
  once(event: "connect", listener: () => void): void;
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
  readonly stream?: { destroy(): void; once(event: "close", listener: () => void): void };
}

/**
 * Runs `body` on a fresh connection, always closed after. For the readers,
 * which run once: a pool would only be something to close.
 */
export async function withClient<T>(
  resolved: ResolvedConnection,
  what: string,
  body: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client(resolved.config);
  // Without a listener, a connection the server ends would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
    return await body(client);
  } catch (err) {
    throw auditError(what, err, resolved);
  } finally {
    await endClient(client);
  }
}
