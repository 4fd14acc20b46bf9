/**
 * {@linkcode describeConformance}: the conformance checks as a node:test suite.
 *
 * @module
 */

import { conformanceChecks } from "./conformance_checks.ts";
import type { ConformanceOptions } from "./conformance_options.ts";
import type { ConformanceSubject } from "./conformance_subject.ts";

/**
 * Registers the checks of {@linkcode conformanceChecks} as a node:test
 * suite. A check that cannot run is registered as skipped, with its reason.
 *
 * @param subject The deprovision function, its server and its fixtures, or
 * a skip reason when the server is not available.
 * @param options Concurrency, faults and timeouts.
 *
 * @example
 * ```ts
 * import { describeConformance, type ConformanceSubject } from "guarded-drop/harness";
 *
 * declare const subject: ConformanceSubject;
 * await describeConformance(subject);
 * ```
 */
export async function describeConformance<Data>(
  subject: ConformanceSubject<Data> | { name: string; skip: string },
  options: ConformanceOptions = {},
): Promise<void> {
  const { describe, test } = await import("node:test");
  if ("skip" in subject) {
    describe(`conformance: ${subject.name}`, { skip: subject.skip }, () => {});
    return;
  }
  describe(`conformance: ${subject.name}`, () => {
    for (const check of conformanceChecks(subject, options)) {
      test(check.title, check.skip === undefined ? {} : { skip: check.skip }, () => check.run());
    }
  });
}
