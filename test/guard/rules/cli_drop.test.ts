// cli-drop: database tools run as child processes, through child_process,
// execa and sudo, with the argv inline or in a const array; creating,
// reading and prose stay quiet.

import { cliDrop } from "../../../guard/mod.ts";
import { ruleTester } from "../_rule_tester.ts";

const D = `import { exec, execFile, execFileSync, execSync, spawn, spawnSync } from "node:child_process";
declare function execa(file: string, args?: readonly string[], options?: object): Promise<unknown>;
declare function execaCommand(command: string): Promise<unknown>;
declare function $(strings: TemplateStringsArray, ...values: unknown[]): Promise<unknown>;
declare const name: string; declare const user: string; declare const vhost: string; declare const url: string;
`;
// The runners under other names (four lines).
const A = `import { execFile as launch, spawnSync as startSync, execFile } from "node:child_process";
import { promisify } from "node:util"; import * as util from "node:util"; import * as cp from "node:child_process";
declare const name: string;
export {};
`;
const V = `import * as cp from "node:child_process";
declare const name: string;
`;
const err = (line: number, column: number) => ({ messageId: "command", line, column });

ruleTester(cliDrop, {
  valid: [
    `${D}execFileSync("createdb", [name]); spawn("createuser", ["--no-superuser", user]);`,
    `${D}execFileSync("psql", [url, "-c", "SELECT 1"]); execSync(\`psql \${url} -c 'SELECT datname FROM pg_database'\`);`,
    `${D}execFileSync("pg_dump", ["-Fc", name]); execSync("mysqladmin status"); spawnSync("redis-cli", ["-n", "3", "DBSIZE"]);`,
    `${D}execFileSync("rabbitmqctl", ["list_vhosts"]); spawn("rabbitmqctl", ["add_vhost", vhost]);`,
    `${D}execSync("redis-cli ACL SETUSER usr_x on +@all -flushall -@dangerous");`,
    `${D}execSync("which dropdb"); execFileSync("command", ["-v", "dropuser"]);`,
    `${D}execFileSync("dropdb", ["--help"]);`,
    `${D}declare const logger: any;\nlogger.error(\`dropdb \${name} failed\`); throw new Error("dropuser exited with 1");`,
    `${D}export const TOOLS = ["createdb", "dropdb", "psql"];`,
    `${D}declare const program: any;\nprogram.command("purge").description("runs dropdb and redis-cli FLUSHALL for a tenant");`,
    `${D}/** @sanctionedDrop */\nexport function dropTenant() { execFileSync("dropdb", ["--if-exists", name]); }`,
    // A runner is known by its symbol: a user function named like one, or
    // with a runner's alias name, that runs no process stays quiet.
    `${V}function launch(rocket: string, stages: string[]) { return rocket.length + stages.length; }\nlaunch("dropdb", [name]);`,
    `${V}function execute(sql: string, params: string[]) { return [sql, ...params]; }\nexecute("dropdb", [name]);`,
    `${V}const { fork } = cp;\nfork("dropdb", [name]);`,
    `${V}const spawnLater = (program: string, argv: string[]) => [program, argv];\nspawnLater("dropuser", [name]);`,
    {
      // A database client's own `exec`, declared by its package, runs no process.
      code: `import { Db } from "fakedb";\ndeclare const name: string;\nnew Db().exec("dropdb", [name]);`,
      files: {
        "fakedb.d.ts": `declare module "fakedb" { export class Db { exec(sql: string, params: string[]): void } }`,
      },
    },
  ],
  invalid: [
    { code: `${D}execFileSync("dropdb", ["--if-exists", name]);`, errors: [err(6, 14)] },
    { code: `${D}execSync(\`dropdb --if-exists \${name}\`);`, errors: [err(6, 10)] },
    { code: `${D}exec("dropuser " + user, () => {});`, errors: [err(6, 6)] },
    { code: `${D}spawn("/usr/lib/postgresql/15/bin/dropdb", ["-h", "db", name]);`, errors: [err(6, 7)] },
    { code: `${D}spawnSync("sudo", ["-u", "postgres", "dropdb", name]);`, errors: [err(6, 38)] },
    { code: `${D}execSync(\`sudo -u postgres dropuser \${user}\`);`, errors: [err(6, 10)] },
    { code: `${D}execSync(\`sudo -n -u postgres env PGPASSWORD=x dropdb \${name}\`);`, errors: [err(6, 10)] },
    { code: `${D}const args = ["--if-exists", name];\nexecFileSync("dropdb", args);`, errors: [err(7, 14)] },
    { code: `${D}await execa("dropdb", [name]);`, errors: [err(6, 13)] },
    { code: `${D}await $\`dropdb \${name}\`;`, errors: [err(6, 7)] },
    { code: `${D}await execaCommand(\`dropuser \${user}\`);`, errors: [err(6, 20)] },
    // psql with -c, --command=, and its input.
    { code: `${D}execFileSync("psql", [url, "-c", \`DROP DATABASE "\${name}"\`]);`, errors: [err(6, 34)] },
    { code: `${D}execFileSync("psql", [url, \`--command=DROP ROLE "\${user}"\`]);`, errors: [err(6, 28)] },
    { code: `${D}execSync(\`psql \${url} --command="DROP SCHEMA t_\${name} CASCADE"\`);`, errors: [err(6, 10)] },
    { code: `${D}execFileSync("psql", [url], { input: \`DROP DATABASE \${name};\` });`, errors: [err(6, 38)] },
    { code: `${D}execSync(\`echo "DROP DATABASE \${name}" | psql \${url}\`);`, errors: [err(6, 10)] },
    {
      code: `${D}execSync(\`psql \${url} <<'SQL'\\n\\\\c postgres\\nDROP DATABASE \${name}\\nSQL\`);`,
      errors: [err(6, 10)],
    },
    { code: `${D}execSync(\`docker exec -i pg psql -U postgres -c "DROP USER \${user}"\`);`, errors: [err(6, 10)] },
    { code: `${D}execSync(\`mysql -uroot -e "DROP DATABASE \\\\\\\`\${name}\\\\\\\`"\`);`, errors: [err(6, 10)] },
    // mysqladmin, redis-cli, rabbitmqctl, rabbitmqadmin, mongosh.
    { code: `${D}execFileSync("mysqladmin", ["-uroot", "-f", "drop", name]);`, errors: [err(6, 45)] },
    { code: `${D}execSync(\`mysqladmin --force drop \${name}\`);`, errors: [err(6, 10)] },
    { code: `${D}spawnSync("redis-cli", ["-p", "6390", "FLUSHALL", "ASYNC"]);`, errors: [err(6, 39)] },
    { code: `${D}const REDIS = ["-n", "3"];\nspawnSync("redis-cli", [...REDIS, "flushdb"]);`, errors: [err(7, 35)] },
    { code: `${D}execSync(\`redis-cli -h cache ACL DELUSER \${user}\`);`, errors: [err(6, 10)] },
    { code: `${D}execFile("redis-cli", ["acl", "deluser", user], () => {});`, errors: [err(6, 31)] },
    { code: `${D}const argv = ["delete_vhost", vhost];\nexecFileSync("rabbitmqctl", argv);`, errors: [err(6, 15)] },
    { code: `${D}await execa("sudo", ["rabbitmqctl", "-n", "rabbit@mq", "delete_user", user]);`, errors: [err(6, 56)] },
    { code: `${D}execSync(\`rabbitmqadmin delete vhost name=\${vhost}\`);`, errors: [err(6, 10)] },
    {
      code:
        `${D}execSync(\`kubectl exec -n data mongo-0 -- mongosh --eval 'db.getSiblingDB("\${name}").dropDatabase()'\`);`,
      errors: [err(6, 10)],
    },
    { code: `${D}execSync(\`ssh db1 "sudo -u postgres dropdb \${name}"\`);`, errors: [err(6, 10)] },
    { code: `${D}spawn("sh", ["-c", \`dropdb \${name} && dropuser \${user}\`]);`, errors: [err(6, 20)] },
    {
      code: `${D}declare const Deno: any;\nawait new Deno.Command("dropdb", { args: [name] }).output();`,
      errors: [err(7, 24)],
    },
    // Through aliases, namespace imports, copies, destructuring and promisify.
    { code: `${A}launch("dropdb", [name]);`, errors: [err(5, 8)] },
    { code: `${A}startSync("dropuser", [name]);`, errors: [err(5, 11)] },
    { code: `${A}const dropTenant = promisify(launch);\nawait dropTenant("dropdb", [name]);`, errors: [err(6, 18)] },
    { code: `${A}await promisify(execFile)("dropdb", [name]);`, errors: [err(5, 27)] },
    { code: `${A}const run2 = util.promisify(cp.execFile);\nawait run2("dropuser", [name]);`, errors: [err(6, 12)] },
    { code: `${A}const start = cp.spawn;\nstart("dropdb", [name]);`, errors: [err(6, 7)] },
    { code: `${A}const { spawn: s } = cp;\ns("dropdb", [name]);`, errors: [err(6, 3)] },
    {
      code: `${A}const { execFileSync: go } = await import("node:child_process");\ngo("dropdb", [name]);`,
      errors: [err(6, 4)],
    },
    { code: `${A}cp.spawnSync("redis-cli", ["FLUSHALL"]);`, errors: [err(5, 28)] },
    {
      code:
        `${A}function launchIt(program: string, argv: string[]) { return startSync(program, argv); }\nlaunchIt("dropdb", [name]);`,
      errors: [err(6, 10)],
    },
    {
      // execa as installed, imported under another name.
      code: `import { execa as sub } from "execa";\ndeclare const name: string;\nawait sub("dropdb", [name]);`,
      files: {
        "node_modules/execa/package.json":
          `{ "name": "execa", "version": "9.0.0", "type": "module", "types": "index.d.ts" }`,
        "node_modules/execa/index.d.ts":
          `export declare function execa(file: string, args?: readonly string[]): Promise<unknown>;`,
      },
      errors: [err(3, 11)],
    },
    {
      code:
        `${V}declare const require: (id: string) => any;\nconst { execFile: ef } = require("child_process");\nef("dropdb", [name]);`,
      errors: [err(5, 4)],
    },
    {
      code:
        `// @ts-ignore: execa is not installed here\nimport { execaSync as sub } from "execa";\ndeclare const name: string;\nsub("dropuser", [name]);`,
      errors: [err(4, 5)],
    },
    { code: `${A}const tools = { start: cp.execFile };\ntools.start("dropdb", [name]);`, errors: [err(6, 13)] },
    {
      code: `${A}const begin = cp.spawn;\nconst tools = { begin };\ntools.begin("dropuser", [name]);`,
      errors: [err(7, 13)],
    },
    { code: `${A}function go(f: typeof cp.execFile) { f("dropdb", [name]); }`, errors: [err(5, 40)] },
  ],
});
