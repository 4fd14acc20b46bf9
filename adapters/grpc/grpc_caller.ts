/**
 * {@linkcode grpcCallerOf}: the `caller` of a guarded drop, from a
 * `@grpc/grpc-js` server call.
 *
 * @module
 */

/**
 * The part of a peer certificate the identity is read from: Node's
 * `tls.PeerCertificate` fits.
 *
 * @example
 * ```ts
 * import type { GrpcPeerCertificate } from "guarded-drop/grpc";
 *
 * const cert: GrpcPeerCertificate = { subject: { CN: "billing" }, subjectaltname: "URI:spiffe://example.org/billing" };
 * ```
 */
export interface GrpcPeerCertificate {
  /** The subject's fields; `CN` is the common name (an array when it repeats). */
  readonly subject?: { readonly CN?: string | readonly string[] } | null;
  /** The subject alternative names, as Node gives them: `"DNS:a, URI:spiffe://…, email:…"`. */
  readonly subjectaltname?: string;
}

/**
 * The part of a `@grpc/grpc-js` server call this helper reads (the call of
 * every handler kind fits). No import of grpc-js is needed.
 *
 * @example
 * ```ts
 * import type { GrpcServerCallLike } from "guarded-drop/grpc";
 *
 * const call: GrpcServerCallLike = { getPeer: () => "127.0.0.1:52114", getAuthContext: () => ({}) };
 * ```
 */
export interface GrpcServerCallLike {
  /** The peer's address, `host:port`. A hint only: it is no identity. */
  getPeer(): string;
  /**
   * The transport's authentication: grpc-js (1.10 and later) gives the
   * client certificate here only when the server verified it against its CA.
   */
  getAuthContext?(): {
    readonly transportSecurityType?: string;
    readonly sslPeerCertificate?: GrpcPeerCertificate | undefined;
  };
}

/**
 * Options of {@linkcode grpcCallerOf}.
 *
 * @example
 * ```ts
 * import type { GrpcCallerOptions } from "guarded-drop/grpc";
 *
 * const options: GrpcCallerOptions = { authenticatedAs: "svc:billing" };
 * ```
 */
export interface GrpcCallerOptions {
  /**
   * An identity the server's own authentication established for this call
   * (the subject of a bearer token an interceptor verified, say). It comes
   * before the certificate. Never pass an unverified value from metadata.
   *
   * @default {undefined: the client certificate's identity, if any}
   */
  authenticatedAs?: string;
}

/**
 * Who made a gRPC call, as {@linkcode readGrpcCaller} tells it.
 *
 * @example
 * ```ts
 * import type { GrpcCaller } from "guarded-drop/grpc";
 *
 * const who: GrpcCaller = { identity: "billing", source: "certificate-cn", peer: "127.0.0.1:52114" };
 * ```
 */
export interface GrpcCaller {
  /** The authenticated identity, or `undefined` when the call has none. */
  readonly identity: string | undefined;
  /**
   * Where the identity came from: the `authenticatedAs` option, the client
   * certificate's URI SAN (a SPIFFE id), its subject CN, its first other
   * SAN, or nowhere.
   */
  readonly source: "authenticated-as" | "certificate-uri" | "certificate-cn" | "certificate-san" | "none";
  /** The peer address, or `unknown`. A hint, never an identity. */
  readonly peer: string;
}

/** The `caller` of a call with no authenticated identity. */
const UNAUTHENTICATED = "unauthenticated";

function firstOf(value: string | readonly string[] | undefined): string | undefined {
  const first = typeof value === "string" ? value : value?.[0];
  return typeof first === "string" && first.trim() !== "" ? first.trim() : undefined;
}

/** The SAN entries, `[type, value]`: Node writes them as `"DNS:a, URI:b"` (values with a comma are quoted). */
function sanEntries(subjectaltname: string | undefined): [string, string][] {
  if (typeof subjectaltname !== "string") return [];
  return subjectaltname
    .split(/,\s*/)
    .map((entry) => {
      const colon = entry.indexOf(":");
      return [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim().replace(/^"(.*)"$/, "$1")] as [
        string,
        string,
      ];
    })
    .filter(([type, value]) => type !== "" && value !== "");
}

function peerOf(call: GrpcServerCallLike): string {
  try {
    const peer = call.getPeer();
    return typeof peer === "string" && peer !== "" ? peer : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Reads who made a gRPC call: the authenticated identity, where there is
 * one, and the peer address.
 *
 * The identity is, in this order: `authenticatedAs`; the verified client
 * certificate's URI SAN (a SPIFFE id); its subject CN; its first other SAN
 * (`DNS:…`, `email:…`). grpc-js reports a certificate only when the server
 * required and verified it (`checkClientCertificate: true`), so an
 * unverified certificate is never an identity. The peer address is never
 * one: anyone can connect from anywhere.
 *
 * @param call The grpc-js server call.
 * @param options An identity the server's own authentication established.
 * @returns The identity, its source and the peer.
 * @throws {TypeError} If `call` has no `getPeer`, or `authenticatedAs` is
 * given but not a non-empty string.
 *
 * @example
 * ```ts
 * import { readGrpcCaller } from "guarded-drop/grpc";
 *
 * const who = readGrpcCaller({ getPeer: () => "127.0.0.1:52114" });
 * console.log(who.identity, who.peer); // undefined "127.0.0.1:52114"
 * ```
 */
export function readGrpcCaller(call: GrpcServerCallLike, options: GrpcCallerOptions = {}): GrpcCaller {
  if (typeof call?.getPeer !== "function") {
    throw new TypeError(
      `Cannot read the gRPC caller as 'call' must be a grpc-js server call: current value has no getPeer()`,
    );
  }
  const { authenticatedAs } = options;
  if (authenticatedAs !== undefined && (typeof authenticatedAs !== "string" || authenticatedAs.trim() === "")) {
    throw new TypeError(
      `Cannot read the gRPC caller as 'authenticatedAs' must be a non-empty string: current value is ${
        JSON.stringify(authenticatedAs)
      }`,
    );
  }
  const peer = peerOf(call);
  if (authenticatedAs !== undefined) return { identity: authenticatedAs.trim(), source: "authenticated-as", peer };
  const cert = typeof call.getAuthContext === "function" ? call.getAuthContext()?.sslPeerCertificate : undefined;
  if (cert === undefined || cert === null) return { identity: undefined, source: "none", peer };
  const sans = sanEntries(cert.subjectaltname);
  const uri = sans.find(([type]) => type === "URI")?.[1];
  if (uri !== undefined) return { identity: uri, source: "certificate-uri", peer };
  const cn = firstOf(cert.subject?.CN);
  if (cn !== undefined) return { identity: cn, source: "certificate-cn", peer };
  const san = sans[0];
  if (san !== undefined) return { identity: `${san[0]}:${san[1]}`, source: "certificate-san", peer };
  return { identity: undefined, source: "none", peer };
}

/**
 * The `caller` of a guarded drop made by a gRPC handler: the authenticated
 * identity with the peer address as a hint, `"<identity> (peer <address>)"`.
 * A call with no authenticated identity is `"unauthenticated (peer
 * <address>)"`: clearly marked, and never the address alone. See
 * {@linkcode readGrpcCaller} for where the identity comes from.
 *
 * @param call The grpc-js server call.
 * @param options An identity the server's own authentication established.
 * @returns The `caller` field.
 * @throws {TypeError} As {@linkcode readGrpcCaller}.
 *
 * @example In a grpc-js handler
 * ```ts
 * import { grpcCallerOf } from "guarded-drop/grpc";
 *
 * const call = { getPeer: () => "10.0.0.7:52114", getAuthContext: () => ({ sslPeerCertificate: { subject: { CN: "billing" } } }) };
 * console.log(grpcCallerOf(call)); // "billing (peer 10.0.0.7:52114)"
 * // await guardedDrop({ token, resourceType, backend, requestId, caller: grpcCallerOf(call) }, drop);
 * ```
 */
export function grpcCallerOf(call: GrpcServerCallLike, options: GrpcCallerOptions = {}): string {
  const { identity, peer } = readGrpcCaller(call, options);
  return `${identity ?? UNAUTHENTICATED} (peer ${peer})`;
}
