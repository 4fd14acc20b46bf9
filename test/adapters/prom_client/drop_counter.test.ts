import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Counter, Gauge, Registry } from "prom-client";
import { createDropCounter, MetricNameError } from "../../../adapters/prom_client/mod.ts";

async function series(registry: Registry, name = "provisioner_drop_total") {
  return (await registry.getSingleMetric(name)!.get()).values;
}

describe("createDropCounter", () => {
  test("creates every resource_type × backend × outcome series at 0", async () => {
    const registry = new Registry();
    createDropCounter({ registry });
    const values = await series(registry);
    assert.equal(values.length, 4 * 2 * 7);
    assert.ok(values.every((v) => v.value === 0));
    const text = await registry.metrics();
    assert.match(
      text,
      /provisioner_drop_total\{resource_type="rabbitmq",backend="dedicated",outcome="audit_failed"\} 0/,
    );
  });

  test("gets the existing metric on a second call instead of throwing 'already registered'", async () => {
    const registry = new Registry();
    const first = createDropCounter({ registry });
    first.inc({ resource_type: "postgres", backend: "shared", outcome: "ok" });
    const second = createDropCounter({ registry, resourceTypes: ["s3"] });
    assert.equal(second, first);
    const values = await series(registry);
    assert.equal(values.length, 56 + 14, "the new resource type's series are added");
    assert.equal(
      values.find((v) =>
        v.labels.resource_type === "postgres" && v.labels.outcome === "ok" && v.labels.backend === "shared"
      )?.value,
      1,
    );
  });

  test("an unknown resource type still counts", async () => {
    const registry = new Registry();
    const counter = createDropCounter({ registry, resourceTypes: ["postgres"], backends: ["shared"] });
    counter.inc({ resource_type: "s3", backend: "regional", outcome: "ok" });
    const values = await series(registry);
    assert.equal(values.length, 8);
    assert.equal(values.find((v) => v.labels.resource_type === "s3")?.value, 1);
  });

  test("a custom name and the global registry", async () => {
    const name = `gd_test_${process.pid}_total`;
    const counter = createDropCounter({ name, resourceTypes: ["redis"], backends: ["dedicated"] });
    assert.ok(counter instanceof Counter);
    const { register } = await import("prom-client");
    assert.equal((await register.getSingleMetric(name)!.get()).values.length, 7);
    register.removeSingleMetric(name);
  });

  test("a name taken by another kind of metric, or other labels, is a TypeError", () => {
    const registry = new Registry();
    new Gauge({
      name: "provisioner_drop_total",
      help: "x",
      labelNames: ["resource_type", "backend", "outcome"],
      registers: [registry],
    });
    assert.throws(() => createDropCounter({ registry }), /already registered as a gauge/);
    const other = new Registry();
    new Counter({ name: "provisioner_drop_total", help: "x", labelNames: ["type"], registers: [other] });
    assert.throws(
      () => createDropCounter({ registry: other }),
      /must be a counter with labels \[resource_type, backend, outcome\]/,
    );
  });

  test("a custom name that breaks the Prometheus conventions is refused with a MetricNameError, and registers nothing", () => {
    const cases: [unknown, RegExp][] = [
      [
        "provisioner_drops",
        /must end with '_total'.*current value is "provisioner_drops" \(try "provisioner_drops_total"\)/,
      ],
      ["provisionerDropTotal", /must be snake_case.*\(try "provisioner_drop_total"\)/],
      ["provisionerDrops", /must be snake_case.*\(try "provisioner_drops_total"\)/],
      ["provisioner-drop_total", /must be snake_case.*\(try "provisioner_drop_total"\)/],
      ["provisioner drop_total", /must be snake_case/],
      ["1drops_total", /must be snake_case/],
      ["__drops_total", /must not start with '__'/],
      ["job:provisioner_drop:rate5m", /must not hold ':'/],
      ["_total", /must be snake_case/],
      ["", /must be a non-empty string/],
    ];
    for (const [name, message] of cases) {
      const registry = new Registry();
      assert.throws(() => createDropCounter({ registry, name: name as string }), (err: unknown) => {
        assert.ok(err instanceof MetricNameError, String(name));
        assert.ok(err instanceof TypeError);
        assert.equal((err as MetricNameError).code, "GD_METRIC_NAME");
        assert.match((err as Error).message, /^Cannot create the drop counter as 'name' must /);
        assert.match((err as Error).message, message);
        return true;
      });
      assert.equal(registry.getMetricsAsArray().length, 0, `${String(name)}: nothing registered`);
    }
  });

  test("a conventional custom name is accepted", async () => {
    const registry = new Registry();
    createDropCounter({ registry, name: "tenant_data_drops_total", resourceTypes: ["redis"], backends: ["shared"] });
    assert.equal((await registry.getSingleMetric("tenant_data_drops_total")!.get()).values.length, 7);
  });

  test("bad lists are a TypeError", () => {
    assert.throws(() => createDropCounter({ registry: new Registry(), resourceTypes: [""] }), /'resourceTypes'/);
    assert.throws(() => createDropCounter({ registry: new Registry(), backends: "shared" as never }), /'backends'/);
  });
});
