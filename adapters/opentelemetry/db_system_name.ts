/**
 * {@linkcode dbSystemNameOf}: the OpenTelemetry `db.system.name` of a
 * guarded drop's resource type.
 *
 * @module
 */

/**
 * The `db.system.name` values of the resource types this package's adapters
 * drop, from OpenTelemetry's stable database semantic conventions (and the
 * messaging ones for RabbitMQ and NATS, which have no database value).
 *
 * @example
 * ```ts
 * import { DB_SYSTEM_NAMES } from "guarded-drop/opentelemetry";
 *
 * console.log(DB_SYSTEM_NAMES.postgres); // "postgresql"
 * ```
 */
export const DB_SYSTEM_NAMES: Readonly<Record<string, string>> = Object.freeze({
  postgres: "postgresql",
  mysql: "mysql",
  mariadb: "mariadb",
  redis: "redis",
  mongodb: "mongodb",
  rabbitmq: "rabbitmq",
  nats: "nats",
});

/**
 * The `db.system.name` of a resource type: the well-known name for the
 * adapters' types (`postgres` is `postgresql`), else the type as given.
 *
 * @param resourceType The request's `resourceType`.
 * @returns The `db.system.name` attribute value.
 *
 * @example
 * ```ts
 * import { dbSystemNameOf } from "guarded-drop/opentelemetry";
 *
 * console.log(dbSystemNameOf("postgres")); // "postgresql"
 * console.log(dbSystemNameOf("clickhouse")); // "clickhouse"
 * ```
 */
export function dbSystemNameOf(resourceType: string): string {
  return Object.hasOwn(DB_SYSTEM_NAMES, resourceType) ? DB_SYSTEM_NAMES[resourceType]! : resourceType;
}
