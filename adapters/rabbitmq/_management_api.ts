// Internal: the RabbitMQ management HTTP API over the built-in fetch, with
// timeouts and classified errors.

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
    throw new TypeError(`Cannot create ${adapter} as 'managementUrl' must be a non-empty string: current value is ${describe(managementUrl)}`);
  }
  let url: URL;
  try {
    url = new URL(managementUrl);
  } catch {
    throw new TypeError(`Cannot create ${adapter} as 'managementUrl' must be an absolute http(s) URL: current value is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Cannot create ${adapter} as 'managementUrl' must be an http(s) URL: current scheme is ${JSON.stringify(url.protocol)}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(`Cannot create ${adapter} as 'managementUrl' must be a base URL without a query or fragment`);
  }
  const authorization = url.username === "" && url.password === ""
    ? undefined
    : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
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
  readonly method: "GET" | "DELETE";
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
export async function callApi(endpoint: ManagementEndpoint, context: FailureContext, request: ApiRequest): Promise<ApiAnswer> {
  const path = request.segments.map((segment) => encodeURIComponent(segment)).join("/");
  const query = request.query === undefined ? "" : `?${new URLSearchParams(request.query).toString()}`;
  const headers: Record<string, string> = { accept: "application/json" };
  if (endpoint.authorization !== undefined) headers.authorization = endpoint.authorization;
  // Shown in the broker's log as the reason a connection was closed.
  if (request.method === "DELETE") headers["x-reason"] = "guarded-drop: tenant deprovisioned";
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${endpoint.base}/api/${path}${query}`, {
      method: request.method,
      headers,
      // A redirect (to a login page, say) is a misconfigured base: reported, not followed.
      redirect: "manual",
      signal: endpoint.closed === undefined
        ? AbortSignal.timeout(request.timeoutMs)
        : AbortSignal.any([AbortSignal.timeout(request.timeoutMs), endpoint.closed]),
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    if (endpoint.closed?.aborted === true) {
      throw backendError("failed", context, `the adapter was closed during ${request.step}`, undefined);
    }
    if (isTimeoutError(err)) {
      throw backendError("unavailable", context, `${request.step} had no answer within ${request.timeoutMs} ms`, err);
    }
    const network = networkCodeOf(err);
    // Whatever fetch itself throws is the transport's failure: the API was not reached.
    throw backendError(
      "unavailable",
      context,
      `the management API is unreachable (${network ?? "fetch failed"} at ${request.step})`,
      err,
      { serverCode: network },
    );
  }
  const body = parseJson(text);
  if ((status >= 200 && status < 300) || status === 404) return { status, body };
  const reason = typeof (body as { reason?: unknown } | undefined)?.reason === "string"
    ? (body as { reason: string }).reason
    : text.slice(0, 200);
  const cause = new Error(reason.trim() === "" ? `HTTP ${status}` : `HTTP ${status}: ${reason.trim()}`);
  const kind = UNAVAILABLE_STATUSES.has(status) ? "unavailable" : "failed";
  throw backendError(kind, context, `${request.step} answered HTTP ${status}`, cause, { serverCode: String(status) });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
