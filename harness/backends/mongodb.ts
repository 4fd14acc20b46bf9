/**
 * The `mongodb` backend of the harness.
 *
 * @module
 */

import type { ConformanceSubject } from "../conformance/mod.ts";
import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { mongodbSubject } from "../subjects/mongodb.ts";

/**
 * The harness registration of the MongoDB adapters (containers: @testcontainers/mongodb).
 *
 * @example
 * ```ts
 * import { MONGODB_BACKEND } from "guarded-drop/harness";
 *
 * console.log(MONGODB_BACKEND.image.fallback); // "mongo:8"
 * ```
 */
export const MONGODB_BACKEND = {
  backend: "mongodb",
  roles: [{ role: "mongodb", name: "mongodb", urlVariables: ["GD_MONGODB_URL"] }],
  image: { variable: "GD_IMAGE_MONGODB", fallback: "mongo:8" },
  subjects: ({ servers }: SubjectContext): Record<string, ConformanceSubject<unknown> | undefined> => ({
    mongodb: servers.mongodb && mongodbSubject(servers.mongodb, "shared") as ConformanceSubject<unknown>,
  }),
} as const satisfies HarnessBackend;
