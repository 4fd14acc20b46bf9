// mongodb-drop: dropDatabase, dropUser and dropAllUsersFromDatabase as calls,
// references and command documents; collection and index drops and
// declarations stay quiet.

import { mongodbDrop } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = "declare const client: any; declare const db: any; declare const user: string;\n";
const method = (line: number, column: number) => ({ messageId: "method", line, column });
const command = (line: number, column: number) => ({ messageId: "command", line, column });

ruleTester(mongodbDrop, {
  valid: [
    `${D}// await db.dropDatabase();\nexport {};`,
    `${D}await db.collection("jobs").drop(); await db.dropCollection("jobs");`,
    `${D}await db.collection("jobs").dropIndex("a_1"); await db.collection("jobs").dropIndexes(); await db.collection("j").dropSearchIndex("s");`,
    `${D}export interface TenantDb { dropDatabase(): Promise<boolean>; dropUser(name: string): Promise<void> }`,
    `${D}export type Admin = { dropAllUsersFromDatabase: () => Promise<void> };`,
    `${D}export abstract class Store { abstract dropDatabase(): Promise<void> }`,
    `${D}export class Fake { async dropDatabase() { return true; } }`,
    `${D}export const fake = { dropDatabase: async () => true, dropUser() {} };`,
    `${D}await db.command({ createUser: user, pwd: "x", roles: [] }); await db.command({ usersInfo: user });`,
    `${D}console.log("the tenant database was dropped");`,
    `${D}/** @sanctionedDrop */\nexport async function drop() { await db.command({ dropUser: user }); await client.db("db_x").dropDatabase(); }`,
    { code: `${D}await db.dropUser(user);`, options: [{ commands: ["dropDatabase"] }] },
    // Privilege lists name actions; they drop nothing.
    `${D}await db.command({ createRole: "tenantAdmin", privileges: [{ resource: { db: "db_x", collection: "" }, actions: ["dropDatabase", "dropUser"] }], roles: [] });`,
    `${D}await db.admin().command({ grantPrivilegesToRole: "ops", privileges: [{ resource: { cluster: true }, actions: ["dropAllUsersFromDatabase"] }] });`,
    `${D}const ACTIONS = ["dropDatabase", "dropUser"];\nawait db.command({ createRole: "r", privileges: [{ resource: { db: "x", collection: "" }, actions: ACTIONS }], roles: [] });`,
    `${D}declare const logger: any;\nlogger.info("dropDatabase finished"); throw new Error(\`dropUser \${user} failed\`);`,
    `export class Db { removeUser(id: string) { return id; } }\nconst db = new Db();\ndb.removeUser("u1");`,
    // removeUser of anything but the driver.
    `export class Team { removeUser(id: string) { return id; } }\nnew Team().removeUser("u1");\ndeclare const untyped: any;\nuntyped.removeUser("u2");`,
    {
      name: "Sequelize's query interface dropDatabase is orm-drop's",
      code:
        `import { Sequelize } from "sequelize";\nawait new Sequelize("postgres://x").getQueryInterface().dropDatabase("db_x");`,
    },
  ],
  invalid: [
    { code: `${D}await client.db("db_x").dropDatabase();`, errors: [method(2, 25)] },
    { code: `${D}await db.dropUser(user);`, errors: [method(2, 10)] },
    { code: `${D}await db.dropAllUsersFromDatabase();`, errors: [method(2, 10)] },
    { code: `${D}await db.command({ dropUser: user });`, errors: [command(2, 20)] },
    { code: `${D}await db.admin().command({ "dropDatabase": 1 });`, errors: [command(2, 28)] },
    {
      code: `${D}await db.command({ dropAllUsersFromDatabase: 1, writeConcern: { w: "majority" } });`,
      errors: [command(2, 20)],
    },
    { code: `${D}const dropUser = user;\nawait db.command({ dropUser });`, errors: [command(3, 20)] },
    { code: `${D}const CMD = "drop" + "User";\nawait db.command({ [CMD]: user });`, errors: [method(3, 21)] },
    { code: `${D}await db["dropDatabase"]();`, errors: [method(2, 10)] },
    { code: `${D}const wipe = db.dropDatabase.bind(db);\nawait wipe();`, errors: [method(2, 17)] },
    { code: `${D}export const jobs = [async () => { await db.dropDatabase(); }];`, errors: [method(2, 45)] },
    {
      code:
        `${D}import { execSync } from "node:child_process";\nexecSync(\`mongosh \${user} --eval 'db.dropDatabase()'\`);`,
      errors: [method(3, 10)],
    },
    {
      code:
        `${D}import { spawn } from "node:child_process";\nspawn("mongosh", [user, "--eval", "db.runCommand({ dropUser: 'usr_x' })"]);`,
      errors: [method(3, 35)],
    },
    {
      code: `${D}await db.removeUser(user); await client.db("db_x").removeUser(user);`,
      errors: [method(2, 10), method(2, 52)],
    },
    {
      name: "the driver's removeUser",
      code:
        `import { MongoClient } from "mongodb";\ndeclare const client: MongoClient;\nawait client.db("db_x").removeUser("usr_x");\nawait client.db().admin().removeUser("usr_y");`,
      errors: [method(3, 25), method(4, 27)],
    },
    {
      name: "removeUser and dropDatabase through mongoose's connection",
      code:
        `import mongoose from "mongoose";\nawait mongoose.connection.db!.removeUser("usr_x");\nawait mongoose.connection.useDb("db_x").dropDatabase();`,
      errors: [method(2, 31), method(3, 41)],
    },
    {
      name: "a command document through mongoose's connection",
      code:
        `import { createConnection } from "mongoose";\nconst conn = createConnection("mongodb://x/db_x");\nawait conn.db?.command({ dropDatabase: 1 });\nawait conn.getClient().db("db_y").command({ "dropUser": "usr_y" });`,
      errors: [command(3, 26), command(4, 45)],
    },
  ],
});
