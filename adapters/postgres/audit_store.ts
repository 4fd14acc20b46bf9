/**
 * {@linkcode postgresAuditStore}: a durable, tamper-evident audit store in
 * a PostgreSQL table.
 *
 * @module
 */

import pg from "pg";
import type { DropError, DropOutcome, DropRecord } from "../../lib/mod.ts";
import { scrubCredentials } from "../../lib/mod.ts";
import { describe, positive } from "../_shared/_resolve_options.ts";
import { type AuditEvent, storable } from "./_audit_chain.ts";
import {
  type AuditConnectionOptions,
  auditError,
  cancelBackend,
  connectionLost,
  destroyClient,
  endClient,
  resolveConnection,
  type ResolvedConnection,
} from "./_audit_connection.ts";
import { auditTable, statementsOf } from "./_audit_table.ts";

/**
 * Options of {@linkcode postgresAuditStore}.
 *
 * @example
 * ```ts
 * import type { PostgresAuditStoreOptions } from "guarded-drop/adapters/postgres";
 *
 * const options: PostgresAuditStoreOptions = {
 *   connectionString: "postgres://audit_writer@db.internal:5432/provisioner",
 *   table: "audit.drops",
 *   maxConnections: 2,
 * };
 * ```
 */
export interface PostgresAuditStoreOptions extends AuditConnectionOptions {
  /**
   * How many connections the store keeps. Appends are serialised on the
   * server by the chain's lock, so more connections add little throughput.
   *
   * @default {4}
   */
  maxConnections?: number;
}

/**
 * A durable audit store for `createGuardedDrop({ auditStore })`.
 *
 * @example
 * ```ts
 * import type { PostgresAuditStore } from "guarded-drop/adapters/postgres";
 *
 * async function shutdown(store: PostgresAuditStore): Promise<void> {
 *   await store.close();
 * }
 * ```
 */
export interface PostgresAuditStore {
  /**
   * Appends the `provisioner.drop` intent row and commits it before it
   * resolves. It rejects when the row is not committed: the server is down,
   * a statement outlived `statementTimeoutMs`, the role may not insert, or
   * `signal` was aborted (the transaction is then rolled back, or, if the
   * abort came during COMMIT, may have been committed).
   */
  append(record: DropRecord, signal?: AbortSignal): Promise<void>;
  /**
   * Appends the `provisioner.drop.settled` row: the outcome, the error's
   * scrubbed message and its `reason`, if any. `signal` is honoured as in
   * `append`.
   */
  settle(record: DropRecord, outcome: DropOutcome, error?: DropError, signal?: AbortSignal): Promise<void>;
  /**
   * Creates the table, its index on `drop_id` and the triggers that reject
   * UPDATE, DELETE and TRUNCATE, when missing. Idempotent, and safe from two
   * replicas at once. Run it as the table's owner, not as the writer.
   */
  migrate(): Promise<void>;
  /** Ends the store's connections; later calls reject. */
  close(): Promise<void>;
}

/** Settled rows keep this much of an error message, after scrubbing. */
const MAX_ERROR_LENGTH = 2_000;
const DEFAULT_MAX_CONNECTIONS = 4;
/** An idle connection is closed after this long: drops are rare. */
const IDLE_TIMEOUT_MS = 10_000;

/**
 * Makes a durable, tamper-evident audit store on a PostgreSQL table.
 *
 * Every row is chained: `seq` (1, 2, 3… without gaps), `prev_hash` (the
 * previous row's `hash`; 64 zeros for the first) and `hash =
 * sha256(prev_hash ‖ canonical JSON of the row's other columns)`. Appends
 * from any number of connections and processes are serialised by a
 * transaction-level advisory lock on the table (`pg_advisory_xact_lock`),
 * taken before the head is read and released by COMMIT or ROLLBACK, so the
 * chain stays linear and a rolled-back append leaves no gap. An append is
 * one round trip; it commits without waiting for the WAL flush while it
 * holds the lock (a flush under the lock would cap all writers together at
 * one fsync per row), then flushes in a tiny transaction of its own, after
 * the lock: it resolves only once the row is durable.
 *
 * Errors: `append` and `settle` reject with an `Error` whose message says
 * why (`Cannot append to the audit table "x" as the server is unreachable
 * (ECONNREFUSED)`) and never holds the connection string. Through
 * `createGuardedDrop`, a rejected append is `audit_failed` and the drop
 * never runs.
 *
 * NOTE: the chain proves that rows were not changed after they were written,
 * as long as the newest hash is also kept somewhere the database's admins
 * cannot write (see `guarded-drop audit verify --expect-head`). Anyone who
 * can INSERT can append a well-chained forged row at the end.
 *
 * @param options The connection string, the table, timeouts and pool size.
 * @returns The store: `append`, `settle`, `migrate` and `close`.
 * @throws {TypeError} If an option is missing or malformed (the table name
 * is checked: `name` or `schema.name`, lower-case identifiers).
 *
 * @example Audit every drop in PostgreSQL as well as in the log
 * ```ts
 * import { createGuardedDrop } from "guarded-drop";
 * import { createAuditLogger } from "guarded-drop/pino";
 * import { createDropCounter } from "guarded-drop/prom-client";
 * import { postgresAuditStore } from "guarded-drop/adapters/postgres";
 *
 * const auditStore = postgresAuditStore({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
 * await auditStore.migrate();
 * const guardedDrop = createGuardedDrop({ logger: createAuditLogger({ destination: 1 }), counter: createDropCounter(), auditStore });
 * try {
 *   await guardedDrop(
 *     { token: "acme42", resourceType: "postgres", backend: "shared", requestId: "req-1", caller: "billing" },
 *     async () => {},
 *   );
 * } finally {
 *   await auditStore.close();
 * }
 * ```
 */
export function postgresAuditStore(options: PostgresAuditStoreOptions): PostgresAuditStore {
  const what = "the PostgreSQL audit store";
  const resolved = resolveConnection(what, options);
  const table = auditTable(options.table, `create ${what}`);
  const maxConnections = positive(what, "maxConnections", options.maxConnections, DEFAULT_MAX_CONNECTIONS);
  if (!Number.isInteger(maxConnections)) {
    throw new TypeError(
      `Cannot create ${what} as 'maxConnections' must be a positive integer: current value is ${
        describe(maxConnections)
      }`,
    );
  }
  const statements = statementsOf(table);
  const pool = new pg.Pool({
    ...resolved.config,
    max: maxConnections,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    allowExitOnIdle: true,
  });
  // An idle connection the server ends is reported here; without a listener
  // it would crash the process. The pool drops that connection itself.
  pool.on("error", () => {});
  // A connection that dies while checked out emits "error" on its client,
  // which nobody else listens to: it would crash the process. The query in
  // flight rejects on its own, and that is what is reported.
  pool.on("connect", (client) => client.on("error", () => {}));
  const checkedOut = new Set<pg.PoolClient>();
  let closed = false;
  const target = `the audit table "${table.name}"`;

  async function write(
    event: AuditEvent,
    record: DropRecord,
    settled: Settled | undefined,
    signal: AbortSignal | undefined,
  ) {
    const action = `${event === "provisioner.drop" ? "append to" : "settle in"} ${target}`;
    const fields = recordFields(record, action);
    const appended = statements.append({
      event,
      ...fields,
      outcome: settled?.outcome ?? null,
      error: settled?.error ?? null,
      reason: settled?.reason ?? null,
    });
    await onConnection(action, signal, async (client) => {
      await client.query(appended);
    });
  }

  /**
   * Runs `body` on a pooled connection. Any failure, and an abort, destroys
   * the connection instead of returning it: its state is unknown, and the
   * server rolls back whatever a dead connection left open, releasing the
   * chain's lock with it.
   *
   * A pooled connection a server restart has silently broken fails at once:
   * the body is tried once more on a fresh connection. That is safe because
   * the append is idempotent: it skips a row its drop_id and event already
   * have, and flushes whatever is there.
   */
  async function onConnection(
    action: string,
    signal: AbortSignal | undefined,
    body: (client: pg.PoolClient) => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await once(action, signal, body);
        return;
      } catch (err) {
        const retry = attempt === 1 && !signal?.aborted && !closed && (err as StoreFailure)[LOST] === true;
        if (!retry) throw (err as StoreFailure)[REPORTED] ?? err;
      }
    }
  }

  async function once(
    action: string,
    signal: AbortSignal | undefined,
    body: (client: pg.PoolClient) => Promise<void>,
  ): Promise<void> {
    if (closed) throw new Error(`Cannot ${action} as the store is closed`);
    if (signal?.aborted) throw abortedError(action, signal);
    let client: pg.PoolClient | undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // The statement runs on the server whether or not its socket is
        // there: a cancel request stops it (in the lock's queue, or before
        // COMMIT). The rejection waits until the server has taken it, so
        // that the caller's next step cannot overtake it.
        const running = client;
        if (running === undefined) {
          reject(abortedError(action, signal!));
          return;
        }
        void cancelBackend(running).then(() => {
          destroyClient(running);
          reject(abortedError(action, signal!));
        });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    const checkout = pool.connect();
    try {
      client = await Promise.race([checkout, aborted]);
      checkedOut.add(client);
      if (closed) throw new Error(`Cannot ${action} as the store is closed`);
      await Promise.race([body(client), aborted]);
      checkedOut.delete(client);
      client.release();
    } catch (err) {
      if (client === undefined) {
        // Aborted while waiting for a connection: give it back when it comes.
        checkout.then((late) => late.release(), () => {});
      } else {
        checkedOut.delete(client);
        destroyClient(client);
        client.release(true);
      }
      if (signal?.aborted) throw abortedError(action, signal);
      const failure: StoreFailure = {
        [REPORTED]: auditError(action, err, resolved),
        [LOST]: client !== undefined && connectionLost(err),
      };
      throw failure;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    append(record: DropRecord, signal?: AbortSignal): Promise<void> {
      return write("provisioner.drop", record, undefined, signal);
    },
    settle(record: DropRecord, outcome: DropOutcome, error?: DropError, signal?: AbortSignal): Promise<void> {
      return write("provisioner.drop.settled", record, settledFields(outcome, error), signal);
    },
    async migrate(): Promise<void> {
      await onConnection(`migrate ${target}`, undefined, async (client) => {
        await client.query(statements.migrate);
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const client of checkedOut) destroyClient(client);
      await Promise.race([
        pool.end().catch(() => {}),
        new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref()),
      ]);
    },
  };
}

const REPORTED: unique symbol = Symbol("reported");
const LOST: unique symbol = Symbol("connection lost");

/** A failed attempt: the error to report, and whether the connection was lost under it. */
interface StoreFailure {
  readonly [REPORTED]: Error;
  readonly [LOST]: boolean;
}

interface Settled {
  readonly outcome: string;
  readonly error: string | null;
  readonly reason: string | null;
}

/** The record's fields as the row stores them, checked: a hand-made record may hold anything. */
function recordFields(record: DropRecord, action: string) {
  if (typeof record !== "object" || record === null) {
    throw new TypeError(`Cannot ${action} as 'record' must be a DropRecord: current value is ${describe(record)}`);
  }
  const text = (field: keyof DropRecord, optional = false): string | null => {
    const value: unknown = record[field];
    if (optional && (value === undefined || value === null)) return null;
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot ${action} as 'record.${field}' must be a string: current value is ${describe(value)}`,
      );
    }
    return storable(value);
  };
  return {
    drop_id: text("drop_id")!,
    token: text("token")!,
    provider_resource_id: text("provider_resource_id")!,
    resource_type: text("resource_type")!,
    backend: text("backend")!,
    request_id: text("request_id")!,
    caller: text("caller")!,
    intent: text("intent", true),
    // A destruction is the default and stored as null, as every row before
    // the column was: only a quarantine or a restore is written.
    action: record.action === "quarantine" || record.action === "restore" ? record.action : null,
  };
}

function settledFields(outcome: DropOutcome, error: DropError | undefined): Settled {
  const message = readString(error, "message");
  const reason = readString(error, "reason");
  return {
    outcome: storable(String(outcome)),
    // Scrubbed before it is cut: a cut could split a credential from the
    // "@" that lets the scrubber see it.
    error: message === undefined ? null : storable(bounded(scrubCredentials(message))),
    reason: reason === undefined ? null : storable(bounded(scrubCredentials(reason))),
  };
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    const read: unknown = (value as Record<string, unknown>)[key];
    return typeof read === "string" ? read : undefined;
  } catch {
    return undefined;
  }
}

function bounded(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function abortedError(action: string, signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? `${reason.name}: ${scrubCredentials(reason.message)}` : "aborted";
  return new Error(
    `Cannot ${action} as the call was aborted (${why}); an abort during COMMIT may still have committed the row`,
    {
      cause: reason,
    },
  );
}
