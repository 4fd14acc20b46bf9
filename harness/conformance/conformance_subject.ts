/**
 * What the conformance checks run against: {@linkcode ConformanceSubject},
 * the adapter timeouts it is made with, and {@linkcode NotOwnServer}.
 *
 * @module
 */

import type { Backend, Deprovisioner, NameRules, RecoverableDeprovisioner, RetentionOptions } from "../../lib/mod.ts";
import type { ServerControl } from "../server_control.ts";

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
  /** The bound of a connection, in ms. */
  readonly connectTimeoutMs: number;
  /** The bound of one operation, in ms. */
  readonly operationTimeoutMs: number;
  /**
   * The name rules, when a check needs others than the defaults (the
   * `case-variants` check drops a variant by its exact name with rules made
   * with `mixedCaseTokens: "exact"`). Pass it on to the adapter's factory.
   *
   * @default {undefined: the adapter's defaults}
   */
  readonly nameRules?: NameRules;
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
  readonly neighbour?: Pick<
    ConformanceSubject<Data>,
    "createTenant" | "readTenant" | "createAdapter" | "resourceType" | "backend"
  >;
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
  /**
   * Whether a name that differs from the tenant's only in case may be what
   * the platform meant (PostgreSQL folds unquoted names; MySQL keeps user
   * names, and database names where `lower_case_table_names` is 0, as given).
   * The `case-variants` check then makes a tenant whose token has an
   * upper-case letter beside the lower-case one, and requires the lower-case
   * drop to fail with nothing changed and `exists()` to say true, until the
   * variant is dropped by its exact name. `createTenant` must accept such a
   * token, and `createAdapter` must pass `nameRules` on. Without it that
   * check is skipped with a reason: the backend's names are compared
   * exactly, so a variant is another tenant.
   *
   * @default {false}
   */
  readonly caseInsensitiveNames?: boolean;
  /**
   * Characters the name rules accept but the backend's names cannot hold
   * (NATS stream and bucket names cannot hold `.`), which its adapter
   * refuses with `RefusedError` before it connects. The `odd-tokens` check
   * then expects each token holding one to be refused, by `exists()` and by
   * the guarded drop, with the tenant left whole, instead of dropped. A
   * platform that deletes tenants across backends checks every backend's
   * names first (`deprovisionTenant` does), so such a tenant is refused by
   * all of them, never half deleted.
   *
   * @default {""}
   */
  readonly refusedTokenCharacters?: string;
  /**
   * Puts something in place that makes the tenant's drop fail in a way no
   * retry cures (a PostgreSQL role that owns a database outside its own, a
   * MariaDB role with the user's name), and resolves a function that takes
   * it away. The `nothing-changed` check drops the tenant, expects `error`,
   * reads it back exactly as it was made, takes the block away and drops it
   * again. Without it, a subject with `caseInsensitiveNames` is blocked by a
   * case variant; any other is skipped with a reason. `readTenant` should
   * show what a disruptive step changes (a locked account, a revoked
   * CONNECT), or the check cannot see it.
   *
   * @default {undefined}
   */
  blockDrop?(token: string): Promise<() => Promise<void>>;
  /**
   * Recoverable drops: how to make the adapter with `retention` and log in
   * as a tenant. With it, the quarantine → restore → purge checks run
   * (DESIGN §14); without it they are skipped with a reason.
   */
  readonly recovery?: ConformanceRecovery;
}

/**
 * What the recovery checks need beyond a {@linkcode ConformanceSubject}:
 * the adapter made with `retention` (its `deprovision` quarantines), and a
 * login as the tenant with the credentials `createTenant` gave it, which
 * must fail while the tenant is quarantined and work again after `restore`.
 *
 * The fixture keeps each tenant's credentials itself (in the subject's own
 * closure, never at module level) between `createTenant` and
 * `loginAsTenant`.
 *
 * @example A PostgreSQL-like fixture
 * ```ts
 * import type { ConformanceRecovery } from "guarded-drop/harness";
 * import type { RecoverableDeprovisioner } from "guarded-drop";
 *
 * declare function adapterWith(options: object): RecoverableDeprovisioner;
 * declare function connectAs(token: string, password: string): Promise<void>;
 * const passwords = new Map<string, string>(); // filled by createTenant
 *
 * const recovery: ConformanceRecovery = {
 *   createAdapter: (options) => adapterWith(options),
 *   loginAsTenant: (token) => connectAs(token, passwords.get(token)!),
 * };
 * ```
 */
export interface ConformanceRecovery {
  /** Makes the subject's adapter with `retention`, on the server as it is now. */
  createAdapter(
    options: ConformanceAdapterOptions & { readonly retention: RetentionOptions },
  ): RecoverableDeprovisioner;
  /**
   * Logs in as the tenant with its own credentials and reads its data.
   * Resolves when that works; rejects when it cannot (login refused, no
   * permission), and always closes what it opened.
   */
  loginAsTenant(token: string): Promise<void>;
  /**
   * Whether the quarantined copy stays under the tenant's own names, on a
   * server that is the tenant's own (a dedicated Redis: its keys stay where
   * they are, its user is disabled). A direct read (`readTenant`) then still
   * finds the data after the quarantine, so the `quarantine-restore-purge`
   * check asserts instead that it reads back unchanged (the same checksum),
   * while the tenant's own login fails and `exists()` is false, as for any
   * other subject. Only for a server that holds this tenant alone: on a
   * shared server a copy in place would stay in the neighbours' reach.
   *
   * @default {false}
   */
  readonly keepsCopyInPlace?: boolean;
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
