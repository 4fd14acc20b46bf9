/**
 * {@linkcode rabbitmqShared}: deprovision of a tenant on a shared RabbitMQ
 * broker.
 *
 * @module
 */

import type { RabbitmqAdapter } from "./rabbitmq_quarantine.ts";
import { RabbitmqDeprovisioner } from "./_rabbitmq_deprovisioner.ts";
import type { RabbitmqAdapterOptions } from "./rabbitmq_options.ts";

/**
 * Makes the deprovisioner of tenants on a shared RabbitMQ broker: the
 * tenant `<t>` is the vhost `vh_<t>` and the user `usr_<t>`. It speaks to
 * the management HTTP API over `node:http(s)`; every path segment is
 * URL-encoded.
 *
 * `deprovision(t)` checks the token and both names, then:
 *
 * 1. `GET /api/whoami`, within the connect timeout: the API answers, so
 *    that a later 404 means "gone" and not "wrong base URL";
 * 2. `DELETE /api/connections/username/usr_<t>` (on a broker without that
 *    route: `GET /api/connections?columns=name,user`, then `DELETE
 *    /api/connections/{name}` for each of the user's);
 * 3. `DELETE /api/vhosts/vh_<t>`, which takes its exchanges, queues and
 *    messages, and closes every connection into it;
 * 4. `DELETE /api/users/usr_<t>`.
 *
 * A 404 means already gone, so it is idempotent. `exists(t)` is `GET
 * /api/vhosts/vh_<t>` and `GET /api/users/usr_<t>`.
 *
 * Errors: a hostile token throws {@linkcode RefusedError} before any
 * request. A network error, a timeout (a timer the request holds, whatever the
 * garbage collector does) or HTTP 502,
 * 503 or 504 throws `BackendError` of kind `unavailable`; any other status
 * (401, 403, 500…), kind `failed`, with the status as `serverCode`.
 * Credentials travel in an `Authorization` header and never appear in a
 * message.
 *
 * @param options The management URL, timeouts and name rules.
 * @returns The deprovisioner (`resourceType` "rabbitmq", `backend` "shared").
 * @throws {TypeError} If an option is missing or malformed (a URL whose
 * percent-escapes do not decode to UTF-8 text included).
 *
 * @example Dropping a tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { rabbitmqShared } from "guarded-drop/adapters/rabbitmq";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = rabbitmqShared({ managementUrl: "http://guest:guest@127.0.0.1:15672" });
 * await guardedDrop(
 *   { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-5", caller: "billing" },
 *   () => adapter.deprovision("acme42"),
 * );
 * console.log(await adapter.exists("acme42")); // false
 * ```
 */
export function rabbitmqShared(options: RabbitmqAdapterOptions): RabbitmqAdapter {
  return new RabbitmqDeprovisioner(
    {
      backend: "shared",
      vhostPrefix: "vh_",
      userPrefix: "usr_",
      what: "the RabbitMQ tenant",
      adapter: "the RabbitMQ adapter",
    },
    options,
  );
}
