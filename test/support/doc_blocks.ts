// Finds the TypeScript blocks of the project's Markdown, and the relative links, so that
// test/docs.test.ts can type-check every example and check every link.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** One fenced TypeScript block of a Markdown file. */
export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly doc: string;
  /** The 1-based line of the block's first code line in that file. */
  readonly line: number;
  /**
   * Where the block is written for the type check. A block whose first line is a comment naming
   * a `.ts` path (`// src/search_deprovisioner.ts`) is written there, so that a later block can
   * import it; any other block gets a name of its own.
   */
  readonly path: string;
  readonly code: string;
}

/** A relative link of a Markdown file: `[text](target)`. */
export interface DocLink {
  readonly doc: string;
  readonly line: number;
  readonly target: string;
}

const FENCE = /^(\s*)```(\S*)/;
const NAMED_PATH = /^\/\/\s*((?:[\w.-]+\/)*[\w.-]+\.ts)\s*$/;
const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

/** The Markdown files whose examples and links are checked: the README, CONTRIBUTING.md and docs/. */
export function docFiles(root: string): string[] {
  const docs = join(root, "docs");
  const pages = existsSync(docs) ? walk(docs).filter((file) => file.endsWith(".md")) : [];
  return ["README.md", "CONTRIBUTING.md", ...pages.map((file) => relative(root, file))]
    .filter((file) => existsSync(join(root, file)))
    .sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]
  );
}

/** Every ```ts / ```typescript block of `doc`, in order. */
export function typeScriptBlocks(root: string, doc: string): DocBlock[] {
  const lines = readFileSync(join(root, doc), "utf8").split("\n");
  const blocks: DocBlock[] = [];
  const stem = doc.replace(/\.md$/, "").replaceAll("/", "__");
  let open: { language: string; start: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (open === undefined) {
      if (fence) open = { language: fence[2]!, start: index + 2, code: [] };
      return;
    }
    if (!fence) {
      open.code.push(text);
      return;
    }
    if (open.language === "ts" || open.language === "typescript") {
      const named = NAMED_PATH.exec(open.code[0] ?? "");
      const path = named ? join(stem, named[1]!) : join(stem, `block_${open.start}.ts`);
      blocks.push({ doc, line: open.start, path, code: open.code.join("\n") });
    }
    open = undefined;
  });
  return blocks;
}

/** Every relative link of `doc` (not http:, mailto: or a bare #anchor). */
export function relativeLinks(root: string, doc: string): DocLink[] {
  const lines = readFileSync(join(root, doc), "utf8").split("\n");
  let inFence = false;
  return lines.flatMap((text, index) => {
    if (FENCE.test(text)) inFence = !inFence;
    if (inFence) return [];
    return [...text.matchAll(LINK)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith("#"))
      .map((target) => ({ doc, line: index + 1, target }));
  });
}

/** The file a link points to, relative to the root, without its #anchor. */
export function linkedFile(link: DocLink): string {
  return join(dirname(link.doc), link.target.split("#")[0]!);
}

/** The anchors GitHub gives the headings of `doc`: lower case, punctuation dropped, spaces as dashes. */
export function headingAnchors(root: string, doc: string): Set<string> {
  let inFence = false;
  const anchors = new Set<string>();
  for (const text of readFileSync(join(root, doc), "utf8").split("\n")) {
    if (FENCE.test(text)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*?)\s*$/.exec(text);
    if (heading) anchors.add(heading[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-"));
  }
  return anchors;
}
