// Internal: the RabbitMQ Deprovisioner behind rabbitmqShared and rabbitmqDedicated.

import { type Backend, checkTenantToken, type Deprovisioner, type NameRules } from "../../lib/mod.ts";
import { backendError, type FailureContext } from "../_shared/_errors.ts";
import { HTTP_URL } from "../_shared/_connection_url.ts";
import { resolveAdapterOptions } from "../_shared/_resolve_options.ts";
import { type ManagementEndpoint, parseManagementUrl } from "./_management_api.ts";
import { checkApi, closeUserConnections, deleteUser, deleteVhost, objectExists } from "./_requests.ts";
import type { RabbitmqAdapterOptions } from "./rabbitmq_options.ts";

/** The names of one tenant model. */
export interface RabbitmqForm {
  readonly backend: Backend;
  readonly vhostPrefix: string;
  readonly userPrefix: string;
  readonly what: string;
  readonly adapter: string;
}

/** Drops one tenant's vhost and user through the management API. */
export class RabbitmqDeprovisioner implements Deprovisioner {
  readonly resourceType = "rabbitmq";
  readonly backend: Backend;
  readonly #form: RabbitmqForm;
  readonly #endpoint: ManagementEndpoint;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #nameRules: NameRules;
  #closed = false;
  readonly #closing = new AbortController();

  constructor(form: RabbitmqForm, options: RabbitmqAdapterOptions) {
    const resolved = resolveAdapterOptions(form.adapter, options, { option: "managementUrl", rule: HTTP_URL });
    this.#endpoint = { ...parseManagementUrl(form.adapter, options.managementUrl), closed: this.#closing.signal };
    this.backend = form.backend;
    this.#form = form;
    this.#connectTimeoutMs = resolved.connectTimeoutMs;
    this.#operationTimeoutMs = resolved.operationTimeoutMs;
    this.#nameRules = resolved.nameRules;
  }

  /**
   * `GET /api/whoami` (the API answers), close the user's connections,
   * `DELETE /api/vhosts/{vhost}`, `DELETE /api/users/{user}`. A 404 is
   * already gone, so it is idempotent.
   *
   * @sanctionedDrop
   */
  async deprovision(token: string): Promise<void> {
    const { vhost, user } = this.#targets(token);
    const context = this.#context("deprovision", token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    await closeUserConnections(this.#endpoint, context, user, this.#operationTimeoutMs);
    await deleteVhost(this.#endpoint, context, vhost, this.#operationTimeoutMs);
    await deleteUser(this.#endpoint, context, user, this.#operationTimeoutMs);
  }

  /** Whether the vhost or the user exists (`GET /api/vhosts/{vhost}`, `GET /api/users/{user}`). */
  async exists(token: string): Promise<boolean> {
    const { vhost, user } = this.#targets(token);
    const context = this.#context("check", token);
    await checkApi(this.#endpoint, context, this.#connectTimeoutMs);
    return await objectExists(this.#endpoint, context, "vhosts", vhost, this.#operationTimeoutMs) ||
      await objectExists(this.#endpoint, context, "users", user, this.#operationTimeoutMs);
  }

  /** Aborts the requests of calls still running; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
  }

  #context(action: "deprovision" | "check", token: string): FailureContext {
    const context: FailureContext = { action, what: this.#form.what, token };
    if (this.#closed) throw backendError("failed", context, "the adapter is closed", undefined);
    return context;
  }

  #targets(token: string): { vhost: string; user: string } {
    // The token's case is the name rules' policy, the same for every backend.
    const checked = checkTenantToken(this.#nameRules, token);
    return {
      vhost: this.#nameRules.checkVhostName(`${this.#form.vhostPrefix}${checked}`),
      user: this.#nameRules.checkUserName(`${this.#form.userPrefix}${checked}`),
    };
  }
}
