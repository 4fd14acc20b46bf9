/**
 * `guarded-drop/adapters/rabbitmq`: deprovision of RabbitMQ tenants through
 * the management HTTP API, on a shared broker ({@linkcode rabbitmqShared}:
 * vhost `vh_<t>`, user `usr_<t>`) or on their own broker
 * ({@linkcode rabbitmqDedicated}: `dedicated_vh_<t>`, `dedicated_usr_<t>`).
 *
 * ```ts
 * import { rabbitmqShared } from "guarded-drop/adapters/rabbitmq";
 *
 * const adapter = rabbitmqShared({ managementUrl: "http://guest:guest@127.0.0.1:15672" });
 * // await guardedDrop(request, () => adapter.deprovision("acme42"));
 * ```
 *
 * It needs no driver: requests go through `node:http` and `node:https`, each
 * bounded by a timer of its own.
 *
 * @module
 */

export * from "../_shared/adapter_options.ts";
export * from "./rabbitmq_dedicated.ts";
export * from "./rabbitmq_options.ts";
export * from "./rabbitmq_quarantine.ts";
export * from "./rabbitmq_shared.ts";
