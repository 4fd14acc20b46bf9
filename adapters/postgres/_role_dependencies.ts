// Internal: what still depends on a tenant's role, read from pg_shdepend,
// the cluster-wide catalog that records, for every database, which objects
// a role owns and where it holds privileges. It is read before anything is
// changed, so that a drop that cannot clear the role fails with nothing
// destroyed.
//
// DROP OWNED only acts in the database it runs in (plus privileges on shared
// objects), and the adapter runs it only in the admin connection's database.
// So the role can be cleared when each of its dependencies is:
//   - in the tenant's own database, or the ownership of / a privilege on
//     that database itself: dropping the database removes them;
//   - in the admin connection's database: DROP OWNED there removes them;
//   - a privilege on a shared object (another database, a tablespace, a
//     parameter): DROP OWNED revokes it, and nothing is deleted.
// Anything else, such as a table or a grant in a neighbour's database, or
// the ownership of another database or a tablespace, blocks: dropping or
// reassigning another database's objects is an operator's decision.

import type { Client } from "pg";

/** The dependencies of a role that a deprovision cannot clear, by where they are. */
export interface Blockers {
  /** One line per place, e.g. `database "db_other": 2 owned objects, 1 privilege`. */
  readonly places: readonly string[];
  /** The names of the databases that hold blocking objects or grants. */
  readonly databases: readonly string[];
}

interface DependencyRow {
  readonly place: string;
  readonly database: string | null;
  readonly owned: number;
  readonly privileges: number;
  readonly other: number;
}

/**
 * Lists what keeps `role` from being dropped by this adapter's steps, when
 * the tenant's database is `database` (it may be gone already).
 *
 * @returns `undefined` when the role is gone or nothing blocks.
 */
export async function roleBlockers(client: Client, role: string, database: string): Promise<Blockers | undefined> {
  const result = await client.query<DependencyRow>(
    `WITH r AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1),
          t AS (SELECT oid FROM pg_catalog.pg_database WHERE datname = $2),
          here AS (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()),
          deps AS (
            SELECT s.dbid, s.classid, s.objid, s.deptype
              FROM pg_catalog.pg_shdepend s
             WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
               AND s.refobjid = (SELECT oid FROM r)
               AND s.deptype <> 'p'
          ),
          blocking AS (
            SELECT d.*
              FROM deps d
             WHERE d.dbid IS DISTINCT FROM (SELECT oid FROM t)
               AND d.dbid <> (SELECT oid FROM here)
               AND NOT (d.dbid = 0 AND d.classid = 'pg_catalog.pg_database'::pg_catalog.regclass
                        AND d.objid IS NOT DISTINCT FROM (SELECT oid FROM t))
               AND NOT (d.dbid = 0 AND d.deptype IN ('a', 'i'))
          )
     SELECT CASE
              WHEN b.dbid = 0 AND b.classid = 'pg_catalog.pg_database'::pg_catalog.regclass
                THEN 'owns database ' || pg_catalog.quote_ident(coalesce(od.datname, b.objid::text))
              WHEN b.dbid = 0 THEN 'owns ' || pg_catalog.pg_describe_object(b.classid, b.objid, 0)
              ELSE 'database ' || pg_catalog.quote_ident(coalesce(db.datname, b.dbid::text))
            END AS place,
            CASE WHEN b.dbid = 0 THEN od.datname ELSE db.datname END AS database,
            count(*) FILTER (WHERE b.deptype = 'o')::int AS owned,
            count(*) FILTER (WHERE b.deptype IN ('a', 'i'))::int AS privileges,
            count(*) FILTER (WHERE b.deptype NOT IN ('o', 'a', 'i'))::int AS other
       FROM blocking b
       LEFT JOIN pg_catalog.pg_database db ON db.oid = b.dbid
       LEFT JOIN pg_catalog.pg_database od ON b.dbid = 0 AND b.classid = 'pg_catalog.pg_database'::pg_catalog.regclass AND od.oid = b.objid
      GROUP BY 1, 2
      ORDER BY 1`,
    [role, database],
  );
  if (result.rows.length === 0) return undefined;
  const places = result.rows.map((row) => {
    if (row.place.startsWith("owns ")) return row.place;
    const parts = [
      row.owned > 0 ? `${row.owned} owned object${row.owned === 1 ? "" : "s"}` : undefined,
      row.privileges > 0 ? `${row.privileges} privilege${row.privileges === 1 ? "" : "s"}` : undefined,
      row.other > 0 ? `${row.other} policy reference${row.other === 1 ? "" : "s"}` : undefined,
    ].filter((part) => part !== undefined);
    return `${row.place}: ${parts.join(", ")}`;
  });
  const databases = [
    ...new Set(result.rows.map((row) => row.database).filter((name): name is string => name !== null)),
  ];
  return { places, databases };
}

/**
 * Whether `role` owns objects or holds privileges in the admin connection's
 * database or on shared objects: then `DROP OWNED BY` must run there before
 * `DROP ROLE`.
 */
export async function hasLocalDependencies(client: Client, role: string): Promise<boolean> {
  const result = await client.query<{ local: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_catalog.pg_shdepend s
        WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
          AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
          AND s.deptype <> 'p'
          AND (s.dbid = 0 OR s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
     ) AS local`,
    [role],
  );
  return result.rows[0]?.local === true;
}
