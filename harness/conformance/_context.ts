/**
 * The context every conformance check runs in: the subject, the resolved
 * options, and the helpers the checks share (fresh tokens, requests, a
 * recorder and adapter that are always closed, clean-up through
 * guardedDrop).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deprovisioner, DropOutcome, DropRequest } from "../../lib/mod.ts";
import { type AuditRecorder, type CountLabels, createAuditRecorder } from "../audit_recorder.ts";
import type { ConformanceOptions, ConformancePolicy } from "./conformance_options.ts";
import type { ConformanceAdapterOptions, ConformanceSubject } from "./conformance_subject.ts";
import { checkPrefix } from "./_prefix.ts";
import { newTenantToken } from "./tenant_token.ts";

/** Who owns a tenant, for a clean-up: the subject or its neighbour. */
export type TenantOwner = Pick<ConformanceSubject, "createAdapter" | "resourceType" | "backend">;

/** The body of {@linkcode CheckContext.withDrop}. */
export type DropBody<A extends Deprovisioner = Deprovisioner> = (recorder: AuditRecorder, adapter: A) => Promise<void>;

/** What a check module gets: the subject, the options resolved, and shared helpers. */
export interface CheckContext {
  readonly subject: ConformanceSubject;
  /** Where the neighbour tenants live: `subject.neighbour`, else the subject. */
  readonly neighbour: Pick<
    ConformanceSubject,
    "createTenant" | "readTenant" | "createAdapter" | "resourceType" | "backend"
  >;
  readonly concurrentDrops: number;
  readonly sameTenantDrops: number;
  readonly policy: ConformancePolicy | undefined;
  readonly adapterOptions: ConformanceAdapterOptions;
  readonly faultAdapterOptions: ConformanceAdapterOptions;
  readonly restartTimeoutMs: number;
  /** A fresh token with the options' prefix. */
  freshToken(): string;
  /** A well-formed drop request for the token, with a unique request id. */
  request(token: string): DropRequest;
  /** The subject's counter labels for the outcome. */
  labels(outcome: DropOutcome): CountLabels;
  /** Runs `body` with a fresh recorder and adapter, and always closes both. */
  withDrop(
    body: DropBody,
    adapterOptions?: ConformanceAdapterOptions,
    recorder?: AuditRecorder,
    makeAdapter?: (options: ConformanceAdapterOptions) => Deprovisioner,
  ): Promise<void>;
  /** Drops leftovers through guardedDrop, like any other drop. */
  cleanUp(tokens: readonly string[], owner?: TenantOwner): Promise<void>;
  /** Waits until the subject's server answers `exists()` again after a fault. */
  waitUntilAnswering(token: string): Promise<void>;
  /** Why a fault check cannot run, or `undefined` when it can. */
  faultSkip(fault: "stop" | "pause"): string | undefined;
}

const DEFAULT_ADAPTER_OPTIONS: ConformanceAdapterOptions = { connectTimeoutMs: 5000, operationTimeoutMs: 30_000 };
const DEFAULT_FAULT_ADAPTER_OPTIONS: ConformanceAdapterOptions = { connectTimeoutMs: 1000, operationTimeoutMs: 2000 };
const DEFAULT_RESTART_TIMEOUT_MS = 120_000;
const ANSWER_POLL_MS = 250;

function checkCount(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TypeError(
      `Cannot make the conformance checks as '${option}' must be a positive integer: current value is ${String(value)}`,
    );
  }
  return value;
}

/**
 * Builds the context of one subject's checks, checking the options up front.
 *
 * @throws {TypeError} If `prefix`, `concurrentDrops` or `sameTenantDrops` is malformed.
 */
export function createCheckContext(subject: ConformanceSubject, options: ConformanceOptions): CheckContext {
  const concurrentDrops = checkCount(options.concurrentDrops, "concurrentDrops", 50);
  const sameTenantDrops = checkCount(options.sameTenantDrops, "sameTenantDrops", 10);
  const prefix = checkPrefix(options.prefix, "make the conformance checks");
  const faults = new Set(options.faults ?? ["stop", "pause"]);
  const adapterOptions = options.adapterOptions ?? DEFAULT_ADAPTER_OPTIONS;
  const faultAdapterOptions = options.faultAdapterOptions ?? DEFAULT_FAULT_ADAPTER_OPTIONS;
  const restartTimeoutMs = options.restartTimeoutMs ?? DEFAULT_RESTART_TIMEOUT_MS;
  const { resourceType, backend } = subject;
  let requestSequence = 0;

  const request = (token: string): DropRequest => ({
    token,
    providerResourceId: `res-${token}`,
    resourceType,
    backend,
    requestId: `conformance-${++requestSequence}-${token}`,
    caller: "guarded-drop/harness",
  });

  return {
    subject,
    neighbour: subject.neighbour ?? subject,
    concurrentDrops,
    sameTenantDrops,
    policy: options.policy,
    adapterOptions,
    faultAdapterOptions,
    restartTimeoutMs,
    freshToken: () => newTenantToken({ prefix }),
    request,
    labels: (outcome) => ({ resource_type: resourceType, backend, outcome }),

    async withDrop(
      body,
      adapterOpts = adapterOptions,
      recorder = createAuditRecorder(),
      makeAdapter = (o) => subject.createAdapter(o),
    ) {
      let adapter: Deprovisioner;
      try {
        adapter = makeAdapter(adapterOpts);
      } catch (err) {
        recorder.close();
        throw err;
      }
      try {
        await body(recorder, adapter);
      } finally {
        recorder.close();
        await adapter.close().catch(() => {});
      }
    },

    async cleanUp(tokens, owner = subject) {
      const recorder = createAuditRecorder();
      const adapter = owner.createAdapter(adapterOptions);
      try {
        for (const token of tokens) {
          await recorder.guardedDrop(
            { ...request(token), resourceType: owner.resourceType, backend: owner.backend },
            () => adapter.deprovision(token),
          );
        }
      } finally {
        recorder.close();
        await adapter.close().catch(() => {});
      }
    },

    async waitUntilAnswering(token) {
      const deadline = Date.now() + restartTimeoutMs;
      let last: unknown;
      while (Date.now() < deadline) {
        const adapter = subject.createAdapter(faultAdapterOptions);
        try {
          await adapter.exists(token);
          return;
        } catch (err) {
          last = err;
        } finally {
          await adapter.close().catch(() => {});
        }
        await new Promise((resolve) => setTimeout(resolve, ANSWER_POLL_MS));
      }
      throw new Error(`${subject.name} did not answer within ${restartTimeoutMs} ms of its restart: ${String(last)}`);
    },

    faultSkip(fault) {
      if (!faults.has(fault)) return `the ${fault} fault is not enabled for this run`;
      if (subject.server === undefined) return subject.faultsSkipReason ?? "the subject has no server control";
      return undefined;
    },
  };
}

/**
 * Awaits a drop that must fail with `outcome`, and returns its error.
 *
 * @throws {assert.AssertionError} If the drop succeeded or failed otherwise.
 */
export async function expectOutcome(promise: Promise<unknown>, outcome: DropOutcome): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    const e = err as Record<string, unknown>;
    assert.equal(e.outcome, outcome, `expected outcome ${outcome}, got ${String(e.outcome)}: ${String(e.message)}`);
    return e;
  }
  assert.fail(`expected outcome ${outcome}, but the drop succeeded`);
}
