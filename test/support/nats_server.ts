/**
 * Throwaway `nats-server` instances for the NATS suites: with JetStream in
 * a temp dir (a dedicated server, a server to crash), or without it (a
 * server that answers the protocol but not JetStream). Each runs on a free
 * port and is stopped by its pid; the machine's own server on 4222 is
 * never touched.
 *
 * @module
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ControlledServer, onPath, startChildServer } from "./servers.ts";

const LOOPBACK = "127.0.0.1";

/** How to get the shared NATS server, for skip reasons. */
export const HOW_TO_GET_NATS =
  "set GD_NATS_URL=nats://127.0.0.1:4222 (a NATS server with JetStream; start the machine's own " +
  "with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js " +
  "-sd /var/lib/nats-server -l /var/log/nats-server.log`)";

/** Why a throwaway nats-server cannot be started here, or `undefined` when it can. */
export function throwawayNatsSkipReason(): string | undefined {
  return onPath("nats-server")
    ? undefined
    : "nats-server is not on PATH to start a throwaway instance: install it (apt-get install nats-server)";
}

/** Options of {@linkcode startThrowawayNats}. */
export interface ThrowawayNatsOptions {
  /**
   * Whether JetStream is on. Off, the server answers the protocol and every
   * JetStream request finds no responder.
   *
   * @default {true}
   */
  readonly jetstream?: boolean;
}

/**
 * A `nats-server` this process starts on a free port (`-js -sd <temp dir>`
 * unless `jetstream` is false), stopped by its pid.
 */
export async function startThrowawayNats(options: ThrowawayNatsOptions = {}): Promise<ControlledServer> {
  const dir = mkdtempSync(join(tmpdir(), "guarded-drop-nats-"));
  const jetstream = options.jetstream ?? true;
  const log = join(dir, "nats.log");
  return await startChildServer({
    name: "nats-server",
    dir,
    log,
    url: (port) => `nats://${LOOPBACK}:${port}`,
    args: (port) => ["-a", LOOPBACK, "-p", String(port), ...(jetstream ? ["-js", "-sd", dir] : []), "-l", log],
    answers: natsAnswers,
  });
}

/** Whether a server on `port` sends the NATS greeting (`INFO {…}`). */
async function natsAnswers(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return await new Promise<boolean>((resolve) => {
    const socket = connect(port, LOOPBACK);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("INFO ")));
  });
}
