/**
 * Hotspots of problems: density clusters (ST_ClusterDBSCAN) and counts per hexagon for Getis-Ord
 * Gi* (the statistic itself is computed in domain/gistar.ts).
 *
 * Distances are metres in a local UTM zone, chosen from the selected points' mean longitude
 * (长沙县, 113° E → zone 49, EPSG:32649). UTM's scale error inside a zone is below 0.1 %, whereas
 * Web Mercator stretches distances by 1/cos(latitude) — 13 % at 28° N — so an `eps` of 50 m there
 * would really be 44 m on the ground. Degrees (EPSG:4326) are not metres at all.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../types.js';
import { problemFilterSql, OPEN_STATUS_SQL, type ProblemFilters } from './filters.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import { WGS84 } from '../spatial.js';

/** A cluster or cell hull with fewer than three distinct points is a point or a line: pad it to a polygon (metres). */
export const HULL_PAD_M = 10;

/** Most hexagons one Gi* run may lay over the selection's extent (memory and response size). */
export const MAX_GISTAR_CELLS = 250_000;

export interface HotspotSelection {
  filters: ProblemFilters;
  scope: Scope;
}

export interface TopCategory {
  code: string;
  name: string;
  count: number;
}

/** Names of the block holding a hotspot's centre, and of its community and street. */
export interface HotspotPlace {
  block_code: string | null;
  block_name: string | null;
  community_code: string | null;
  community_name: string | null;
  street_code: string | null;
  street_name: string | null;
}

export interface DbscanCluster extends HotspotPlace {
  cluster: number;
  count: number;
  top_categories: TopCategory[];
  /** Hours since the oldest still-open problem of the cluster was reported; null if none is open. */
  oldest_open_hours: number | null;
  /** Centroid, WGS84 degrees. */
  lon: number;
  lat: number;
  /** Convex hull as a GeoJSON Polygon (WGS84), padded by HULL_PAD_M when degenerate. */
  hull: { type: string; coordinates: unknown };
}

export interface DbscanResult {
  clusters: DbscanCluster[];
  /** Selected problems that belong to no cluster. */
  noise: number;
  /** Problems considered. */
  total: number;
  /** EPSG code of the metric projection the clustering ran in (null when nothing was selected). */
  srid: number | null;
}

/**
 * The problems a hotspot run looks at: the filters and the caller's scope; when the filters name
 * no status, only open problems (a hotspot of closed work is history, not a task).
 */
function selectionSql(sel: HotspotSelection): RawBuilder<boolean> {
  const open = sel.filters.status ? sql`TRUE` : sql`p.status IN ${OPEN_STATUS_SQL}`;
  return sql<boolean>`(${problemFilterSql(sel.filters, 'p')} AND ${problemScopeSql(sel.scope, 'p.region_code', 'p.category_code')} AND ${open})`;
}

/** The UTM zone (north 326zz / south 327zz) of the mean position of `base`'s points. */
const UTM_SRID_SQL = sql`(CASE WHEN avg(ST_Y(geom)) >= 0 THEN 32600 ELSE 32700 END + (floor((avg(ST_X(geom)) + 180) / 6)::int % 60) + 1)`;

/**
 * Block that covers each `centres.centre` (WGS84) among the caller's blocks, else `fallback_block`
 * (the block most of the hotspot's problems are in), with its community and street names. A
 * manager's hotspot never names a block outside their area.
 */
function placeJoinSql(scope: Scope, alias: string): RawBuilder<unknown> {
  return sql`
    LEFT JOIN LATERAL (
      SELECT r.code FROM regions r
      WHERE r.level = 'block' AND ST_Covers(r.geom, ${sql.ref(`${alias}.centre`)}) AND ${regionScopeSql(scope, 'r.code')}
      ORDER BY r.code LIMIT 1
    ) cov ON TRUE
    LEFT JOIN regions blk ON blk.code = COALESCE(cov.code, ${sql.ref(`${alias}.fallback_block`)})
    LEFT JOIN regions com ON com.code = blk.parent_code
    LEFT JOIN regions st ON st.code = com.parent_code`;
}

const PLACE_COLUMNS = sql`blk.code AS block_code, blk.name AS block_name, com.code AS community_code, com.name AS community_name,
  st.code AS street_code, st.name AS street_name`;

/**
 * DBSCAN clusters of the selected problems: `epsMetres` is the neighbourhood radius on the ground,
 * `minPoints` the core-point threshold (the point itself included, as ST_ClusterDBSCAN counts).
 * One statement; clusters ordered by size.
 */
export async function clusterProblemsDbscan(
  db: Kysely<DB>,
  sel: HotspotSelection,
  epsMetres: number,
  minPoints: number,
): Promise<DbscanResult> {
  const { rows } = await sql<{ total: number; noise: number; srid: number | null; clusters: DbscanCluster[] | null }>`
    WITH base AS (
      SELECT p.id, p.category_code, p.status, p.reported_at, p.region_code, p.geom
      FROM problems p WHERE ${selectionSql(sel)}
    ),
    zone AS (SELECT ${UTM_SRID_SQL} AS srid FROM base),
    pts AS (SELECT b.*, ST_Transform(b.geom, zone.srid) AS g FROM base b CROSS JOIN zone),
    labelled AS (SELECT pts.*, ST_ClusterDBSCAN(g, ${epsMetres}::float8, ${minPoints}::int) OVER () AS cid FROM pts),
    clusters AS (
      SELECT cid, count(*)::int AS n, ST_Collect(g) AS gs,
             min(reported_at) FILTER (WHERE status IN ${OPEN_STATUS_SQL}) AS oldest_open,
             mode() WITHIN GROUP (ORDER BY region_code) AS fallback_block
      FROM labelled WHERE cid IS NOT NULL GROUP BY cid
    ),
    cats AS (
      SELECT cid, category_code, count(*)::int AS n,
             row_number() OVER (PARTITION BY cid ORDER BY count(*) DESC, category_code) AS rn
      FROM labelled WHERE cid IS NOT NULL GROUP BY cid, category_code
    ),
    -- Each cluster's top three, once for all clusters (GROUP BY): a correlated subquery here used to
    -- re-aggregate every labelled point once per cluster (clusters × points).
    top AS (
      SELECT k.cid, json_agg(json_build_object('code', k.category_code, 'name', cat.name, 'count', k.n) ORDER BY k.rn) AS top_categories
      FROM cats k JOIN categories cat ON cat.code = k.category_code WHERE k.rn <= 3 GROUP BY k.cid
    ),
    shaped AS (
      SELECT c.cid, c.n, c.oldest_open, c.fallback_block,
             ST_Transform(ST_Centroid(c.gs), ${sql.lit(WGS84)}) AS centre,
             -- Two points make a line and one spot a point: pad them so every hotspot has an area.
             ST_Transform(CASE WHEN ST_GeometryType(ST_ConvexHull(c.gs)) = 'ST_Polygon' THEN ST_ConvexHull(c.gs)
                               ELSE ST_Buffer(ST_ConvexHull(c.gs), ${HULL_PAD_M}::float8, 'quad_segs=4') END, ${sql.lit(WGS84)}) AS hull
      FROM clusters c
    ),
    described AS (
      SELECT s.cid, s.n, ST_X(s.centre) AS lon, ST_Y(s.centre) AS lat, ST_AsGeoJSON(s.hull, 7)::json AS hull,
             extract(epoch FROM (now() - s.oldest_open)) / 3600.0 AS oldest_open_hours,
             coalesce(t.top_categories, '[]'::json) AS top_categories,
             ${PLACE_COLUMNS}
      FROM shaped s LEFT JOIN top t ON t.cid = s.cid ${placeJoinSql(sel.scope, 's')}
    )
    SELECT (SELECT count(*)::int FROM base) AS total,
           (SELECT count(*)::int FROM labelled WHERE cid IS NULL) AS noise,
           (SELECT srid FROM zone WHERE EXISTS (SELECT 1 FROM base)) AS srid,
           (SELECT json_agg(json_build_object(
               'cluster', d.cid, 'count', d.n, 'lon', d.lon, 'lat', d.lat, 'hull', d.hull,
               'oldest_open_hours', d.oldest_open_hours, 'top_categories', d.top_categories,
               'block_code', d.block_code, 'block_name', d.block_name, 'community_code', d.community_code,
               'community_name', d.community_name, 'street_code', d.street_code, 'street_name', d.street_name)
             ORDER BY d.n DESC, d.lon, d.lat) FROM described d) AS clusters`.execute(db);
  const row = rows[0];
  // Cluster numbers follow the order of the answer (largest first), not ST_ClusterDBSCAN's ids.
  const clusters = (row.clusters ?? []).map((c, i) => ({ ...c, cluster: i + 1 }));
  return { clusters, noise: row.noise, total: row.total, srid: row.srid };
}

export interface HexCellCounts {
  srid: number | null;
  /** Hexagons laid over the selection's extent (including empty ones). */
  estimated: number;
  /** Every cell of the grid: ST_HexagonGrid's index i, j and the problem count. */
  i: number[];
  j: number[];
  n: number[];
  /** Details of the non-empty cells, keyed "i,j". */
  details: Map<string, { top_categories: TopCategory[]; fallback_block: string | null }>;
}

/**
 * Problems per hexagon of edge `sizeMetres` (ST_HexagonGrid in the local UTM zone) over the
 * extent of the selection, grown by one cell so edge cells have their neighbours. Each problem
 * counts in exactly one cell (a point on a shared edge goes to the lowest i, j). Returns no cells
 * when the grid would exceed MAX_GISTAR_CELLS (`estimated` says how many it would have been).
 */
export async function countProblemsPerHexagon(
  db: Kysely<DB>,
  sel: HotspotSelection,
  sizeMetres: number,
): Promise<HexCellCounts> {
  // Area of a regular hexagon of edge a: (3√3/2)·a².
  const hexArea = ((3 * Math.sqrt(3)) / 2) * sizeMetres * sizeMetres;
  const { rows } = await sql<{
    srid: number | null;
    estimated: number | null;
    i: number[] | null;
    j: number[] | null;
    n: number[] | null;
    details: { i: number; j: number; top_categories: TopCategory[]; fallback_block: string | null }[] | null;
  }>`
    WITH base AS (
      SELECT p.id, p.category_code, p.region_code, p.geom FROM problems p WHERE ${selectionSql(sel)}
    ),
    zone AS (SELECT ${UTM_SRID_SQL} AS srid FROM base),
    pts AS (SELECT b.id, b.category_code, b.region_code, ST_Transform(b.geom, zone.srid) AS g FROM base b CROSS JOIN zone),
    ext AS (
      SELECT ST_SetSRID(ST_Expand(ST_Extent(g), ${sizeMetres}::float8)::geometry, (SELECT srid FROM zone)) AS b FROM pts HAVING count(*) > 0
    ),
    est AS (SELECT ceil(ST_Area(b) / ${hexArea}::float8)::int AS cells FROM ext),
    grid AS (
      SELECT h.i, h.j
      FROM ext, est, ST_HexagonGrid(${sizeMetres}::float8, ext.b) h WHERE est.cells <= ${MAX_GISTAR_CELLS}
    ),
    -- The hexagon of each point: ST_HexagonGrid over the point's own bounds gives the candidates
    -- (bounding-box test), ST_Intersects keeps the true one, DISTINCT ON settles shared edges.
    assigned AS (
      SELECT DISTINCT ON (pts.id) pts.id, pts.category_code, pts.region_code, h.i, h.j
      FROM pts CROSS JOIN LATERAL ST_HexagonGrid(${sizeMetres}::float8, pts.g) h
      WHERE ST_Intersects(h.geom, pts.g) AND (SELECT cells FROM est) <= ${MAX_GISTAR_CELLS}
      ORDER BY pts.id, h.i, h.j
    ),
    counts AS (
      SELECT i, j, count(*)::int AS n, mode() WITHIN GROUP (ORDER BY region_code) AS fallback_block FROM assigned GROUP BY i, j
    ),
    cats AS (
      SELECT i, j, category_code, count(*)::int AS n,
             row_number() OVER (PARTITION BY i, j ORDER BY count(*) DESC, category_code) AS rn
      FROM assigned GROUP BY i, j, category_code
    ),
    -- Each cell's top three, once for all cells (see the DBSCAN query's top).
    top AS (
      SELECT k.i, k.j, json_agg(json_build_object('code', k.category_code, 'name', cat.name, 'count', k.n) ORDER BY k.rn) AS top_categories
      FROM cats k JOIN categories cat ON cat.code = k.category_code WHERE k.rn <= 3 GROUP BY k.i, k.j
    ),
    cells AS (SELECT g.i, g.j, coalesce(c.n, 0) AS n FROM grid g LEFT JOIN counts c USING (i, j))
    SELECT (SELECT srid FROM zone WHERE EXISTS (SELECT 1 FROM base)) AS srid,
           (SELECT cells FROM est) AS estimated,
           -- One pass over the cells: the three arrays come out aligned, element k is one cell.
           a.i, a.j, a.n,
           (SELECT json_agg(json_build_object('i', c.i, 'j', c.j, 'fallback_block', c.fallback_block,
               'top_categories', coalesce(t.top_categories, '[]'::json)))
             FROM counts c LEFT JOIN top t ON t.i = c.i AND t.j = c.j) AS details
    FROM (SELECT array_agg(i) AS i, array_agg(j) AS j, array_agg(n) AS n FROM cells) a`.execute(db);
  const r = rows[0];
  const details = new Map<string, { top_categories: TopCategory[]; fallback_block: string | null }>();
  for (const d of r.details ?? [])
    details.set(`${d.i},${d.j}`, { top_categories: d.top_categories, fallback_block: d.fallback_block });
  return {
    srid: r.srid,
    estimated: r.estimated ?? 0,
    i: r.i ?? [],
    j: r.j ?? [],
    n: r.n ?? [],
    details,
  };
}

export interface HexCellShape extends HotspotPlace {
  i: number;
  j: number;
  lon: number;
  lat: number;
  geometry: { type: string; coordinates: unknown };
}

/**
 * WGS84 polygon, centre and place names of hexagons (i, j) of edge `sizeMetres` in `srid`
 * (ST_Hexagon gives the same cell as ST_HexagonGrid: both are anchored at the origin).
 * `fallbackBlocks[k]` names the block to use when no block of the caller covers the centre.
 */
export async function describeHexagons(
  db: Kysely<DB>,
  scope: Scope,
  srid: number,
  sizeMetres: number,
  cells: readonly { i: number; j: number; fallback_block: string | null }[],
): Promise<HexCellShape[]> {
  if (cells.length === 0) return [];
  const { rows } = await sql<HexCellShape>`
    WITH wanted AS (
      SELECT w.i, w.j, w.fallback_block, ST_Transform(ST_SetSRID(ST_Hexagon(${sizeMetres}::float8, w.i, w.j), ${srid}::int), ${sql.lit(WGS84)}) AS hex
      FROM unnest(${cells.map((c) => c.i)}::int[], ${cells.map((c) => c.j)}::int[], ${cells.map((c) => c.fallback_block)}::text[]) AS w(i, j, fallback_block)
    ),
    centred AS (SELECT w.*, ST_Centroid(w.hex) AS centre FROM wanted w)
    SELECT c.i, c.j, ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat, ST_AsGeoJSON(c.hex, 7)::json AS geometry, ${PLACE_COLUMNS}
    FROM centred c ${placeJoinSql(scope, 'c')}
    ORDER BY c.i, c.j`.execute(db);
  return rows;
}
