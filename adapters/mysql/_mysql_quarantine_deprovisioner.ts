// Internal: the MySQL/MariaDB deprovisioner with the quarantine: what
// mysqlShared and mysqlDedicated return. Without `retention` it is the
// plain deprovisioner; with it, `deprovision` quarantines.

import type { DropReport, GuardedDrop } from "../../lib/mod.ts";
import type { FailureContext } from "../_shared/_errors.ts";
import { goneError, purgeCopies } from "../_shared/_purge.ts";
import { quarantineTime, resolveRetention } from "../_shared/_retention.ts";
import type { PurgeOptions, PurgeResult, QuarantinedCopy, RetentionOptions } from "../postgres/postgres_quarantine.ts";
import { MysqlDeprovisioner, type MysqlForm, type OpenSession } from "./_mysql_deprovisioner.ts";
import {
  copiesOf,
  dropQuarantinedCopy,
  type MysqlTenant,
  quarantineTenant,
  readCopyCatalog,
  restoreTenant,
} from "./_quarantine.ts";
import { type MysqlMark, type QuarantineSession, readMarks } from "./_quarantine_statements.ts";
import type { MysqlAdapterOptions } from "./mysql_options.ts";
import type { MysqlAdapter } from "./mysql_quarantine.ts";

/** What a quarantining deprovision resolves with: guardedDrop then records and counts a quarantine, not a destruction. */
const QUARANTINED: DropReport = Object.freeze({ action: "quarantine" });

/** The session the quarantine statements run on: the deprovisioner's, with mysql2's escape for literals. */
function quarantineSession(open: OpenSession): QuarantineSession {
  return { ...open.session, escape: (value) => open.conn.escape(value) };
}

/** Drops, or with `retention` quarantines, one tenant's database and user on MySQL or MariaDB. */
export class MysqlQuarantineDeprovisioner extends MysqlDeprovisioner implements MysqlAdapter {
  readonly #form: MysqlForm;
  readonly #retention: Required<RetentionOptions> | undefined;

  constructor(form: MysqlForm, options: MysqlAdapterOptions) {
    super(form, options);
    this.#form = form;
    this.#retention = resolveRetention(form.adapter, options.retention);
  }

  /**
   * Without `retention`, drops (see MysqlDeprovisioner). With it, under the
   * tenant's lock, quarantines: see quarantineTenant.
   *
   * @sanctionedDrop
   */
  override async deprovision(token: string): Promise<void | DropReport> {
    const retention = this.#retention;
    if (retention === undefined) return await super.deprovision(token);
    const tenant = this.#tenant(token);
    const at = quarantineTime(this.#form.what, retention);
    const context: FailureContext = { action: "quarantine", what: this.#form.what, token: tenant.token };
    await this.underTenantLock(
      context,
      tenant,
      (open, step) => quarantineTenant(quarantineSession(open), step, context, tenant, at),
    );
    return QUARANTINED;
  }

  /** The tenant's quarantined copies, newest first. */
  async quarantined(token: string): Promise<QuarantinedCopy[]> {
    const tenant = this.#tenant(token);
    const context: FailureContext = { action: "check", what: this.#form.what, token: tenant.token };
    return await this.inAdminSession(context, async (open, step) => {
      step("reading the quarantined copies");
      const session = quarantineSession(open);
      const marks = await readMarks(session);
      const own = (mark: MysqlMark) =>
        mark.database === tenant.database && mark.user === tenant.user && mark.backend === tenant.backend
          ? tenant.token
          : undefined;
      return copiesOf(marks, await readCopyCatalog(session), own, this.#retention?.days).map((marked) => marked.copy);
    });
  }

  /**
   * Brings the tenant's newest quarantined copy back under its original
   * names. It drops the emptied copy schema: call it inside guardedDrop,
   * with `action: "restore"`.
   *
   * @sanctionedDrop
   */
  async restore(token: string): Promise<QuarantinedCopy> {
    const tenant = this.#tenant(token);
    const context: FailureContext = { action: "restore", what: this.#form.what, token: tenant.token };
    const restored = await this.underTenantLock(
      context,
      tenant,
      (open, step) => restoreTenant(quarantineSession(open), step, context, tenant, this.#retention?.days),
    );
    // The action tells guardedDrop it was a restore, even when the request did not say so.
    return { ...restored, action: "restore" } as QuarantinedCopy;
  }

  /** Drops each expired copy of this form through `guardedDrop`, intent `quarantine_expired`. */
  async purgeExpired(guardedDrop: GuardedDrop, options: PurgeOptions = {}): Promise<PurgeResult> {
    const what = this.#form.what;
    return await purgeCopies(
      {
        adapter: this.#form.adapter,
        what,
        resourceType: this.resourceType,
        backend: this.backend,
        retention: this.#retention,
        list: () => {
          const context: FailureContext = {
            action: "purge",
            what: `the quarantined copies of each ${what.replace(/^the /, "")}`,
            token: "*",
          };
          return this.inAdminSession(context, async (open, step) => {
            step("reading the quarantined copies");
            const session = quarantineSession(open);
            const marks = await readMarks(session);
            return copiesOf(
              marks,
              await readCopyCatalog(session),
              (mark) => this.#ownToken(mark),
              this.#retention?.days,
            )
              .filter((marked) => marked.mark.state === "quarantined")
              .map((marked) => marked.copy);
          });
        },
        guarded: (request, copy, gone) => guardedDrop(request, () => this.#purgeCopy(copy, gone)),
      },
      guardedDrop,
      options,
    );
  }

  /**
   * Drops one expired copy under its tenant's lock, so that a restore
   * cannot take it at the same moment.
   *
   * @sanctionedDrop
   */
  async #purgeCopy(copy: QuarantinedCopy, gone: () => void): Promise<void> {
    const what = this.#form.what;
    const context: FailureContext = {
      action: "purge",
      what: `the quarantined copy ${JSON.stringify(copy.name)} of ${what}`,
      token: copy.token,
    };
    const names = { database: copy.originalDatabase, user: copy.originalRole };
    if (
      await this.underTenantLock(
        context,
        names,
        (open, step) => dropQuarantinedCopy(quarantineSession(open), step, copy),
      )
    ) return;
    gone();
    throw goneError(copy, what);
  }

  /**
   * The token of a mark of this adapter's form (its backend, and original
   * names that are the prefixes and one valid token), derived from the
   * names, or `undefined`: the audit record of a purge names the tenant
   * whose names the copy had.
   */
  #ownToken(mark: MysqlMark): string | undefined {
    const { databasePrefix, userPrefix } = this.#form;
    if (mark.backend !== this.backend || !mark.database.startsWith(databasePrefix)) return undefined;
    const token = mark.database.slice(databasePrefix.length);
    if (mark.user !== userPrefix + token) return undefined;
    try {
      const names = this.tenantNames(token);
      return names.database === mark.database && names.user === mark.user ? token : undefined;
    } catch {
      return undefined;
    }
  }

  #tenant(token: string): MysqlTenant {
    const names = this.tenantNames(token);
    return { token, backend: this.backend, database: names.database, user: names.user };
  }
}
