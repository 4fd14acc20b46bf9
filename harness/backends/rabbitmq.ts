/**
 * The `rabbitmq` backend of the harness.
 *
 * @module
 */

import type { ConformanceSubject } from "../conformance/mod.ts";
import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { rabbitmqSubject } from "../subjects/rabbitmq.ts";

const URL_KEYS = { GD_AMQP_URL: "amqpUrl", GD_RABBITMQ_MANAGEMENT_URL: "managementUrl" };

/**
 * The harness registration of the RabbitMQ adapters (containers:
 * @testcontainers/rabbitmq). The dedicated role shares the one broker: the
 * dedicated names (`dedicated_vh_…`) keep the tenants apart.
 *
 * @example
 * ```ts
 * import { RABBITMQ_BACKEND } from "guarded-drop/harness";
 *
 * console.log(RABBITMQ_BACKEND.roles[0].urlVariables); // ["GD_AMQP_URL", "GD_RABBITMQ_MANAGEMENT_URL"]
 * ```
 */
export const RABBITMQ_BACKEND = {
  backend: "rabbitmq",
  roles: [
    {
      role: "rabbitmq",
      name: "rabbitmq",
      urlVariables: ["GD_AMQP_URL", "GD_RABBITMQ_MANAGEMENT_URL"],
      urlKeys: URL_KEYS,
    },
    {
      role: "rabbitmqDedicated",
      name: "rabbitmq-dedicated",
      urlVariables: ["GD_AMQP_URL", "GD_RABBITMQ_MANAGEMENT_URL"],
      urlKeys: URL_KEYS,
    },
  ],
  image: { variable: "GD_IMAGE_RABBITMQ", fallback: "rabbitmq:4-management" },
  subjects: ({ servers }: SubjectContext): Record<string, ConformanceSubject<unknown> | undefined> => ({
    rabbitmq: servers.rabbitmq && rabbitmqSubject(servers.rabbitmq, "shared") as ConformanceSubject<unknown>,
    rabbitmqDedicated: servers.rabbitmqDedicated &&
      rabbitmqSubject(servers.rabbitmqDedicated, "dedicated") as ConformanceSubject<unknown>,
  }),
} as const satisfies HarnessBackend;
