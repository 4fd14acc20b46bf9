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
  ],
  invalid: [
    { code: `${D}await client.db("db_x").dropDatabase();`, errors: [method(2, 25)] },
    { code: `${D}await db.dropUser(user);`, errors: [method(2, 10)] },
    { code: `${D}await db.dropAllUsersFromDatabase();`, errors: [method(2, 10)] },
    { code: `${D}await db.command({ dropUser: user });`, errors: [command(2, 20)] },
    { code: `${D}await db.admin().command({ "dropDatabase": 1 });`, errors: [command(2, 28)] },
    { code: `${D}await db.command({ dropAllUsersFromDatabase: 1, writeConcern: { w: "majority" } });`, errors: [command(2, 20)] },
    { code: `${D}const dropUser = user;\nawait db.command({ dropUser });`, errors: [command(3, 20)] },
    { code: `${D}const CMD = "drop" + "User";\nawait db.command({ [CMD]: user });`, errors: [method(3, 21)] },
    { code: `${D}await db["dropDatabase"]();`, errors: [method(2, 10)] },
    { code: `${D}const wipe = db.dropDatabase.bind(db);\nawait wipe();`, errors: [method(2, 17)] },
    { code: `${D}export const jobs = [async () => { await db.dropDatabase(); }];`, errors: [method(2, 45)] },
    {
      code: `${D}import { execSync } from "node:child_process";\nexecSync(\`mongosh \${user} --eval 'db.dropDatabase()'\`);`,
      errors: [method(3, 10)],
    },
  ],
});
