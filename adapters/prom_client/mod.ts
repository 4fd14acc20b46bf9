/**
 * `guarded-drop/prom-client`: the prom-client binding.
 * {@linkcode createDropCounter} gets or creates `provisioner_drop_total` and
 * creates every series at 0 up front.
 *
 * ```ts
 * import { createDropCounter } from "guarded-drop/prom-client";
 *
 * const counter = createDropCounter(); // prom-client's global register
 * ```
 *
 * prom-client is a peer dependency: your own copy, and its registry, is used.
 *
 * @module
 */

export * from "./drop_counter.ts";
