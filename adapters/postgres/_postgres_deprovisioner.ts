// Internal: the PostgreSQL Deprovisioner behind postgresShared and postgresDedicated.

import { Client } from "pg";
import type { Backend, BackendError, Deprovisioner, NameRules } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { describe, positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { classifyPostgresError } from "./_classify.ts";
import { dropDatabase, dropRole, inspectTenant, revokeConnect, terminateBackends } from "./_statements.ts";
import type { PostgresAdapterOptions } from "./postgres_options.ts";

/** The names of one tenant model. */
export interface PostgresForm {
  readonly backend: Backend;
  readonly databasePrefix: string;
  readonly rolePrefix: string;
  /** For messages: "the PostgreSQL tenant", "the dedicated PostgreSQL tenant". */
  readonly what: string;
  /** For option messages: "the PostgreSQL adapter". */
  readonly adapter: string;
}

/** How long a polite end() may take before the socket is destroyed. */
const END_TIMEOUT_MS = 1_000;

// Past the server's statement_timeout, so that a slow statement is reported
// by the server (57014) and only a silent server trips the client's timer.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

/** Drops one tenant's database and role on PostgreSQL. */
export class PostgresDeprovisioner implements Deprovisioner {
  readonly resourceType = "postgres";
  readonly backend: Backend;
  readonly #form: PostgresForm;
  readonly #connectionString: string;
  readonly #ssl: PostgresAdapterOptions["ssl"];
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #dropDatabaseAttempts: number;
  readonly #nameRules: NameRules;
  readonly #clients = new Set<Client>();
  readonly #hooks: SessionHooks<Client> = {
    connect: (context) => this.#connect(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (client) => this.#release(client),
  };
  #closed = false;

  constructor(form: PostgresForm, options: PostgresAdapterOptions) {
    const adapter = form.adapter;
    const resolved = resolveAdapterOptions(adapter, options);
    if (typeof options.connectionString !== "string" || options.connectionString.length === 0) {
      throw new TypeError(
        `Cannot create ${adapter} as 'connectionString' must be a non-empty string: current value is ${describe(options.connectionString)}`,
      );
    }
    const attempts = positive(adapter, "dropDatabaseAttempts", options.dropDatabaseAttempts, 5);
    if (!Number.isInteger(attempts)) {
      throw new TypeError(`Cannot create ${adapter} as 'dropDatabaseAttempts' must be a positive integer: current value is ${attempts}`);
    }
    this.backend = form.backend;
    this.#form = form;
    this.#connectionString = options.connectionString;
    this.#ssl = options.ssl;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#dropDatabaseAttempts = attempts;
    this.#nameRules = resolved.nameRules;
  }

  /**
   * Drops the tenant's database and role: REVOKE CONNECT, terminate its
   * backends, DROP DATABASE IF EXISTS … WITH (FORCE) (retried on 55006),
   * DROP ROLE IF EXISTS (after DROP OWNED BY when the role still owns
   * objects in the admin database). Idempotent.
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void> {
    const { database, role } = this.#targets(token);
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token };
    await inSession(this.#hooks, context, async (client, step) => {
      step("reading pg_database and pg_roles");
      const state = await inspectTenant(client, database, role);
      if (state.currentDatabase === database) {
        throw backendError(
          "failed",
          context,
          "the admin connection is to the tenant's own database: connect to a maintenance database such as postgres",
          undefined,
        );
      }
      if (state.databaseExists) {
        step("REVOKE CONNECT");
        await revokeConnect(client, database, state.roleExists ? role : undefined);
      }
      step("pg_terminate_backend");
      await terminateBackends(client, database, role);
      step("DROP DATABASE");
      await dropDatabase(client, database, this.#dropDatabaseAttempts);
      step("DROP ROLE");
      await dropRole(client, role);
    });
  }

  /** Whether the tenant's database or role still exists. Reads pg_database and pg_roles only. */
  async exists(token: string): Promise<boolean> {
    const { database, role } = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("reading pg_database and pg_roles");
      const state = await inspectTenant(client, database, role);
      return state.databaseExists || state.roleExists;
    });
  }

  /** Ends the connections of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#clients];
    this.#clients.clear();
    await Promise.allSettled(open.map((client) => endClient(client)));
  }

  /** Checks the token and both names before anything touches the server. */
  #targets(token: string): { database: string; role: string } {
    const checked = this.#nameRules.checkNamingToken(token);
    return {
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      role: this.#nameRules.checkUserName(`${this.#form.rolePrefix}${checked}`),
    };
  }

  // A connection per call: drops are rare, and a fresh connection cannot be
  // one a server restart has silently broken, as a pooled idle one can.
  async #connect(context: FailureContext): Promise<Client> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const client = new Client({
      connectionString: this.#connectionString,
      ssl: this.#ssl,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      statement_timeout: this.#operationTimeoutMs,
      query_timeout: this.#operationTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      application_name: "guarded-drop",
      keepAlive: true,
    });
    // Without a listener, a connection the server ends would crash the process.
    client.on("error", () => {});
    this.#clients.add(client);
    try {
      await client.connect();
    } catch (err) {
      this.#clients.delete(client);
      await endClient(client);
      throw err;
    }
    return client;
  }

  async #release(client: Client | undefined): Promise<void> {
    if (client === undefined || !this.#clients.delete(client)) return;
    await endClient(client);
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    // Ours already: a refusal or a classified BackendError.
    if (typeof code === "string" && code.startsWith("GD_")) return err as BackendError;
    return classifyPostgresError(context, step, err, this.#connectTimeoutMs);
  }
}

/**
 * Ends a client, and destroys its socket when the server does not answer
 * the goodbye in time: a hung server must not hang the drop's error path.
 */
async function endClient(client: Client): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    client.end().then(() => true, () => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), END_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
