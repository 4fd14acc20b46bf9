// A node:test reporter for scripts/test.mjs. It counts the results, and it
// knows which tests were running, so that a hang is reported with the name
// of the hung test, not only of its file.
//
// - It writes, after every event, the files running now, the tests seen
//   running in them, and the counts so far (passed, failed, skipped with their
//   reasons, and how long each finished file ran) as JSON to the file named by GD_TEST_PROGRESS_FILE: scripts/test.mjs
//   reads it for its summary, and for what was still running when its
//   whole-run bound fires.
// - For a file that took longer than --test-timeout, it prints, at the end,
//   the tests that had started in it and never finished. (Node 20's
//   --test-timeout bounds each test file as a whole and kills it; its own
//   report names only the file.)
//
// node:test hands on the test events of one file after another, in file
// order (a file's events wait until the files before it are done), and only a
// file's own start and end come at once. So one chain of suites, by nesting,
// names every test, and each chain belongs to the test file being reported:
// the last one whose events were seen (a test defined in a helper module, such
// as a rule table, carries the helper's path).
//
// NOTE: the tests of a file that is not the first one still running show up
// only once the files before it end, so a whole-run report may list a running
// file with no test yet.

import { writeFileSync } from "node:fs";

const progressFile = process.env.GD_TEST_PROGRESS_FILE;

export default async function* progress(source) {
  /** Files running now: file → start time. */
  const active = new Map();
  /** Every test file seen. */
  const testFiles = new Set();
  /** The suites and the test being reported, outermost first. */
  const stack = [];
  /** The test file being reported. */
  let current;
  /** Per test file: the chain as its last event left it (its running tests). */
  const stacks = new Map();
  /** Files that timed out: file → message. */
  const timedOut = new Map();
  /** Per finished test file: how long it ran, in ms. */
  const durations = {};
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const skips = [];
  const failures = [];
  const names = (file) => stacks.get(file) ?? [];
  const save = () => {
    if (progressFile === undefined) return;
    const running = {};
    for (const [file, started] of active) running[file] = { started, tests: names(file) };
    try {
      writeFileSync(progressFile, JSON.stringify({ at: Date.now(), running, durations, counts, skips, failures }));
    } catch {
      // The progress file is a diagnostic aid; a failed write must not fail the run.
    }
  };
  const path = (nesting, name) => [...stack.slice(0, nesting).map((t) => t.name), name].join(" › ");

  for await (const event of source) {
    const { data } = event;
    const file = data?.file;
    if (file === undefined) continue;
    const isFile = data.name === file;
    const error = data.details?.error;
    if (isFile) {
      testFiles.add(file);
      if (event.type === "test:dequeue") active.set(file, Date.now());
      if (event.type === "test:complete" && active.has(file)) {
        durations[file] = Date.now() - active.get(file);
        active.delete(file);
      }
      // Only a file that failed as a whole reports itself: a timeout, a crash, a load error.
      if (event.type === "test:fail" && error !== undefined && error.failureType !== "subtestsFailed") {
        let message = String(error.message ?? error);
        if (error.failureType === "testTimeoutFailure") timedOut.set(file, message);
        else message += " (its stderr is above)";
        counts.failed += 1;
        failures.push({ file, name: "(the file)", error: message });
      }
      save();
      continue;
    }
    if (testFiles.has(file)) current = file;
    switch (event.type) {
      case "test:dequeue": // dequeued is when a test starts to run
        stack.length = Math.min(stack.length, data.nesting);
        stack.push({ name: data.name, started: Date.now() });
        break;
      case "test:pass":
      case "test:fail": {
        const name = path(data.nesting, data.name);
        const skipped = data.skip !== undefined && data.skip !== false;
        const reason = typeof data.skip === "string" ? data.skip : "(no reason given)";
        if (data.details?.type !== "suite") {
          if (event.type === "test:fail") {
            counts.failed += 1;
            failures.push({ file, name, error: String(error?.cause?.message ?? error?.message ?? error) });
          } else if (skipped) {
            counts.skipped += 1;
            skips.push({ file, name, reason });
          } else if (data.todo !== undefined && data.todo !== false) {
            counts.todo += 1;
          } else {
            counts.passed += 1;
          }
        } else if (event.type === "test:fail" && error?.failureType === "hookFailed") {
          counts.failed += 1;
          failures.push({
            file,
            name: `${name} (a hook)`,
            error: String(error?.cause?.message ?? error?.message ?? error),
          });
        } else if (skipped) {
          // A skipped suite runs none of its tests: it is one skip, with its reason.
          counts.skipped += 1;
          skips.push({ file, name, reason });
        }
        stack.length = Math.min(stack.length, data.nesting);
        break;
      }
      default:
        continue;
    }
    if (current !== undefined) stacks.set(current, stack.map((t) => t.name));
    save();
  }

  // Every event is in: what never finished in a timed-out file was running when it was killed.
  for (const [file, message] of timedOut) {
    const left = names(file);
    const running = left.length > 0 ? left.join(" › ") : "(no test had started: a hook or the module itself)";
    const failure = failures.find((f) => f.file === file && f.name === "(the file)");
    if (failure) failure.error = `${message}; still running: ${running}`;
    yield `\n✖ HUNG: ${file} ${message}; still running: ${running}\n`;
  }
  save();
}
