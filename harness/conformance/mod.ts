/**
 * The end-to-end conformance checks: for one deprovision function on one
 * real server, every drop yields exactly one audit record and one counter
 * increment, the tenant is really gone, and its neighbours are untouched,
 * including under faults.
 *
 * The checks are plain async functions, so that any test runner can run
 * them; {@linkcode describeConformance} registers them with node:test. Each
 * check is one module in `checks/`, listed in `checks/mod.ts`.
 *
 * @module
 */

export * from "./conformance_checks.ts";
export * from "./conformance_options.ts";
export * from "./conformance_subject.ts";
export * from "./describe_conformance.ts";
export * from "./hostile_tokens.ts";
export * from "./tenant_token.ts";
