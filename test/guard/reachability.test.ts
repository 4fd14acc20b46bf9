// Reachability on a fixture project: sanctioned functions reached through
// imports, renamed imports, re-exports, default exports, class methods, an
// event handler, and a config entry; a same-named function elsewhere;
// dispatch through interfaces, base classes, generic constraints and
// structural types; members named by strings; shims typed GuardedDrop; drops
// deferred out of their callback.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { scan } from "../../guard/mod.ts";
import { REPO } from "./_rule_tester.ts";

const FIXTURE = join(REPO, "test", "guard", "fixtures", "reachability");

describe("reachability fixture", () => {
  test("reports exactly the bypasses, and finds every sanctioned function", async () => {
    const result = await scan({ cwd: FIXTURE, project: "tsconfig.json", config: "dropguard.json" });
    const found = result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`).sort();
    assert.deepEqual(found, [
      "src/bypass.ts:10:9 sanctioned-reference", // default import, renamed: nuke()
      "src/bypass.ts:11:9 sanctioned-reference", // default re-exported under a name: wipeAll()
      "src/bypass.ts:12:27 sanctioned-reference", // a sanctioned class method
      "src/bypass.ts:13:9 sanctioned-reference", // sanctioned by the config file
      "src/bypass.ts:14:22 sanctioned-reference", // a config-sanctioned method
      "src/bypass.ts:18:33 sanctioned-reference", // passed as a value: an event handler
      "src/bypass.ts:8:9 sanctioned-reference", // through a barrel
      "src/bypass.ts:9:9 sanctioned-reference", // a renamed re-export
      "src/deferred.ts:12:24 sanctioned-reference", // setImmediate
      "src/deferred.ts:15:31 sanctioned-reference", // queueMicrotask
      "src/deferred.ts:18:28 sanctioned-reference", // process.nextTick
      "src/deferred.ts:21:16 sanctioned-reference", // a promise pushed for later
      "src/deferred.ts:24:5 sanctioned-reference", // a promise neither awaited nor returned
      "src/deferred.ts:27:42 sanctioned-reference", // an async forEach callback
      "src/deferred.ts:9:27 sanctioned-reference", // setTimeout
      "src/dispatch.ts:31:16 sanctioned-reference", // through an interface the class implements
      "src/dispatch.ts:32:15 sanctioned-reference", // through an abstract base class
      "src/dispatch.ts:36:16 sanctioned-reference", // through a generic constraint
      "src/dispatch.ts:41:15 sanctioned-reference", // a structural type holding the class
      "src/dispatch.ts:45:15 sanctioned-reference", // ns["dropTenant"]
      "src/dispatch.ts:46:29 sanctioned-reference", // Reflect.get(ns, "dropTenant")
      "src/dispatch.ts:48:15 sanctioned-reference", // ns[key] with a constant key
      "src/dispatch.ts:49:9 sanctioned-reference", // `export default dropTenant`, imported by default
      "src/other.ts:6:22 sql-drop", // the same name as a sanctioned function is not sanctioned
      "src/shim.ts:20:29 sanctioned-reference", // a shim typed GuardedDrop is not a chokepoint
      "src/tenant_drops.ts:36:16 sanctioned-reference", // this.dropSchema() from an unsanctioned method
    ]);
    for (const f of result.findings.filter((f) => f.file === "src/deferred.ts")) {
      assert.match(f.message, /runs deferred out of/);
    }
    assert.equal(result.filesScanned, 11);
    assert.deepEqual(result.sanctioned.map((s) => `${s.file}#${s.name} ${s.source}`).sort(), [
      "src/dispatch.ts#TenantPurger.purge jsdoc",
      "src/dispatch.ts#TenantPurger.wipe jsdoc",
      "src/legacy.ts#Legacy.purge config",
      "src/legacy.ts#legacyDrop config",
      "src/tenant_drops.ts#TenantAdmin.deprovision jsdoc",
      "src/tenant_drops.ts#TenantAdmin.dropSchema jsdoc",
      "src/tenant_drops.ts#dropEverything jsdoc",
      "src/tenant_drops.ts#dropTenant jsdoc",
      "src/tenant_drops.ts#dropTenantDatabase jsdoc",
    ]);
    assert.equal(result.sanctionedFound, 9);
  });

  test("without the config, the legacy functions' drops are findings and their calls are not", async () => {
    const result = await scan({ cwd: FIXTURE, project: "tsconfig.json", config: {} });
    const found = result.findings.filter((f) => f.file === "src/legacy.ts").map((f) => `${f.line} ${f.ruleId}`);
    assert.deepEqual(found, ["5 sql-drop", "10 sql-drop"]);
    assert.equal(result.findings.filter((f) => f.file === "src/bypass.ts").length, 6);
    assert.equal(result.sanctionedFound, 7);
  });

  test("scanning one directory still resolves through files outside it", async () => {
    const result = await scan({
      cwd: FIXTURE,
      project: "tsconfig.json",
      config: "dropguard.json",
      paths: ["src/bypass.ts"],
    });
    assert.equal(result.filesScanned, 1);
    assert.equal(result.findings.length, 8);
    assert.ok(result.findings.every((f) => f.file === "src/bypass.ts" && f.ruleId === "sanctioned-reference"));
  });
});
