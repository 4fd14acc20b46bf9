// A malformed connection URL is a configuration error thrown by the
// factory, as a TypeError that never holds the URL's password: never a drop
// that fails as `unavailable` and counts toward the breaker. Every factory,
// valid and invalid rows.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mongodbDedicated, mongodbShared } from "../../adapters/mongodb/mod.ts";
import { postgresDedicated, postgresShared } from "../../adapters/postgres/mod.ts";
import { rabbitmqDedicated, rabbitmqShared } from "../../adapters/rabbitmq/mod.ts";
import { redisDedicated, redisShared } from "../../adapters/redis/mod.ts";
import { assertAcceptsUrls, type UrlFactory } from "../support/accepts_urls.ts";

const SECRET = "hunter2";

type Factory = UrlFactory;

const factories: readonly Factory[] = [
  ...[redisShared, redisDedicated].map((f) => ({
    name: f.name,
    make: (url: string) => f({ url }),
    scheme: "redis",
    option: "url",
    valid: [
      "redis://127.0.0.1:6379",
      "redis://admin:p%2Fw%23d%3F@cache.internal:6379/3",
      "rediss://u:pw@cache:6380",
      "redis://:pw@[::1]:6379",
      "/run/redis.sock",
    ],
  })),
  ...[rabbitmqShared, rabbitmqDedicated].map((f) => ({
    name: f.name,
    make: (url: string) => f({ managementUrl: url }),
    scheme: "http",
    option: "managementUrl",
    valid: ["http://guest:guest@127.0.0.1:15672", "https://a%40b:p%23w@mq.internal/rabbitmq", "http://mq:15672/"],
  })),
  ...[mongodbShared, mongodbDedicated].map((f) => ({
    name: f.name,
    make: (url: string) => f({ url }),
    scheme: "mongodb",
    option: "url",
    valid: [
      "mongodb://admin:pw@127.0.0.1:27017/?authSource=admin",
      "mongodb://a:p%2F@h1:27017,h2:27018/?replicaSet=rs0",
      "mongodb+srv://u:pw@cluster.example.net/",
    ],
  })),
  ...[postgresShared, postgresDedicated].map((f) => ({
    name: f.name,
    make: (url: string) => f({ connectionString: url }),
    scheme: "postgres",
    option: "connectionString",
    valid: [
      "postgres://postgres@127.0.0.1:5432/postgres",
      "postgresql://u:p%23w@db:5432/x?sslmode=require",
      "postgres:///postgres?host=/run/postgresql",
      "/run/postgresql",
    ],
  })),
];

/** Malformed URLs, each with the password `hunter2…` somewhere in it. */
function malformed(scheme: string): [string, string, RegExp][] {
  const host = "db.internal:1234";
  return [
    ["a password with an unencoded '/'", `${scheme}://admin:${SECRET}/x@${host}/0`, /unencoded '\/', '\?' or '#'/],
    ["a password with an unencoded '#'", `${scheme}://admin:${SECRET}#1@${host}`, /unencoded '\/', '\?' or '#'/],
    ["a password with an unencoded '?'", `${scheme}://admin:${SECRET}?x@${host}`, /unencoded '\/', '\?' or '#'/],
    [
      "a numeric password with an unencoded '#' (which parses as a valid host and port)",
      `${scheme}://admin:1234#${SECRET}@${host}`,
      /unencoded/,
    ],
    ["a password with an unencoded '@'", `${scheme}://admin:${SECRET}@x@${host}`, /unencoded '@'/],
    ["a password with a bad percent-escape", `${scheme}://admin:${SECRET}%zz@${host}`, /not a percent-escape/],
    ["a wrong scheme", `ftp://admin:${SECRET}@${host}`, /current scheme is "ftp:"/],
    ["garbage", `${SECRET} is not a URL`, /without a scheme/],
    ["an out-of-range port", `${scheme}://admin:${SECRET}@db.internal:99999`, /port is not within/],
    ["an invalid host", `${scheme}://admin:${SECRET}@db internal:1234`, /invalid host/],
  ];
}

for (const factory of factories) {
  describe(`${factory.name}: the connection URL`, () => {
    for (const [what, url, reason] of malformed(factory.scheme)) {
      test(`${what} is a TypeError from the factory, without the password`, () => {
        assert.throws(() => factory.make(url), (err: Error) => {
          assert.equal(err.name, "TypeError");
          assert.match(
            err.message,
            new RegExp(`^Cannot create the (dedicated )?\\w+ adapter as '${factory.option}' must be`),
          );
          assert.match(err.message, reason);
          assert.doesNotMatch(err.message, /hunter2/);
          assert.doesNotMatch(JSON.stringify(err), /hunter2/);
          return true;
        });
      });
    }

    test(`valid URLs (${factory.valid.length}) are accepted`, async () => {
      await assertAcceptsUrls(factory.make, factory.valid);
    });
  });
}
