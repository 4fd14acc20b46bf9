// A node:test reporter for scripts/test.mjs. It knows which tests are running
// right now, so that a hang is reported with the name of the hung test, not
// only of its file, and it counts the results.
//
// - It keeps, per test file, the chain of suites and the test running now,
//   and the counts so far (passed, failed, skipped with their reasons), and
//   writes them as JSON to the file named by GD_TEST_PROGRESS_FILE after every
//   event: scripts/test.mjs reads it for its summary, and for what was still
//   running when its whole-run bound fires.
// - When a file fails for taking longer than --test-timeout, it prints the
//   tests that were still running in it. (Node 20's --test-timeout bounds each
//   test file as a whole and kills it; its own report names only the file.)

import { writeFileSync } from "node:fs";

const progressFile = process.env.GD_TEST_PROGRESS_FILE;

export default async function* progress(source) {
  /** file → { started: ms, stack: { name, started }[] } */
  const running = new Map();
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const skips = [];
  const failures = [];
  const save = () => {
    if (progressFile === undefined) return;
    const state = {};
    for (const [file, entry] of running) state[file] = { started: entry.started, tests: entry.stack.map((t) => t.name) };
    try {
      writeFileSync(progressFile, JSON.stringify({ at: Date.now(), running: state, counts, skips, failures }));
    } catch {
      // The progress file is a diagnostic aid; a failed write must not fail the run.
    }
  };
  const path = (file, name) => [...(running.get(file)?.stack ?? []).map((t) => t.name).slice(0, -1), name].join(" › ");
  for await (const event of source) {
    const { data } = event;
    const file = data?.file;
    if (file === undefined) continue;
    const isFile = data.name === file;
    const entry = running.get(file);
    switch (event.type) {
      case "test:dequeue": {
        // Dequeued is when a test starts to run.
        const current = entry ?? { started: Date.now(), stack: [] };
        running.set(file, current);
        if (!isFile) {
          current.stack.length = Math.min(current.stack.length, data.nesting);
          current.stack.push({ name: data.name, started: Date.now() });
        }
        break;
      }
      case "test:pass":
      case "test:fail":
      case "test:complete": {
        const error = data.details?.error;
        if (isFile) {
          // test:complete comes for every file, test:fail (before or after it) for one that failed as a whole.
          if (error === undefined || entry === undefined || error.failureType === "subtestsFailed") {
            running.delete(file);
            break;
          }
          // Only a file that failed as a whole reports itself: a timeout, a crash, a load error.
          counts.failed += 1;
          let message = String(error?.message ?? error);
          if (error?.failureType === "testTimeoutFailure") {
            const now = Date.now();
            const tests = (entry?.stack ?? []).map((t) => `${t.name} (running ${((now - t.started) / 1000).toFixed(0)} s)`);
            message += `; still running: ${tests.length > 0 ? tests.join(" › ") : "(no test started: a hook or the module itself)"}`;
            yield `\n✖ HUNG: ${file} ${message}\n`;
          }
          failures.push({ file, name: "(the file)", error: message });
          running.delete(file);
          break;
        }
        if (event.type === "test:complete") break; // counted at its test:pass or test:fail
        if (data.details?.type !== "suite") {
          if (event.type === "test:fail") {
            counts.failed += 1;
            failures.push({ file, name: path(file, data.name), error: String(error?.cause?.message ?? error?.message ?? error) });
          } else if (data.skip !== undefined && data.skip !== false) {
            counts.skipped += 1;
            skips.push({ file, name: path(file, data.name), reason: typeof data.skip === "string" ? data.skip : "(no reason given)" });
          } else if (data.todo !== undefined && data.todo !== false) {
            counts.todo += 1;
          } else {
            counts.passed += 1;
          }
        } else if (event.type === "test:fail" && error?.failureType === "hookFailed") {
          counts.failed += 1;
          failures.push({ file, name: `${path(file, data.name)} (a hook)`, error: String(error?.cause?.message ?? error?.message ?? error) });
        } else if (data.skip !== undefined && data.skip !== false) {
          // A skipped suite runs none of its tests: it is one skip, with its reason.
          counts.skipped += 1;
          skips.push({ file, name: path(file, data.name), reason: typeof data.skip === "string" ? data.skip : "(no reason given)" });
        }
        if (entry !== undefined) entry.stack.length = Math.min(entry.stack.length, data.nesting);
        break;
      }
      default:
        continue;
    }
    save();
  }
  save();
}
