// Internal: the MySQL/MariaDB Deprovisioner behind mysqlShared and mysqlDedicated.

import { createHash } from "node:crypto";
import type { Connection } from "mysql2/promise";
import type { Backend, BackendError, Deprovisioner, DropReport, NameRules } from "../../lib/mod.ts";
import { RefusedError } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { describe, positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { classifyMysqlError } from "./_classify.ts";
import { MYSQL_URL, requireMysqlUrl } from "./_url.ts";
import {
  definerDependencies,
  dropDatabase,
  dropUser,
  inspectTenant,
  killSessions,
  lockAccounts,
  type MysqlSession,
  type MysqlTenantState,
  takeTenantLock,
} from "./_statements.ts";
import type { MysqlAdapterOptions, MysqlCaseRule } from "./mysql_options.ts";

/** The names of one tenant model. */
export interface MysqlForm {
  readonly backend: Backend;
  readonly databasePrefix: string;
  readonly userPrefix: string;
  /** For messages: "the MySQL tenant", "the dedicated MySQL tenant". */
  readonly what: string;
  /** For option messages: "the MySQL adapter". */
  readonly adapter: string;
}

/** One call's connection, and the bounded session the statements run on. */
export interface OpenSession {
  readonly conn: Connection;
  readonly session: MysqlSession;
}

/** How long a polite end() may take before the socket is destroyed. */
const END_TIMEOUT_MS = 1_000;
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
// Past the server's own lock timeouts, so that a slow statement is reported
// by the server (1205) and only a silent server trips the client's timer.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;
const UPPER_CASE = /[A-Z]/;

/** Drops one tenant's database and user on MySQL or MariaDB. */
export class MysqlDeprovisioner implements Deprovisioner {
  readonly resourceType = "mysql";
  readonly backend: Backend;
  readonly #form: MysqlForm;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #lockTimeoutMs: number;
  readonly #caseRule: MysqlCaseRule;
  readonly #nameRules: NameRules;
  readonly #connections = new Set<Connection>();
  readonly #hooks: SessionHooks<OpenSession> = {
    connect: (context) => this.#connect(context),
    classify: (context, step, err) => this.#classify(context, step, err),
    release: (conn) => this.#release(conn),
  };
  #closed = false;

  constructor(form: MysqlForm, options: MysqlAdapterOptions) {
    const adapter = form.adapter;
    const resolved = resolveAdapterOptions(adapter, options, { option: "url", rule: MYSQL_URL });
    this.#url = requireMysqlUrl(adapter, options.url);
    const caseRule = options.mixedCaseTokens ?? "refuse";
    if (caseRule !== "refuse" && caseRule !== "exact") {
      throw new TypeError(
        `Cannot create ${adapter} as 'mixedCaseTokens' must be "refuse" or "exact": current value is ${describe(caseRule)}`,
      );
    }
    this.backend = form.backend;
    this.#form = form;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#lockTimeoutMs = positive(adapter, "lockTimeoutMs", options.lockTimeoutMs, DEFAULT_LOCK_TIMEOUT_MS);
    this.#caseRule = caseRule;
    this.#nameRules = resolved.nameRules;
  }

  /**
   * Drops the tenant's database and user, under the tenant's lock: checks
   * that no other database holds objects the user defined, ACCOUNT LOCK at
   * every host, KILL its sessions, DROP DATABASE IF EXISTS, DROP USER IF
   * EXISTS at every host, then reads the catalog again. Idempotent.
   *
   * @sanctionedDrop
   */
  // `DropReport`: the quarantining subclass resolves with one.
  async deprovision(token: string): Promise<void | DropReport> {
    const { database, user } = this.#targets(token);
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token };
    await inSession(this.#hooks, context, async ({ session: conn }, step) => {
      step("GET_LOCK");
      if (!(await takeTenantLock(conn, lockKey(database, user), this.#lockTimeoutMs))) {
        throw backendError(
          "failed",
          context,
          `another deprovision of the tenant held its lock for ${this.#lockTimeoutMs} ms; a retry finishes the deprovision`,
          undefined,
        );
      }
      step("reading mysql.user and information_schema");
      const state = await inspectTenant(conn, database, user);
      if (state.currentDatabase !== null && sameDatabase(state, state.currentDatabase, database)) {
        throw backendError(
          "failed",
          context,
          "the admin connection's default database is the tenant's own: connect without a database, or to another one",
          undefined,
        );
      }
      if (state.roleExists) {
        // A MariaDB role with the user's name: DROP USER does not take it,
        // and dropping a role takes privileges from whoever was granted it.
        throw backendError(
          "failed",
          context,
          `a role named ${JSON.stringify(user)} exists (MariaDB's mysql.user lists it with is_role = 'Y'): ` +
            "drop or rename it (DROP ROLE) before the tenant can be deprovisioned; nothing was dropped",
          undefined,
        );
      }
      if (state.hosts.length > 0) {
        // Before anything is touched: a failed call must leave nothing a
        // retry or an operator would still need half-destroyed.
        step("reading definers");
        const holders = await definerDependencies(conn, database, user);
        if (holders.length > 0) {
          throw backendError(
            "failed",
            context,
            `the user ${JSON.stringify(user)} is the DEFINER of views, routines, triggers or events in other databases ` +
              `(${holders.map((db) => JSON.stringify(db)).join(", ")}): give them another definer or drop them first; nothing was dropped`,
            undefined,
          );
        }
        step("ALTER USER ACCOUNT LOCK");
        await lockAccounts(conn, user, state.hosts);
      }
      step("KILL");
      await killSessions(conn, database, user, state.foldsNames);
      step("DROP DATABASE");
      await dropDatabase(conn, database);
      step("DROP USER");
      await dropUser(conn, user, state.hosts);
      step("reading mysql.user and information_schema");
      const after = await inspectTenant(conn, database, user);
      if (after.databaseExists || after.hosts.length > 0 || after.roleExists) {
        // Made again meanwhile (an account at another host, by a platform
        // that does not hold the tenant's lock): never report the tenant gone.
        const left = [
          ...(after.databaseExists ? [`the database ${JSON.stringify(database)}`] : []),
          ...after.hosts.map((host) => `the user ${JSON.stringify(`${user}@${host}`)}`),
          ...(after.roleExists ? [`a role named ${JSON.stringify(user)}`] : []),
        ];
        throw backendError("failed", context, `the tenant still exists after the drop (${left.join(", ")}); a retry drops what was made meanwhile`, undefined);
      }
    });
  }

  /** Whether the tenant's database or user still exists. Reads information_schema and mysql.user only. */
  async exists(token: string): Promise<boolean> {
    const { database, user } = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async ({ session: conn }, step) => {
      step("reading mysql.user and information_schema");
      const state = await inspectTenant(conn, database, user);
      return state.databaseExists || state.hosts.length > 0 || state.roleExists;
    });
  }

  /** Ends the connections of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#connections];
    this.#connections.clear();
    await Promise.allSettled(open.map((conn) => endConnection(conn)));
  }

  /**
   * Internal, for the quarantine (`_mysql_quarantine_deprovisioner.ts`):
   * checks the token and names as `deprovision` does, then runs `body` on
   * a fresh admin session that holds the tenant's lock (the key
   * `deprovision` takes), so that a quarantine, a restore, a purge and a
   * drop of one tenant never interleave.
   */
  protected async underTenantLock<T>(
    context: FailureContext,
    names: { readonly database: string; readonly user: string },
    body: (open: OpenSession, step: (name: string) => void) => Promise<T>,
  ): Promise<T> {
    return await inSession(this.#hooks, context, async (open, step) => {
      step("GET_LOCK");
      if (!(await takeTenantLock(open.session, lockKey(names.database, names.user), this.#lockTimeoutMs))) {
        throw backendError("failed", context, `another call held the tenant's lock for ${this.#lockTimeoutMs} ms; a retry finishes it`, undefined);
      }
      return await body(open, step);
    });
  }

  /** Internal, for the quarantine: runs `body` on a fresh admin session, without a tenant's lock. */
  protected async inAdminSession<T>(context: FailureContext, body: (open: OpenSession, step: (name: string) => void) => Promise<T>): Promise<T> {
    return await inSession(this.#hooks, context, body);
  }

  /** Internal, for the quarantine: the tenant's checked names. */
  protected tenantNames(token: string): { database: string; user: string } {
    return this.#targets(token);
  }

  /** Checks the token and both names before anything touches the server. */
  #targets(token: string): { database: string; user: string } {
    const checked = this.#nameRules.checkNamingToken(token);
    if (this.#caseRule === "refuse" && UPPER_CASE.test(checked)) {
      throw new RefusedError(
        `Cannot drop the ${this.#form.what.replace(/^the /, "")} ${JSON.stringify(checked)} as its token has upper-case ` +
          `letters: a server or platform that folds names may hold it in lower case (set mixedCaseTokens: "exact" to allow it)`,
      );
    }
    return {
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
    };
  }

  // A connection per call: drops are rare, and a fresh connection cannot be
  // one a server restart has silently broken, as a pooled idle one can.
  async #connect(context: FailureContext): Promise<OpenSession> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const { createConnection } = await import("mysql2/promise");
    const conn = await createConnection({ uri: this.#url, connectTimeout: this.#connectTimeoutMs, multipleStatements: false });
    // Without a listener, a connection the server ends would crash the process.
    conn.on("error", () => {});
    this.#connections.add(conn);
    // Every query is bounded by mysql2's client-side timeout: a server that
    // accepts and never answers must not hang a drop. A statement that may
    // wait for a lock gets the lock timeout on top, so that a slow lock is
    // reported by the server (1205) and only a silent server trips the timer.
    const plain = this.#operationTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS;
    const locking = plain + this.#lockTimeoutMs;
    const session: MysqlSession = {
      query: async <Row>(sql: string, values: readonly unknown[] = [], options: { readonly waitsForLocks?: boolean } = {}) => {
        const [rows] = await conn.query({ sql, values: [...values], timeout: options.waitsForLocks === true ? locking : plain });
        return rows as Row[];
      },
      escapeId: (name) => conn.escapeId(name),
    };
    try {
      // A metadata lock held by another session fails as 1205 within the
      // lock timeout instead of waiting for the server's default, a year.
      await session.query("SET SESSION lock_wait_timeout = ?", [Math.max(1, Math.ceil(this.#lockTimeoutMs / 1000))]);
    } catch (err) {
      await this.#release({ conn, session });
      throw err;
    }
    return { conn, session };
  }

  async #release(open: OpenSession | undefined): Promise<void> {
    if (open === undefined || !this.#connections.delete(open.conn)) return;
    await endConnection(open.conn);
  }

  #classify(context: FailureContext, step: string, err: unknown): unknown {
    const code = (err as { code?: unknown } | null)?.code;
    // Ours already: a refusal or a classified BackendError.
    if (typeof code === "string" && code.startsWith("GD_")) return err as BackendError;
    return classifyMysqlError(context, step, err, this.#connectTimeoutMs);
  }
}

/** The key of the tenant's GET_LOCK: at most 64 characters whatever the names. */
function lockKey(database: string, user: string): string {
  return `guarded-drop:${createHash("sha256").update(`${database}\0${user}`).digest("hex").slice(0, 40)}`;
}

function sameDatabase(state: MysqlTenantState, a: string, b: string): boolean {
  return state.foldsNames ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * Ends a connection, and destroys its socket when the server does not
 * answer the goodbye in time: a hung server must not hang the error path.
 */
async function endConnection(conn: Connection): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = await Promise.race([
    conn.end().then(() => true, () => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), END_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!ended) conn.destroy();
}
