/**
 * The conformance subjects of this package's own adapters: each pairs an
 * adapter factory with a tenant fixture that writes real data on the real
 * server and reads it back without the adapter.
 *
 * @module
 */

export * from "./mongodb.ts";
export * from "./mysql.ts";
export * from "./nats.ts";
export * from "./postgres.ts";
export * from "./rabbitmq.ts";
export * from "./redis.ts";
