// The pieces the core's suites share: a sample request, audit fixtures that
// are closed after each test, the rejection of a guarded drop, and counter
// labels.

import assert from "node:assert/strict";
import { afterEach } from "node:test";
import type { DropOutcome, DropRequest } from "../../lib/mod.ts";
import { type AuditFixture, createAuditFixture } from "./audit_fixture.ts";

export const sampleRequest: DropRequest = {
  token: "acme42",
  providerResourceId: "res-7f3a",
  resourceType: "postgres",
  backend: "shared",
  requestId: "req-0001",
  caller: "billing.cancel",
};

/**
 * Returns a fixture factory for the calling test file; every fixture it
 * made is closed after each test. Call it once, at the top of the file.
 */
export function fixtureScope(): (options?: Parameters<typeof createAuditFixture>[0]) => AuditFixture {
  const fixtures: AuditFixture[] = [];
  afterEach(() => {
    while (fixtures.length > 0) fixtures.pop()!.close();
  });
  return (options = {}) => {
    const f = createAuditFixture(options);
    fixtures.push(f);
    return f;
  };
}

/** What the guarded drop rejected with; fails the test when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  assert.fail("expected the guarded drop to reject");
}

/** The counter labels of an outcome, postgres/shared unless told. */
export const labels = (outcome: DropOutcome, resource_type = "postgres", backend = "shared") => ({
  resource_type,
  backend,
  outcome,
});
