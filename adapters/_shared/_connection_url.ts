// Internal: a connection URL is checked in the factory, so that a malformed
// one is a configuration error there, and never a drop that fails as
// `unavailable` and counts toward the breaker. The URL is never echoed: it
// may carry a password, and a malformed one has no reliable place to
// scrub it from.

/** What one option's connection URL may look like. */
export interface ConnectionUrlRule {
  /** The accepted schemes, with their colon: `["redis:", "rediss:"]`. */
  readonly schemes: readonly string[];
  /** An example for the message: `redis://user:password@host:6379/0`. */
  readonly example: string;
  /** Whether a value starting with `/` (a Unix socket path) is accepted as it is. */
  readonly socketPath?: boolean;
  /** Whether the authority may name no host (`postgres:///db?host=/run/postgresql`). */
  readonly emptyHost?: boolean;
  /** Whether the authority may list several `host:port`, comma-separated (MongoDB). */
  readonly hostList?: boolean;
  /** What the path must be, when the driver reads more than a name from it (Redis: the database number). */
  readonly path?: { readonly pattern: RegExp; readonly what: string };
}

/** The rule of the PostgreSQL adapters' `connectionString`. */
export const POSTGRES_URL: ConnectionUrlRule = {
  schemes: ["postgres:", "postgresql:", "socket:"],
  example: "postgres://user:password@host:5432/postgres",
  socketPath: true,
  emptyHost: true,
};

/** The rule of the Redis adapters' `url`. */
export const REDIS_URL: ConnectionUrlRule = {
  schemes: ["redis:", "rediss:"],
  example: "redis://user:password@host:6379/0",
  socketPath: true,
  // ioredis takes the path as the logical database to SELECT: a path that is
  // no number would fail every drop, or (`/db3`) never name the database meant.
  path: { pattern: /^(?:\/(?:\d{1,9})?)?$/, what: "a logical database number such as /0" },
};

/** The rule of the MongoDB adapters' `url`. */
export const MONGODB_URL: ConnectionUrlRule = {
  schemes: ["mongodb:", "mongodb+srv:"],
  example: "mongodb://user:password@host:27017/?authSource=admin",
  hostList: true,
};

/** The rule of the RabbitMQ adapters' `managementUrl`. */
export const HTTP_URL: ConnectionUrlRule = {
  schemes: ["http:", "https:"],
  example: "http://user:password@host:15672",
};

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\//;
// A host name, an IPv4 address, a bracketed IPv6 address, or a
// percent-encoded socket path (PostgreSQL's `%2Frun%2Fpostgresql`), with an
// optional port.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::(\d{1,5}))?$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * Checks a connection URL's shape: its scheme, that its credentials are
 * percent-encoded (an unencoded `/`, `?`, `#` or `@` in a password moves the
 * rest of it into the host, path or fragment), that every percent-escape in
 * it (credentials, host, path, query) decodes to UTF-8 text, as the drivers
 * decode them, and its host, port and path.
 *
 * @throws {TypeError} With the std message shape, never the URL itself.
 */
export function checkConnectionUrl(adapter: string, option: string, value: string, rule: ConnectionUrlRule): void {
  const fail = (why: string): never => {
    throw new TypeError(`Cannot create ${adapter} as '${option}' must be a URL such as ${rule.example}: ${why}`);
  };
  if (rule.socketPath === true && value.startsWith("/")) {
    // A socket path's query (`/run/redis.sock?db=2`) is still decoded.
    const query = value.indexOf("?");
    if (query !== -1) checkQuery(value.slice(query + 1), fail);
    return;
  }
  const scheme = SCHEME.exec(value);
  if (scheme === null) {
    fail(
      `current value is a string of ${value.length} characters without a scheme (${
        rule.schemes.map((s) => `${s}//`).join(", ")
      })`,
    );
  }
  const protocol = scheme![1]!.toLowerCase();
  if (!rule.schemes.includes(protocol)) {
    fail(
      `current scheme is ${JSON.stringify(protocol)}, expected ${
        rule.schemes.map((s) => JSON.stringify(s)).join(" or ")
      }`,
    );
  }
  const rest = value.slice(scheme![0].length);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const after = end === -1 ? "" : rest.slice(end);
  const at = authority.lastIndexOf("@");
  const credentials = at === -1 ? "" : authority.slice(0, at);
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  if (after.includes("@")) {
    fail("its user name or password holds an unencoded '/', '?' or '#' (percent-encode them: %2F, %3F, %23)");
  }
  if (credentials.includes("@")) fail("its user name or password holds an unencoded '@' (percent-encode it: %40)");
  if (BAD_ESCAPE.test(credentials)) {
    fail("its user name or password holds a '%' that is not a percent-escape (write it as %25)");
  }
  // The drivers decodeURIComponent the user name and password when they
  // connect: %FF or %C3%28 would fail every drop as "URI malformed".
  if (!decodes(credentials)) {
    fail(`its user name or password holds a percent-escape that is not UTF-8 text (${NOT_UTF8})`);
  }
  if (after.includes("#")) fail("it has a fragment ('#…'), which no connection uses");
  const queryAt = after.indexOf("?");
  const path = queryAt === -1 ? after : after.slice(0, queryAt);
  const query = queryAt === -1 ? "" : after.slice(queryAt + 1);
  if (BAD_ESCAPE.test(path)) fail("its path holds a '%' that is not a percent-escape (write it as %25)");
  if (!decodes(path)) fail(`its path holds a percent-escape that is not UTF-8 text (${NOT_UTF8})`);
  checkQuery(query, fail);
  if (hosts === "") {
    // Only the Unix-socket forms: `postgres:///db` (the driver's default
    // socket) or `postgres:///db?host=/run/postgresql`. Without a path the
    // driver cannot parse it (`postgres://u:pw@` is "Invalid URL" at drop time).
    if (rule.emptyHost === true && path.startsWith("/") && (path.length > 1 || /(?:^|&)host=[^&]/.test(query))) return;
    fail(
      rule.emptyHost === true
        ? "it names no host, and no database path or ?host= of a Unix socket"
        : "it names no host",
    );
  }
  if (BAD_ESCAPE.test(hosts)) fail("its host holds a '%' that is not a percent-escape (write it as %25)");
  if (!decodes(hosts)) fail(`its host holds a percent-escape that is not UTF-8 text (${NOT_UTF8})`);
  const list = rule.hostList === true ? hosts.split(",") : [hosts];
  for (const host of list) {
    const match = HOST.exec(host);
    if (match === null) fail(`it names an invalid host${list.length > 1 ? " in its host list" : ""}`);
    if (match![1] !== undefined && (Number(match![1]) < 1 || Number(match![1]) > 65_535)) {
      fail("its port is not within 1–65535");
    }
  }
  if (rule.path !== undefined && !rule.path.pattern.test(path)) fail(`its path must be ${rule.path.what}`);
}

const NOT_UTF8 = "such as %FF or %C3%28: percent-encode the UTF-8 bytes, as encodeURIComponent does";

/** Whether `part` percent-decodes: every escape well-formed and the bytes valid UTF-8. */
function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** Checks that every name and value of a query string percent-decodes. */
function checkQuery(query: string, fail: (why: string) => never): void {
  if (query === "") return;
  if (BAD_ESCAPE.test(query)) fail("its query holds a '%' that is not a percent-escape (write it as %25)");
  if (!decodes(query)) fail(`its query holds a percent-escape that is not UTF-8 text (${NOT_UTF8})`);
}
