/**
 * A small glob matcher for `exclude` patterns: `**`, `*` and `?`.
 *
 * @module
 */

/**
 * Compiles a glob to a regular expression over `/`-separated relative paths.
 * `**` matches any number of directories, `*` anything but `/`, `?` one
 * character but `/`. A pattern without a `/` matches at any depth
 * (`*.test.ts`), and a pattern naming a directory matches everything in it.
 *
 * @param pattern The glob.
 * @returns The regular expression.
 */
export function globToRegExp(pattern: string): RegExp {
  let glob = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  if (!glob.includes("/")) glob = `**/${glob}`;
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` is zero or more directories; a trailing `**` is anything.
      if (glob[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}(?:/.*)?$`);
}

/**
 * Whether a pattern is a glob (`*`, `?`) rather than a path.
 *
 * @param pattern An `include` or `exclude` entry.
 * @returns `true` for a glob.
 */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * The directory a glob's matches lie under: its leading segments without
 * glob characters (`src/**\/*.ts` → `src`, `*.ts` → ``).
 *
 * @param pattern A glob.
 * @returns The fixed prefix, `/`-separated, without a trailing `/`.
 */
export function globBase(pattern: string): string {
  const segments = pattern.replace(/^\.\//, "").split("/");
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isGlob(segment)) break;
    fixed.push(segment);
  }
  return fixed.join("/");
}

/**
 * Whether a file is one an `include` list names: under a path entry, or
 * matching a glob entry, relative to the config's directory.
 *
 * @param include The entries.
 * @param relativePath The file, relative to the config's directory, `/`-separated.
 * @returns `true` when an entry covers it.
 */
export function includes(include: readonly string[], relativePath: string): boolean {
  return include.some((entry) => {
    if (isGlob(entry)) return globToRegExp(entry).test(relativePath);
    const path = entry.replace(/^\.\//, "").replace(/\/+$/, "");
    return path === "" || path === "." || relativePath === path || relativePath.startsWith(`${path}/`);
  });
}
