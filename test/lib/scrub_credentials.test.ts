import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scrubbedMessage, scrubCredentials } from "../../lib/mod.ts";

describe("scrubCredentials", () => {
  const cases: [string, string][] = [
    ["postgres://admin:hunter2@db:5432/x", "postgres://***@db:5432/x"],
    ["postgresql://admin:hun@ter2@db/x", "postgresql://***@db/x"],
    ["redis://:hunter2@cache:6379", "redis://***@cache:6379"],
    ["rediss://default:hunter2@cache", "rediss://***@cache"],
    ["mongodb+srv://u:hunter2@cluster0.example.net/?retryWrites=true", "mongodb+srv://***@cluster0.example.net/?retryWrites=true"],
    ["amqp://guest:hunter2@rabbit:5672/vh_x", "amqp://***@rabbit:5672/vh_x"],
    ["http://guest:hunter2@rabbit:15672/api", "http://***@rabbit:15672/api"],
    ["host=db user=u password=hunter2 dbname=x", "host=db user=u password=*** dbname=x"],
    ["password='hunter 2' sslmode=require", "password=*** sslmode=require"],
    ['{"password":"hunter2","user":"u"}', '{"password":***,"user":"u"}'],
    ["PASSWORD: hunter2", "PASSWORD: ***"],
    ["pwd=hunter2;server=x", "pwd=***;server=x"],
    ["apiKey=hunter2&x=1", "apiKey=***&x=1"],
    ["Authorization: Basic Z3Vlc3Q6aHVudGVyMg==", "Authorization: Basic ***"],
    ["PGPASSWORD=hunter2 psql", "PGPASSWORD=*** psql"],
    ["REDIS_PASSWORD=hunter2", "REDIS_PASSWORD=***"],
    ['{"db_password":"hunter2"}', '{"db_password":***}'],
    ["x-api-key: hunter2", "x-api-key: ***"],
    ["authorization: Bearer abc.def.ghi", "authorization: Bearer ***"],
    // Beside a bare host:port, which alone is no credential: the credential is still found.
    ["10.0.0.7:5544 password=hunter2", "10.0.0.7:5544 password=***"],
    ["10.0.0.7:5544?secret=hunter2", "10.0.0.7:5544?secret=***"],
    ["pwd:hunter2", "pwd:***"],
    ["auth_token=hunter2", "auth_token=***"],
    ["sslkey=/etc/hunter2.key", "sslkey=***"],
    // Every keyword of the pair and header forms, so that the pre-check is shown to let none through.
    ["passwd=hunter2", "passwd=***"],
    ["pass: hunter2", "pass: ***"],
    ["access_key=hunter2", "access_key=***"],
    ["api_key=hunter2", "api_key=***"],
    ["AccessKey: hunter2", "AccessKey: ***"],
    ["authToken=hunter2", "authToken=***"],
    ["Proxy-Authorization: Basic Z3Vlc3Q6aHVudGVyMg==", "Proxy-Authorization: Basic ***"],
    // The userinfo form without a scheme, as a peer address or a CLI target prints it.
    ["admin:hunter2@10.0.0.7:5544", "***@10.0.0.7:5544"],
    ["peer admin:hunter2@db:5432 refused", "peer ***@db:5432 refused"],
    ["admin:hun@ter2@db", "***@db"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      const scrubbed = scrubCredentials(input);
      assert.equal(scrubbed, expected);
      assert.ok(!/hunter|Z3Vlc3Q6|abc\.def/.test(scrubbed));
    });
  }

  const untouched = [
    "connect ECONNREFUSED 127.0.0.1:5432",
    "database \"db_acme\" is being accessed by other users",
    "postgres://db:5432/x",
    "user=app host=db",
    "token acme42 refused",
    // A bare host:port cannot hold a credential, nor can a UUID, an IPv6 peer or an e-mail address.
    "10.0.0.7:5544",
    "ipv4:10.0.0.7:5544",
    "[::1]:5544",
    "db.internal:5432",
    "0b7c6a9e-3f1d-4c2a-9b8e-5d4f3a2b1c0d",
    "oncall@example.com",
    "ERROR: relation a@b",
  ];
  for (const text of untouched) test(`leaves ${JSON.stringify(text)} alone`, () => assert.equal(scrubCredentials(text), text));
});

describe("scrubbedMessage", () => {
  test("errors, strings and odd values", () => {
    assert.equal(scrubbedMessage(new Error("x postgres://u:p@h")), "x postgres://***@h");
    assert.equal(scrubbedMessage("password=p"), "password=***");
    assert.equal(scrubbedMessage({ password: "p", host: "h" }), "thrown object without a message");
    assert.equal(scrubbedMessage(Object.assign(Object.create(null), { code: "E1" })), "thrown object with code E1");
    assert.equal(scrubbedMessage(undefined), "thrown undefined");
    assert.equal(scrubbedMessage(null), "thrown null");
  });
});
