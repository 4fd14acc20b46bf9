// A connection URL whose percent-escapes do not decode (a password with
// %FF or %C3%28, a path /db%FF) or whose form the driver cannot parse
// (`postgres://u:pw@`, a Redis path that is no database number, an option
// the MongoDB driver rejects) is a configuration error: a TypeError from the
// factory, never holding the password. Before, each of these passed the
// factory and failed every drop as `unavailable` "URI malformed" or
// "Invalid URL" (counting toward the breaker), or as `failed`. Every
// factory, the PostgreSQL and MySQL ones included (they share the checker), valid
// and invalid rows.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mongodbDedicated, mongodbShared } from "../../adapters/mongodb/mod.ts";
import { mysqlDedicated, mysqlShared } from "../../adapters/mysql/mod.ts";
import { postgresDedicated, postgresShared } from "../../adapters/postgres/mod.ts";
import { rabbitmqDedicated, rabbitmqShared } from "../../adapters/rabbitmq/mod.ts";
import { redisDedicated, redisShared } from "../../adapters/redis/mod.ts";
import { parseManagementUrl } from "../../adapters/rabbitmq/_management_api.ts";
import { assertAcceptsUrls, type UrlFactory } from "../support/accepts_urls.ts";

const SECRET = "hunter2";

interface Factory extends UrlFactory {
  /** A path the factory accepts (Redis: a database number). */
  readonly path: string;
  /** Invalid URLs of this backend alone: [what, url, why]. */
  readonly invalid: readonly [string, string, RegExp][];
}

const NOT_UTF8 = /percent-escape that is not UTF-8 text/;

const factories: readonly Factory[] = [
  ...[redisShared, redisDedicated].map((f): Factory => ({
    name: f.name,
    make: (url) => f({ url }),
    scheme: "redis",
    option: "url",
    path: "/0",
    invalid: [
      [
        "a path that is no database number",
        `redis://u:${SECRET}@cache:6379/db3`,
        /path must be a logical database number/,
      ],
      ["a path with two segments", `redis://u:${SECRET}@cache:6379/0/x`, /path must be a logical database number/],
      ["a socket path whose query does not decode", `/run/redis.sock?db=%FF&password=${SECRET}`, NOT_UTF8],
    ],
    valid: [
      "redis://u:pw@cache:6379",
      "redis://u:pw@cache:6379/",
      "redis://u:pw@cache:6379/15",
      "redis://u:p%C3%BCw@cache:6379/0",
      "redis://u:pü w@cache:6379/0",
    ],
  })),
  ...[rabbitmqShared, rabbitmqDedicated].map((f): Factory => ({
    name: f.name,
    make: (url) => f({ managementUrl: url }),
    scheme: "http",
    option: "managementUrl",
    path: "/rabbitmq",
    invalid: [],
    valid: ["http://u:p%C3%BCw@mq:15672", "https://u:pw@mq.internal/rabbit%20mq", "http://u:pü w@mq:15672"],
  })),
  ...[mongodbShared, mongodbDedicated].map((f): Factory => ({
    name: f.name,
    make: (url) => f({ url }),
    scheme: "mongodb",
    option: "url",
    path: "/admin",
    invalid: [
      [
        "an option the driver does not support",
        `mongodb://u:${SECRET}@h:27017/?replSet=rs0`,
        /MongoDB driver accepts.*replset is not supported/,
      ],
      [
        "an SRV URL with a port",
        `mongodb+srv://u:${SECRET}@cluster.example.net:27017/`,
        /MongoDB driver accepts.*cannot have port/,
      ],
      [
        "directConnection with two hosts",
        `mongodb://u:${SECRET}@h1:27017,h2:27017/?directConnection=true`,
        /MongoDB driver accepts.*exactly one host/,
      ],
      ["an option value the driver rejects", `mongodb://u:${SECRET}@h:27017/?tls=maybe`, /MongoDB driver accepts/],
    ],
    valid: [
      "mongodb://u:p%C3%BCw@h:27017/?authSource=admin",
      "mongodb://u:pw@h1:27017,h2:27017/admin?replicaSet=rs0",
      "mongodb+srv://u:pw@cluster.example.net/",
    ],
  })),
  ...[postgresShared, postgresDedicated].map((f): Factory => ({
    name: f.name,
    make: (url) => f({ connectionString: url }),
    scheme: "postgres",
    option: "connectionString",
    path: "/postgres",
    invalid: [
      ["credentials and no host, no path", `postgres://u:${SECRET}@`, /names no host, and no database path or \?host=/],
      ["no host and only a query", `postgres://u:${SECRET}@?host=/run/postgresql`, /names no host/],
      ["no host and an empty path", `postgres://u:${SECRET}@/`, /names no host/],
      ["nothing after the scheme", "postgres://", /names no host/],
      ["a ?host= that does not decode", `postgres://u:${SECRET}@/postgres?host=%FF`, NOT_UTF8],
    ],
    valid: [
      "postgres://u:pw@/postgres",
      "postgres:///postgres",
      "postgres:///?host=/run/postgresql",
      "postgres://u:pw@%2Frun%2Fpostgresql/postgres",
      "postgres://u:p%C3%BCw@db:5432/postgres?application_name=gd%20drop",
    ],
  })),
  ...[mysqlShared, mysqlDedicated].map((f): Factory => ({
    name: f.name,
    make: (url) => f({ url }),
    scheme: "mysql",
    option: "url",
    path: "/",
    invalid: [["credentials and no host", `mysql://u:${SECRET}@/`, /names no host/]],
    valid: ["mysql://root@127.0.0.1:3306/", "mysql://u:p%C3%BCw@db:3306/mysql", "mariadb://u:pw@db:3306"],
  })),
];

/** The malformed percent-escapes every backend shares, each URL holding the password `hunter2`. */
function undecodable(factory: Factory): [string, string, RegExp][] {
  const host = "db.internal:1234";
  const { scheme, path } = factory;
  return [
    ["a password ending in %FF", `${scheme}://admin:${SECRET}%FF@${host}${path}`, NOT_UTF8],
    ["a password with an invalid UTF-8 sequence %C3%28", `${scheme}://admin:${SECRET}%C3%28@${host}${path}`, NOT_UTF8],
    ["a lone continuation byte %80", `${scheme}://admin:${SECRET}%80x@${host}${path}`, NOT_UTF8],
    ["a truncated sequence %E2%82", `${scheme}://admin:${SECRET}%E2%82@${host}${path}`, NOT_UTF8],
    ["a user name with %FF", `${scheme}://adm%FFin:${SECRET}@${host}${path}`, NOT_UTF8],
    [
      "a path with %FF",
      `${scheme}://admin:${SECRET}@${host}/db%FF`,
      /its path holds a percent-escape that is not UTF-8/,
    ],
    [
      "a path with a bad escape %zz",
      `${scheme}://admin:${SECRET}@${host}/db%zz`,
      /its path holds a '%' that is not a percent-escape/,
    ],
    [
      "a query value with %C3%28",
      `${scheme}://admin:${SECRET}@${host}${path}?appName=%C3%28`,
      /its query holds a percent-escape that is not UTF-8/,
    ],
    [
      "a host with %FF",
      `${scheme}://admin:${SECRET}@db%FF.internal:1234${path}`,
      /its host holds a percent-escape that is not UTF-8/,
    ],
    [
      "a host with a bad escape %zz",
      `${scheme}://admin:${SECRET}@db%zz.internal:1234${path}`,
      /its host holds a '%' that is not a percent-escape/,
    ],
  ];
}

function assertConfigurationError(make: () => unknown, option: string, reason: RegExp): void {
  assert.throws(make, (err: Error) => {
    assert.equal(err.constructor, TypeError, `a TypeError, not a ${err.constructor.name}`);
    assert.match(err.message, new RegExp(`^Cannot create the (dedicated )?\\w+ adapter as '${option}' must be`));
    assert.match(err.message, reason);
    assert.doesNotMatch(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`, /hunter2/);
    return true;
  });
}

for (const factory of factories) {
  describe(`${factory.name}: percent-escapes and the driver's own parse`, () => {
    for (const [what, url, reason] of [...undecodable(factory), ...factory.invalid]) {
      test(`${what} is a TypeError from the factory, without the password`, () => {
        assertConfigurationError(() => factory.make(url), factory.option, reason);
      });
    }

    test(`valid URLs (${factory.valid.length}) are accepted`, async () => {
      await assertAcceptsUrls(factory.make, factory.valid);
    });
  });
}

describe("parseManagementUrl", () => {
  test("credentials that do not decode are a TypeError, never a URIError, and never echoed", () => {
    for (const url of [`http://admin:${SECRET}%FF@mq:15672`, `http://adm%C3%28:${SECRET}@mq:15672`]) {
      assert.throws(() => parseManagementUrl("the RabbitMQ adapter", url), (err: Error) => {
        assert.equal(err.constructor, TypeError);
        assert.match(
          err.message,
          /^Cannot create the RabbitMQ adapter as 'managementUrl' must hold a percent-encoded user name and password/,
        );
        assert.doesNotMatch(`${err.message}\n${err.stack}`, /hunter2/);
        return true;
      });
    }
  });

  test("credentials that decode become the Basic header", () => {
    const endpoint = parseManagementUrl("the RabbitMQ adapter", "http://ad%C3%BCmin:p%C3%BCw@mq:15672");
    assert.equal(endpoint.authorization, `Basic ${Buffer.from("adümin:püw").toString("base64")}`);
  });
});
