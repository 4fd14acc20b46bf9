// redis-acl-deluser: ACL DELUSER as one string, as separate arguments of any
// case, as an array, and through client helpers.

import { redisAclDeluser } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = "declare const redis: any; declare const client: any; declare const user: string;\n";
const err = (line: number, column: number) => ({ messageId: "deluser", line, column });

ruleTester(redisAclDeluser, {
  valid: [
    `${D}// await redis.call("ACL", "DELUSER", user);\nexport {};`,
    `${D}await redis.call("ACL", "SETUSER", user, "on"); await redis.acl("LIST"); await redis.call("acl", "whoami");`,
    `${D}console.log(\`deleted user \${user}\`); console.log("the ACL user was removed");`,
    `${D}import { execFileSync } from "node:child_process";\nexecFileSync("deluser", ["--remove-home", "bob"]);`,
    `${D}await redis.call("ACL", "SETUSER", user, "on", "+@all", "-@dangerous", "-acl|deluser");`,
    `${D}import { spawn } from "node:child_process";\nspawn("deluser", [user]); spawn("sudo", ["deluser", user]);`,
    `${D}declare const logger: any;\nlogger.info(\`ACL DELUSER \${user} done\`); throw new Error("ACL DELUSER failed");`,
    `${D}/** @sanctionedDrop */\nexport async function dropUser() { await redis.call("ACL", "DELUSER", user); }`,
  ],
  invalid: [
    { code: `${D}await redis.call("ACL", "DELUSER", user);`, errors: [err(2, 25)] },
    { code: `${D}await redis.call("acl", "deluser", user);`, errors: [err(2, 25)] },
    { code: `${D}await client.sendCommand(["ACL", "DELUSER", user]);`, errors: [err(2, 34)] },
    { code: `${D}await redis.acl("DELUSER", user);`, errors: [err(2, 17)] },
    { code: `${D}await redis.call(\`ACL DELUSER \${user}\`);`, errors: [err(2, 18)] },
    { code: `${D}await client.aclDelUser(user); await client.ACL_DELUSER(user);`, errors: [err(2, 14), err(2, 45)] },
    { code: `${D}await redis.eval("redis.call('acl', 'deluser', ARGV[1])", 0, user);`, errors: [err(2, 18)] },
    { code: `${D}const SUB = "DEL" + "USER";\nawait redis.call("ACL", SUB, user);`, errors: [err(3, 25)] },
    {
      code: `${D}declare function aclCommand(...a: string[]): Promise<void>;\nawait aclCommand("DELUSER", user);`,
      errors: [err(3, 18)],
    },
    { code: `${D}await client.send("deluser", user);`, errors: [err(2, 19)] },
    { code: `${D}await client.sendCommand(["acl", "deluser", user]);`, errors: [err(2, 34)] },
    { code: `${D}await client.multi().aclDelUser(user).exec();`, errors: [err(2, 22)] },
    { code: `${D}await client.aclDelUser([user, "usr_y"]);`, errors: [err(2, 14)] },
    {
      code: `${D}export class Cleaner {\n  async run() { await redis.call("ACL", "DELUSER", user); }\n}`,
      errors: [err(3, 41)],
    },
  ],
});
