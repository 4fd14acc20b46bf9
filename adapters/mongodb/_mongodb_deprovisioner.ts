// Internal: the MongoDB Deprovisioner behind mongodbShared and mongodbDedicated.

import { MongoClient, type MongoClientOptions } from "mongodb";
import { type Backend, checkTenantToken, type Deprovisioner, type NameRules, scrubbedMessage } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { MONGODB_URL } from "../_shared/_connection_url.ts";
import { describe, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { classifyMongoError } from "./_classify.ts";
import { databaseExists, dropTenantDatabase, dropTenantUser, userExists } from "./_commands.ts";
import type { MongodbAdapterOptions } from "./mongodb_options.ts";

/** The names of one tenant model. */
export interface MongodbForm {
  readonly backend: Backend;
  readonly databasePrefix: string;
  readonly userPrefix: string;
  readonly what: string;
  readonly adapter: string;
}

/** Drops one tenant's user and database on MongoDB. */
export class MongodbDeprovisioner implements Deprovisioner {
  readonly resourceType = "mongodb";
  readonly backend: Backend;
  readonly #form: MongodbForm;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #nameRules: NameRules;
  readonly #clients = new Set<MongoClient>();
  readonly #hooks: SessionHooks<MongoClient> = {
    connect: (context) => this.#connect(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (client) => this.#release(client),
  };
  #closed = false;

  constructor(form: MongodbForm, options: MongodbAdapterOptions) {
    const resolved = resolveAdapterOptions(form.adapter, options, { option: "url", rule: MONGODB_URL });
    if (typeof options.url !== "string" || options.url.length === 0) {
      throw new TypeError(`Cannot create ${form.adapter} as 'url' must be a non-empty string: current value is ${describe(options.url)}`);
    }
    this.backend = form.backend;
    this.#form = form;
    this.#url = options.url;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#nameRules = resolved.nameRules;
    this.#checkDriverAccepts(form.adapter);
  }

  // The driver parses the URL and its options when a client is made, and
  // never connects then: made here once, an option it rejects (`?replSet=`,
  // `directConnection` with two hosts, an SRV URL with a port) is a
  // configuration error from the factory, not a `failed` drop.
  #checkDriverAccepts(adapter: string): void {
    let client: MongoClient;
    try {
      client = new MongoClient(this.#url, this.#clientOptions());
    } catch (err) {
      // The driver names options and their values, not the URL; scrubbed anyway.
      const why = scrubbedMessage(err).split(this.#url).join("<url>").slice(0, 200);
      const name = (err as { name?: unknown } | null)?.name;
      throw new TypeError(
        `Cannot create ${adapter} as 'url' must be a connection string the MongoDB driver accepts: it rejects it (${typeof name === "string" ? `${name}: ` : ""}${why})`,
      );
    }
    // Nothing was opened; close() only settles the client's bookkeeping.
    void client.close().catch(() => {});
  }

  #clientOptions(): MongoClientOptions {
    return {
      serverSelectionTimeoutMS: this.#connectTimeoutMs,
      connectTimeoutMS: this.#connectTimeoutMs,
      socketTimeoutMS: this.#operationTimeoutMs,
      appName: "guarded-drop",
    };
  }

  /**
   * `dropUser` in `admin` (UserNotFound is fine), then `dropDatabase`.
   * Idempotent.
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void> {
    const { database, user } = this.#targets(token);
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token };
    await inSession(this.#hooks, context, async (client, step) => {
      step("dropUser");
      await dropTenantUser(client, user);
      step("dropDatabase");
      await dropTenantDatabase(client, database);
    });
  }

  /** Whether the user (`usersInfo`) or the database (`listDatabases`) exists. */
  async exists(token: string): Promise<boolean> {
    const { database, user } = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async (client, step) => {
      step("usersInfo");
      if (await userExists(client, user)) return true;
      step("listDatabases");
      return await databaseExists(client, database);
    });
  }

  /** Closes the clients of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#clients];
    this.#clients.clear();
    await Promise.allSettled(open.map((client) => client.close(true)));
  }

  #targets(token: string): { database: string; user: string } {
    // The token's case is the name rules' policy, the same for every backend.
    const checked = checkTenantToken(this.#nameRules, token);
    return {
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
    };
  }

  // A client per call, closed after it: drops are rare, and an idle adapter
  // then keeps no monitoring connections open to the server.
  async #connect(context: FailureContext): Promise<MongoClient> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const client = new MongoClient(this.#url, this.#clientOptions());
    this.#clients.add(client);
    try {
      await client.connect();
    } catch (err) {
      this.#clients.delete(client);
      await client.close(true).catch(() => {});
      throw err;
    }
    return client;
  }

  async #release(client: MongoClient | undefined): Promise<void> {
    if (client === undefined || !this.#clients.delete(client)) return;
    await client.close().catch(() => {});
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && code.startsWith("GD_")) return err;
    return classifyMongoError(context, step, err, this.#connectTimeoutMs);
  }
}
