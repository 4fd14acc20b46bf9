/**
 * The package's version, for `--version` and SARIF.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version of the guarded-drop package this file belongs to: from the
 * sources (`guard/`) or the build (`dist/guard/`) alike.
 *
 * @returns The version, or `0.0.0` when no package.json is found.
 */
export function packageVersion(): string {
  // Read at each call (once per run: --version, or one SARIF document): no
  // module-level cache.
  for (let dir = dirname(fileURLToPath(import.meta.url));; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === "guarded-drop" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // No package.json here: look further up.
    }
    if (dirname(dir) === dir) break;
  }
  return "0.0.0";
}
