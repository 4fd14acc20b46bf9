// orm-drop: the drop APIs of knex, Kysely, Sequelize, TypeORM, MikroORM and
// Prisma, recognised by the receiver's type from the packages' declarations
// (stubs in test/guard/fixtures/packages, in the real packages' shape); a
// look-alike on an unrelated class stays quiet.

import { ormDrop } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const method = (line: number, column: number) => ({ messageId: "method", line, column });
const raw = (line: number, column: number) => ({ messageId: "raw", line, column });
const option = (line: number, column: number) => ({ messageId: "option", line, column });

const KNEX = `import knex from "knex";\nconst db = knex({ client: "pg" });\ndeclare const id: string;\n`;
const KYSELY =
  `import { Kysely } from "kysely";\ndeclare const db: Kysely<{ jobs: { id: string } }>;\ndeclare const id: string;\n`;
const SEQUELIZE =
  `import { Sequelize } from "sequelize";\nconst sequelize = new Sequelize("postgres://x");\ndeclare const id: string;\n`;
const TYPEORM =
  `import { DataSource } from "typeorm";\ndeclare const dataSource: DataSource;\ndeclare const id: string;\n`;
const MIKRO = `import { MikroORM } from "@mikro-orm/core";\ndeclare const orm: MikroORM;\ndeclare const id: string;\n`;
const PRISMA =
  `import { Prisma, PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\ndeclare const id: string;\n`;

ruleTester(ormDrop, {
  valid: [
    // Creating, reading and table-level work are not tenant drops.
    `${KNEX}await db.schema.createSchemaIfNotExists(\`t_\${id}\`); await db.schema.dropTableIfExists("jobs"); await db("jobs").where("id", id).del();`,
    `${KYSELY}await db.schema.createSchema(\`t_\${id}\`).execute(); await db.schema.dropTable("jobs").ifExists().execute();`,
    `${SEQUELIZE}await sequelize.createSchema(\`t_\${id}\`, {}); await sequelize.getQueryInterface().createDatabase(\`db_\${id}\`);`,
    `${TYPEORM}await dataSource.synchronize(); await dataSource.synchronize(false); await dataSource.createQueryRunner().createSchema(\`t_\${id}\`, true);`,
    `${TYPEORM}export const options = new DataSource({ type: "postgres", synchronize: true, dropSchema: false });`,
    `${TYPEORM}if (dataSource.options.dropSchema) console.log("drops on connect");`,
    `${MIKRO}await orm.schema.createSchema(); await orm.getSchemaGenerator().ensureDatabase();`,
    `${PRISMA}await prisma.$executeRaw\`DELETE FROM jobs WHERE tenant = \${id}\`; await prisma.$queryRawUnsafe("SELECT 1");`,
    `${PRISMA}declare const sql: string;\nawait prisma.$executeRawUnsafe(sql);`,
    // Look-alikes on unrelated types, and untyped receivers.
    `export class Warehouse { async dropSchema(name: string) { return name; } async dropDatabase() {} }\nconst w = new Warehouse();\nawait w.dropSchema("x"); await w.dropDatabase();`,
    `declare const anything: any;\nawait anything.schema.dropSchema("x"); await anything.$executeRawUnsafe("SELECT 1");`,
    `export const fake = { dropSchema: true, async dropAllSchemas() {} };\nawait fake.dropAllSchemas();`,
    `declare const store: { synchronize(force: boolean): Promise<void> };\nawait store.synchronize(true);`,
    // The declarations themselves, and sanctioned functions.
    `import type { QueryRunner } from "typeorm";\nexport interface Runner { dropDatabase(name: string): Promise<void> }\nexport type R = QueryRunner["dropDatabase"];`,
    `${KNEX}/** @sanctionedDrop */\nexport async function dropTenantSchema() { await db.schema.dropSchemaIfExists(\`t_\${id}\`, true); }`,
    `${PRISMA}/** @sanctionedDrop */\nexport async function dropTenant() { await prisma.$executeRawUnsafe(\`DROP DATABASE "db_\${id}"\`); }`,
  ],
  invalid: [
    { code: `${KNEX}await db.schema.dropSchema(\`t_\${id}\`);`, errors: [method(4, 17)] },
    { code: `${KNEX}await db.schema.dropSchemaIfExists(\`t_\${id}\`, true);`, errors: [method(4, 17)] },
    {
      code: `${KNEX}await db.transaction(async (trx) => { await trx.schema.withSchema("public").dropSchema(id); });`,
      errors: [method(4, 77)],
    },
    {
      code:
        `import type { Knex } from "knex";\nexport async function wipe(k: Knex, id: string) {\n  await k.schema["dropSchemaIfExists"](id);\n}`,
      errors: [method(3, 18)],
    },
    {
      code: `${KYSELY}await db.schema.dropSchema(\`t_\${id}\`).ifExists().cascade().execute();`,
      errors: [method(4, 17)],
    },
    {
      code: `${KYSELY}await db.transaction().execute((trx) => trx.schema.dropSchema(id).execute());`,
      errors: [method(4, 52)],
    },
    { code: `${SEQUELIZE}await sequelize.dropSchema(\`t_\${id}\`, {});`, errors: [method(4, 17)] },
    { code: `${SEQUELIZE}await sequelize.dropAllSchemas({ logging: false });`, errors: [method(4, 17)] },
    {
      code: `${SEQUELIZE}const qi = sequelize.getQueryInterface();\nawait qi.dropDatabase(\`db_\${id}\`);`,
      errors: [method(5, 10)],
    },
    {
      code:
        `import Sequelize from "sequelize";\nexport async function f(s: Sequelize) { await s.getQueryInterface().dropAllSchemas(); }`,
      errors: [method(2, 69)],
    },
    { code: `${TYPEORM}await dataSource.dropDatabase();`, errors: [method(4, 18)] },
    {
      code:
        `${TYPEORM}const runner = dataSource.createQueryRunner();\nawait runner.dropSchema(\`t_\${id}\`, true, true);`,
      errors: [method(5, 14)],
    },
    {
      code:
        `${TYPEORM}await dataSource.manager.transaction(async (m) => { await m.queryRunner!.dropDatabase(\`db_\${id}\`, true); });`,
      errors: [method(4, 74)],
    },
    { code: `${TYPEORM}await dataSource.synchronize(true);`, errors: [method(4, 18)] },
    {
      code:
        `import { Connection } from "typeorm";\ndeclare const connection: Connection;\nawait connection.dropDatabase();`,
      errors: [method(3, 18)],
    },
    {
      code: `${TYPEORM}export const tenantSource = new DataSource({ type: "postgres", dropSchema: true });`,
      errors: [option(4, 64)],
    },
    {
      name: "the option through an optional parameter's type",
      code:
        `import type { DataSourceOptions } from "typeorm";\ndeclare function connect(options?: Partial<DataSourceOptions>): void;\nconnect({ dropSchema: true });`,
      errors: [option(3, 11)],
    },
    { code: `${MIKRO}await orm.getSchemaGenerator().dropSchema();`, errors: [method(4, 32)] },
    {
      code: `${MIKRO}const generator = orm.schema;\nawait generator.dropDatabase(\`db_\${id}\`);`,
      errors: [method(5, 17)],
    },
    { code: `${MIKRO}await orm.schema.refreshDatabase();`, errors: [method(4, 18)] },
    { code: `${PRISMA}await prisma.$executeRawUnsafe(\`DROP DATABASE IF EXISTS "db_\${id}"\`);`, errors: [raw(4, 32)] },
    { code: `${PRISMA}await prisma.$executeRaw\`DROP SCHEMA \${Prisma.raw(id)} CASCADE\`;`, errors: [raw(4, 7)] },
    { code: `${PRISMA}await prisma.$executeRaw(Prisma.raw(\`DROP ROLE "usr_\${id}"\`));`, errors: [raw(4, 37)] },
    { code: `${PRISMA}const DROP = "DROP OWNED BY ";\nawait prisma.$queryRawUnsafe(DROP + id);`, errors: [raw(5, 30)] },
    {
      code:
        `${PRISMA}await prisma.$transaction(async (tx) => { await tx.$executeRawUnsafe(\`DROP USER "u_\${id}"\`); });`,
      errors: [raw(4, 70)],
    },
    {
      name: "a subclass of the ORM's class",
      code:
        `import { Sequelize } from "sequelize";\nexport class TenantDb extends Sequelize {}\ndeclare const db: TenantDb;\nawait db.dropSchema("t", {});`,
      errors: [method(4, 10)],
    },
    {
      name: "a stub with no package.json, known by its import specifier",
      code:
        `import { Sequelize } from "@sequelize/core";\nconst s = new Sequelize();\nawait s.queryInterface.dropAllSchemas();`,
      errors: [method(3, 24)],
    },
    {
      name: "an installed package without a package.json",
      code:
        `import { SqlSchemaGenerator } from "@mikro-orm/knex";\ndeclare const generator: SqlSchemaGenerator;\nawait generator.dropSchema();`,
      files: {
        "node_modules/@mikro-orm/knex/index.d.ts":
          `export declare class SqlSchemaGenerator { dropSchema(options?: { dropDb?: boolean }): Promise<void> }`,
      },
      errors: [method(3, 17)],
    },
    {
      name: "an ambient module declaration of the package",
      code: `import { Db } from "legacy-orm";\ndeclare const db: Db;\nawait db.dropDatabase();`,
      files: {
        "shim.d.ts":
          `declare module "legacy-orm" {}\ndeclare module "typeorm/legacy" { export interface Db { dropDatabase(): Promise<void> } }\ndeclare module "legacy-orm" { export { Db } from "typeorm/legacy"; }`,
      },
      errors: [method(3, 10)],
    },
  ],
});
