/**
 * {@linkcode RabbitmqAdapterOptions}, the options of both RabbitMQ
 * factories.
 *
 * @module
 */

import type { RetentionOptions } from "../../lib/mod.ts";
import type { AdapterOptions } from "../_shared/adapter_options.ts";

/**
 * Options of {@linkcode rabbitmqShared} and {@linkcode rabbitmqDedicated}.
 *
 * @example
 * ```ts
 * import type { RabbitmqAdapterOptions } from "guarded-drop/adapters/rabbitmq";
 *
 * const options: RabbitmqAdapterOptions = { managementUrl: "https://provisioner:secret@mq.internal:15671" };
 * ```
 */
export interface RabbitmqAdapterOptions extends AdapterOptions {
  // NOTE: each request has one bound, connect included, so `connectTimeoutMs`
  // bounds the whole first request (`GET /api/whoami`: connect and answer),
  // and `operationTimeoutMs` each request after it.
  /**
   * The management HTTP API's base, without `/api`
   * (`http://host:15672`, or `https://host/rabbitmq` behind a path prefix).
   * It may carry `user:password@`: they are sent as a Basic
   * `Authorization` header, never in the request's URL, and are
   * never written into an error. The user needs the `administrator` tag.
   */
  managementUrl: string;
  /**
   * An AMQP URL. Accepted so that one server description fits every
   * adapter, and ignored: deprovision uses the management API only.
   *
   * @default {undefined}
   */
  url?: string;
  /**
   * Keep tenants recoverable: `deprovision` quarantines (revokes the user's
   * permissions, closes its connections, keeps the vhost with its queues and
   * messages), and `purgeExpired` drops the copies older than `days`.
   *
   * @default {undefined: deprovision deletes}
   */
  retention?: RetentionOptions;
}
