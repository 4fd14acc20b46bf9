// Internal: an ioredis connection that fails fast, and Redis errors
// classified as unavailable or failed.

import { Redis } from "ioredis";
import type { BackendError } from "../../lib/mod.ts";
import { backendError, type FailureContext, networkCodeOf } from "../_shared/_errors.ts";

// Replies that mean "not now": the dataset is loading, a script is busy, a
// replica lost its primary, a cluster is resharding or down.
const UNAVAILABLE_REPLIES: ReadonlySet<string> = new Set(["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"]);

// ioredis's own messages when the socket is gone or a timer fired; they carry no code.
const CONNECTION_LOST =
  /Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|MaxRetriesPerRequest/i;

/** Timeouts of one connection. */
export interface RedisTimeouts {
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

/**
 * Opens a connection that never retries and never queues: a deprovision
 * must fail fast and visibly when the server is away, not wait in an
 * offline queue. `connectTimeoutMs` bounds the TCP connect and the ready
 * check together; `operationTimeoutMs` bounds each command.
 */
export async function openRedis(url: string, timeouts: RedisTimeouts): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.operationTimeoutMs,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    connectionName: "guarded-drop",
  });
  // ioredis reports the socket's error (ECONNREFUSED…) as an event and
  // rejects connect() with a bare "Connection is closed."; keep the former.
  let socketError: unknown;
  client.on("error", (err: unknown) => {
    socketError ??= err;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
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
  try {
    await Promise.race([client.connect(), timedOut]);
  } catch (err) {
    client.disconnect();
    throw networkCodeOf(socketError) !== undefined || isReplyError(socketError) ? socketError : err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Closes a connection without waiting for the server. */
export function closeRedis(client: Redis | undefined): void {
  client?.disconnect();
}

function isReplyError(err: unknown): err is Error {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "ReplyError";
}

/**
 * Classifies an error met at `step`: a network error, a connect timeout, a
 * closed connection, a command timeout or a LOADING/BUSY/MASTERDOWN/
 * TRYAGAIN/CLUSTERDOWN reply is `unavailable`; any other reply (NOPERM,
 * WRONGPASS, ERR…) is `failed`, with the reply's first word as `serverCode`.
 */
export function classifyRedisError(
  context: FailureContext,
  step: string,
  err: unknown,
  connectTimeoutMs: number,
): BackendError {
  const network = networkCodeOf(err);
  if (network !== undefined) {
    return backendError("unavailable", context, `the server is unreachable (${network} at ${step})`, err, {
      serverCode: network,
    });
  }
  if (isReplyError(err)) {
    const reply = err.message.split(" ", 1)[0] ?? "";
    const serverCode = /^[A-Z]+$/.test(reply) ? reply : undefined;
    if (serverCode !== undefined && UNAVAILABLE_REPLIES.has(serverCode)) {
      return backendError("unavailable", context, `the server is unavailable (${serverCode} at ${step})`, err, {
        serverCode,
      });
    }
    return backendError("failed", context, `${step} failed`, err, { serverCode });
  }
  if (step === "connect") {
    return backendError("unavailable", context, `no connection was ready within ${connectTimeoutMs} ms`, err);
  }
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === "string" && CONNECTION_LOST.test(message)) {
    return backendError("unavailable", context, `the connection was lost at ${step}`, err);
  }
  return backendError("failed", context, `${step} failed`, err);
}
