// Internal: one HTTP request whose bound is a timer this module holds, not a
// signal handed to fetch.
//
// Why not fetch: on Node 20, fetch with `signal: AbortSignal.any([
// AbortSignal.timeout(ms), other])` loses the timeout under garbage
// collection (the timeout source is collected with its timer; see
// scripts/repro_fetch_signal_gc.mjs) and then waits for undici's own 300 s
// headers timeout, and undici's weak following of a Request's signal
// (nodejs/node#55428) is one more way to lose it. The global fetch's
// dispatcher cannot be given other timeouts without the undici package.
// node:http lets this module own the whole bound: one timer, held by this
// call's closure until the answer is read, that destroys the socket.

import { type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** One request. */
export interface BoundedHttpRequest {
  readonly method: "GET" | "DELETE" | "PUT" | "POST";
  /** An http: or https: URL without credentials (they go in `headers`). */
  readonly url: string;
  readonly headers: OutgoingHttpHeaders;
  /** The whole request's bound, in ms: connect, headers and body together. */
  readonly timeoutMs: number;
  /** Ends the request early (the adapter was closed). */
  readonly signal?: AbortSignal | undefined;
  /** The request's body, when it has one (sent with its content-length). */
  readonly body?: string | undefined;
}

/** The answer: its status and its body as text. */
export interface BoundedHttpAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * Sends one request on a connection of its own (no pool: a socket of a
 * paused server is never reused) and reads the whole body. Redirects are
 * not followed.
 *
 * @throws {Error} named `TimeoutError` when `timeoutMs` passes first (the
 * socket is destroyed), named `AbortError` when `signal` aborts first, or
 * the socket's own error (ECONNREFUSED, a TLS error…).
 */
export function boundedHttpRequest(call: BoundedHttpRequest): Promise<BoundedHttpAnswer> {
  return new Promise<BoundedHttpAnswer>((resolve, reject) => {
    const send = call.url.startsWith("https:") ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: Error | undefined, answer?: BoundedHttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        req.destroy();
        reject(error);
      } else {
        resolve(answer!);
      }
    };
    const timer = setTimeout(
      () => finish(named("TimeoutError", `no answer within ${call.timeoutMs} ms`)),
      call.timeoutMs,
    );
    const onAbort = () => finish(named("AbortError", "the request was aborted"));
    const headers = call.body === undefined
      ? call.headers
      : { ...call.headers, "content-length": Buffer.byteLength(call.body) };
    const req = send(call.url, { method: call.method, headers, agent: false }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (err) => finish(err));
      response.on(
        "end",
        () => finish(undefined, { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      // After "end" this is a no-op; before it, the body was cut short.
      response.on(
        "close",
        () =>
          finish(
            Object.assign(named("Error", "the connection was closed before the body ended"), { code: "ECONNRESET" }),
          ),
      );
    });
    req.on("error", (err) => finish(err));
    if (call.signal?.aborted === true) return onAbort();
    call.signal?.addEventListener("abort", onAbort, { once: true });
    if (send === httpRequest) return void req.end(call.body);
    // Over TLS, nothing is written before the handshake: a write into a failing handshake
    // would report a bare EPROTO instead of the handshake's own code
    // (ERR_SSL_WRONG_VERSION_NUMBER, CERT_HAS_EXPIRED…).
    req.once("socket", (socket) => socket.once("secureConnect", () => req.end(call.body)));
  });
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
