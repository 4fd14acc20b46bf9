// Matching head occurrences against the base's as multisets: counts, files
// first, then context and distance, never line numbers alone.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type Occurrence, unmatched } from "../../guard/_base_match.ts";

const o = (key: string, file: string, line: number, context?: string[]): Occurrence => ({
  key,
  file,
  line,
  ...(context ? { context } : {}),
});
const names = (items: readonly Occurrence[]) => items.map((i) => `${i.file}:${i.line}`);

const cases: { name: string; head: Occurrence[]; base: Occurrence[]; expected: string[] }[] = [
  {
    name: "nothing in the base: all new",
    head: [o("a", "x.ts", 1), o("b", "x.ts", 5)],
    base: [],
    expected: ["x.ts:1", "x.ts:5"],
  },
  { name: "same key, other line: not new", head: [o("a", "x.ts", 40)], base: [o("a", "x.ts", 3)], expected: [] },
  { name: "another key: new", head: [o("a", "x.ts", 3)], base: [o("b", "x.ts", 3)], expected: ["x.ts:3"] },
  {
    name: "two in the head, one in the base: one new",
    head: [o("a", "x.ts", 3), o("a", "x.ts", 9)],
    base: [o("a", "x.ts", 3)],
    expected: ["x.ts:9"],
  },
  {
    name: "the one added above is new when the context says so",
    head: [o("a", "x.ts", 3, ["g", "}"]), o("a", "x.ts", 9, ["f", "}"])],
    base: [o("a", "x.ts", 3, ["f", "}"])],
    expected: ["x.ts:3"],
  },
  {
    name: "three in the head, two in the base: one new",
    head: [o("a", "x.ts", 1), o("a", "x.ts", 2), o("a", "x.ts", 3)],
    base: [o("a", "x.ts", 1), o("a", "x.ts", 3)],
    expected: ["x.ts:2"],
  },
  { name: "a renamed file: not new", head: [o("a", "y.ts", 3)], base: [o("a", "x.ts", 3)], expected: [] },
  {
    name: "a copy into a second file: the copy is new",
    head: [o("a", "y.ts", 3), o("a", "x.ts", 3)],
    base: [o("a", "x.ts", 3)],
    expected: ["y.ts:3"],
  },
  {
    name: "one base item accounts for one head item only",
    head: [o("a", "y.ts", 3), o("a", "z.ts", 3)],
    base: [o("a", "x.ts", 3)],
    expected: ["z.ts:3"],
  },
];

for (const { name, head, base, expected } of cases) {
  test(`unmatched: ${name}`, () => {
    assert.deepEqual(names(unmatched(head, base)), expected);
  });
}
