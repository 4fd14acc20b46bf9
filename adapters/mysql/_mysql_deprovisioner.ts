// Internal: the MySQL/MariaDB Deprovisioner behind mysqlShared and mysqlDedicated.

import { createHash } from "node:crypto";
import type { Connection } from "mysql2/promise";
import type { Backend, BackendError, Deprovisioner, DropReport, NameRules } from "../../lib/mod.ts";
import { checkTenantToken } from "../../lib/mod.ts";
import { adapterCaseRule } from "../_shared/_case_rule.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { positive, resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { inSession, type SessionHooks } from "../_shared/_session.ts";
import { classifyMysqlError } from "./_classify.ts";
import { MYSQL_URL, requireMysqlUrl } from "./_url.ts";
import { dropTenant, type MysqlTenantNames, tenantExists } from "./_drop_tenant.ts";
import { inspectTenant, type MysqlSession, quoteIdentifier, takeTenantLock } from "./_statements.ts";
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
const CASE_RULES = ["refuse", "exact"] as const;

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
    const caseRule = adapterCaseRule(adapter, resolved.nameRules, options.mixedCaseTokens, CASE_RULES);
    this.backend = form.backend;
    this.#form = form;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#lockTimeoutMs = positive(adapter, "lockTimeoutMs", options.lockTimeoutMs, DEFAULT_LOCK_TIMEOUT_MS);
    this.#caseRule = caseRule;
    this.#nameRules = resolved.nameRules;
  }

  /**
   * Drops the tenant's database and user, under the tenant's lock: reads
   * the catalog, and fails with nothing changed on anything a retry cannot
   * cure (a role named like the user, a name differing only in case, a
   * quoted name the server reads otherwise, objects the user defined in
   * other databases); then ACCOUNT LOCK at every host, KILL its sessions,
   * DROP DATABASE IF EXISTS, DROP USER IF EXISTS at every host, and reads
   * the catalog again. Idempotent.
   *
   * @sanctionedDrop
   */
  // `DropReport`: the quarantining subclass resolves with one.
  async deprovision(token: string): Promise<void | DropReport> {
    const names = this.#targets(token);
    const context: FailureContext = { action: "deprovision", what: this.#form.what, token };
    await inSession(this.#hooks, context, async ({ session }, step) => {
      await dropTenant(session, step, context, names, {
        lockTimeoutMs: this.#lockTimeoutMs,
        lockKey: lockKey(names.database, names.user),
      });
    });
  }

  /**
   * Whether the tenant's database or user still exists, or, under the
   * lower-case policy, a name that differs from them only in case. Reads
   * information_schema and mysql.user only.
   */
  async exists(token: string): Promise<boolean> {
    const names = this.#targets(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token };
    return await inSession(this.#hooks, context, async ({ session }, step) => {
      step("reading mysql.user and information_schema");
      return tenantExists(names, await inspectTenant(session, names.database, names.user));
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
        throw backendError(
          "failed",
          context,
          `another call held the tenant's lock for ${this.#lockTimeoutMs} ms; a retry finishes it`,
          undefined,
        );
      }
      return await body(open, step);
    });
  }

  /** Internal, for the quarantine: runs `body` on a fresh admin session, without a tenant's lock. */
  protected async inAdminSession<T>(
    context: FailureContext,
    body: (open: OpenSession, step: (name: string) => void) => Promise<T>,
  ): Promise<T> {
    return await inSession(this.#hooks, context, body);
  }

  /** Internal, for the quarantine: the tenant's checked names, as `deprovision` checks them. */
  protected tenantNames(token: string): MysqlTenantNames {
    return this.#targets(token);
  }

  /** Checks the token, its case and both names before anything touches the server. */
  #targets(token: string): MysqlTenantNames {
    const checked = checkTenantToken(this.#nameRules, token);
    return {
      database: this.#nameRules.checkDatabaseName(`${this.#form.databasePrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
      caseInsensitive: this.#caseRule !== "exact",
    };
  }

  // A connection per call: drops are rare, and a fresh connection cannot be
  // one a server restart has silently broken, as a pooled idle one can.
  async #connect(context: FailureContext): Promise<OpenSession> {
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    const { createConnection } = await import("mysql2/promise");
    const conn = await createConnection({
      uri: this.#url,
      connectTimeout: this.#connectTimeoutMs,
      multipleStatements: false,
    });
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
      query: async <Row>(
        sql: string,
        values: readonly unknown[] = [],
        options: { readonly waitsForLocks?: boolean } = {},
      ) => {
        const [rows] = await conn.query({
          sql,
          values: [...values],
          timeout: options.waitsForLocks === true ? locking : plain,
        });
        return rows as Row[];
      },
      escapeId: quoteIdentifier,
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
