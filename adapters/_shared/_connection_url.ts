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
 * rest of it into the host, path or fragment), and its host and port.
 *
 * @throws {TypeError} With the std message shape, never the URL itself.
 */
export function checkConnectionUrl(adapter: string, option: string, value: string, rule: ConnectionUrlRule): void {
  const fail = (why: string): never => {
    throw new TypeError(`Cannot create ${adapter} as '${option}' must be a URL such as ${rule.example}: ${why}`);
  };
  if (rule.socketPath === true && value.startsWith("/")) return;
  const scheme = SCHEME.exec(value);
  if (scheme === null) fail(`current value is a string of ${value.length} characters without a scheme (${rule.schemes.map((s) => `${s}//`).join(", ")})`);
  const protocol = scheme![1]!.toLowerCase();
  if (!rule.schemes.includes(protocol)) {
    fail(`current scheme is ${JSON.stringify(protocol)}, expected ${rule.schemes.map((s) => JSON.stringify(s)).join(" or ")}`);
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
  if (BAD_ESCAPE.test(credentials)) fail("its user name or password holds a '%' that is not a percent-escape (write it as %25)");
  if (after.includes("#")) fail("it has a fragment ('#…'), which no connection uses");
  if (hosts === "") {
    if (rule.emptyHost === true) return;
    fail("it names no host");
  }
  const list = rule.hostList === true ? hosts.split(",") : [hosts];
  for (const host of list) {
    const match = HOST.exec(host);
    if (match === null) fail(`it names an invalid host${list.length > 1 ? " in its host list" : ""}`);
    if (match![1] !== undefined && (Number(match![1]) < 1 || Number(match![1]) > 65_535)) fail("its port is not within 1–65535");
  }
}
