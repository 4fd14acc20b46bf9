// The recovery checks (DESIGN §14) on MySQL/MariaDB (shared and dedicated
// forms) and Redis (shared form), against the real servers given by
// GD_MYSQL_URL and GD_REDIS_URL. The checks' purges run through a
// guardedDrop that lets only their own tokens through, so the shared servers
// are safe. The dedicated Redis form keeps its tenant's data in place and
// has its own suite (test/adapters/redis_quarantine.test.ts).

import { describe, test } from "node:test";
import {
  type ConformanceCheck,
  conformanceChecks,
  type ConformanceSubject,
  mysqlSubject,
  redisSubject,
  type ServerControl,
} from "../../harness/mod.ts";
import { envUrl, HOW_TO_GET, HOW_TO_GET_MYSQL } from "../support/servers.ts";

const RECOVERY_CHECKS = ["quarantine-restore-purge", "restore-taken", "restore-races-purge"];

function control(name: string, url: string): ServerControl {
  const refuse = async () => {
    throw new Error(`Cannot inject a fault into the shared ${name} server: no recovery check needs one`);
  };
  return {
    name,
    provider: "external",
    urls: () => ({ url }),
    stop: refuse,
    start: refuse,
    pause: refuse,
    unpause: refuse,
  };
}

const recoveryChecks = (subject: ConformanceSubject<unknown>): ConformanceCheck[] =>
  conformanceChecks(subject).filter((check) => RECOVERY_CHECKS.includes(check.id));

const mysqlUrl = envUrl("GD_MYSQL_URL");
describe("the recovery checks on MySQL/MariaDB", {
  skip: mysqlUrl === undefined ? `GD_MYSQL_URL is not set: ${HOW_TO_GET_MYSQL}` : false,
}, () => {
  for (const backend of ["shared", "dedicated"] as const) {
    for (
      const check of recoveryChecks(mysqlSubject(control("mysql", mysqlUrl!), backend) as ConformanceSubject<unknown>)
    ) {
      test(`${backend}: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
    }
  }
});

const redisUrl = envUrl("GD_REDIS_URL");
describe("the recovery checks on Redis", {
  skip: redisUrl === undefined ? `GD_REDIS_URL is not set: ${HOW_TO_GET.redis}` : false,
}, () => {
  for (
    const check of recoveryChecks(redisSubject(control("redis", redisUrl!), "shared") as ConformanceSubject<unknown>)
  ) {
    test(`shared: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
  }
});
