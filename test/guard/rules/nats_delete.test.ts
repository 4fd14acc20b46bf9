// nats-delete: JetStream stream deletes and purges, KV and object store
// destroys, hand-sent API requests and the nats CLI; a socket's destroy,
// a key's delete and consumer deletes stay quiet.

import { natsDelete } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = "declare const jsm: any; declare const nc: any; declare const kv: any; declare const os: any;\n";
const err = (line: number, column: number) => ({ messageId: "delete", line, column });

ruleTester(natsDelete, {
  valid: [
    `${D}// await jsm.streams.delete("t4_acme_orders");\nexport {};`,
    `${D}await jsm.streams.add({ name: "t4_acme_orders" }); await jsm.streams.info("t4_acme_orders");`,
    `${D}await kv.delete("plan"); await kv.purge("plan"); await kv.put("plan", "gold");`,
    `${D}await jsm.consumers.delete("t4_acme_orders", "billing");`,
    `${D}import { createConnection } from "node:net";\nconst socket = createConnection(4222);\nsocket.destroy();`,
    `${D}declare const stream: any;\nstream.destroy(new Error("closed"));`,
    `${D}await nc.request("$JS.API.STREAM.INFO.t4_acme_orders");`,
    `${D}import { execFileSync } from "node:child_process";\nexecFileSync("nats", ["stream", "ls"]);\nexecFileSync("nats", ["kv", "get", "b", "k"]);`,
    `${D}console.log("run nats stream ls to see them");`,
    `${D}/** @sanctionedDrop */\nexport async function drop(name: string) { await jsm.streams.delete(name); }`,
    `${D}export class Adapter {\n  /** @sanctionedDrop */\n  async deprovision() { await this.kv.destroy(); }\n  kv: any;\n}`,
  ],
  invalid: [
    { code: `${D}await jsm.streams.delete("t4_acme_orders");`, errors: [err(2, 19)] },
    { code: `${D}await jsm.streams.purge("t4_acme_orders");`, errors: [err(2, 19)] },
    {
      code: `${D}await this_.jsm.streams.delete(name);\ndeclare const this_: any; declare const name: string;`,
      errors: [err(2, 25)],
    },
    { code: `${D}await kv.destroy();`, errors: [err(2, 10)] },
    { code: `${D}await os.destroy();`, errors: [err(2, 10)] },
    { code: `${D}declare const configBucket: any;\nawait configBucket.destroy();`, errors: [err(3, 20)] },
    { code: `${D}await nc.request("$JS.API.STREAM.DELETE.t4_acme_orders");`, errors: [err(2, 18)] },
    {
      code: `${D}declare const name: string;\nawait nc.request(\`$JS.API.STREAM.PURGE.\${name}\`, "{}");`,
      errors: [err(3, 18)],
    },
    {
      code: `${D}import { execSync } from "node:child_process";\nexecSync("nats stream rm t4_acme_orders -f");`,
      errors: [err(3, 10)],
    },
    {
      code:
        `${D}import { execSync } from "node:child_process";\nexecSync("nats --server nats://h:4222 kv del t4_acme_config -f");`,
      errors: [err(3, 10)],
    },
    {
      code:
        `${D}import { execFileSync } from "node:child_process";\nexecFileSync("nats", ["stream", "rm", "t4_acme_orders", "-f"]);`,
      errors: [err(3, 22)],
    },
    {
      code:
        `${D}import { spawn } from "node:child_process";\nspawn("sudo", ["/usr/bin/nats", "obj", "rm", "files", "-f"]);`,
      errors: [err(3, 15)],
    },
  ],
});
