/**
 * The options of the conformance checks, the platform policy they can
 * check, and the shape of one check.
 *
 * @module
 */

import type { DropAuthorizer, DropRequest } from "../../lib/mod.ts";
import type { ConformanceAdapterOptions } from "./conformance_subject.ts";

/**
 * The platform's own drop policy, for the `active-denied` check: the
 * `authorize` of `createGuardedDrop` (a `createTerminalityPolicy`, say),
 * and how to make a tenant active in the platform's records so that the
 * policy must deny its drop.
 *
 * @example With the terminality policy and an in-memory platform table
 * ```ts
 * import { createTerminalityPolicy } from "guarded-drop";
 * import type { ConformancePolicy } from "guarded-drop/harness";
 *
 * const status = new Map<string, string>();
 * const policy: ConformancePolicy = {
 *   authorize: createTerminalityPolicy({ lookup: async (req) => {
 *     const s = status.get(req.token);
 *     return s === undefined ? undefined : { status: s };
 *   } }),
 *   intent: "customer_request",
 *   markActive: (token) => void status.set(token, "active"),
 *   forget: (token) => void status.delete(token),
 * };
 * ```
 */
export interface ConformancePolicy {
  /** The policy under test. */
  readonly authorize: DropAuthorizer;
  /** Records the tenant as active (a paying customer) where the policy looks. */
  markActive(token: string, request: DropRequest): Promise<void> | void;
  /** Removes what `markActive` recorded. */
  forget?(token: string): Promise<void> | void;
  /**
   * The intent the drop request carries: one the policy knows, so that the
   * denial comes from the resource being active and not from the intent.
   *
   * @default {"customer_request"}
   */
  readonly intent?: string;
}

/**
 * Options of {@linkcode conformanceChecks}.
 *
 * @example
 * ```ts
 * import type { ConformanceOptions } from "guarded-drop/harness";
 *
 * const options: ConformanceOptions = { concurrentDrops: 10, faults: ["stop"] };
 * ```
 */
export interface ConformanceOptions {
  /**
   * How many tenants the concurrency check drops at once.
   *
   * @default {50}
   */
  concurrentDrops?: number;
  /**
   * How many drops of one and the same tenant the `same-tenant` check runs
   * at once (a webhook retried, a double click).
   *
   * @default {10}
   */
  sameTenantDrops?: number;
  /**
   * The prefix of every tenant token the checks make (see
   * {@linkcode newTenantToken}), so that they follow a shared server's
   * naming policy.
   *
   * @default {"gd"}
   */
  prefix?: string;
  /**
   * The platform's drop policy, for the `active-denied` check. Without it
   * that check is skipped with a reason. The other checks run without it.
   *
   * @default {undefined}
   */
  policy?: ConformancePolicy;
  /**
   * Which faults to inject.
   *
   * @default {["stop", "pause"]}
   */
  faults?: readonly ("stop" | "pause")[];
  /**
   * The adapter timeouts in ordinary checks.
   *
   * @default {{ connectTimeoutMs: 5000, operationTimeoutMs: 30000 }}
   */
  adapterOptions?: ConformanceAdapterOptions;
  /**
   * The adapter timeouts while the server is stopped or paused: short, so
   * that a hanging request turns into an error quickly.
   *
   * @default {{ connectTimeoutMs: 1000, operationTimeoutMs: 2000 }}
   */
  faultAdapterOptions?: ConformanceAdapterOptions;
  /**
   * How long a restarted server may take to answer again, in ms.
   *
   * @default {120000}
   */
  restartTimeoutMs?: number;
}

/**
 * One check: a title, and an async function that throws on failure.
 *
 * @example Running them with any test runner
 * ```ts
 * import { conformanceChecks, type ConformanceSubject } from "guarded-drop/harness";
 *
 * declare const subject: ConformanceSubject;
 * declare function test(name: string, fn: () => Promise<void>): void;
 * for (const check of conformanceChecks(subject)) test(check.title, check.run);
 * ```
 */
export interface ConformanceCheck {
  /**
   * A stable id: `drop`, `idempotent`, `hostile`, `odd-tokens`,
   * `case-variants`, `nothing-changed`, `concurrent`,
   * `same-tenant`, `audit-sink`, `not-own-server`, `active-denied`,
   * `quarantine-restore-purge`, `restore-taken`, `restore-races-purge`,
   * `stopped-server`, `breaker`, `paused-server`.
   */
  readonly id: string;
  /** The check's title, as the test runner shows it. */
  readonly title: string;
  /** Why the check cannot run here, when it cannot. Report it as skipped, never as passed. */
  readonly skip?: string;
  /** Runs the check: rejects with the failed assertion. */
  run(): Promise<void>;
}
