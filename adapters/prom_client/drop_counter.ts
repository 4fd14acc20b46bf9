/**
 * {@linkcode createDropCounter}: `provisioner_drop_total` on prom-client.
 *
 * @module
 */

import { Counter, register as defaultRegistry, type Registry } from "prom-client";
import { BACKENDS, DROP_ACTIONS, DROP_OUTCOMES, type DropActionLabels, type DropCounter } from "../../lib/mod.ts";

/** The label names, in the contract's order. */
const LABEL_NAMES = ["resource_type", "backend", "outcome"] as const satisfies readonly DropCounterLabelName[];
/** The label names of the action counter. */
const ACTION_LABEL_NAMES = ["resource_type", "backend", "action", "outcome"] as const;

/**
 * The label names of the drop counter.
 *
 * @example
 * ```ts
 * import type { DropCounterLabelName } from "guarded-drop/prom-client";
 *
 * const label: DropCounterLabelName = "outcome";
 * ```
 */
export type DropCounterLabelName = "resource_type" | "backend" | "outcome";

/**
 * The resource types of the four adapters.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESOURCE_TYPES } from "guarded-drop/prom-client";
 *
 * console.log(DEFAULT_RESOURCE_TYPES); // ["postgres", "redis", "mongodb", "rabbitmq"]
 * ```
 */
export const DEFAULT_RESOURCE_TYPES: readonly string[] = Object.freeze(["postgres", "redis", "mongodb", "rabbitmq"]);

/**
 * Options of {@linkcode createDropCounter}.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import type { DropCounterOptions } from "guarded-drop/prom-client";
 *
 * const options: DropCounterOptions = { registry: new Registry(), resourceTypes: ["postgres", "s3"] };
 * ```
 */
export interface DropCounterOptions {
  /**
   * The registry the metric lives in.
   *
   * @default {prom-client's global register}
   */
  registry?: Registry;
  /**
   * The metric name. It must follow the Prometheus conventions for a
   * counter, or creation throws a {@linkcode MetricNameError}: snake_case
   * (lower-case letters, digits and `_`, starting with a letter), ending in
   * `_total`, with no `__` prefix (reserved) and no `:` (kept for recording
   * rules).
   *
   * @default {"provisioner_drop_total"}
   */
  name?: string;
  /**
   * The resource types whose series are created up front.
   *
   * @default {DEFAULT_RESOURCE_TYPES}
   */
  resourceTypes?: readonly string[];
  /**
   * The backends whose series are created up front.
   *
   * @default {["shared", "dedicated"]}
   */
  backends?: readonly string[];
  /**
   * The name of the second metric, which counts each call again by what it
   * did: `destroy`, `quarantine` or `restore` (its `action` label). Alerts on
   * destruction read it with `action="destroy"`.
   *
   * @default {"provisioner_drop_action_total"}
   */
  actionName?: string;
}

/**
 * A custom counter name that breaks the Prometheus conventions (no `_total`
 * suffix, camelCase, a character a metric name cannot hold). Refused rather
 * than warned about: dashboards and alerts are written against the name, and
 * a name that `promtool check metrics` flags is cheapest to fix before the
 * first scrape. Its `.code` is `GD_METRIC_NAME`.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { createDropCounter } from "guarded-drop/prom-client";
 *
 * try {
 *   createDropCounter({ registry: new Registry(), name: "provisionerDrops" });
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "GD_METRIC_NAME"
 * }
 * ```
 */
export class MetricNameError extends TypeError {
  /** Always `GD_METRIC_NAME`. */
  readonly code: "GD_METRIC_NAME" = "GD_METRIC_NAME";

  /**
   * Constructs a new instance.
   *
   * @param message What is wrong with the name, and a name that would do.
   */
  constructor(message: string) {
    super(message);
    this.name = "MetricNameError";
  }
}

/** snake_case: what a Prometheus metric name may hold, minus upper case and `:`. */
const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;

/** Throws a {@linkcode MetricNameError} when `name` breaks the conventions of a counter's name. */
function checkCounterName(name: unknown, option: "name" | "actionName" = "name"): string {
  const fail = (must: string, suggestion?: string) => {
    throw new MetricNameError(
      `Cannot create the drop counter as '${option}' must ${must}: current value is ${JSON.stringify(name)}${
        suggestion === undefined ? "" : ` (try ${JSON.stringify(suggestion)})`
      }`,
    );
  };
  if (typeof name !== "string" || name === "") return fail("be a non-empty string");
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(
    /^_+|_+$/g,
    "",
  );
  const suggestion = /^[a-z]/.test(snake) ? (snake.endsWith("_total") ? snake : `${snake}_total`) : undefined;
  if (name.startsWith("__")) return fail("not start with '__' (reserved for Prometheus' own use)", suggestion);
  if (name.includes(":")) return fail("not hold ':' (reserved for recording rules)", suggestion);
  if (!SNAKE_CASE.test(name)) {
    return fail("be snake_case: lower-case letters, digits and '_', starting with a letter", suggestion);
  }
  if (!name.endsWith("_total") || name === "_total") {
    return fail("end with '_total', as every counter's name does", suggestion);
  }
  return name;
}

/**
 * Gets or creates `provisioner_drop_total{resource_type,backend,outcome}`
 * in the registry, and sets every resource_type × backend × outcome series
 * to 0, so that `rate()` and `increase()` alerts work from the first drop.
 *
 * It also gets or creates `provisioner_drop_action_total{resource_type,
 * backend,action,outcome}` (168 series up front by default), which the
 * returned counter's `incAction` feeds: guardedDrop counts every call there
 * again by its action, so that a quarantine never looks like a destruction.
 *
 * Calling it twice returns the same metric and never throws "already
 * registered". A resource type or backend outside the lists still counts: its
 * series appears at its first increment.
 *
 * @param options The registry, name, and the series to create up front.
 * @returns The prom-client counter, with `incAction`; pass it as guardedDrop's `counter`.
 * @throws {MetricNameError} If a custom name breaks the Prometheus
 * conventions (see {@linkcode DropCounterOptions.name}).
 * @throws {TypeError} If the name is taken by a metric that is not a counter
 * with exactly these labels, or a list holds a non-string.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { createDropCounter } from "guarded-drop/prom-client";
 *
 * const registry = new Registry();
 * const counter = createDropCounter({ registry });
 * console.log(counter === createDropCounter({ registry })); // true
 * console.log((await registry.getSingleMetric("provisioner_drop_total")!.get()).values.length); // 56
 * ```
 */
export function createDropCounter(
  options: DropCounterOptions = {},
): Counter<DropCounterLabelName> & Required<Pick<DropCounter, "incAction">> {
  const registry = options.registry ?? defaultRegistry;
  const name = checkCounterName(options.name ?? "provisioner_drop_total");
  const actionName = checkCounterName(options.actionName ?? "provisioner_drop_action_total", "actionName");
  const resourceTypes = stringList("resourceTypes", options.resourceTypes ?? DEFAULT_RESOURCE_TYPES);
  const backends = stringList("backends", options.backends ?? BACKENDS);

  const counter = counterIn(
    registry,
    name,
    LABEL_NAMES,
    "Drops of tenant data through guardedDrop, by resource type, backend and outcome.",
  );
  const actions = counterIn(
    registry,
    actionName,
    ACTION_LABEL_NAMES,
    "Calls through guardedDrop by what they did to the data (destroy, quarantine, restore), resource type, backend and outcome.",
  );
  for (const resource_type of resourceTypes) {
    for (const backend of backends) {
      for (const outcome of DROP_OUTCOMES) {
        counter.inc({ resource_type, backend, outcome }, 0);
        for (const action of DROP_ACTIONS) actions.inc({ resource_type, backend, action, outcome }, 0);
      }
    }
  }
  // The prom-client counter itself, so that it stays what users already pass
  // and read; incAction is the one member guardedDrop adds to it.
  const incAction = (labels: DropActionLabels) => actions.inc({ ...labels });
  Object.defineProperty(counter, "incAction", { value: incAction, configurable: true, writable: true });
  return counter as Counter<DropCounterLabelName> & Required<Pick<DropCounter, "incAction">>;
}

/** Gets the counter of that name and exactly these labels, or creates it. */
function counterIn<L extends string>(registry: Registry, name: string, labels: readonly L[], help: string): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return new Counter({ name, help, labelNames: labels, registers: [registry] });
  const labelNames = (existing as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
  const type = (existing as unknown as { type?: string }).type;
  if (
    type !== "counter" || labelNames.length !== labels.length || !labels.every((label) => labelNames.includes(label))
  ) {
    throw new TypeError(
      `Cannot create the drop counter as ${JSON.stringify(name)} is already registered as a ${
        type ?? "metric"
      } with labels [${labelNames.join(", ")}]: it must be a counter with labels [${labels.join(", ")}]`,
    );
  }
  return existing as Counter<L>;
}

function stringList(option: string, list: readonly unknown[]): readonly string[] {
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string" && item.length > 0)) {
    throw new TypeError(`Cannot create the drop counter as '${option}' must be an array of non-empty strings`);
  }
  return list as readonly string[];
}
