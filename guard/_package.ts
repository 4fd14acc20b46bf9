/**
 * Which package a file belongs to, from its nearest `package.json`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** The package whose types the guard recognises. */
export const PACKAGE_NAME = "guarded-drop";

/**
 * Finds the nearest `package.json` of files, and caches it per directory.
 * A file belongs to guarded-drop when that `package.json` is named
 * `guarded-drop`: this repository's own sources, or the installed package
 * under `node_modules/guarded-drop/`.
 */
export class PackageLookup {
  readonly #byDirectory = new Map<string, { readonly name: string; readonly root: string } | null>();

  /**
   * The path of a file relative to the guarded-drop package root, with `/`
   * separators, or `undefined` when the file is not guarded-drop's.
   *
   * @param fileName An absolute file name.
   * @returns For example `lib/guarded_drop.ts` or `dist/lib/guarded_drop.d.ts`.
   */
  /**
   * The name of the package a file belongs to: its nearest named
   * `package.json`.
   *
   * @param fileName An absolute file name.
   * @returns For example `knex` or `@mikro-orm/core`; `undefined` outside any package.
   */
  packageName(fileName: string): string | undefined {
    return this.#packageOf(dirname(fileName))?.name;
  }

  pathInGuardedDrop(fileName: string): string | undefined {
    const owner = this.#packageOf(dirname(fileName));
    if (owner === null || owner.name !== PACKAGE_NAME) return undefined;
    return relative(owner.root, fileName).split(sep).join("/");
  }

  #packageOf(directory: string): { readonly name: string; readonly root: string } | null {
    const cached = this.#byDirectory.get(directory);
    if (cached !== undefined) return cached;
    let found: { readonly name: string; readonly root: string } | null = null;
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { name?: unknown };
      // A package.json without a name (a nested "type": "module" marker) does
      // not end the search.
      if (typeof manifest.name === "string") found = { name: manifest.name, root: directory };
    } catch {
      // No readable package.json here: look further up.
    }
    if (found === null) {
      const parent = dirname(directory);
      found = parent === directory ? null : this.#packageOf(parent);
    }
    this.#byDirectory.set(directory, found);
    return found;
  }
}
