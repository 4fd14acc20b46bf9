/**
 * The concurrency checks every adapter suite makes: N deprovisions of the
 * same tenant at once (a webhook retried, a double click) all end `ok`, in
 * one process and across processes (two replicas), with exactly N records
 * and +N, and the breaker stays closed for the next tenant.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Deprovisioner } from "../../lib/mod.ts";
import type { AuditFixture } from "./audit_fixture.ts";
import type { ChildReport, ChildSpec } from "./drop_child.ts";
import { dropThrough } from "./drop_through.ts";
import { bounded } from "./bounded.ts";

const CHILD = fileURLToPath(new URL("./drop_child.ts", import.meta.url));
const CHILD_READY_TIMEOUT_MS = 30_000;
const CHILD_RUN_TIMEOUT_MS = 60_000;

/**
 * Runs `n` concurrent guarded deprovisions of `token` through the fixture's
 * one guardedDrop, and asserts that all are `ok`, with n records and +n, and
 * that the breaker is still closed: a drop of another tenant right after is
 * `ok`, not `breaker_open`.
 */
export async function assertConcurrentDropsOk(
  fixture: AuditFixture,
  adapter: Deprovisioner,
  token: string,
  n: number,
  nextToken: string,
): Promise<void> {
  const labels = { resource_type: adapter.resourceType, backend: adapter.backend };
  const okBefore = await fixture.count({ ...labels, outcome: "ok" });
  const totalBefore = await fixture.total();
  const batch = `conc-${randomUUID()}`;
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      fixture.guardedDrop(
        {
          token,
          resourceType: adapter.resourceType,
          backend: adapter.backend,
          requestId: `${batch}-${i}`,
          caller: "test/adapters",
        },
        () => adapter.deprovision(token),
      )),
  );
  const failures = results.flatMap((r) =>
    r.status === "rejected" ? [`${(r.reason as { outcome?: string }).outcome}: ${(r.reason as Error).message}`] : []
  );
  assert.deepEqual(failures, [], `${n} concurrent deprovisions of one tenant`);
  assert.equal(
    fixture.dropRecords().filter((r) => r.request_id.startsWith(batch)).length,
    n,
    "provisioner.drop records",
  );
  assert.equal(
    fixture.failedRecords().filter((r) => r.request_id.startsWith(batch)).length,
    0,
    "provisioner.drop.failed records",
  );
  assert.equal(
    await fixture.count({ ...labels, outcome: "ok" }) - okBefore,
    n,
    "provisioner_drop_total{outcome=ok} delta",
  );
  assert.equal(await fixture.total() - totalBefore, n, "provisioner_drop_total delta, all series");
  // The breaker is still closed: the next, unrelated tenant goes through.
  await dropThrough(fixture, adapter, nextToken, { expect: "ok" });
}

/**
 * Starts `processes` children, each with its own adapter and guardedDrop,
 * lets them all run `spec.drops` concurrent deprovisions of one tenant at
 * the same moment, and asserts that every drop of every child is `ok`, with
 * `spec.drops` records and +`spec.drops` in each. Every child is killed in
 * `finally`, so a hung child fails the test instead of hanging it.
 */
export async function assertConcurrentDropsAcrossProcesses(spec: ChildSpec, processes: number): Promise<ChildReport[]> {
  const children: ChildProcess[] = [];
  try {
    const reports: Promise<ChildReport>[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < processes; i++) {
      const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(spec)], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      children.push(child);
      let stderr = "";
      child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
      const lines = createInterface({ input: child.stdout! });
      let markReady: () => void;
      ready.push(new Promise<void>((resolve) => (markReady = resolve)));
      reports.push(
        new Promise<ChildReport>((resolve, reject) => {
          lines.on("line", (line) => {
            if (line === "ready") markReady();
            else if (line.startsWith("{")) resolve(JSON.parse(line) as ChildReport);
          });
          child.once(
            "exit",
            (code) => reject(new Error(`child ${i} exited with ${code} before reporting: ${stderr.slice(0, 2000)}`)),
          );
        }),
      );
    }
    await bounded(Promise.all(ready), CHILD_READY_TIMEOUT_MS, "children ready");
    for (const child of children) child.stdin!.write("go\n");
    const all = await bounded(Promise.all(reports), CHILD_RUN_TIMEOUT_MS, "children's reports");
    all.forEach((report, i) => {
      assert.deepEqual(report.errors, [], `child ${i}: errors`);
      assert.deepEqual(report.outcomes, Array(spec.drops).fill("ok"), `child ${i}: outcomes`);
      assert.equal(report.records, spec.drops, `child ${i}: provisioner.drop records`);
      assert.equal(report.ok, spec.drops, `child ${i}: provisioner_drop_total{outcome=ok}`);
      assert.equal(report.total, spec.drops, `child ${i}: provisioner_drop_total, all series`);
    });
    return all;
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
