// redis-flush: FLUSHALL and FLUSHDB as helpers of any case, raw commands,
// arrays and scripts; comparisons and other commands stay quiet.

import { redisFlush } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = "declare const redis: any; declare const client: any;\n";
const err = (line: number, column: number) => ({ messageId: "flush", line, column });

ruleTester(redisFlush, {
  valid: [
    `${D}// await redis.flushall();\nexport {};`,
    `${D}await redis.flush(); await redis.del("k"); await redis.unlink("t:1");`,
    `${D}declare const command: string;\nif (command.toUpperCase() === "FLUSHALL") throw new Error("denied");`,
    `${D}declare const command: string;\nswitch (command) { case "FLUSHDB": break; }`,
    `${D}console.log("flushing the write buffer"); await client.call("SCAN", "0");`,
    `${D}interface Client { flushall(): Promise<void> }\nexport type { Client };`,
    `${D}/** @sanctionedDrop */\nexport async function wipe() { await redis.flushall("ASYNC"); }`,
    // Prose and configuration name the command without sending it.
    `${D}await redis.call("ACL", "SETUSER", "usr_x", "on", ">pw", "~usr_x:*", "+@all", "-@dangerous", "-flushall", "-flushdb");`,
    `${D}await redis.acl("SETUSER", "usr_x", "on", "+@read", "-FLUSHALL");\nawait client.aclSetUser("usr_y", ["on", "-flushdb", "-@admin"]);`,
    `${D}export const conf = "port 6390\\nrename-command FLUSHALL \\"\\"\\nrename-command FLUSHDB \\"\\"";\nawait client.writeConfig(conf);`,
    `${D}import { spawn } from "node:child_process";\nspawn("redis-server", ["--port", "6390", "--rename-command", "FLUSHALL", ""]);`,
    `${D}declare const logger: any;\nlogger.warn("FLUSHALL is disabled on shared servers"); console.error(\`refusing FLUSHDB on \${"db 0"}\`);`,
    `${D}throw new Error("FLUSHALL would delete every tenant's keys");`,
    `${D}declare function it(t: string, f: () => void): void;\nit("refuses FLUSHALL on a shared server", () => {});`,
    `${D}declare const program: any;\nprogram.option("--wipe", "run FLUSHDB before the import").description("Imports keys; never FLUSHALL");`,
    `${D}export const help = { description: "Deletes every key (FLUSHALL) of a dedicated tenant server" };`,
    `${D}process.stdout.write("usage: purge [--flushall]\\n");`,
    `${D}export const docs = "Never run \`FLUSHALL\` on a shared server";\nawait client.set("docs", docs);`,
    `${D}declare const res: any;\nres.status(409).json({ error: "FLUSHALL refused on a shared server" });`,
    `${D}declare const yargs: any;\nyargs.command("purge", "FLUSHDB the tenant's database");`,
    `${D}export class Dedicated {\n  /** @sanctionedDrop */\n  async deprovision() { await this.client.call("FLUSHALL", "ASYNC"); }\n  client: any;\n}`,
  ],
  invalid: [
    { code: `${D}await redis.flushall();`, errors: [err(2, 13)] },
    { code: `${D}await redis.flushdb("ASYNC");`, errors: [err(2, 13)] },
    { code: `${D}await client.flushAll(); await client.FLUSHDB();`, errors: [err(2, 14), err(2, 39)] },
    { code: `${D}await redis.pipeline().set("a", 1).flushall().exec();`, errors: [err(2, 36)] },
    { code: `${D}const wipe = redis.flushdb.bind(redis);\nawait wipe();`, errors: [err(2, 20)] },
    { code: `${D}await redis.call("flushall");`, errors: [err(2, 18)] },
    { code: `${D}await client.sendCommand(["FLUSHDB", "ASYNC"]);`, errors: [err(2, 27)] },
    { code: `${D}await redis.eval("return redis.call('FLUSHALL')", 0);`, errors: [err(2, 18)] },
    { code: `${D}await redis["flushall"]();`, errors: [err(2, 13)] },
    { code: `${D}const CMD = "FLUSH" + "ALL";\nawait redis.call(CMD);`, errors: [err(3, 18)] },
    {
      code:
        `${D}import { execFileSync } from "node:child_process";\nexecFileSync("redis-cli", ["-n", "3", "flushdb"]);`,
      errors: [err(3, 39)],
    },
    { code: `${D}export const handlers = { reset: async () => { await redis.flushall(); } };`, errors: [err(2, 60)] },
    { code: `${D}await client.multi().set("a", "1").flushAll().exec();`, errors: [err(2, 36)] },
    { code: `${D}await client.multi().flushDb("ASYNC").exec();`, errors: [err(2, 22)] },
    { code: `${D}await client.sendCommand(["FLUSHALL"]);`, errors: [err(2, 27)] },
    { code: `${D}const { flushAll } = client;\nawait flushAll();`, errors: [err(2, 9)] },
    {
      code: `${D}await redis.call("ACL", "SETUSER", "u", "-flushdb"); await redis.call("FLUSHALL");`,
      errors: [err(2, 71)],
    },
    { code: `${D}await redis.eval("-- drop everything\\nredis.call('flushdb')", 0);`, errors: [err(2, 18)] },
  ],
});
