/**
 * The end-to-end conformance checks: for one deprovision
 * function on one real server, every drop yields exactly one audit record
 * and one counter increment, the tenant is really gone, and its neighbours
 * are untouched, including under faults.
 *
 * The checks are plain async functions, so that any test runner can run
 * them; {@linkcode describeConformance} registers them with node:test.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, Deprovisioner, DropAuthorizer, DropRequest } from "../lib/mod.ts";
import { type AuditRecorder, createAuditRecorder } from "./audit_recorder.ts";
import type { ServerControl } from "./server_control.ts";

/**
 * The timeouts a subject's adapter is made with.
 *
 * @example
 * ```ts
 * import type { ConformanceAdapterOptions } from "guarded-drop/harness";
 *
 * const options: ConformanceAdapterOptions = { connectTimeoutMs: 1000, operationTimeoutMs: 5000 };
 * ```
 */
export interface ConformanceAdapterOptions {
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

/**
 * What the checks run against: a deprovision function on a real server, a
 * way to create a tenant with data, and a way to read a tenant back.
 *
 * @example Your own deprovision function
 * ```ts
 * import type { ConformanceSubject } from "guarded-drop/harness";
 *
 * declare function myAdapter(): import("guarded-drop").Deprovisioner;
 * declare function seed(token: string): Promise<string[]>;
 * declare function read(token: string): Promise<string[] | undefined>;
 *
 * const subject: ConformanceSubject<string[]> = {
 *   name: "my postgres",
 *   resourceType: "postgres",
 *   backend: "shared",
 *   createAdapter: () => myAdapter(),
 *   createTenant: seed,
 *   readTenant: read,
 * };
 * ```
 */
export interface ConformanceSubject<Data = unknown> {
  /** A title for the checks, e.g. `postgres shared (containers)`. */
  readonly name: string;
  /** The `resource_type` label the drops are counted under. */
  readonly resourceType: string;
  /** The `backend` label. */
  readonly backend: Backend;
  /**
   * Makes an adapter for the server as it is now: read the URL from the
   * server control every time, because a restart can move it.
   */
  createAdapter(options: ConformanceAdapterOptions): Deprovisioner;
  /** Creates a tenant with data, and returns the data as `readTenant` will read it. */
  createTenant(token: string): Promise<Data>;
  /**
   * Reads the tenant straight from the server, not through the adapter: its
   * data, or `undefined` when nothing of it is left.
   */
  readTenant(token: string): Promise<Data | undefined>;
  /** Throws when a system object is gone (the `postgres` database, the `default` user, the `/` vhost…). */
  systemIntact?(): Promise<void>;
  /**
   * Where the neighbour tenants live. By default on the same server, made
   * by this subject. A backend whose server holds one tenant only (dedicated
   * Redis: FLUSHALL takes the whole server) has its neighbours on another
   * server, with their own adapter for the clean-up.
   */
  readonly neighbour?: Pick<ConformanceSubject<Data>, "createTenant" | "readTenant" | "createAdapter" | "resourceType" | "backend">;
  /**
   * Whether the server holds one tenant only. The concurrency check then
   * drops that one tenant many times at once, instead of many tenants.
   *
   * @default {false}
   */
  readonly oneTenantPerServer?: boolean;
  /**
   * A server that is not the tenant's own, holding another tenant's data,
   * for a subject whose drop must prove ownership first (a dedicated Redis
   * drop is FLUSHALL). The `not-own-server` check points the adapter at it,
   * expects `refused`, and reads the data back intact. Without it that check
   * is skipped with a reason.
   */
  readonly notOwnServer?: NotOwnServer<Data>;
  /** The server's fault controls. Without them the fault checks are skipped with a reason. */
  readonly server?: ServerControl;
  /** Why the fault checks cannot run on this server, when `server` cannot do faults. */
  readonly faultsSkipReason?: string;
}

/**
 * A server that is not the tenant's own (what a wrong URL points at), for
 * the `not-own-server` check. Put it on a throwaway server: if the adapter
 * under test is wrong, it wipes it.
 *
 * @example A Redis that holds another tenant's keys and only `default`
 * ```ts
 * import type { NotOwnServer } from "guarded-drop/harness";
 *
 * declare function adapterFor(url: string): import("guarded-drop").Deprovisioner;
 * declare function writeKeys(url: string): Promise<string[]>;
 * declare function readKeys(url: string): Promise<string[]>;
 * declare function removeKeys(url: string): Promise<void>;
 *
 * const url = "redis://127.0.0.1:16380";
 * const foreign: NotOwnServer<string[]> = {
 *   createAdapter: () => adapterFor(url),
 *   createData: () => writeKeys(url),
 *   readData: () => readKeys(url),
 *   removeData: () => removeKeys(url),
 * };
 * ```
 */
export interface NotOwnServer<Data = unknown> {
  /** Makes the subject's adapter, pointed at this server. */
  createAdapter(options: ConformanceAdapterOptions): Deprovisioner;
  /** Puts another tenant's data on it, and returns it as `readData` will read it. */
  createData(): Promise<Data>;
  /** Reads that data straight from the server. */
  readData(): Promise<Data>;
  /** Removes that data afterwards, without the adapter. */
  removeData(): Promise<void>;
}

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
   * A stable id: `drop`, `idempotent`, `hostile`, `concurrent`,
   * `same-tenant`, `audit-sink`, `not-own-server`, `active-denied`,
   * `stopped-server`, `breaker`, `paused-server`.
   */
  readonly id: string;
  readonly title: string;
  /** Why the check cannot run here, when it cannot. Report it as skipped, never as passed. */
  readonly skip?: string;
  run(): Promise<void>;
}

/**
 * Tokens a careless or compromised caller could hand over. guardedDrop and
 * the adapter must both refuse every one of them.
 *
 * @example Checking your own name rules against them
 * ```ts
 * import { createNameRules, isRefusedError } from "guarded-drop";
 * import { HOSTILE_TOKENS } from "guarded-drop/harness";
 *
 * const rules = createNameRules({ reserved: ["platform"] });
 * for (const token of HOSTILE_TOKENS) {
 *   try {
 *     rules.checkNamingToken(token);
 *     throw new Error(`accepted ${JSON.stringify(token)}`);
 *   } catch (err) {
 *     if (!isRefusedError(err)) throw err;
 *   }
 * }
 * ```
 */
export const HOSTILE_TOKENS: readonly string[] = Object.freeze([
  "postgres",
  "template1",
  "default",
  "admin",
  "ROOT",
  "rdsadmin",
  "",
  "*",
  "acme*",
  "../etc",
  // drop-guard-ignore-next-line sql-drop -- an injection attempt the checks must refuse; it is data, never run
  "a;DROP DATABASE postgres",
  "a' OR '1'='1",
  "acme:1",
  "ａｃｍｅ",
  "acme\u0000",
  "x".repeat(64),
]);

const DEFAULT_ADAPTER_OPTIONS: ConformanceAdapterOptions = { connectTimeoutMs: 5000, operationTimeoutMs: 30_000 };
const DEFAULT_FAULT_ADAPTER_OPTIONS: ConformanceAdapterOptions = { connectTimeoutMs: 1000, operationTimeoutMs: 2000 };
const CREATE_CONCURRENCY = 5;
let tokenSequence = 0;

const PREFIX = /^[a-z][a-z0-9_-]{0,19}$/;

/**
 * Options of {@linkcode newTenantToken}.
 *
 * @example
 * ```ts
 * import type { TenantTokenOptions } from "guarded-drop/harness";
 *
 * const options: TenantTokenOptions = { prefix: "ci_" };
 * ```
 */
export interface TenantTokenOptions {
  /**
   * What every token starts with: 1 to 20 lower-case letters, digits, `_`
   * or `-`, starting with a letter.
   *
   * @default {"gd"}
   */
  prefix?: string;
}

/**
 * A fresh tenant token, unique across runs and processes: the prefix, then
 * 13 or more lower-case letters and digits. With a prefix of up to 20
 * characters it stays short enough for every name (`dedicated_db_<t>x`
 * stays under 63 bytes), and it passes the default name rules.
 *
 * @param options The prefix.
 * @returns A token such as `gdm4x2k1a7f3q1`.
 * @throws {TypeError} If the prefix is not 1 to 20 lower-case letters,
 * digits, `_` or `-` starting with a letter.
 *
 * @example
 * ```ts
 * import { newTenantToken } from "guarded-drop/harness";
 *
 * console.log(newTenantToken()); // "gd…"
 * console.log(newTenantToken({ prefix: "ci_" })); // "ci_…"
 * ```
 */
export function newTenantToken(options: TenantTokenOptions = {}): string {
  const prefix = checkPrefix(options?.prefix, "make a tenant token");
  const random = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, "0");
  return `${prefix}${Date.now().toString(36)}${random}${(tokenSequence++).toString(36)}`;
}

function checkPrefix(prefix: unknown, action: string): string {
  if (prefix === undefined) return "gd";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    const shown = typeof prefix === "string" ? JSON.stringify(prefix.slice(0, 40)) : typeof prefix;
    throw new TypeError(
      `Cannot ${action} as 'prefix' must be 1 to 20 lower-case letters, digits, '_' or '-', starting with a letter: current value is ${shown}`,
    );
  }
  return prefix;
}

function checkCount(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`Cannot make the conformance checks as '${option}' must be a positive integer: current value is ${String(value)}`);
  }
  return value;
}

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
  const concurrentDrops = checkCount(options.concurrentDrops, "concurrentDrops", 50);
  const sameTenantDrops = checkCount(options.sameTenantDrops, "sameTenantDrops", 10);
  const prefix = checkPrefix(options.prefix, "make the conformance checks");
  const freshToken = () => newTenantToken({ prefix });
  const policy = options.policy;
  const faults = new Set(options.faults ?? ["stop", "pause"]);
  const adapterOptions = options.adapterOptions ?? DEFAULT_ADAPTER_OPTIONS;
  const faultAdapterOptions = options.faultAdapterOptions ?? DEFAULT_FAULT_ADAPTER_OPTIONS;
  const restartTimeoutMs = options.restartTimeoutMs ?? 120_000;
  const { resourceType, backend } = subject;
  const labels = (outcome: "ok" | "error" | "breaker_open" | "refused" | "denied" | "audit_failed") => ({
    resource_type: resourceType,
    backend,
    outcome,
  });
  let requestSequence = 0;
  const request = (token: string): DropRequest => ({
    token,
    providerResourceId: `res-${token}`,
    resourceType,
    backend,
    requestId: `conformance-${++requestSequence}-${token}`,
    caller: "guarded-drop/harness",
  });

  /** Runs `body` with a fresh recorder and adapter, and always closes both. */
  async function withDrop(
    body: (recorder: AuditRecorder, adapter: Deprovisioner) => Promise<void>,
    adapterOpts = adapterOptions,
    recorder = createAuditRecorder(),
    makeAdapter: (options: ConformanceAdapterOptions) => Deprovisioner = (o) => subject.createAdapter(o),
  ): Promise<void> {
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
  }

  const neighbour = subject.neighbour ?? subject;

  /** Drops leftovers through guardedDrop, like any other drop. */
  async function cleanUp(tokens: string[], owner: Pick<ConformanceSubject<Data>, "createAdapter" | "resourceType" | "backend"> = subject): Promise<void> {
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
  }

  async function expectOutcome(promise: Promise<unknown>, outcome: string): Promise<Record<string, unknown>> {
    try {
      await promise;
    } catch (err) {
      const e = err as Record<string, unknown>;
      assert.equal(e.outcome, outcome, `expected outcome ${outcome}, got ${String(e.outcome)}: ${String(e.message)}`);
      return e;
    }
    assert.fail(`expected outcome ${outcome}, but the drop succeeded`);
  }

  async function waitUntilAnswering(token: string): Promise<void> {
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
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${subject.name} did not answer within ${restartTimeoutMs} ms of its restart: ${String(last)}`);
  }

  const faultSkip = (fault: "stop" | "pause"): string | undefined => {
    if (!faults.has(fault)) return `the ${fault} fault is not enabled for this run`;
    if (subject.server === undefined) return subject.faultsSkipReason ?? "the subject has no server control";
    return undefined;
  };

  const checks: ConformanceCheck[] = [
    {
      id: "drop",
      title: "drops the tenant and only the tenant, with one record and +1",
      async run() {
        const token = freshToken();
        const other = `${token}x`; // its token extends the dropped one's
        const data = await subject.createTenant(token);
        const otherData = await neighbour.createTenant(other);
        try {
          assert.deepEqual(await subject.readTenant(token), data, "precondition: the tenant can be read back");
          await withDrop(async (recorder, adapter) => {
            assert.equal(await adapter.exists(token), true, "precondition: exists() sees the tenant");
            const req = request(token);
            await recorder.guardedDrop(req, () => adapter.deprovision(token));
            assert.equal(await adapter.exists(token), false, "exists() after the drop");
            assert.equal(await subject.readTenant(token), undefined, "a direct read after the drop");
            assert.deepEqual(await neighbour.readTenant(other), otherData, "the neighbour's data");
            if (neighbour === subject) assert.equal(await adapter.exists(other), true, "the neighbour exists");
            const records = recorder.dropRecords();
            assert.equal(records.length, 1, "provisioner.drop records");
            const [record] = records;
            assert.deepEqual(
              {
                token: record!.token,
                provider_resource_id: record!.provider_resource_id,
                resource_type: record!.resource_type,
                backend: record!.backend,
                request_id: record!.request_id,
                caller: record!.caller,
              },
              {
                token,
                provider_resource_id: req.providerResourceId,
                resource_type: resourceType,
                backend,
                request_id: req.requestId,
                caller: req.caller,
              },
            );
            assert.equal(recorder.failedRecords().length, 0, "provisioner.drop.failed records");
            assert.equal(await recorder.count(labels("ok")), 1, "provisioner_drop_total{outcome=ok}");
            assert.equal(await recorder.total(), 1, "provisioner_drop_total, all series");
          });
        } finally {
          await cleanUp([token]);
          await cleanUp([other], neighbour);
        }
      },
    },
    {
      id: "idempotent",
      title: "a second drop, and a drop of a tenant that never existed, succeed",
      async run() {
        const token = freshToken();
        await subject.createTenant(token);
        await withDrop(async (recorder, adapter) => {
          await recorder.guardedDrop(request(token), () => adapter.deprovision(token));
          await recorder.guardedDrop(request(token), () => adapter.deprovision(token));
          const never = freshToken();
          await recorder.guardedDrop(request(never), () => adapter.deprovision(never));
          assert.equal(await adapter.exists(token), false);
          assert.equal(recorder.dropRecords().length, 3);
          assert.equal(await recorder.count(labels("ok")), 3);
          assert.equal(await recorder.total(), 3);
        });
      },
    },
    {
      id: "hostile",
      title: "hostile targets are refused by guardedDrop and by the adapter, and nothing is dropped",
      async run() {
        const other = freshToken();
        const otherData = await neighbour.createTenant(other);
        try {
          await withDrop(async (recorder, adapter) => {
            let called = 0;
            for (const hostile of HOSTILE_TOKENS) {
              await expectOutcome(
                recorder.guardedDrop(request(hostile), () => {
                  called++;
                  return adapter.deprovision(hostile);
                }),
                "refused",
              );
            }
            assert.equal(called, 0, "guardedDrop never called the drop for a hostile token");
            // A provisioner that audits one tenant and hands the adapter another:
            // the adapter's own checks must refuse before anything destructive.
            for (const hostile of HOSTILE_TOKENS) {
              await expectOutcome(recorder.guardedDrop(request(other), () => adapter.deprovision(hostile)), "refused");
              await assert.rejects(adapter.exists(hostile), { code: "GD_REFUSED" }, `exists(${JSON.stringify(hostile)})`);
            }
            const n = HOSTILE_TOKENS.length;
            assert.equal(recorder.dropRecords().length, 2 * n);
            assert.equal(recorder.failedRecords().length, 2 * n);
            assert.equal(await recorder.count(labels("refused")), 2 * n);
            assert.equal(await recorder.total(), 2 * n);
            assert.deepEqual(await neighbour.readTenant(other), otherData, "the neighbour's data");
            await subject.systemIntact?.();
          });
        } finally {
          await cleanUp([other], neighbour);
        }
      },
    },
    {
      id: "concurrent",
      title: `${concurrentDrops} concurrent drops give exactly ${concurrentDrops} records and +${concurrentDrops}`,
      async run() {
        // One server, one tenant: drop that tenant many times at once instead.
        const tokens = subject.oneTenantPerServer === true
          ? Array.from({ length: concurrentDrops }, () => "").fill(freshToken())
          : Array.from({ length: concurrentDrops }, () => freshToken());
        const distinct = [...new Set(tokens)];
        for (let i = 0; i < distinct.length; i += CREATE_CONCURRENCY) {
          await Promise.all(distinct.slice(i, i + CREATE_CONCURRENCY).map((t) => subject.createTenant(t)));
        }
        try {
          await withDrop(async (recorder, adapter) => {
            await Promise.all(tokens.map((t) => recorder.guardedDrop(request(t), () => adapter.deprovision(t))));
            const records = recorder.dropRecords();
            assert.equal(records.length, concurrentDrops);
            assert.equal(new Set(records.map((r) => r.drop_id)).size, concurrentDrops, "unique drop ids");
            assert.deepEqual(new Set(records.map((r) => r.token)), new Set(distinct));
            assert.equal(await recorder.count(labels("ok")), concurrentDrops);
            assert.equal(await recorder.total(), concurrentDrops);
            const left = [];
            for (const t of distinct) if ((await subject.readTenant(t)) !== undefined) left.push(t);
            assert.deepEqual(left, [], "tenants left after the drops");
          });
        } catch (err) {
          // Only a failed run leaves tenants behind; a passing one proved them gone.
          await cleanUp(distinct).catch(() => {});
          throw err;
        }
      },
    },
    {
      id: "same-tenant",
      title: `${sameTenantDrops} concurrent drops of the same tenant all end ok, with ${sameTenantDrops} records and +${sameTenantDrops}, and the breaker stays closed`,
      async run() {
        const token = freshToken();
        await subject.createTenant(token);
        try {
          await withDrop(async (recorder, adapter) => {
            const results = await Promise.allSettled(
              Array.from({ length: sameTenantDrops }, () => recorder.guardedDrop(request(token), () => adapter.deprovision(token))),
            );
            const failures = results.flatMap((r) =>
              r.status === "rejected" ? [`${String((r.reason as { outcome?: unknown }).outcome)}: ${String((r.reason as Error).message)}`] : []
            );
            assert.deepEqual(failures, [], `${sameTenantDrops} concurrent drops of one tenant`);
            const records = recorder.dropRecords();
            assert.equal(records.length, sameTenantDrops, "provisioner.drop records");
            assert.equal(new Set(records.map((r) => r.drop_id)).size, sameTenantDrops, "unique drop ids");
            assert.equal(recorder.failedRecords().length, 0, "provisioner.drop.failed records");
            assert.equal(await recorder.count(labels("ok")), sameTenantDrops, "provisioner_drop_total{outcome=ok}");
            assert.equal(await recorder.total(), sameTenantDrops, "provisioner_drop_total, all series");
            assert.equal(await adapter.exists(token), false, "exists() after the drops");
            assert.equal(await subject.readTenant(token), undefined, "a direct read after the drops");
            // The breaker is still closed: the next tenant's drop runs.
            const next = freshToken();
            await recorder.guardedDrop(request(next), () => adapter.deprovision(next));
            assert.equal(await recorder.count(labels("ok")), sameTenantDrops + 1, "the next tenant's drop");
            assert.equal(await recorder.count(labels("breaker_open")), 0, "provisioner_drop_total{outcome=breaker_open}");
          });
        } catch (err) {
          await cleanUp([token]).catch(() => {});
          throw err;
        }
      },
    },
    {
      id: "not-own-server",
      title: "a server that is not the tenant's own is refused, and its data is intact",
      skip: subject.notOwnServer === undefined
        ? "the subject gives no server that is not the tenant's own ('notOwnServer'): opt in where a drop must prove ownership"
        : undefined,
      async run() {
        const foreign = subject.notOwnServer!;
        const data = await foreign.createData();
        try {
          await withDrop(async (recorder, wrong) => {
            let called = 0;
            const token = freshToken();
            for (let i = 0; i < 2; i++) {
              const err = await expectOutcome(recorder.guardedDrop(request(token), () => {
                called++;
                return wrong.deprovision(token);
              }), "refused");
              assert.equal(err.code, "GD_REFUSED");
            }
            assert.equal(called, 2, "the drop ran, and the adapter itself refused");
            assert.equal(recorder.dropRecords().length, 2, "provisioner.drop records");
            assert.equal(recorder.failedRecords().length, 2, "provisioner.drop.failed records");
            assert.equal(await recorder.count(labels("refused")), 2, "provisioner_drop_total{outcome=refused}");
            assert.equal(await recorder.total(), 2, "provisioner_drop_total, all series");
            assert.deepEqual(await foreign.readData(), data, "the other tenant's data on that server");
          }, adapterOptions, createAuditRecorder(), (opts) => foreign.createAdapter(opts));
        } finally {
          await foreign.removeData();
        }
      },
    },
    {
      id: "active-denied",
      title: "an active resource is denied by the platform's policy, and its data is intact",
      skip: policy === undefined ? "no policy was given ('policy' in the options): the check runs with the platform's own authorize" : undefined,
      async run() {
        const token = freshToken();
        const data = await subject.createTenant(token);
        const req: DropRequest = { ...request(token), intent: policy!.intent ?? "customer_request" };
        try {
          await policy!.markActive(token, req);
          await withDrop(async (recorder, adapter) => {
            let called = 0;
            const err = await expectOutcome(recorder.guardedDrop(req, () => {
              called++;
              return adapter.deprovision(token);
            }), "denied");
            assert.equal(err.code, "GD_DENIED");
            assert.equal(called, 0, "the drop callback ran");
            assert.equal(recorder.dropRecords().length, 1, "provisioner.drop records");
            const failed = recorder.failedRecords();
            assert.equal(failed.length, 1, "provisioner.drop.failed records");
            assert.equal(failed[0]!.outcome, "denied");
            assert.ok(typeof failed[0]!.reason === "string" && failed[0]!.reason.length > 0, "the failed record says why (reason)");
            assert.equal(await recorder.count(labels("denied")), 1, "provisioner_drop_total{outcome=denied}");
            assert.equal(await recorder.total(), 1, "provisioner_drop_total, all series");
            assert.equal(await adapter.exists(token), true, "exists() after the denied drop");
            assert.deepEqual(await subject.readTenant(token), data, "the active tenant's data");
          }, adapterOptions, createAuditRecorder({ authorize: policy!.authorize }));
        } finally {
          await policy!.forget?.(token);
          await cleanUp([token]);
        }
      },
    },
    {
      id: "audit-sink",
      title: "a failing audit sink means the drop never runs, and the data is intact",
      async run() {
        const token = freshToken();
        const data = await subject.createTenant(token);
        try {
          let called = 0;
          const drop = (adapter: Deprovisioner) => () => {
            called++;
            return adapter.deprovision(token);
          };
          // A durable store that rejects.
          const failingStore = createAuditRecorder({ auditStore: { append: () => Promise.reject(new Error("audit store down")) } });
          await withDrop(async (recorder, adapter) => {
            await expectOutcome(recorder.guardedDrop(request(token), drop(adapter)), "audit_failed");
            assert.equal(await recorder.count(labels("audit_failed")), 1);
          }, adapterOptions, failingStore);
          // A logger that throws: the recorder's own file cannot be written.
          await withDrop(async (recorder, adapter) => {
            recorder.logger.destination.close();
            await expectOutcome(recorder.guardedDrop(request(token), drop(adapter)), "audit_failed");
            assert.equal(await recorder.count(labels("audit_failed")), 1);
            assert.equal(await recorder.total(), 1);
          });
          assert.equal(called, 0, "the drop callback ran");
          assert.deepEqual(await subject.readTenant(token), data, "the tenant's data");
        } finally {
          await cleanUp([token]);
        }
      },
    },
    {
      id: "stopped-server",
      title: "a stopped server gives error with one record and one count; the drop succeeds after a restart",
      skip: faultSkip("stop"),
      async run() {
        const server = subject.server!;
        const token = freshToken();
        await subject.createTenant(token);
        await server.stop();
        try {
          await withDrop(async (recorder, adapter) => {
            const err = await expectOutcome(recorder.guardedDrop(request(token), () => adapter.deprovision(token)), "error");
            assert.equal(err.code, "GD_DROP_FAILED");
            assert.equal(recorder.dropRecords().length, 1);
            assert.equal(recorder.failedRecords().length, 1);
            assert.equal(await recorder.count(labels("error")), 1);
            assert.equal(await recorder.total(), 1);
          }, faultAdapterOptions);
        } finally {
          await server.start();
        }
        await waitUntilAnswering(token);
        await withDrop(async (recorder, adapter) => {
          await recorder.guardedDrop(request(token), () => adapter.deprovision(token));
          assert.equal(await recorder.count(labels("ok")), 1);
        });
        assert.equal(await subject.readTenant(token), undefined, "the tenant after the drop that followed the restart");
      },
    },
    {
      id: "breaker",
      title: "after repeated failures the breaker opens and stops calling the drop",
      skip: faultSkip("stop"),
      async run() {
        const server = subject.server!;
        const token = freshToken();
        await server.stop();
        try {
          await withDrop(async (recorder, adapter) => {
            let called = 0;
            const drop = () => {
              called++;
              return adapter.deprovision(token);
            };
            for (let i = 0; i < 5; i++) await expectOutcome(recorder.guardedDrop(request(token), drop), "error");
            for (let i = 0; i < 3; i++) await expectOutcome(recorder.guardedDrop(request(token), drop), "breaker_open");
            assert.equal(called, 5, "drop calls: the open breaker must not call it");
            assert.equal(await recorder.count(labels("error")), 5);
            assert.equal(await recorder.count(labels("breaker_open")), 3);
            assert.equal(recorder.dropRecords().length, 8);
          }, faultAdapterOptions);
        } finally {
          await server.start();
        }
        await waitUntilAnswering(token);
      },
    },
    {
      id: "paused-server",
      title: "a paused server gives error within the timeout; the drop succeeds after unpausing",
      skip: faultSkip("pause"),
      async run() {
        const server = subject.server!;
        const token = freshToken();
        await subject.createTenant(token);
        await server.pause();
        try {
          await withDrop(async (recorder, adapter) => {
            const started = Date.now();
            await expectOutcome(recorder.guardedDrop(request(token), () => adapter.deprovision(token)), "error");
            const limit = faultAdapterOptions.connectTimeoutMs + faultAdapterOptions.operationTimeoutMs + 5000;
            assert.ok(Date.now() - started < limit, `the paused drop took ${Date.now() - started} ms (limit ${limit})`);
            assert.equal(recorder.dropRecords().length, 1);
            assert.equal(await recorder.count(labels("error")), 1);
          }, faultAdapterOptions);
        } finally {
          await server.unpause();
        }
        await waitUntilAnswering(token);
        await withDrop(async (recorder, adapter) => {
          await recorder.guardedDrop(request(token), () => adapter.deprovision(token));
          assert.equal(await recorder.count(labels("ok")), 1);
        });
        assert.equal(await subject.readTenant(token), undefined);
      },
    },
  ];
  return checks;
}

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
