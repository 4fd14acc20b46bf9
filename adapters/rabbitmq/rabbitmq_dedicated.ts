/**
 * {@linkcode rabbitmqDedicated}: deprovision of a tenant on its own
 * RabbitMQ broker.
 *
 * @module
 */

import type { RabbitmqAdapter } from "./rabbitmq_quarantine.ts";
import { RabbitmqDeprovisioner } from "./_rabbitmq_deprovisioner.ts";
import type { RabbitmqAdapterOptions } from "./rabbitmq_options.ts";

/**
 * Makes the deprovisioner of tenants on dedicated RabbitMQ brokers: the
 * tenant `<t>` is the vhost `dedicated_vh_<t>` and the user
 * `dedicated_usr_<t>` on the broker the management URL names.
 *
 * The requests are those of {@linkcode rabbitmqShared}:
 *
 * 1. `GET /api/whoami`;
 * 2. `DELETE /api/connections/username/dedicated_usr_<t>`;
 * 3. `DELETE /api/vhosts/dedicated_vh_<t>`;
 * 4. `DELETE /api/users/dedicated_usr_<t>`.
 *
 * The broker's other vhosts and users (`/`, the admin) are left alone.
 *
 * @param options The management URL of the tenant's broker, timeouts and
 * name rules.
 * @returns The deprovisioner (`resourceType` "rabbitmq", `backend` "dedicated").
 * @throws {TypeError} If an option is missing or malformed (a URL whose
 * percent-escapes do not decode to UTF-8 text included).
 *
 * @example Dropping a dedicated tenant through guardedDrop
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { rabbitmqDedicated } from "guarded-drop/adapters/rabbitmq";
 *
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter() });
 * const adapter = rabbitmqDedicated({ managementUrl: "https://admin:secret@mq-acme42.internal:15671" });
 * await guardedDrop(
 *   { token: "acme42", resourceType: adapter.resourceType, backend: adapter.backend, requestId: "req-6", caller: "billing" },
 *   () => adapter.deprovision("acme42"),
 * );
 * ```
 */
export function rabbitmqDedicated(options: RabbitmqAdapterOptions): RabbitmqAdapter {
  return new RabbitmqDeprovisioner(
    {
      backend: "dedicated",
      vhostPrefix: "dedicated_vh_",
      userPrefix: "dedicated_usr_",
      what: "the dedicated RabbitMQ tenant",
      adapter: "the dedicated RabbitMQ adapter",
    },
    options,
  );
}
