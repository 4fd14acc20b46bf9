/**
 * Runs a TypeScript file in a child Node process (through tsx), bounded:
 * a child that hangs is killed, so that no test leaves one running.
 *
 * @module
 */

import { spawn } from "node:child_process";

/** What a child left. */
export interface ChildResult {
  /** The exit code, or `null` when it was killed. */
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs `node --import tsx <script> …args`, killed after `timeoutMs`. */
export function runTsChild(script: string, args: readonly string[], timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
