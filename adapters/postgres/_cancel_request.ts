// Internal: PostgreSQL's CancelRequest, sent on a connection of its own.
//
// pg 8 has no public way to cancel a running query. The protocol's own
// message is 16 bytes: length, the cancel code, and the backend's process id
// and secret key that the server sent at connect time (BackendKeyData). The
// postmaster checks no credentials for it and answers nothing: it signals the
// backend, which ends the query with SQLSTATE 57014.

import { connect } from "node:net";

/** The request code of CancelRequest: 1234 in the high 16 bits, 5678 in the low 16 bits. */
const CANCEL_REQUEST_CODE = 80877102;

/** Where a backend runs and how to name it to the postmaster. */
export interface BackendKey {
  /** A host name or address, or the directory of a Unix socket (starts with "/"). */
  readonly host: string;
  readonly port: number;
  readonly processId: number;
  readonly secretKey: number;
}

/**
 * Asks the postmaster to cancel whatever the backend is running. Resolves
 * once the request is written and the postmaster closed the connection, or
 * after `timeoutMs`, whichever comes first; it never rejects, because a
 * failed cancel leaves only the server's statement_timeout, which the caller
 * has set.
 */
export function sendCancelRequest(key: BackendKey, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = key.host.startsWith("/")
      ? connect(`${key.host}/.s.PGSQL.${key.port}`)
      : connect(key.port, key.host);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once("error", done);
    socket.once("close", done);
    socket.once("connect", () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      message.writeInt32BE(key.processId, 8);
      message.writeInt32BE(key.secretKey, 12);
      socket.end(message);
    });
  });
}
