/**
 * The `mysql` backend of the harness: external servers only (no image can
 * be pulled here, and the offline build makes none yet).
 *
 * @module
 */

import type { ConformanceSubject } from "../conformance/mod.ts";
import type { HarnessBackend, SubjectContext } from "../harness_backend.ts";
import { mysqlSubject } from "../subjects/mysql.ts";

/**
 * The harness registration of the MySQL/MariaDB adapters.
 *
 * @example
 * ```ts
 * import { MYSQL_BACKEND } from "guarded-drop/harness";
 *
 * console.log(MYSQL_BACKEND.roles[1].urlVariables); // ["GD_MYSQL_DEDICATED_URL"]
 * ```
 */
export const MYSQL_BACKEND = {
  backend: "mysql",
  roles: [
    { role: "mysql", name: "mysql", urlVariables: ["GD_MYSQL_URL"] },
    { role: "mysqlDedicated", name: "mysql-dedicated", urlVariables: ["GD_MYSQL_DEDICATED_URL"] },
  ],
  subjects: ({ servers }: SubjectContext): Record<string, ConformanceSubject<unknown> | undefined> => ({
    mysql: servers.mysql && mysqlSubject(servers.mysql, "shared") as ConformanceSubject<unknown>,
    mysqlDedicated: servers.mysqlDedicated &&
      mysqlSubject(servers.mysqlDedicated, "dedicated") as ConformanceSubject<unknown>,
  }),
} as const satisfies HarnessBackend;
