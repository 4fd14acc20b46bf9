/**
 * {@linkcode conformanceChecks}: the end-to-end checks for one deprovision
 * function on one real server. Each check is its own module in `checks/`.
 *
 * @module
 */

import { CHECKS } from "./checks/mod.ts";
import type { ConformanceCheck, ConformanceOptions } from "./conformance_options.ts";
import type { ConformanceSubject } from "./conformance_subject.ts";
import { createCheckContext } from "./_context.ts";

/**
 * The conformance checks for one subject.
 *
 * @param subject The deprovision function, its server and its tenant fixtures.
 * @param options Concurrency, token prefix, the platform's policy, faults and timeouts.
 * @returns The checks, in a sensible order (faults last).
 * @throws {TypeError} If `prefix`, `concurrentDrops` or `sameTenantDrops` is malformed.
 *
 * @example
 * ```ts
 * import { conformanceChecks, type ConformanceSubject } from "guarded-drop/harness";
 *
 * declare const subject: ConformanceSubject;
 * for (const check of conformanceChecks(subject, { concurrentDrops: 10 })) {
 *   if (check.skip) console.log(`SKIP ${check.title}: ${check.skip}`);
 *   else await check.run();
 * }
 * ```
 */
export function conformanceChecks<Data>(
  subject: ConformanceSubject<Data>,
  options: ConformanceOptions = {},
): ConformanceCheck[] {
  const ctx = createCheckContext(subject, options);
  return CHECKS.map((check) => ({
    id: check.id,
    title: check.title(ctx),
    skip: check.skip?.(ctx),
    run: () => check.run(ctx),
  }));
}
