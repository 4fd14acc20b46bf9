// Internal: checks the options every adapter shares, up front.

import { createNameRules, type NameRules } from "../../lib/mod.ts";
import { describeOption as describe } from "../../lib/_describe_value.ts";
import { type AdapterOptions, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS } from "./adapter_options.ts";
import { checkConnectionUrl, type ConnectionUrlRule, POSTGRES_URL } from "./_connection_url.ts";

// The package's one value describer, in its never-echo-a-string form, for
// the adapters' own option checks too.
export { describe };

/** The shared options with their defaults applied. */
export interface ResolvedAdapterOptions {
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly nameRules: NameRules;
}

/**
 * Applies the defaults and checks the shared options.
 *
 * The connection URL is checked too: `connection` names the option and its
 * rule; without it, a `connectionString` (the PostgreSQL adapters') is
 * checked as a PostgreSQL URL. A missing one is left to the caller, whose
 * message names it.
 *
 * @param adapter What is being created, for messages ("the PostgreSQL adapter").
 * @param options The factory's options.
 * @param connection The option holding the connection URL, and its rule.
 * @returns The resolved options.
 * @throws {TypeError} If `options` is not an object, a timeout is not a
 * positive finite number, `nameRules` lacks a check, or the connection URL
 * is malformed (the message never holds it).
 */
export function resolveAdapterOptions(
  adapter: string,
  options: AdapterOptions | undefined,
  connection: { readonly option: string; readonly rule: ConnectionUrlRule } = {
    option: "connectionString",
    rule: POSTGRES_URL,
  },
): ResolvedAdapterOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create ${adapter} as 'options' must be an object: current value is ${describe(options)}`,
    );
  }
  const url = (options as Record<string, unknown>)[connection.option];
  if (typeof url === "string" && url.length > 0) checkConnectionUrl(adapter, connection.option, url, connection.rule);
  const connectTimeoutMs = positive(adapter, "connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS);
  const operationTimeoutMs = positive(
    adapter,
    "operationTimeoutMs",
    options.operationTimeoutMs,
    DEFAULT_OPERATION_TIMEOUT_MS,
  );
  const nameRules = options.nameRules ?? createNameRules();
  for (const check of ["checkNamingToken", "checkDatabaseName", "checkUserName", "checkVhostName"] as const) {
    if (typeof nameRules?.[check] !== "function") {
      throw new TypeError(
        `Cannot create ${adapter} as 'nameRules.${check}' must be a function: current value is ${
          describe(nameRules?.[check])
        }`,
      );
    }
  }
  return { connectTimeoutMs, operationTimeoutMs, nameRules };
}

/**
 * Checks a positive finite number option, or returns its default.
 *
 * @throws {TypeError} If it is given and is not one.
 */
export function positive(adapter: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Cannot create ${adapter} as '${option}' must be a positive finite number: current value is ${describe(value)}`,
    );
  }
  return value;
}
