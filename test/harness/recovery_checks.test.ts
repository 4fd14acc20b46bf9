// The recovery checks (DESIGN §14) on PostgreSQL, shared and dedicated,
// against the real server given by GD_POSTGRES_URL, plus a mutant whose
// "quarantine" really drops: the checks must fail on it (they have teeth).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ConformanceCheck, conformanceChecks, type ConformanceSubject, postgresSubject, type ServerControl } from "../../harness/mod.ts";
import { envUrl, HOW_TO_GET } from "../support/servers.ts";

const RECOVERY_CHECKS = ["quarantine-restore-purge", "restore-taken", "restore-races-purge"];
const url = envUrl("GD_POSTGRES_URL");
const skip = url === undefined ? `GD_POSTGRES_URL is not set: ${HOW_TO_GET.postgres}` : false;

function control(): ServerControl {
  const refuse = async () => {
    throw new Error("Cannot inject a fault into the shared PostgreSQL server: no recovery check needs one");
  };
  return { name: "postgres", provider: "external", urls: () => ({ url: url! }), stop: refuse, start: refuse, pause: refuse, unpause: refuse };
}

const recoveryChecks = (subject: ConformanceSubject<unknown>): ConformanceCheck[] =>
  conformanceChecks(subject).filter((check) => RECOVERY_CHECKS.includes(check.id));

describe("the recovery checks on PostgreSQL", { skip }, () => {
  for (const backend of ["shared", "dedicated"] as const) {
    for (const check of recoveryChecks(postgresSubject(control(), backend))) {
      test(`${backend}: ${check.title}`, { skip: check.skip ?? false }, () => check.run());
    }
  }

  test("a subject without recovery skips them with the reason", () => {
    const { recovery: _, ...plain } = postgresSubject(control(), "shared");
    const checks = recoveryChecks(plain);
    assert.equal(checks.length, 3);
    for (const check of checks) assert.match(check.skip ?? "", /has no restore \('recovery' on the subject\)/);
  });

  test("a mutant whose quarantine drops fails quarantine-restore-purge", async () => {
    const real = postgresSubject(control(), "shared");
    const mutant: ConformanceSubject<unknown> = {
      ...real,
      recovery: {
        ...real.recovery!,
        createAdapter: (options) => {
          const adapter = real.recovery!.createAdapter(options);
          const dropper = real.createAdapter({ connectTimeoutMs: options.connectTimeoutMs, operationTimeoutMs: options.operationTimeoutMs });
          return {
            ...adapter,
            deprovision: async (token) => {
              await dropper.deprovision(token);
              return { action: "quarantine" as const };
            },
            close: async () => {
              await dropper.close();
              await adapter.close();
            },
          };
        },
      },
    };
    const [check] = recoveryChecks(mutant).filter((c) => c.id === "quarantine-restore-purge");
    await assert.rejects(check!.run(), /quarantined copies/);
  });
});
