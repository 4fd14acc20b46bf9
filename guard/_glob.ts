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
