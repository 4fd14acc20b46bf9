// Internal: a NATS connection that fails fast, its JetStream manager, and
// NATS errors classified as unavailable or failed.

import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, isTimeoutError, networkCodeOf } from "../_shared/_errors.ts";
import type { ConnectionUrlRule } from "../_shared/_connection_url.ts";

/** The rule of the NATS adapters' `url`. */
export const NATS_URL: ConnectionUrlRule = {
  schemes: ["nats:", "tls:"],
  example: "nats://user:password@host:4222",
};

/** Timeouts of one connection. */
export interface NatsTimeouts {
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

/** A connection and its JetStream manager. */
export interface NatsSession {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

// How long a close may wait for the server: every reply we need has arrived,
// and a frozen server must not hold the caller.
const CLOSE_TIMEOUT_MS = 1_000;

/**
 * Connects without reconnecting and checks JetStream (`$JS.API.INFO`): a
 * server that answers the protocol but has no JetStream is unavailable here,
 * before anything is listed or changed. The credentials are taken out of
 * the URL and given as options, so the URL the client keeps has none.
 */
export async function openNats(url: string, timeouts: NatsTimeouts): Promise<NatsSession> {
  const [{ connect }, { jetstreamManager }] = await Promise.all([
    import("@nats-io/transport-node"),
    import("@nats-io/jetstream"),
  ]);
  const parsed = new URL(url);
  const auth: { user?: string; pass?: string; token?: string } = {};
  if (parsed.username !== "" && parsed.password !== "") {
    auth.user = decodeURIComponent(parsed.username);
    auth.pass = decodeURIComponent(parsed.password);
  } else if (parsed.username !== "") {
    auth.token = decodeURIComponent(parsed.username);
  }
  const server = `${parsed.protocol}//${parsed.host}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The client's own `timeout` bounds the wait for INFO; this one bounds the
  // whole handshake, TLS included.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`connect ETIMEDOUT: no answer within ${timeouts.connectTimeoutMs} ms`), {
            code: "ETIMEDOUT",
          }),
        ),
      timeouts.connectTimeoutMs,
    );
  });
  const connecting = connect({
    servers: server,
    ...auth,
    name: "guarded-drop",
    timeout: timeouts.connectTimeoutMs,
    reconnect: false,
    maxReconnectAttempts: 0,
    ignoreClusterUpdates: true,
  });
  let nc: NatsConnection;
  try {
    nc = await Promise.race([connecting, timedOut]);
  } catch (err) {
    // A connect that lost the race may still finish: close it then.
    connecting.then((late) => void closeNats(late), () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeouts.operationTimeoutMs });
    return { nc, jsm };
  } catch (err) {
    await closeNats(nc);
    throw err;
  }
}

/** Closes a connection, waiting for the server at most a second. */
export async function closeNats(nc: NatsConnection | undefined): Promise<void> {
  if (nc === undefined || nc.isClosed()) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    nc.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
}

// The client's error names that mean "not reachable now": the socket, the
// handshake, a request that timed out or found no responder (JetStream off
// or a frozen server), a connection that closed under a request.
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set([
  "ConnectionError",
  "TimeoutError",
  "RequestError",
  "NoResponders",
  "ClosedConnectionError",
  "DrainingConnectionError",
]);

/** The JetStream API error code of `err` (10059 for "stream not found"), or `undefined`. */
export function apiErrorCode(err: unknown): number | undefined {
  const apiError = (err as { apiError?: unknown } | null)?.apiError;
  if (typeof apiError !== "function") return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** JetStream's "stream not found". */
export const STREAM_NOT_FOUND = 10059;
/** JetStream's "consumer not found". */
export const CONSUMER_NOT_FOUND = 10014;
// "JetStream not enabled" and "JetStream not enabled for account".
const JETSTREAM_OFF: ReadonlySet<number> = new Set([10076, 10039]);

/**
 * Classifies an error met at `step`: a network error, a timeout, a closed
 * connection, no responder or JetStream off is `unavailable`; a JetStream
 * API error (permissions, limits…) is `failed`, with its `err_code` as
 * `serverCode`.
 */
export function classifyNatsError(
  context: FailureContext,
  step: string,
  err: unknown,
  connectTimeoutMs: number,
): BackendError {
  const name = (err as { name?: unknown } | null)?.name;
  const network = networkCodeOf(err);
  const apiCode = apiErrorCode(err);
  if (step === "connect" && (network !== undefined || isTimeoutError(err) || name === "ConnectionError")) {
    return backendError(
      "unavailable",
      context,
      `the NATS server did not accept a connection within ${connectTimeoutMs} ms`,
      err,
    );
  }
  if (name === "JetStreamNotEnabled" || (apiCode !== undefined && JETSTREAM_OFF.has(apiCode))) {
    return backendError(
      "unavailable",
      context,
      `the NATS server has no JetStream (during ${step})`,
      err,
      apiCode === undefined ? {} : { serverCode: String(apiCode) },
    );
  }
  if (network !== undefined || (typeof name === "string" && UNAVAILABLE_NAMES.has(name))) {
    return backendError("unavailable", context, `the NATS server did not answer (during ${step})`, err);
  }
  return backendError(
    "failed",
    context,
    `the NATS server refused ${step}`,
    err,
    apiCode === undefined ? {} : { serverCode: String(apiCode) },
  );
}
