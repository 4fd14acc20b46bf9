/**
 * Target-name checks: the rules that tell a tenant's database, role, user
 * or vhost from a system one, before anything destructive runs.
 *
 * A tenant name is a prefix plus the platform's naming token (`db_acme42`).
 * Adapters call these checks before every destructive statement, and
 * guardedDrop checks the request's token before it calls the drop.
 *
 * @module
 */

import { RefusedError } from "./refused_error.ts";
import { describeValue } from "./_describe_value.ts";

/**
 * The PostgreSQL identifier limit, in bytes. Longer names are truncated by
 * the server, so two long tenant names could meet at the same object.
 */
const MAX_NAME_BYTES = 63;

// NOTE: a token must also *start* with a letter or a digit. The seed allowed
// a leading "-" or ".", but "-x" reads as an option to CLI tools such as
// rabbitmqctl, and "." / ".." are path segments in a management URL.
const TOKEN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TOKEN_CHARACTER = /[A-Za-z0-9._-]/;

/** Databases, roles and users that belong to the server itself. */
const SYSTEM_NAMES: readonly string[] = Object.freeze([
  "postgres",
  "template0",
  "template1",
  "admin",
  "local",
  "config",
  "default",
  "replication",
  // MySQL and MariaDB: their system schemas, and the accounts they install.
  "mysql",
  "sys",
  "performance_schema",
  "information_schema",
  "mariadb.sys",
  "root",
]);

/**
 * The seed's default prefixes and reserved words.
 *
 * @example
 * ```ts
 * import { DEFAULT_NAME_RULES } from "guarded-drop";
 *
 * console.log(DEFAULT_NAME_RULES.databasePrefixes); // ["db_", "dedicated_db_"]
 * ```
 */
export const DEFAULT_NAME_RULES: Readonly<Required<NameRulesOptions>> = Object.freeze({
  databasePrefixes: Object.freeze(["db_", "dedicated_db_"]),
  userPrefixes: Object.freeze(["usr_", "dedicated_usr_", "ded_"]),
  vhostPrefixes: Object.freeze(["vh_", "dedicated_vh_"]),
  // Every system name is also a reserved token: `db_postgres` is as wrong as `postgres`.
  reserved: Object.freeze([
    ...SYSTEM_NAMES,
    // The managed clouds' own admin databases and roles.
    "rdsadmin",
    "rds_superuser",
    "cloudsqladmin",
    "cloudsqlsuperuser",
    "azure_superuser",
    "azure_pg_admin",
    "azure_maintenance",
    "azure_sys",
    "doadmin",
  ]),
  systemNames: SYSTEM_NAMES,
  mixedCaseTokens: "refuse",
});

/**
 * The case policy of a tenant's naming token, decided once for every
 * backend (DESIGN §4).
 *
 * - `"refuse"`: a token with upper-case letters (`relAbc`) is refused by
 *   guardedDrop and by every adapter alike, before anything connects.
 *   PostgreSQL folds unquoted names and MySQL may fold database names, so
 *   such a tenant may be held as `db_relabc` there while Redis and RabbitMQ
 *   hold `relAbc:*` and `vh_relAbc`: refusing it everywhere is the one answer
 *   that never leaves a tenant half deleted.
 * - `"exact"`: every backend takes the token exactly as given (Redis keys
 *   `relAbc:*`, the vhost `vh_relAbc`, the quoted PostgreSQL names
 *   `"db_relAbc"`, the MySQL names `db_relAbc`). For a platform that made
 *   every name of its tenants with the token's own case.
 *
 * @example
 * ```ts
 * import { createNameRules, type MixedCaseTokens } from "guarded-drop";
 *
 * const policy: MixedCaseTokens = "exact";
 * const rules = createNameRules({ mixedCaseTokens: policy });
 * console.log(rules.checkNamingToken("relAbc")); // "relAbc"
 * ```
 */
export type MixedCaseTokens = "refuse" | "exact";

const MIXED_CASE_POLICIES: ReadonlySet<unknown> = new Set(["refuse", "exact"]);
const UPPER_CASE = /[A-Z]/;

/**
 * Options of {@linkcode createNameRules}.
 *
 * Prefix lists *replace* the defaults: they are what a tenant name may start
 * with. The `reserved` and `systemNames` lists *extend* the defaults: a
 * platform adds its own admin names, and cannot unprotect `postgres`.
 *
 * @example
 * ```ts
 * import type { NameRulesOptions } from "guarded-drop";
 *
 * const options: NameRulesOptions = { reserved: ["platform_admin"], systemNames: ["platform"] };
 * ```
 */
export interface NameRulesOptions {
  /**
   * What a tenant database name may start with.
   *
   * @default {["db_", "dedicated_db_"]}
   */
  databasePrefixes?: readonly string[];
  /**
   * What a tenant user or role name may start with.
   *
   * @default {["usr_", "dedicated_usr_", "ded_"]}
   */
  userPrefixes?: readonly string[];
  /**
   * What a tenant RabbitMQ vhost name may start with.
   *
   * @default {["vh_", "dedicated_vh_"]}
   */
  vhostPrefixes?: readonly string[];
  /**
   * Tokens that are never a tenant, compared case-insensitively. Added to
   * the defaults.
   *
   * @default {DEFAULT_NAME_RULES.reserved}
   */
  reserved?: readonly string[];
  /**
   * Whole names that are never a tenant's, compared case-insensitively.
   * Added to the defaults.
   *
   * @default {DEFAULT_NAME_RULES.systemNames}
   */
  systemNames?: readonly string[];
  /**
   * What a naming token with upper-case letters means, for guardedDrop and
   * every adapter given these rules: `"refuse"` it everywhere, or take it
   * `"exact"`ly as given everywhere. Give the same rules to
   * `createGuardedDrop` and to every adapter of a tenant.
   *
   * @default {"refuse"}
   */
  mixedCaseTokens?: MixedCaseTokens;
}

/**
 * A configured set of name checks. Each check returns the name it was given
 * when it is a tenant's, and throws {@linkcode RefusedError} otherwise.
 *
 * @example
 * ```ts
 * import { createNameRules } from "guarded-drop";
 *
 * const rules = createNameRules();
 * console.log(rules.checkDatabaseName("db_acme42")); // "db_acme42"
 * ```
 */
export interface NameRules {
  /** Checks a bare naming token (`acme42`), its case included. */
  checkNamingToken(token: unknown): string;
  /**
   * The case policy these rules decided (see {@linkcode MixedCaseTokens}).
   * Rules that do not say are taken as `"refuse"`: guardedDrop and the
   * adapters then refuse a token with upper-case letters themselves.
   */
  readonly mixedCaseTokens?: MixedCaseTokens;
  /** Checks a tenant database name (`db_acme42`). */
  checkDatabaseName(name: unknown): string;
  /** Checks a tenant user or role name (`usr_acme42`). */
  checkUserName(name: unknown): string;
  /** Checks a tenant RabbitMQ vhost name (`vh_acme42`). */
  checkVhostName(name: unknown): string;
}

/**
 * Builds a set of name checks. Without options it has the seed's rules.
 *
 * @param options Prefixes that replace the defaults, and reserved or system
 * names that extend them.
 * @returns The configured checks.
 * @throws {TypeError} If a prefix is empty or not a string, a reserved or
 * system name is not a string, or `mixedCaseTokens` is neither "refuse" nor
 * "exact".
 *
 * @example A platform with its own admin names
 * ```ts
 * import { createNameRules } from "guarded-drop";
 *
 * const rules = createNameRules({ reserved: ["platform_admin"] });
 * try {
 *   rules.checkUserName("usr_PLATFORM_ADMIN");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "GD_REFUSED"
 * }
 * ```
 */
export function createNameRules(options: NameRulesOptions = {}): NameRules {
  const databasePrefixes = prefixList("databasePrefixes", options.databasePrefixes);
  const userPrefixes = prefixList("userPrefixes", options.userPrefixes);
  const vhostPrefixes = prefixList("vhostPrefixes", options.vhostPrefixes);
  const reserved = lowerCaseSet("reserved", DEFAULT_NAME_RULES.reserved, options.reserved);
  const systemNames = lowerCaseSet("systemNames", DEFAULT_NAME_RULES.systemNames, options.systemNames);
  const mixedCaseTokens = options.mixedCaseTokens ?? DEFAULT_NAME_RULES.mixedCaseTokens;
  if (!MIXED_CASE_POLICIES.has(mixedCaseTokens)) {
    throw new TypeError(
      `Cannot create name rules as 'mixedCaseTokens' must be "refuse" or "exact": current value is ${
        describeValue(mixedCaseTokens)
      }`,
    );
  }

  function checkNamingToken(token: unknown): string {
    const problem = tokenProblem(token, reserved);
    if (problem !== undefined) {
      throw new RefusedError(`Cannot drop as the naming token ${describeValue(token)} ${problem}`);
    }
    if (mixedCaseTokens === "refuse") refuseMixedCase(token as string);
    return token as string;
  }

  function tenantName(what: string, prefixes: readonly string[], name: unknown): string {
    if (typeof name !== "string" || name.length === 0) {
      throw new RefusedError(
        `Cannot drop as the ${what} name must be a non-empty string: current value is ${describeValue(name)}`,
      );
    }
    const bytes = utf8Length(name);
    if (bytes > MAX_NAME_BYTES) {
      throw new RefusedError(
        `Cannot drop the ${what} ${
          describeValue(name)
        } as it is ${bytes} bytes long: a name has at most ${MAX_NAME_BYTES} bytes`,
      );
    }
    // Kept although a mandatory prefix makes it unreachable with the default
    // lists: a configured prefix list could be empty-ish ("p") and a system
    // name could start with it.
    if (systemNames.has(name.toLowerCase())) {
      throw new RefusedError(`Cannot drop the ${what} ${describeValue(name)} as it is a system name`);
    }
    let lastProblem = `does not start with a tenant prefix (${
      prefixes.map((prefix) => describeValue(prefix)).join(", ")
    })`;
    for (const prefix of prefixes) {
      if (!name.startsWith(prefix)) continue;
      const token = name.slice(prefix.length);
      const problem = tokenProblem(token, reserved);
      if (problem === undefined) return name;
      lastProblem = `has the prefix ${describeValue(prefix)} but its token ${describeValue(token)} ${problem}`;
    }
    throw new RefusedError(`Cannot drop the ${what} ${describeValue(name)} as it ${lastProblem}`);
  }

  // NOTE: the case policy is the token's. The whole-name checks below also
  // tell tenant-shaped names from others (the dedicated Redis proof reads
  // every ACL user with them), so they accept either case.
  return {
    mixedCaseTokens,
    checkNamingToken,
    checkDatabaseName: (name) => tenantName("database", databasePrefixes, name),
    checkUserName: (name) => tenantName("user", userPrefixes, name),
    checkVhostName: (name) => tenantName("vhost", vhostPrefixes, name),
  };
}

/**
 * Checks a naming token with `rules`, then applies the case policy they
 * declare: rules that do not declare `"exact"` (custom rules written before
 * the policy, among them) refuse a token with upper-case letters. guardedDrop
 * and every adapter check tokens through it, so one tenant is refused by all
 * of them or by none.
 *
 * @param rules The name rules (built by {@linkcode createNameRules}, or custom).
 * @param token The token to check.
 * @returns The token.
 * @throws {RefusedError} If the rules refuse it, or it has upper-case
 * letters and the rules do not declare `mixedCaseTokens: "exact"`.
 *
 * @example A custom rule set that does not declare a case policy
 * ```ts
 * import { checkTenantToken, createNameRules, type NameRules } from "guarded-drop";
 *
 * const base = createNameRules({ mixedCaseTokens: "exact" });
 * const custom: NameRules = { ...base, mixedCaseTokens: undefined };
 * console.log(checkTenantToken(custom, "acme42")); // "acme42"
 * try { checkTenantToken(custom, "AcmeX"); } catch (err) { console.log((err as { code: string }).code); } // "GD_REFUSED"
 * ```
 */
export function checkTenantToken(rules: NameRules, token: unknown): string {
  const checked = rules.checkNamingToken(token);
  if (rules.mixedCaseTokens !== "exact") refuseMixedCase(checked);
  return checked;
}

function refuseMixedCase(token: string): void {
  if (typeof token !== "string" || !UPPER_CASE.test(token)) return;
  throw new RefusedError(
    `Cannot drop as the naming token must be lower case, the case policy of guardedDrop and every adapter: current value is ` +
      `${
        describeValue(token)
      }. A server that folds names (PostgreSQL unquoted, MySQL with lower_case_table_names) may ` +
      `hold it as ${describeValue(token.toLowerCase())}, so no backend drops it. Pass the lower-case token, or give ` +
      `guardedDrop and every adapter name rules made with mixedCaseTokens: "exact"`,
  );
}

/** Why `token` is not a tenant's naming token, or `undefined` when it is one. */
function tokenProblem(token: unknown, reserved: ReadonlySet<string>): string | undefined {
  if (typeof token !== "string") return `must be a string: it is ${token === null ? "null" : typeof token}`;
  if (token.length === 0) return "must not be empty";
  // The pattern is ASCII-only, so a token that matches has as many bytes as
  // characters: the byte count is only computed for a message.
  if (!TOKEN_PATTERN.test(token)) {
    if (utf8Length(token) > MAX_NAME_BYTES) {
      return `is ${utf8Length(token)} bytes long: a token has at most ${MAX_NAME_BYTES} bytes`;
    }
    const bad = [...token].find((ch) => !TOKEN_CHARACTER.test(ch));
    return bad === undefined
      ? "must start with a letter or a digit"
      : `holds ${describeValue(bad)}: a token uses only [A-Za-z0-9._-]`;
  }
  if (token.length > MAX_NAME_BYTES) {
    return `is ${token.length} bytes long: a token has at most ${MAX_NAME_BYTES} bytes`;
  }
  if (reserved.has(token.toLowerCase())) return "is reserved";
  return undefined;
}

function prefixList(option: string, given: readonly string[] | undefined): readonly string[] {
  const list = given ?? DEFAULT_NAME_RULES[option as "databasePrefixes"];
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      `Cannot create name rules as '${option}' must be a non-empty array: current value is ${describeValue(list)}`,
    );
  }
  for (const prefix of list) {
    if (typeof prefix !== "string" || prefix.length === 0) {
      throw new TypeError(
        `Cannot create name rules as every '${option}' entry must be a non-empty string: found ${
          describeValue(prefix)
        }`,
      );
    }
  }
  // Longest first, so that "dedicated_db_" is tried before a shorter prefix of it.
  return Object.freeze([...list].sort((a, b) => b.length - a.length));
}

function lowerCaseSet(
  option: string,
  defaults: readonly string[],
  extra: readonly string[] | undefined,
): ReadonlySet<string> {
  const set = new Set(defaults.map((name) => name.toLowerCase()));
  if (extra === undefined) return set;
  if (!Array.isArray(extra)) {
    throw new TypeError(
      `Cannot create name rules as '${option}' must be an array: current value is ${describeValue(extra)}`,
    );
  }
  for (const name of extra) {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot create name rules as every '${option}' entry must be a string: found ${describeValue(name)}`,
      );
    }
    set.add(name.toLowerCase());
  }
  return set;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

const defaultRules = createNameRules();

/**
 * Checks a bare naming token with the default rules: non-empty, at most 63
 * bytes, only `[A-Za-z0-9._-]`, starting with a letter or digit, not
 * reserved, and lower case (the default case policy, {@linkcode MixedCaseTokens}).
 *
 * @param token The token to check.
 * @returns The token.
 * @throws {RefusedError} If it is not a tenant's token.
 *
 * @example
 * ```ts
 * import { checkNamingToken } from "guarded-drop";
 *
 * checkNamingToken("acme42"); // ok
 * try { checkNamingToken("postgres"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkNamingToken(token: unknown): string {
  return defaultRules.checkNamingToken(token);
}

/**
 * Checks a tenant database name with the default rules (`db_<token>` or
 * `dedicated_db_<token>`).
 *
 * @param name The database name.
 * @returns The name.
 * @throws {RefusedError} If it is not a tenant database.
 *
 * @example
 * ```ts
 * import { checkDatabaseName } from "guarded-drop";
 *
 * checkDatabaseName("dedicated_db_acme42"); // ok
 * try { checkDatabaseName("template1"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkDatabaseName(name: unknown): string {
  return defaultRules.checkDatabaseName(name);
}

/**
 * Checks a tenant user or role name with the default rules (`usr_<token>`,
 * `dedicated_usr_<token>` or `ded_<token>`).
 *
 * @param name The user or role name.
 * @returns The name.
 * @throws {RefusedError} If it is not a tenant user.
 *
 * @example
 * ```ts
 * import { checkUserName } from "guarded-drop";
 *
 * checkUserName("usr_acme42"); // ok
 * try { checkUserName("default"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkUserName(name: unknown): string {
  return defaultRules.checkUserName(name);
}

/**
 * Checks a tenant RabbitMQ vhost name with the default rules (`vh_<token>`
 * or `dedicated_vh_<token>`).
 *
 * @param name The vhost name.
 * @returns The name.
 * @throws {RefusedError} If it is not a tenant vhost.
 *
 * @example
 * ```ts
 * import { checkVhostName } from "guarded-drop";
 *
 * checkVhostName("vh_acme42"); // ok
 * try { checkVhostName("/"); } catch (err) { console.log((err as Error).message); }
 * ```
 */
export function checkVhostName(name: unknown): string {
  return defaultRules.checkVhostName(name);
}
