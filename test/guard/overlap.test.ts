// Every built-in rule at once, as the CLI runs them: one operation is one
// finding, under the rule for how it runs (a child process, an ORM) rather
// than the statement it carries; prose stays quiet under every rule.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Finding, scan } from "../../guard/mod.ts";
import { testTsconfig } from "./_rule_tester.ts";

// Each line of CODE ends in `// <rule-id>` when it holds one operation, or
// `// quiet`.
const CODE = `import { execFileSync, execSync, spawn } from "node:child_process";
import { Sequelize } from "sequelize";
import { PrismaClient } from "@prisma/client";
import { MongoClient } from "mongodb";
declare const name: string; declare const redis: any; declare const vhost: string; declare const logger: any;
declare const mongo: MongoClient; declare function it(t: string, f: () => void): void;
const prisma = new PrismaClient();
const qi = new Sequelize("postgres://x").getQueryInterface();
const args = ["delete_user", name]; // cli-drop
spawn("redis-cli", ["-n", "2", "FLUSHALL"]); // cli-drop
execSync("redis-cli flushdb"); // cli-drop
execFileSync("psql", ["-c", "DROP DATABASE x"]); // cli-drop
execFileSync("rabbitmqctl", ["delete_vhost", vhost]); // cli-drop
execFileSync("rabbitmqctl", args); // quiet
execSync(\`mongosh --eval 'db.dropDatabase()'\`); // cli-drop
await qi.dropDatabase(name); // orm-drop
await prisma.$executeRawUnsafe(\`DROP DATABASE \${name}\`); // orm-drop
await prisma.$executeRaw\`DROP SCHEMA x\`; // orm-drop
await mongo.db(name).dropDatabase(); // mongodb-drop
await mongo.db().removeUser(name); // mongodb-drop
await redis.call("ACL", "DELUSER", name); // redis-acl-deluser
await redis.multi().flushAll().exec(); // redis-flush
console.log(\`refusing "DROP DATABASE \${name}"\`); // quiet
logger.warn("FLUSHALL and ACL DELUSER are denied; dropdb too"); // quiet
it("drops the DROP DATABASE tenant via dropdb", () => {}); // quiet
await redis.acl("SETUSER", name, "-flushall", "-@dangerous", "-acl|deluser"); // quiet
await mongo.db().command({ createRole: "r", privileges: [{ resource: { db: "x", collection: "" }, actions: ["dropDatabase", "dropUser"] }], roles: [] }); // quiet
export const conf = "rename-command FLUSHALL \\"\\""; // quiet
`;

let work = "";
let findings: readonly Finding[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), "drop-guard-overlap-"));
  writeFileSync(join(work, "tsconfig.json"), testTsconfig());
  writeFileSync(join(work, "main.ts"), CODE);
  findings = (await scan({ cwd: work, project: join(work, "tsconfig.json"), config: {} })).findings;
});
after(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("every rule at once", () => {
  test("one finding per operation, under the rule for how it runs", () => {
    const expected = CODE.split("\n").flatMap((line, index) => {
      const rule = /\/\/ ([a-z-]+)$/.exec(line)?.[1];
      return rule === undefined || rule === "quiet" ? [] : [`${index + 1} ${rule}`];
    });
    assert.equal(expected.length, 13);
    assert.deepEqual(findings.map((f) => `${f.line} ${f.ruleId}`), expected, JSON.stringify(findings, null, 2));
  });
});
