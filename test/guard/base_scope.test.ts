// What counts as a narrower rule option, and which files a selection takes
// when the revision is not checked out.

import assert from "node:assert/strict";
import { test } from "node:test";
import { narrows, selects } from "../../guard/_base_scope.ts";

const options: { base: unknown; head: unknown; narrower: boolean }[] = [
  { base: [{ objects: ["DATABASE", "ROLE"] }], head: [{ objects: ["DATABASE", "ROLE"] }], narrower: false },
  { base: [{ objects: ["DATABASE", "ROLE"] }], head: [{ objects: ["ROLE", "DATABASE", "USER"] }], narrower: false },
  { base: [{ objects: ["DATABASE", "ROLE"] }], head: [{ objects: ["DATABASE"] }], narrower: true },
  { base: [{ objects: ["DATABASE"] }], head: [{ objects: ["DATABASE"], strict: false }], narrower: true },
  { base: [{ depth: 2 }], head: [{ depth: 3 }], narrower: true },
  { base: [], head: [], narrower: false },
];
for (const { base, head, narrower } of options) {
  test(`narrows(${JSON.stringify(base)}, ${JSON.stringify(head)}) is ${narrower}`, () => {
    assert.equal(narrows(base, head), narrower);
  });
}

const root = "/repo/pkg";
const selections: {
  name: string;
  file: string;
  include?: string[];
  exclude?: string[];
  paths?: string[];
  selected: boolean;
}[] = [
  { name: "a source file under the root", file: "/repo/pkg/src/a.ts", selected: true },
  { name: "a declaration file", file: "/repo/pkg/src/a.d.ts", selected: false },
  { name: "not a source file", file: "/repo/pkg/README.md", selected: false },
  { name: "outside the root", file: "/repo/other/a.ts", selected: false },
  { name: "under node_modules", file: "/repo/pkg/node_modules/x/a.js", selected: false },
  { name: "under a dot-directory", file: "/repo/pkg/.cache/a.ts", selected: false },
  { name: "inside include", file: "/repo/pkg/src/a.ts", include: ["src"], selected: true },
  { name: "outside include", file: "/repo/pkg/jobs/a.ts", include: ["src"], selected: false },
  { name: "excluded", file: "/repo/pkg/src/a.test.ts", include: ["src"], exclude: ["*.test.ts"], selected: false },
  {
    name: "paths replace include",
    file: "/repo/pkg/jobs/a.ts",
    include: ["src"],
    paths: ["/repo/pkg/jobs"],
    selected: true,
  },
];
for (const { name, file, include, exclude, paths, selected } of selections) {
  test(`selects: ${name}`, () => {
    const config = { ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    assert.equal(selects({ paths: paths ?? [], config, directory: root }, file, root), selected);
  });
}
