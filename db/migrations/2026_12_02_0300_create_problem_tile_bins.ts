/**
 * Maintained point bins for the problem tiles below the point zoom (issue 15 part 3): counts of
 * the OPEN problems per cell of a fixed fine grid (XYZ tiles of zoom 18, ~150 m; a z12 tile's
 * 64-unit cells are exactly these) × block × category × status × due day, kept current by
 * statement-level triggers on `problems` in the same transaction as every write, like
 * problem_rollups (same transition-table pattern, same key-ordered upserts, zero rows deleted).
 *
 * - `gx`, `gy`: the zoom-18 tile holding the point (Web Mercator, y down, as ST_TileEnvelope). A
 *   cell of 64 tile units at zoom z ≤ 12 is the set of zoom-18 tiles with the same
 *   `gx >> (12 − z)`, so a tile's cells are sums of rows, with no geometry read.
 * - `region_code`: the problem's block (or whatever region it is assigned to), so a manager's
 *   bins count their area exactly even where a grid cell straddles two blocks.
 * - `due_day`: as in problem_rollups (Shanghai date of due_at, 'infinity' without a deadline), so
 *   "overdue" in a bin is judged per day: due_day < today.
 * - Closed and voided problems are not binned: the tiles show open problems unless a filter asks
 *   for closed ones, and those tiles are computed from the problems (docs/performance.md).
 *
 * `problems_open_geom_idx`: a partial GiST index of the open problems' points, for the point tiles.
 *
 * `problem_tile_versions(street_code, version)`: bumped for the street of every row a statement
 * inserts, deletes or updates (any column: the point tiles carry severity, due_at, …), so a cached
 * problem tile is valid while the versions of the streets under it stand.
 */
import { sql, type Kysely } from 'kysely';

const KEY = `gx, gy, region_code, category_code, status, due_day`;
const OPEN = `('reported', 'filed', 'dispatched', 'in_progress', 'resolved')`;

/** Bin key columns of a problems row set `t`. */
const keyOf = (t: string) => `problem_bin_x(${t}.geom) AS gx, problem_bin_y(${t}.geom) AS gy,
      ${t}.region_code, ${t}.category_code, ${t}.status, problem_rollup_due_day(${t}.status, ${t}.due_at) AS due_day`;
const rKey = `(r.${KEY.replaceAll(', ', ', r.')})`;
const dKey = `(d.${KEY.replaceAll(', ', ', d.')})`;

/** The zoom of the fine grid. */
export const BIN_ZOOM = 18;
const HALF = 20037508.342789244;
const CELL = (2 * HALF) / 2 ** BIN_ZOOM;

/** Web Mercator of a WGS84 point, latitude clamped to the Mercator square. */
const MERC = `ST_Transform(ST_SetSRID(ST_MakePoint(ST_X(g), greatest(-85.0511287798, least(85.0511287798, ST_Y(g)))), 4326), 3857)`;

const STATEMENTS = [
  `CREATE FUNCTION problem_bin_x(g geometry) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT greatest(0, least(${2 ** BIN_ZOOM - 1}, floor((ST_X(${MERC}) + ${HALF}) / ${CELL})))::int $$`,
  `CREATE FUNCTION problem_bin_y(g geometry) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT greatest(0, least(${2 ** BIN_ZOOM - 1}, floor((${HALF} - ST_Y(${MERC})) / ${CELL})))::int $$`,

  `CREATE TABLE problem_tile_bins (
    gx int NOT NULL,
    gy int NOT NULL,
    region_code text COLLATE "C" NOT NULL,
    category_code text COLLATE "C" NOT NULL,
    status text NOT NULL,
    due_day date NOT NULL,
    n int NOT NULL,
    PRIMARY KEY (${KEY})
  )`,

  // The point tiles (z13 and up) show open problems by default: their own spatial index, so a
  // tile reads the open problems under it and not years of closed ones.
  `CREATE INDEX problems_open_geom_idx ON problems USING gist (geom) WHERE status IN ${OPEN}`,

  `CREATE TABLE problem_tile_versions (
    street_code text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1
  )`,

  `CREATE FUNCTION problem_tile_bins_apply() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO problem_tile_bins AS r (${KEY}, n)
       SELECT ${keyOf('new_rows')}, count(*) FROM new_rows WHERE new_rows.status IN ${OPEN}
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
       ON CONFLICT (${KEY}) DO UPDATE SET n = r.n + EXCLUDED.n;
       INSERT INTO problem_tile_versions AS v (street_code)
       SELECT DISTINCT left(region_code, 9) FROM new_rows ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
       RETURN NULL;
     ELSIF TG_OP = 'DELETE' THEN
       UPDATE problem_tile_bins r SET n = r.n - d.k
         FROM (SELECT ${keyOf('old_rows')}, count(*)::int AS k FROM old_rows WHERE old_rows.status IN ${OPEN}
                GROUP BY 1, 2, 3, 4, 5, 6) d
        WHERE ${rKey} = ${dKey};
       INSERT INTO problem_tile_versions AS v (street_code)
       SELECT DISTINCT left(region_code, 9) FROM old_rows ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
     ELSE
       INSERT INTO problem_tile_bins AS r (${KEY}, n)
       SELECT ${KEY}, sum(k) FROM (
         SELECT ${keyOf('new_rows')}, 1 AS k FROM new_rows WHERE new_rows.status IN ${OPEN}
         UNION ALL
         SELECT ${keyOf('old_rows')}, -1 FROM old_rows WHERE old_rows.status IN ${OPEN}
       ) t GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(k) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
       ON CONFLICT (${KEY}) DO UPDATE SET n = r.n + EXCLUDED.n;
       INSERT INTO problem_tile_versions AS v (street_code)
       SELECT DISTINCT c FROM (SELECT left(region_code, 9) AS c FROM new_rows
                               UNION ALL SELECT left(region_code, 9) FROM old_rows) t ORDER BY 1
       ON CONFLICT (street_code) DO UPDATE SET version = v.version + 1;
     END IF;
     DELETE FROM problem_tile_bins r
      WHERE r.n = 0 AND ${rKey} IN (SELECT ${keyOf('old_rows')} FROM old_rows WHERE old_rows.status IN ${OPEN});
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_tile_bins_insert AFTER INSERT ON problems
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_tile_bins_apply()`,
  `CREATE TRIGGER problem_tile_bins_update AFTER UPDATE ON problems
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_tile_bins_apply()`,
  `CREATE TRIGGER problem_tile_bins_delete AFTER DELETE ON problems
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION problem_tile_bins_apply()`,
  `CREATE FUNCTION problem_tile_bins_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     TRUNCATE problem_tile_bins;
     UPDATE problem_tile_versions SET version = version + 1;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER problem_tile_bins_truncate AFTER TRUNCATE ON problems
     FOR EACH STATEMENT EXECUTE FUNCTION problem_tile_bins_truncate()`,

  // What is already there: the open problems (a partial index scan at any size), and one version
  // row per street that has problems (copied from the rollup versions, which already list them).
  `INSERT INTO problem_tile_bins (${KEY}, n)
   SELECT ${keyOf('p')}, count(*) FROM problems p WHERE p.status IN ${OPEN} GROUP BY 1, 2, 3, 4, 5, 6`,
  `INSERT INTO problem_tile_versions (street_code) SELECT street_code FROM problem_rollup_versions`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate'])
    await sql.raw(`DROP TRIGGER IF EXISTS problem_tile_bins_${t} ON problems`).execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_tile_bins').execute(db);
  await sql.raw('DROP INDEX IF EXISTS problems_open_geom_idx').execute(db);
  await sql.raw('DROP TABLE IF EXISTS problem_tile_versions').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_tile_bins_apply()').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_tile_bins_truncate()').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_bin_x(geometry)').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS problem_bin_y(geometry)').execute(db);
}
