/**
 * The drop-guard's rules, one file each, with stable ids.
 *
 * | id | finds |
 * |---|---|
 * | `cli-drop` | `dropdb`, `dropuser`, `psql -c 'DROP …'`, `mysqladmin drop`, `redis-cli FLUSHALL`, `rabbitmqctl delete_vhost` as child processes |
 * | `orm-drop` | knex, Kysely, Sequelize, TypeORM, MikroORM and Prisma database and schema drops (by type) |
 * | `sql-drop` | SQL `DROP DATABASE`, `ROLE`, `USER`, `SCHEMA`, `OWNED` |
 * | `redis-acl-deluser` | Redis `ACL DELUSER` |
 * | `redis-flush` | Redis `FLUSHALL`, `FLUSHDB` |
 * | `mongodb-drop` | MongoDB `dropDatabase`, `dropUser`, `dropAllUsersFromDatabase` |
 * | `rabbitmq-delete` | RabbitMQ vhost and user deletion |
 * | `nats-delete` | NATS JetStream `streams.delete`/`purge`, KV and object store `destroy()`, `$JS.API.STREAM.DELETE.*`, `nats stream rm` |
 * | `adapter-deprovision` | an adapter's `deprovision` outside guardedDrop |
 * | `sanctioned-reference` | a sanctioned function reached outside guardedDrop |
 * | `chokepoint-bypass` | a guardedDrop wrapper that runs its drop callback without guardedDrop on some path |
 *
 * @module
 */

export * from "./adapter_deprovision.ts";
export * from "./builtin_rules.ts";
export * from "./chokepoint_bypass.ts";
export * from "./cli_drop.ts";
export * from "./mongodb_drop.ts";
export * from "./nats_delete.ts";
export * from "./orm_drop.ts";
export * from "./rabbitmq_delete.ts";
export * from "./redis_acl_deluser.ts";
export * from "./redis_flush.ts";
export * from "./sanctioned_reference.ts";
export * from "./sql_drop.ts";
