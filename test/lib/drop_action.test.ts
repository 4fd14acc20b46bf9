// A quarantine is not a destruction (DESIGN §14): every record carries the
// call's action, the action counter tells destroy, quarantine and restore
// apart, a drop callback that reports what it did is believed (with a
// warning when the request said otherwise), and a restore never spends the
// drop budget. On a real pino file and a real prom-client registry.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createGuardedDrop,
  type DropActionLabels,
  type DropCounterLabels,
  type DropRecord,
  type DropReport,
} from "../../lib/mod.ts";
import { fixtureScope, labels, rejection, sampleRequest } from "../support/drop_kit.ts";

const fixture = fixtureScope();
const quarantined: DropReport = { action: "quarantine" };

describe("the action of a call", () => {
  test("a request without one is a destruction: written and counted as destroy", async () => {
    const f = fixture();
    await f.guardedDrop(sampleRequest, () => {});
    assert.equal(f.dropRecords()[0]!.action, "destroy");
    assert.equal(await f.countAction({ ...labels("ok"), action: "destroy" }), 1);
    assert.equal(await f.countAction({ ...labels("ok"), action: "quarantine" }), 0);
    assert.equal(await f.count(labels("ok")), 1, "provisioner_drop_total keeps counting every call");
  });

  test("each action is written and counted under its own series, and provisioner_drop_total counts them all", async () => {
    const f = fixture();
    for (const action of ["quarantine", "restore", "destroy", "quarantine"] as const) {
      await f.guardedDrop({ ...sampleRequest, action }, () => (action === "destroy" ? undefined : { action }));
    }
    assert.deepEqual(f.dropRecords().map((r) => r.action), ["quarantine", "restore", "destroy", "quarantine"]);
    assert.equal(await f.countAction({ ...labels("ok"), action: "quarantine" }), 2);
    assert.equal(await f.countAction({ ...labels("ok"), action: "restore" }), 1);
    assert.equal(await f.countAction({ ...labels("ok"), action: "destroy" }), 1);
    assert.equal(await f.count(labels("ok")), 4);
    assert.equal(
      f.lines().filter((l) => l.event === "provisioner.drop.warning").length,
      0,
      "no warning when the request said it",
    );
  });

  test("a drop that reports a quarantine the request did not say: a warning record, and counted as a quarantine", async () => {
    const f = fixture();
    await f.guardedDrop(sampleRequest, () => quarantined);
    const warnings = f.lines().filter((l) => l.event === "provisioner.drop.warning");
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]!.warning), /reported action 'quarantine', not the request's 'destroy'/);
    assert.equal(await f.countAction({ ...labels("ok"), action: "quarantine" }), 1);
    assert.equal(await f.countAction({ ...labels("ok"), action: "destroy" }), 0);
  });

  test("a failed quarantine is counted under quarantine with its outcome, and its failed record says so", async () => {
    const f = fixture();
    await rejection(
      f.guardedDrop({ ...sampleRequest, action: "quarantine" }, () => Promise.reject(new Error("server down"))),
    );
    assert.equal(f.failedRecords()[0]!.action, "quarantine");
    assert.equal(await f.countAction({ ...labels("error"), action: "quarantine" }), 1);
  });

  test("a malformed action is refused; the record keeps what was given, counted as destroy", async () => {
    const f = fixture();
    let called = 0;
    for (const action of ["drop", "", 7, "QUARANTINE"]) {
      const err = await rejection(f.guardedDrop({ ...sampleRequest, action: action as never }, () => void called++));
      assert.equal(err.outcome, "refused");
      assert.match(err.message, /'action' must be "destroy", "quarantine" or "restore"/);
    }
    assert.equal(called, 0);
    assert.deepEqual(f.dropRecords().map((r) => r.action), ["drop", "", "7", "QUARANTINE"]);
    assert.equal(await f.countAction({ ...labels("refused"), action: "destroy" }), 4);
  });

  test("a restore never spends the drop budget; a quarantine and a destruction do", async () => {
    const f = fixture({ budget: { take: () => false } });
    await f.guardedDrop({ ...sampleRequest, action: "restore" }, () => ({ action: "restore" as const }));
    for (const action of ["quarantine", "destroy"] as const) {
      assert.equal((await rejection(f.guardedDrop({ ...sampleRequest, action }, () => {}))).outcome, "rate_limited");
    }
    assert.equal(await f.countAction({ ...labels("ok"), action: "restore" }), 1);
    assert.equal(await f.countAction({ ...labels("rate_limited"), action: "quarantine" }), 1);
  });

  test("a counter without incAction still counts; one with it sees each call once; the store settles the reported action", async () => {
    const plain: DropCounterLabels[] = [];
    const byAction: DropActionLabels[] = [];
    const settled: [string | undefined, string][] = [];
    const silent = () => {};
    const logger = { info: silent, warn: silent, error: silent };
    const store = {
      append: () => {},
      settle: (record: DropRecord, outcome: string) => void settled.push([record.action, outcome]),
    };
    await createGuardedDrop({ logger, counter: { inc: (l) => void plain.push(l) } })(sampleRequest, () => quarantined);
    const guardedDrop = createGuardedDrop({
      logger,
      counter: { inc: (l) => void plain.push(l), incAction: (l) => void byAction.push(l) },
      auditStore: store,
    });
    await guardedDrop(sampleRequest, () => quarantined);
    assert.equal(plain.length, 2);
    assert.deepEqual(byAction, [{ ...labels("ok"), action: "quarantine" }]);
    assert.deepEqual(settled, [["quarantine", "ok"]]);
  });
});
