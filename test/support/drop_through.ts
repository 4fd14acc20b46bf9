/**
 * Runs one adapter drop through the audit fixture's guardedDrop and asserts
 * what every call must leave behind: exactly one `provisioner.drop` record
 * with the request's fields, exactly +1 on `provisioner_drop_total` with the
 * right labels (and +0 on every other series), and a `provisioner.drop.failed`
 * record exactly when the outcome is not `ok`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Deprovisioner, DROP_OUTCOMES, type DropError, type DropOutcome } from "../../lib/mod.ts";
import type { AuditFixture } from "./audit_fixture.ts";

/** What one guarded drop ended with. */
export interface DropResult {
  readonly outcome: DropOutcome;
  /** The error guardedDrop rejected with, when the outcome is not `ok`. */
  readonly error: DropError | undefined;
  readonly requestId: string;
  /** How long the guarded call took, in ms. */
  readonly elapsedMs: number;
}

/** Options of {@linkcode dropThrough}. */
export interface DropThroughOptions {
  /**
   * The token written in the request. By default the token dropped; a test
   * of the adapter's own name check gives a valid request token and a
   * hostile one to `deprovision`, so that the refusal comes from the adapter.
   */
  requestToken?: string;
  /** The outcome the call must end with. */
  expect: DropOutcome;
}

/**
 * `fixture.guardedDrop(req, () => adapter.deprovision(token))`, with the
 * per-call assertions.
 */
export async function dropThrough(
  fixture: AuditFixture,
  adapter: Deprovisioner,
  token: string,
  options: DropThroughOptions,
): Promise<DropResult> {
  const requestId = `req-${randomUUID()}`;
  const labels = { resource_type: adapter.resourceType, backend: adapter.backend };
  const before = await countsOf(fixture, labels);
  const totalBefore = await fixture.total();
  const requestToken = options.requestToken ?? token;
  let error: DropError | undefined;
  const started = performance.now();
  try {
    await fixture.guardedDrop(
      {
        token: requestToken,
        providerResourceId: `res-${requestToken}`,
        resourceType: adapter.resourceType,
        backend: adapter.backend,
        requestId,
        caller: "test/adapters",
      },
      () => adapter.deprovision(token),
    );
  } catch (err) {
    error = err as DropError;
  }
  const elapsedMs = performance.now() - started;
  const outcome: DropOutcome = error === undefined ? "ok" : error.outcome;
  assert.equal(outcome, options.expect, `outcome ${outcome}${error === undefined ? "" : `: ${error.message}`}`);

  const records = fixture.dropRecords(requestId);
  assert.equal(records.length, 1, "exactly one provisioner.drop record per call");
  const record = records[0]!;
  assert.equal(record.token, requestToken);
  assert.equal(record.resource_type, adapter.resourceType);
  assert.equal(record.backend, adapter.backend);
  assert.equal(record.caller, "test/adapters");
  const failed = fixture.failedRecords(requestId);
  assert.equal(failed.length, outcome === "ok" ? 0 : 1, "one provisioner.drop.failed record exactly when not ok");
  if (failed[0] !== undefined) {
    assert.equal(failed[0].outcome, outcome);
    assert.equal(failed[0].drop_id, record.drop_id);
  }

  const after = await countsOf(fixture, labels);
  for (const each of DROP_OUTCOMES) {
    assert.equal(
      after[each] - before[each],
      each === outcome ? 1 : 0,
      `provisioner_drop_total{outcome="${each}"} delta`,
    );
  }
  assert.equal(await fixture.total() - totalBefore, 1, "exactly +1 over all series");
  return { outcome, error, requestId, elapsedMs };
}

async function countsOf(
  fixture: AuditFixture,
  labels: { resource_type: string; backend: string },
): Promise<Record<DropOutcome, number>> {
  const counts = {} as Record<DropOutcome, number>;
  for (const outcome of DROP_OUTCOMES) counts[outcome] = await fixture.count({ ...labels, outcome });
  return counts;
}

/**
 * Tokens that must never reach a backend: reserved words, system names,
 * path and glob tricks, injection, empty, over-long and look-alike letters.
 */
export const HOSTILE_TOKENS: readonly string[] = Object.freeze([
  "postgres",
  "POSTGRES",
  "template0",
  "template1",
  "default",
  "admin",
  "root",
  "replication",
  "rdsadmin",
  "../x",
  "..",
  "a/b",
  "a;DROP DATABASE postgres",
  'a"; DROP ROLE postgres; --',
  "a' OR '1'='1",
  "*",
  "a*",
  "a?",
  "a[bc]",
  "a\\*",
  "a:b",
  "a b",
  "",
  "-rf",
  ".hidden",
  "x".repeat(64),
  "ｔｅｎａｎｔ", // full-width letters
  "tenant\u0000",
  "tenant\n",
  "%2e%2e",
  "a%2Fb",
]);
