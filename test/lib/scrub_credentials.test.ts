import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_SCRUBBED_LENGTH, scrubbedMessage, scrubCredentials } from "../../lib/mod.ts";
import { scrubForms } from "../../lib/_scrub_forms.ts";
import { LOADED_MACHINE_SLACK_MS } from "../support/timing.ts";

describe("scrubCredentials", () => {
  const cases: [string, string][] = [
    ["postgres://admin:hunter2@db:5432/x", "postgres://***@db:5432/x"],
    ["postgresql://admin:hun@ter2@db/x", "postgresql://***@db/x"],
    ["redis://:hunter2@cache:6379", "redis://***@cache:6379"],
    ["rediss://default:hunter2@cache", "rediss://***@cache"],
    [
      "mongodb+srv://u:hunter2@cluster0.example.net/?retryWrites=true",
      "mongodb+srv://***@cluster0.example.net/?retryWrites=true",
    ],
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
    // Review findings: a password that was not percent-encoded may hold any of "/#?'\"<`".
    ["postgres://app:hun/ter2@db:5432/x", "postgres://***@db:5432/x"],
    ["redis://:hun#ter2@cache", "redis://***@cache"],
    ["amqp://u:hun?ter2@mq/vh", "amqp://***@mq/vh"],
    ["mysql://u:hun'ter2@db", "mysql://***@db"],
    ['mysql://u:hun"ter2@db', "mysql://***@db"],
    ["mysql://u:hun<ter2@db", "mysql://***@db"],
    ["mysql://u:hun`ter2@db", "mysql://***@db"],
    [
      "dial mongodb://u:hun/te@r2@h1:27017,h2:27017/db?x=1 failed",
      "dial mongodb://***@h1:27017,h2:27017/db?x=1 failed",
    ],
    ["redis://u:hunter2@", "redis://***@"],
    ["redis://u:hunter2@:6379", "redis://***@:6379"],
    ["app:hun/ter2@db:5432", "***@db:5432"],
    ["peer=app:hun'ter2@db", "peer=***@db"],
    // A whitespace before the "@", or inside the password of a URL on one line.
    ["postgres://app:hunter2\n@db/x", "postgres://***@db/x"],
    ["app:hunter2\n@db", "***@db"],
    ["redis://default:hun ter2@cache:6379", "redis://***@cache:6379"],
    ["redis://default:hun\nter2@cache:6379", "redis://***@cache:6379"],
    ["redis://:hun\r\nter 2@cache", "redis://***@cache"],
    // Quotes between the header name and its ":", as JSON prints it.
    ['{"Authorization":"Basic Z3Vlc3Q6aHVudGVyMg=="}', '{"Authorization":"Basic ***"}'],
    ["'authorization': 'Bearer abc.def.ghi'", "'authorization': 'Bearer ***'"],
    ["Proxy-Authorization: Digest username=x, response=hunter2", "Proxy-Authorization: ***"],
    // More keywords, and flags whose value follows a space.
    ["pw=hunter2", "pw=***"],
    ["passphrase=hunter2", "passphrase=***"],
    ["credentials=hunter2", "credentials=***"],
    ["client_secret: hunter2", "client_secret: ***"],
    ['{"private_key":"hunter2"}', '{"private_key":***}'],
    ["mysqldump --password hunter2 x", "mysqldump --password *** x"],
    ["redis-server --requirepass hunter2", "redis-server --requirepass ***"],
    ["CONFIG SET requirepass hunter2", "CONFIG SET requirepass ***"],
    ["masterauth 'hun ter2'", "masterauth ***"],
    ["redis> AUTH default hunter2", "redis> AUTH ***"],
    ["AUTH hunter2", "AUTH ***"],
    ["/x?password%3Dhunter2&y=1", "/x?password%3D***&y=1"],
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
    'database "db_acme" is being accessed by other users',
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
    // A host:port URL followed by an e-mail address: no userinfo, nothing joined.
    "connect redis://cache:6379 failed for oncall@example.com",
    "see https://example.com/a then oncall@example.com",
    "mongodb://h1:27017,h2:27017/db",
    "NOAUTH Authentication required.",
  ];
  for (const text of untouched) {
    test(`leaves ${JSON.stringify(text)} alone`, () => assert.equal(scrubCredentials(text), text));
  }
});

describe("scrubCredentials: bounded time and size", () => {
  // Each of these took seconds (quadratic backtracking) before the scrubber
  // was made linear. 1 MB, not cut: a quadratic scrubber needs hours here, a
  // linear one tens of milliseconds, so the bound is a gross ReDoS guard
  // only, generous for a loaded machine running suites in parallel.
  const hostile: [string, string][] = [
    ["a word-boundary run before a keyword", "a-".repeat(500_000) + " key: x"],
    ["spaces after a keyword", "pass:" + " a-".repeat(350_000)],
    ["user:password candidates without a host", "=a:b".repeat(250_000) + "@"],
    ["comma-separated candidates", ",x:".repeat(350_000) + "@"],
    ["colons before a lone @", "x:" + ":".repeat(1_000_000) + " @"],
    ["schemes", "a://".repeat(250_000) + "@"],
    ["schemes with a host", "a://".repeat(250_000) + "@h"],
    ["URLs awaiting an @", "redis://u:p ".repeat(90_000) + "@h"],
    ["headers", "authorization:".repeat(70_000)],
    ["dashes before a keyword", "-".repeat(1_000_000) + "token:"],
    ["unclosed quoted values", 'password="x\\'.repeat(100_000)],
    ["tabs after a pair's '='", "password=" + "\t".repeat(1_000_000)],
    ["spaces after a Basic header", "authorization: basic" + " ".repeat(1_000_000) + '"'],
    ["spaces after AUTH", "AUTH" + " ".repeat(1_000_000)],
    ["spaces after --password", "--password" + " ".repeat(1_000_000) + "'"],
    ["base64url after a keyword", "request failed, api_key: invalid; body=" + "QUJD-_xyz".repeat(110_000)],
  ];
  for (const [name, text] of hostile) {
    // Linear time is milliseconds; quadratic time on 1 MB is ~10^12 steps,
    // minutes: a bound of a loaded machine's slack tells them apart.
    test(`1 MB of ${name} is scrubbed in linear time (a gross bound)`, () => {
      const started = performance.now();
      scrubForms(text);
      const ms = performance.now() - started;
      assert.ok(ms < LOADED_MACHINE_SLACK_MS, `${ms.toFixed(0)} ms`);
    });
  }

  test("a text longer than MAX_SCRUBBED_LENGTH is cut, the cut is said, and a 1 MB one is fast", () => {
    const huge = "a-".repeat(500_000) + " key: x";
    const started = performance.now();
    const out = scrubCredentials(huge);
    assert.ok(performance.now() - started < LOADED_MACHINE_SLACK_MS, "linear: quadratic on 1 MB would take minutes");
    assert.ok(out.length <= MAX_SCRUBBED_LENGTH + 60, `${out.length}`);
    assert.match(out, /… \[cut: \d+ more characters not shown\]$/);
    assert.equal(
      scrubCredentials("x".repeat(MAX_SCRUBBED_LENGTH)),
      "x".repeat(MAX_SCRUBBED_LENGTH),
      "at the limit: whole",
    );
  });

  test("a cut never splits a password from its @: the credential's run is dropped whole", () => {
    const pad = "word ".repeat(Math.floor((MAX_SCRUBBED_LENGTH - 10) / 5));
    for (
      const tail of [
        "postgres://app:hunter2@db/x",
        "app:hunter2@db:5432",
        "postgres://app:hunter2\n@db/x",
        "redis://default:hun ter2@cache",
        "password='hunter2 more'",
        "password= hunter2",
        "Authorization: Basic Z3Vlc3Q6aHVudGVyMg==",
      ]
    ) {
      for (let shift = 0; shift < 40; shift++) {
        const text = pad + "x".repeat(shift) + " " + tail + " " + "y".repeat(MAX_SCRUBBED_LENGTH);
        const out = scrubCredentials(text);
        assert.doesNotMatch(
          out,
          /hunter|hun|ter2|Z3Vl/,
          `${JSON.stringify(tail)} shifted by ${shift}: ${out.slice(-80)}`,
        );
        assert.match(out, /not shown\]$/);
      }
    }
  });
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
