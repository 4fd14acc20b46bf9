// rabbitmq-delete: management API DELETE of vhosts and users, bulk-delete,
// rabbitmqctl and rabbitmqadmin; read-only requests stay quiet.

import { rabbitmqDelete } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D =
  "declare const base: string; declare const vhost: string; declare const user: string; declare const headers: Record<string, string>; declare const axios: any; declare const http: any;\n";
const api = (line: number, column: number) => ({ messageId: "api", line, column });
const cli = (line: number, column: number) => ({ messageId: "cli", line, column });

ruleTester(rabbitmqDelete, {
  valid: [
    `${D}// await fetch(\`\${base}/api/vhosts/\${vhost}\`, { method: "DELETE" });\nexport {};`,
    `${D}await fetch(\`\${base}/api/vhosts/\${encodeURIComponent(vhost)}\`, { headers });`,
    `${D}await fetch(\`\${base}/api/users/\${user}\`, { method: "GET", headers });`,
    `${D}await axios.get(\`\${base}/api/users/\${user}\`); await axios.put(\`\${base}/api/vhosts/\${vhost}\`, {});`,
    `${D}await fetch(\`\${base}/api/vhosts\`, { headers }); await fetch(base + "/api/overview");`,
    `${D}await fetch(\`\${base}/api/queues/\${vhost}/jobs\`, { method: "DELETE", headers });`,
    `${D}await fetch(\`\${base}/api/connections/\${user}\`, { method: "DELETE" });`,
    `${D}import { execFileSync } from "node:child_process";\nexecFileSync("rabbitmqctl", ["list_vhosts"]); execFileSync("rabbitmqctl", ["add_user", user, "pw"]);`,
    `${D}console.log("deleting vhost", vhost);`,
    // Relative paths below a base without /api, or read-only, are other APIs.
    `${D}const app = axios.create({ baseURL: "https://app.example.com/v1" });\nawait app.delete(\`/users/\${user}\`);`,
    `${D}const mq = axios.create({ baseURL: \`\${base}/api\` });\nawait mq.get(\`/vhosts/\${vhost}\`); await mq.put(\`/users/\${user}\`, {});`,
    `${D}import path from "node:path";\nawait fetch(base + path.posix.join("/api/vhosts", vhost));`,
    `${D}await fetch(new URL(\`users/\${user}\`, "https://app.example.com/"), { method: "DELETE" });`,
    `${D}/** @sanctionedDrop */\nexport async function dropVhost() { await fetch(\`\${base}/api/vhosts/\${vhost}\`, { method: "DELETE", headers }); }`,
    // The options object bound to a name, or passed in by the callers.
    `${D}const init = { method: "GET", headers };\nawait fetch(\`\${base}/api/vhosts/\${vhost}\`, init);`,
    `${D}async function call(init: RequestInit) { await fetch(\`\${base}/api/users/\${user}\`, init); }\nawait call({ method: "PUT" });`,
  ],
  invalid: [
    {
      code: `${D}await fetch(\`\${base}/api/vhosts/\${encodeURIComponent(vhost)}\`, { method: "DELETE", headers });`,
      errors: [api(2, 13)],
    },
    { code: `${D}await fetch(base + "/api/users/" + user, { headers, method: "delete" });`, errors: [api(2, 13)] },
    {
      code: `${D}const url = new URL(\`/api/users/\${user}\`, base);\nawait fetch(url, { method: "DELETE" });`,
      errors: [api(3, 13)],
    },
    { code: `${D}await axios.delete(\`\${base}/api/vhosts/\${vhost}\`);`, errors: [api(2, 20)] },
    { code: `${D}await axios({ method: "DELETE", url: \`\${base}/api/users/\${user}\` });`, errors: [api(2, 38)] },
    { code: `${D}http.request({ method: "DELETE", host: "mq", path: "/api/vhosts/" + vhost });`, errors: [api(2, 52)] },
    {
      code: `${D}declare const api: any;\nawait api.request("DELETE", \`/api/users/\${user}\`);`,
      errors: [api(3, 29)],
    },
    {
      code:
        `${D}const METHOD = "DELETE";\nconst VHOSTS = "/api/vhosts/";\nawait fetch(base + VHOSTS + vhost, { method: METHOD });`,
      errors: [api(4, 13)],
    },
    { code: `${D}await new Request(\`\${base}/api/vhosts/\${vhost}\`, { method: "DELETE" });`, errors: [api(2, 19)] },
    {
      code:
        `${D}await fetch(\`\${base}/api/users/bulk-delete\`, { method: "POST", body: JSON.stringify({ users: [user] }) });`,
      errors: [api(2, 13)],
    },
    {
      code: `${D}import { spawn } from "node:child_process";\nspawn("rabbitmqctl", ["delete_vhost", vhost]);`,
      errors: [cli(3, 1)],
    },
    {
      code:
        `${D}import { execFile } from "node:child_process";\nexecFile("/usr/sbin/rabbitmqctl", ["-n", "rabbit@mq", "delete_user", user]);`,
      errors: [cli(3, 1)],
    },
    {
      code:
        `${D}import { execSync } from "node:child_process";\nexecSync(\`docker exec mq rabbitmqctl delete_vhost \${vhost}\`);`,
      errors: [cli(3, 10)],
    },
    {
      code: `${D}import { execSync } from "node:child_process";\nexecSync("rabbitmqadmin delete user name=" + user);`,
      errors: [cli(3, 10)],
    },
    {
      code:
        `${D}const mq = axios.create({ baseURL: \`\${base}/api\`, headers });\nawait mq.delete(\`/vhosts/\${encodeURIComponent(vhost)}\`);`,
      errors: [api(3, 17)],
    },
    { code: `${D}await axios.delete(\`users/\${user}\`, { baseURL: "http://mq:15672/api/" });`, errors: [api(2, 20)] },
    {
      code:
        `${D}declare const got: any;\nconst client = got.extend({ prefixUrl: base + "/api" });\nawait client.delete(\`vhosts/\${vhost}\`);`,
      errors: [api(4, 21)],
    },
    {
      code:
        `${D}declare const got: any;\nawait got(\`vhosts/\${vhost}\`, { method: "DELETE", prefixUrl: \`\${base}/api\` });`,
      errors: [api(3, 11)],
    },
    {
      code:
        `${D}export class Mq {\n  private readonly http = axios.create({ baseURL: "http://mq:15672/api" });\n  async drop(v: string) { await this.http.delete(\`/users/\${v}\`); }\n}`,
      errors: [api(4, 50)],
    },
    {
      code:
        `${D}const API = "http://mq:15672/api/";\nawait fetch(new URL(\`vhosts/\${vhost}\`, API), { method: "DELETE" });`,
      errors: [api(3, 13)],
    },
    {
      code:
        `${D}import path from "node:path";\nawait fetch(base + path.posix.join("/api/vhosts", vhost), { method: "DELETE" });`,
      errors: [api(3, 13)],
    },
    {
      code:
        `${D}import { posix } from "node:path";\nawait axios.delete(\`\${base}\${posix.join("/api/users", user)}\`);`,
      errors: [api(3, 20)],
    },
    {
      code:
        `${D}export class Mq {\n  async remove() { await fetch(\`\${base}/api/vhosts/\${vhost}\`, { method: "DELETE" }); }\n}`,
      errors: [api(3, 32)],
    },
    {
      code: `${D}const init = { method: "DELETE", headers };\nawait fetch(\`\${base}/api/vhosts/\${vhost}\`, init);`,
      errors: [api(3, 13)],
    },
    {
      code:
        `${D}const init: RequestInit = { method: "delete" };\nconst url = \`\${base}/api/users/\${user}\`;\nawait fetch(url, init);`,
      errors: [api(4, 13)],
    },
    {
      code:
        `${D}async function call(init: RequestInit) { await fetch(\`\${base}/api/users/\${user}\`, init); }\nawait call({ method: "DELETE" });`,
      errors: [api(2, 54)],
    },
    {
      code:
        `${D}function options() { return { method: "DELETE" }; }\nawait fetch(\`\${base}/api/vhosts/\${vhost}\`, options());`,
      errors: [api(3, 13)],
    },
  ],
});
