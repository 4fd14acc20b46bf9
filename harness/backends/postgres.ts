/**
 * The `postgres` backend of the harness.
 *
 * @module
 */

import type { ConformanceSubject } from "../conformance/mod.ts";
import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { postgresSubject } from "../subjects/postgres.ts";

/**
 * The harness registration of the PostgreSQL adapters (containers: @testcontainers/postgresql).
 *
 * @example
 * ```ts
 * import { POSTGRES_BACKEND } from "guarded-drop/harness";
 *
 * console.log(POSTGRES_BACKEND.image.fallback); // "postgres:17"
 * ```
 */
export const POSTGRES_BACKEND = {
  backend: "postgres",
  roles: [
    { role: "postgres", name: "postgres", urlVariables: ["GD_POSTGRES_URL"] },
    { role: "postgresDedicated", name: "postgres-dedicated", urlVariables: ["GD_POSTGRES_DEDICATED_URL"] },
  ],
  image: { variable: "GD_IMAGE_POSTGRES", fallback: "postgres:17" },
  subjects: ({ servers }: SubjectContext): Record<string, ConformanceSubject<unknown> | undefined> => ({
    postgres: servers.postgres && postgresSubject(servers.postgres, "shared") as ConformanceSubject<unknown>,
    postgresDedicated: servers.postgresDedicated &&
      postgresSubject(servers.postgresDedicated, "dedicated") as ConformanceSubject<unknown>,
  }),
} as const satisfies HarnessBackend;
