// Internal: the RabbitMQ management HTTP API over node:http, with timeouts
// this module holds (see ../_shared/_http_request.ts for why not fetch) and
// classified errors.

import { boundedHttpRequest } from "../_shared/_http_request.ts";
import { backendError, type FailureContext, isTimeoutError, networkCodeOf } from "../_shared/_errors.ts";
import { describe } from "../_shared/_resolve_options.ts";

// A gateway in front of the broker, or the broker itself, says "not now".
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** The parts of a management URL: where to send requests, and how to authenticate. */
export interface ManagementEndpoint {
  /** Origin and path prefix, without credentials, without a trailing slash. */
  readonly base: string;
  /** `Basic …`, when the URL carried credentials. */
  readonly authorization: string | undefined;
  /** Aborts every request in flight when the adapter is closed. */
  readonly closed?: AbortSignal;
}

/**
 * Splits a management URL into its base and a Basic header.
 *
 * @throws {TypeError} If it is not an http(s) URL. The message never holds
 * the URL: it may carry a password.
 */
export function parseManagementUrl(adapter: string, managementUrl: unknown): ManagementEndpoint {
  if (typeof managementUrl !== "string" || managementUrl.length === 0) {
    throw new TypeError(
      `Cannot create ${adapter} as 'managementUrl' must be a non-empty string: current value is ${
        describe(managementUrl)
      }`,
    );
  }
  let url: URL;
  try {
    url = new URL(managementUrl);
  } catch {
    throw new TypeError(
      `Cannot create ${adapter} as 'managementUrl' must be an absolute http(s) URL: current value is not a URL`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot create ${adapter} as 'managementUrl' must be an http(s) URL: current scheme is ${
        JSON.stringify(url.protocol)
      }`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(`Cannot create ${adapter} as 'managementUrl' must be a base URL without a query or fragment`);
  }
  let authorization: string | undefined;
  if (url.username !== "" || url.password !== "") {
    let credentials: string;
    try {
      credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    } catch {
      // A URIError would be no TypeError, and a retry cannot mend it.
      throw new TypeError(
        `Cannot create ${adapter} as 'managementUrl' must hold a percent-encoded user name and password: ` +
          "current value holds a percent-escape that is not UTF-8 text (such as %FF or %C3%28)",
      );
    }
    authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  url.username = "";
  url.password = "";
  return { base: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, authorization };
}

/** One answer of the API: its status and parsed JSON body (`undefined` when empty or not JSON). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** A request to the API. */
export interface ApiRequest {
  readonly method: "GET" | "DELETE" | "PUT";
  /** A PUT's JSON body. */
  readonly body?: unknown;
  /** Path segments after `/api`, each URL-encoded here (a vhost named `/` is `%2F`). */
  readonly segments: readonly string[];
  readonly query?: Readonly<Record<string, string>>;
  /** What the step is, for messages: "DELETE /api/vhosts/{vhost}". */
  readonly step: string;
  readonly timeoutMs: number;
}

/**
 * Sends one request. Resolves with 2xx and 404 answers (404 is "already
 * gone" to the caller); rejects with a classified BackendError otherwise: a
 * network error, a timeout or 502/503/504 is `unavailable`, anything else
 * (401, 403, 5xx…) is `failed`.
 */
export async function callApi(
  endpoint: ManagementEndpoint,
  context: FailureContext,
  request: ApiRequest,
): Promise<ApiAnswer> {
  const path = request.segments.map((segment) => encodeURIComponent(segment)).join("/");
  const query = request.query === undefined ? "" : `?${new URLSearchParams(request.query).toString()}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (endpoint.authorization !== undefined) headers.authorization = endpoint.authorization;
  // Shown in the broker's log as the reason a connection was closed.
  if (request.method === "DELETE") headers["x-reason"] = "guarded-drop: tenant deprovisioned";
  let status: number;
  let text: string;
  try {
    // A redirect (to a login page, say) is a misconfigured base: reported, not followed.
    ({ status, text } = await boundedHttpRequest({
      method: request.method,
      url: `${endpoint.base}/api/${path}${query}`,
      headers,
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
      timeoutMs: request.timeoutMs,
      signal: endpoint.closed,
    }));
  } catch (err) {
    if (endpoint.closed?.aborted === true) {
      throw backendError("failed", context, `the adapter was closed during ${request.step}`, undefined);
    }
    if (isTimeoutError(err)) {
      throw backendError("unavailable", context, `${request.step} had no answer within ${request.timeoutMs} ms`, err);
    }
    throw transportError(context, request.step, err);
  }
  const body = parseJson(text);
  if ((status >= 200 && status < 300) || status === 404) return { status, body };
  const reason = typeof (body as { reason?: unknown } | undefined)?.reason === "string"
    ? (body as { reason: string }).reason
    : text.slice(0, 200);
  // The status is in the message already; the cause carries the server's reason only.
  const cause = reason.trim() === "" ? undefined : new Error(reason.trim());
  const kind = UNAVAILABLE_STATUSES.has(status) ? "unavailable" : "failed";
  throw backendError(kind, context, `${request.step} answered HTTP ${status}`, cause, { serverCode: String(status) });
}

// TLS failures are the configuration's (a wrong host name, an untrusted
// certificate): retrying them cannot help, and the broker is not down.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)|_CERT/;

/**
 * What the request threw: the socket's error, or an error whose cause is
 * (an AggregateError holds one per address of a host name). Named by its
 * code (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), and its message is the detail.
 */
function transportError(context: FailureContext, step: string, err: unknown) {
  const network = networkCodeOf(err);
  const inner = innermostCause(err);
  const code = network ?? codeOf(inner);
  // undici's own name for a connect that timed out.
  const named = code === "UND_ERR_CONNECT_TIMEOUT" ? "ETIMEDOUT" : code;
  if (network === undefined && code !== undefined && TLS_CODE.test(code)) {
    return backendError(
      "failed",
      context,
      `the TLS handshake with the management API failed (${code} at ${step})`,
      inner,
      { serverCode: code },
    );
  }
  return backendError(
    "unavailable",
    context,
    `the management API is unreachable (${named ?? messageOf(inner) ?? "no cause given"} at ${step})`,
    inner,
    { serverCode: named },
  );
}

/** The deepest `cause` of an error: the socket's error under any wrapper. */
function innermostCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 8; depth++) {
    // An AggregateError (one error per address of a host name) holds them in `errors`.
    const errors = (current as { errors?: unknown } | null)?.errors;
    const next = Array.isArray(errors) && errors.length > 0
      ? errors[0]
      : (current as { cause?: unknown } | null)?.cause;
    if (typeof next !== "object" || next === null) break;
    current = next;
  }
  return current;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

function messageOf(err: unknown): string | undefined {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
