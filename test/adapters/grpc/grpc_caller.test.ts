// guarded-drop/grpc against a real @grpc/grpc-js server and client on
// loopback: an insecure call has no identity (the peer is only a hint); a
// mutual-TLS call whose client certificate the server verified carries it
// (URI SAN, else CN); a TLS call without a client certificate has none.
// The certificates are made here with the openssl CLI.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createGuardedDrop } from "../../../lib/mod.ts";
import { type GrpcCaller, grpcCallerOf, readGrpcCaller } from "../../../adapters/grpc/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "guarded-drop-grpc-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });

/** A key and a certificate signed by the test CA, with the given subject and extensions. */
function issue(name: string, subject: string, extensions: string): { key: Buffer; cert: Buffer } {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  );
  return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
}

let ca: Buffer;
let serverPair: { key: Buffer; cert: Buffer };
let spiffeClient: { key: Buffer; cert: Buffer };
let cnClient: { key: Buffer; cert: Buffer };

before(() => {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-subj",
    "/CN=guarded-drop test CA",
    "-days",
    "2",
    "-out",
    "ca.pem",
  );
  ca = readFileSync(join(dir, "ca.pem"));
  serverPair = issue(
    "server",
    "/CN=localhost",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  spiffeClient = issue(
    "spiffe",
    "/CN=billing-cn",
    "subjectAltName=URI:spiffe://example.org/ns/billing/sa/provisioner\nextendedKeyUsage=clientAuth\n",
  );
  cnClient = issue("cn", "/O=Example/CN=ops-console", "extendedKeyUsage=clientAuth\n");
});

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString("utf8")) as unknown,
};
/** One unary method that answers with what the helper made of the call. */
const service: grpc.ServiceDefinition = {
  whoami: {
    path: "/guardeddrop.test.Caller/WhoAmI",
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};
const Client = grpc.makeGenericClientConstructor(service, "Caller");

interface Answer {
  caller: string;
  read: GrpcCaller;
  /** The `caller` of the `provisioner.drop` record the handler's guarded drop wrote. */
  recorded: unknown;
}

/** Starts a server with `credentials`, makes one call with `clientCredentials`, and stops both. */
async function callOnce(
  serverCredentials: grpc.ServerCredentials,
  clientCredentials: grpc.ChannelCredentials,
): Promise<{ answer: Answer }> {
  const server = new grpc.Server();
  server.addService(service, {
    whoami: async (call: grpc.ServerUnaryCall<unknown, Answer>, callback: grpc.sendUnaryData<Answer>) => {
      // As a provisioner's handler would: the caller goes into the guarded drop's record.
      const records: Record<string, unknown>[] = [];
      const push = (o: object) => void records.push({ ...o });
      const guardedDrop = createGuardedDrop({ logger: { info: push, warn: push, error: push }, counter: { inc() {} } });
      await guardedDrop({
        token: "acme42",
        resourceType: "postgres",
        backend: "shared",
        requestId: "req-grpc",
        caller: grpcCallerOf(call),
      }, () => undefined);
      callback(null, { caller: grpcCallerOf(call), read: readGrpcCaller(call), recorded: records[0]?.["caller"] });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials, (err, bound) => (err ? reject(err) : resolve(bound)))
  );
  const client = new Client(`127.0.0.1:${port}`, clientCredentials, { "grpc.ssl_target_name_override": "localhost" });
  try {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const deadline = new Date(Date.now() + 10_000);
      (client as unknown as {
        whoami: (req: unknown, opts: object, cb: (err: Error | null, res: Answer) => void) => void;
      })
        .whoami({}, { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    return { answer };
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}

const PEER = /^(ipv4:)?127\.0\.0\.1:\d+$/;

describe("grpcCallerOf with a real grpc-js server and client on loopback", () => {
  test("insecure: no identity, marked unauthenticated, the peer address only as a hint", async () => {
    const { answer } = await callOnce(grpc.ServerCredentials.createInsecure(), grpc.credentials.createInsecure());
    assert.equal(answer.read.identity, undefined);
    assert.equal(answer.read.source, "none");
    assert.match(answer.read.peer, PEER);
    assert.equal(answer.caller, `unauthenticated (peer ${answer.read.peer})`);
    assert.equal(answer.recorded, answer.caller, "the audit record carries it");
  });

  test("mutual TLS, verified client certificate with a SPIFFE URI SAN: the URI is the identity", async () => {
    const { answer } = await callOnce(
      grpc.ServerCredentials.createSsl(ca, [{ private_key: serverPair.key, cert_chain: serverPair.cert }], true),
      grpc.credentials.createSsl(ca, spiffeClient.key, spiffeClient.cert),
    );
    assert.equal(answer.read.identity, "spiffe://example.org/ns/billing/sa/provisioner");
    assert.equal(answer.read.source, "certificate-uri");
    assert.match(answer.read.peer, PEER);
    assert.equal(answer.caller, `spiffe://example.org/ns/billing/sa/provisioner (peer ${answer.read.peer})`);
    assert.equal(answer.recorded, answer.caller, "the audit record carries it");
  });

  test("mutual TLS, verified client certificate with no SAN: the subject CN is the identity", async () => {
    const { answer } = await callOnce(
      grpc.ServerCredentials.createSsl(ca, [{ private_key: serverPair.key, cert_chain: serverPair.cert }], true),
      grpc.credentials.createSsl(ca, cnClient.key, cnClient.cert),
    );
    assert.equal(answer.read.identity, "ops-console");
    assert.equal(answer.read.source, "certificate-cn");
    assert.equal(answer.caller, `ops-console (peer ${answer.read.peer})`);
  });

  test("TLS without a client certificate: encrypted, yet no identity", async () => {
    const { answer } = await callOnce(
      grpc.ServerCredentials.createSsl(ca, [{ private_key: serverPair.key, cert_chain: serverPair.cert }], false),
      grpc.credentials.createSsl(ca),
    );
    assert.equal(answer.read.identity, undefined);
    assert.match(answer.caller, /^unauthenticated \(peer (ipv4:)?127\.0\.0\.1:\d+\)$/);
  });
});

describe("readGrpcCaller on a call's shape", () => {
  test("authenticatedAs (the server's own auth) comes before the certificate", () => {
    const call = {
      getPeer: () => "10.0.0.7:5000",
      getAuthContext: () => ({ sslPeerCertificate: { subject: { CN: "cert-cn" } } }),
    };
    assert.equal(grpcCallerOf(call, { authenticatedAs: "jwt:billing" }), "jwt:billing (peer 10.0.0.7:5000)");
    assert.equal(grpcCallerOf(call), "cert-cn (peer 10.0.0.7:5000)");
  });

  test("a certificate with only a DNS SAN, a grpc-js without getAuthContext, and a getPeer that throws", () => {
    assert.deepEqual(
      readGrpcCaller({
        getPeer: () => "h:1",
        getAuthContext: () => ({ sslPeerCertificate: { subject: null, subjectaltname: "DNS:svc.internal" } }),
      }),
      {
        identity: "DNS:svc.internal",
        source: "certificate-san",
        peer: "h:1",
      },
    );
    assert.equal(grpcCallerOf({ getPeer: () => "h:2" }), "unauthenticated (peer h:2)");
    assert.equal(
      grpcCallerOf({
        getPeer: () => {
          throw new Error("closed");
        },
      }),
      "unauthenticated (peer unknown)",
    );
  });

  test("bad input: a TypeError", () => {
    assert.throws(() => grpcCallerOf({} as never), {
      name: "TypeError",
      message: /'call' must be a grpc-js server call/,
    });
    assert.throws(() => grpcCallerOf({ getPeer: () => "h:1" }, { authenticatedAs: " " }), {
      name: "TypeError",
      message: /'authenticatedAs' must be a non-empty string/,
    });
  });
});
