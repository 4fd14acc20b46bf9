/**
 * One guardedDrop call with a counting no-op drop, for the policy and budget
 * suites, and what every call must leave behind: the drop callback ran
 * exactly when the outcome is `ok`, exactly one `provisioner.drop` record,
 * a `provisioner.drop.failed` record exactly when not `ok` (with the error's
 * `reason`), and exactly +1 on `provisioner_drop_total` with the request's
 * labels.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DropError, DropOutcome, DropRequest } from "../../lib/mod.ts";
import type { AuditFixture, AuditLine } from "./audit_fixture.ts";

/** What one call ended with. */
export interface GuardedCallResult {
  /** The error guardedDrop rejected with, when the outcome is not `ok`. */
  readonly error: (DropError & { reason?: string; retryAfterMs?: number }) | undefined;
  /** Its `provisioner.drop.failed` record. */
  readonly failed: AuditLine | undefined;
  /** Its `provisioner.drop.warning` records. */
  readonly warnings: AuditLine[];
  readonly elapsedMs: number;
}

/** `fixture.guardedDrop(req, noop)`, asserted to end `expect`, with the per-call counts. */
export async function guardedCall(
  fixture: AuditFixture,
  req: DropRequest,
  expect: DropOutcome,
): Promise<GuardedCallResult> {
  const labels = { resource_type: req.resourceType, backend: req.backend };
  const before = await fixture.count({ ...labels, outcome: expect });
  const totalBefore = await fixture.total();
  let calls = 0;
  const started = performance.now();
  const error = await fixture.guardedDrop(req, () => {
    calls++;
  }).then(() => undefined, (err: unknown) => err as GuardedCallResult["error"]);
  const elapsedMs = performance.now() - started;
  const outcome = error === undefined ? "ok" : error.outcome;
  assert.equal(outcome, expect, `${req.token} (${req.intent ?? "no intent"}): outcome ${outcome}: ${error?.message}`);
  assert.equal(calls, expect === "ok" ? 1 : 0, "the drop callback ran exactly when ok");
  assert.equal(fixture.dropRecords(req.requestId).length, 1, "exactly one provisioner.drop record");
  const failed = fixture.failedRecords(req.requestId);
  assert.equal(failed.length, expect === "ok" ? 0 : 1, "a provisioner.drop.failed record exactly when not ok");
  if (failed[0] !== undefined) assert.equal(failed[0].reason, error?.reason, "the record carries the error's reason");
  assert.equal(
    await fixture.count({ ...labels, outcome: expect }) - before,
    1,
    `provisioner_drop_total{outcome="${expect}"} +1`,
  );
  assert.equal(await fixture.total() - totalBefore, 1, "and +0 on every other series");
  const warnings = fixture.lines().filter((l) =>
    l.event === "provisioner.drop.warning" && l.request_id === req.requestId
  );
  return { error, failed: failed[0], warnings, elapsedMs };
}
