// The docs stay true: every TypeScript block of README.md, CONTRIBUTING.md and docs/ type-checks
// against this repository's own sources (under the package's public import names), and every
// relative link points to a file that exists. The README's links must also point to files that
// ship in the npm package, since that is where most readers meet it.
//
// A block is checked as a module of its own. It may use the names that most examples take as
// given (a configured `guardedDrop`, its `logger` and `counter`, a `token`, …): they are declared
// in PRELUDE below, with the public types, so that an example which misuses one still fails.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import {
  type DocBlock,
  docFiles,
  headingAnchors,
  linkedFile,
  relativeLinks,
  typeScriptBlocks,
} from "./support/doc_blocks.ts";

const root = new URL("..", import.meta.url).pathname;
const work = join(root, ".tmp", "docs-check");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  files: string[];
  exports: Record<string, string | { types?: string; default?: string }>;
};

/** What the examples take as given. Each is typed with the package's own public types. */
const PRELUDE = `
declare const logger: import("guarded-drop").AuditLogger;
declare const counter: import("guarded-drop").DropCounter;
declare const guardedDrop: import("guarded-drop").GuardedDrop;
declare const token: string;
declare const requestId: string;
declare const caller: string;
declare const providerResourceId: string;
declare const request: import("guarded-drop").DropRequest;
declare const drop: import("guarded-drop").DropCallback<unknown>;

// The slice of opossum's own types that the breaker example uses (opossum is not a dependency here).
declare module "opossum" {
  export default class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> {
    constructor(action: (...args: A) => Promise<R>, options?: Record<string, unknown>);
    fire(...args: A): Promise<R>;
  }
}
`;

/** `guarded-drop/x` → the source file that `dist/…/mod.js` is compiled from. */
function sourcePaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const compiled = typeof target === "string" ? target : target.default;
    if (compiled === undefined || !compiled.startsWith("./dist/") || !compiled.endsWith(".js")) continue;
    const name = subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    paths[name] = [join(root, compiled.slice("./dist/".length).replace(/\.js$/, ".ts"))];
  }
  return paths;
}

/** Writes the blocks and a tsconfig, runs tsc once, and returns its diagnostics mapped back to the Markdown. */
function typeCheck(blocks: readonly DocBlock[]): string[] {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "prelude.d.ts"), PRELUDE);
  for (const block of blocks) {
    const file = join(work, block.path);
    mkdirSync(dirname(file), { recursive: true });
    // `export {}` makes every block a module: its names are its own, and top-level await works.
    writeFileSync(file, `${block.code}\nexport {};\n`);
  }
  const base = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")) as {
    compilerOptions: Record<string, unknown>;
  };
  writeFileSync(
    join(work, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { ...base.compilerOptions, noEmit: true, paths: sourcePaths(), noUnusedLocals: false },
      include: ["**/*.ts"],
    }),
  );
  const tsc = join(root, "node_modules", ".bin", "tsc");
  let output = "";
  try {
    execFileSync(tsc, ["-p", join(work, "tsconfig.json"), "--pretty", "false"], {
      cwd: work,
      encoding: "utf8",
      stdio: "pipe",
      timeout: 170_000,
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    output = `${stdout ?? ""}${stderr ?? ""}`;
    if (output.trim() === "") throw err;
  }
  const byPath = new Map(blocks.map((block) => [block.path, block]));
  return output.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const located = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    const block = located ? byPath.get(located[1]!) : undefined;
    if (!located || !block) return line; // an error outside the blocks (a library file): shown as tsc wrote it
    return `${block.doc}:${block.line + Number(located[2]) - 1}:${located[3]} ${located[4]}`;
  });
}

/** A doc's links to its own headings (`](#x)`), as links to itself, so that they are checked too. */
function anchorLinks(doc: string) {
  const name = doc.split("/").pop()!;
  return readFileSync(join(root, doc), "utf8").split("\n").flatMap((text, index) =>
    [...text.matchAll(/\]\((#[^)\s]+)\)/g)].map((match) => ({ doc, line: index + 1, target: `${name}${match[1]}` }))
  );
}

describe("docs", () => {
  const docs = docFiles(root);
  const blocks = docs.flatMap((doc) => typeScriptBlocks(root, doc));

  test("README.md and docs/ exist and hold TypeScript examples", () => {
    assert.ok(docs.includes("README.md"), "README.md is missing");
    assert.ok(blocks.length >= 10, `only ${blocks.length} TypeScript blocks were found: the extraction is broken`);
  });

  test("every TypeScript block of README.md, CONTRIBUTING.md and docs/ type-checks", () => {
    assert.deepEqual(typeCheck(blocks), []);
  });

  test("every relative link points to a file that exists, and to a heading of it when it names one", () => {
    const links = docs.flatMap((doc) => relativeLinks(root, doc)).concat(docs.flatMap((doc) => anchorLinks(doc)));
    const broken = links.filter((link) => {
      const file = linkedFile(link);
      if (!existsSync(join(root, file))) return true;
      const anchor = link.target.split("#")[1];
      return anchor !== undefined && file.endsWith(".md") && !headingAnchors(root, file).has(anchor);
    });
    assert.deepEqual(broken.map((link) => `${link.doc}:${link.line} → ${link.target}`), []);
  });

  test("the README links only to files that ship in the npm package", () => {
    const shipped = (file: string) =>
      ["package.json", "LICENSE"].includes(file) ||
      manifest.files.some((entry) => file === entry || file.startsWith(`${entry}/`));
    const unshipped = relativeLinks(root, "README.md").filter((link) => !shipped(linkedFile(link)));
    assert.deepEqual(unshipped.map((link) => `README.md:${link.line} → ${link.target}`), []);
  });
});
