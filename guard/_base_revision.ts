/**
 * A base revision read through git, with no checkout: `git rev-parse` to
 * resolve the ref, `git grep` to find the few files worth reading, and one
 * `git cat-file --batch` to read them.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { relative, resolve } from "node:path";
import { GuardUsageError, isGuardUsageError } from "./usage_error.ts";

// Bounds on every git call: nothing the guard runs may hang a CI job.
const GIT_TIMEOUT_MS = 60_000;
const GIT_MAX_BUFFER = 1024 * 1024 * 1024;
const FETCH_HINT = "in GitHub Actions, check out with `fetch-depth: 0` so that the base is there";

/** A commit of the repository the guard runs in, read without a checkout. */
export interface BaseRevision {
  /** The ref as given. */
  readonly ref: string;
  /** The commit it resolves to (40 hex digits). */
  readonly commit: string;
  /** How to name the revision in messages: `'origin/main' (1a2b3c4)`. */
  readonly label: string;
  /**
   * The path in the revision (relative to the repository's top level, `/`
   * separators) of a file given by its absolute path in the working tree, or
   * `undefined` when the file is outside the repository.
   */
  pathOf(absolute: string): string | undefined;
  /** The absolute working-tree path of a path in the revision. */
  absoluteOf(path: string): string;
  /** The text of a file in the revision, or `undefined` when it has none there. */
  readText(path: string): string | undefined;
  /** The texts of several files in the revision, in one git call; files it lacks are left out. */
  readTexts(paths: readonly string[]): Map<string, string>;
  /** The files of the revision under `directory` (a revision path; `""` is all) whose text holds one of `needles`. */
  filesContaining(needles: readonly string[], directory: string): string[];
}

/**
 * Opens a base revision: finds the repository that holds `cwd` and resolves
 * `ref` to a commit of it.
 *
 * @param ref A git ref: a branch, a tag, `origin/main`, `HEAD~1`, a commit.
 * @param cwd The guard's working directory: paths are mapped relative to it.
 * @param anchors Where else to look for the repository when `cwd` is not in
 * one (the config file's directory, the paths to scan): the first that is wins.
 * @returns The revision.
 * @throws {GuardUsageError} If git cannot run, `cwd` is not in a git repository,
 * the repository has no commits, or `ref` names no commit.
 */
export function openBaseRevision(ref: string, cwd: string, anchors: readonly string[] = []): BaseRevision {
  const root = resolve(cwd);
  if (ref.length === 0 || ref.startsWith("-") || /[\0\n]/.test(ref)) {
    throw new GuardUsageError(
      `Cannot compare with a base as '--base' must be a git ref: current value is ${JSON.stringify(ref)}`,
    );
  }
  let toplevel: string | undefined;
  let failure: unknown;
  for (const anchor of [root, ...anchors]) {
    try {
      toplevel = git(["rev-parse", "--show-toplevel"], anchor).trim();
      break;
    } catch (err) {
      if (isGuardUsageError(err)) throw err;
      failure ??= err;
    }
  }
  if (toplevel === undefined) {
    const err = failure;
    throw new GuardUsageError(
      `Cannot compare with '${ref}' as '${root}' is not inside a git repository: --base reads the base revision ` +
        `through git (${gitMessage(err)})`,
      { cause: err },
    );
  }
  try {
    git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], toplevel);
  } catch (err) {
    if (isGuardUsageError(err)) throw err;
    throw new GuardUsageError(
      `Cannot compare with '${ref}' as the git repository '${toplevel}' has no history: there is no commit yet`,
      { cause: err },
    );
  }
  let commit: string;
  try {
    commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], toplevel).trim();
  } catch (err) {
    if (isGuardUsageError(err)) throw err;
    const shallow = safeGit(["rev-parse", "--is-shallow-repository"], toplevel)?.trim() === "true";
    throw new GuardUsageError(
      `Cannot compare with a base as '--base' must name a commit of the repository '${toplevel}': current value is '${ref}', ` +
        `which git does not know${shallow ? "; the clone is shallow" : "; is it fetched?"} (${FETCH_HINT})`,
      { cause: err },
    );
  }
  // git prints the top level with symbolic links resolved; the guard's
  // paths are under `cwd` as given. Map through the real path of `cwd`.
  const realRoot = realpathSync(root);
  const top = toplevel;
  const label = `'${ref}' (${commit.slice(0, 7)})`;
  return {
    ref,
    commit,
    label,
    pathOf(absolute) {
      const path = normalize(relative(top, resolve(realRoot, relative(root, absolute))));
      return path === ".." || path.startsWith("../") || path.length === 0 ? undefined : path;
    },
    absoluteOf(path) {
      return resolve(root, relative(realRoot, resolve(top, path)));
    },
    readText(path) {
      return this.readTexts([path]).get(path);
    },
    readTexts(paths) {
      const texts = new Map<string, string>();
      // The batch protocol is line-based: a path with a newline cannot be asked for.
      const asked = paths.filter((p) => !p.includes("\n"));
      if (asked.length === 0) return texts;
      let out: Buffer;
      try {
        out = gitBuffer(["cat-file", "--batch"], top, asked.map((p) => `${commit}:${p}\n`).join(""));
      } catch (err) {
        if (isGuardUsageError(err)) throw err;
        throw new GuardUsageError(`Cannot compare with ${label} as git cat-file failed: ${gitMessage(err)}`, {
          cause: err,
        });
      }
      let at = 0;
      for (const path of asked) {
        const eol = out.indexOf(10, at);
        const header = out.subarray(at, eol).toString("utf8");
        at = eol + 1;
        const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
        if (match === null) continue; // "<spec> missing"
        const size = Number(match[2]);
        if (match[1] === "blob") texts.set(path, out.subarray(at, at + size).toString("utf8"));
        at += size + 1;
      }
      return texts;
    },
    filesContaining(needles, directory) {
      const args = ["grep", "-l", "-z", "-I", "-F", "--no-color", ...needles.flatMap((n) => ["-e", n]), commit, "--"];
      let out: string;
      try {
        out = git([...args, directory.length === 0 ? "." : directory], top);
      } catch (err) {
        if (isGuardUsageError(err)) throw err;
        if ((err as { status?: number }).status === 1) return []; // no match
        throw new GuardUsageError(`Cannot compare with ${label} as git grep failed: ${gitMessage(err)}`, {
          cause: err,
        });
      }
      return out.split("\0").filter((line) => line.length > 0).map((line) => line.slice(commit.length + 1));
    },
  };
}

function git(args: readonly string[], cwd: string, input?: string): string {
  return gitBuffer(args, cwd, input).toString("utf8");
}

function gitBuffer(args: readonly string[], cwd: string, input?: string): Buffer {
  try {
    return execFileSync("git", ["-c", "core.quotePath=false", ...args], {
      cwd,
      input,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: GIT_MAX_BUFFER,
      windowsHide: true,
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") {
      throw new GuardUsageError(`Cannot compare with a base as git cannot be run: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (code === "ETIMEDOUT") {
      throw new GuardUsageError(
        `Cannot compare with a base as 'git ${args[0]}' did not finish within ${GIT_TIMEOUT_MS / 1000} s`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

function safeGit(args: readonly string[], cwd: string): string | undefined {
  try {
    return git(args, cwd);
  } catch {
    return undefined;
  }
}

// The first line git wrote to stderr, or the error's message.
function gitMessage(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
  return stderr.length > 0 ? stderr.split("\n")[0]! : (err as Error).message;
}

function normalize(path: string): string {
  return path.split("\\").join("/");
}
