/**
 * `guarded-drop/grpc`: the `caller` of a guarded drop from a `@grpc/grpc-js`
 * server call, built from the authenticated identity (a verified client
 * certificate, or the server's own authentication) with the peer address as
 * a hint. The peer address is never used alone as an identity.
 *
 * ```ts
 * import { grpcCallerOf } from "guarded-drop/grpc";
 *
 * const call = { getPeer: () => "10.0.0.7:52114", getAuthContext: () => ({}) };
 * console.log(grpcCallerOf(call)); // "unauthenticated (peer 10.0.0.7:52114)"
 * ```
 *
 * `@grpc/grpc-js` is an optional peer dependency; this module does not
 * import it (it reads the call through its shape).
 *
 * @module
 */

export * from "./grpc_caller.ts";
