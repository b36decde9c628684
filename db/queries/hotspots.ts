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

/**
 * Runs a hotspot statement in a transaction of its own with JIT compilation off and room to sort
 * in memory (below). The planner
 * costs these statements (hundreds of thousands of rows through a dozen CTEs) far above
 * `jit_above_cost`, and compiling them cost more than running them: at 2,000,000 problems
 * (EXPLAIN ANALYZE, docs/performance.md) JIT took 4.3 s of a 16.2 s DBSCAN and 6.3 s of a
 * 10.9 s Gi* count, and 2.6 s of a 3.1 s Gi* count at 200,000. The setting ends with the
 * transaction. Inside a caller's transaction the statement runs as it is.
 */
async function withoutJit<T>(db: Kysely<DB>, run: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return run(db);
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL jit = off`.execute(trx);
    // Each statement sorts and groups every selected point (330,000 open at L): at the default 4 MB
    // those sorts went to disk (external merges of 13–20 MB in EXPLAIN ANALYZE at L). 64 MB is
    // for this transaction only, one statement at a time.
    await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
    return run(trx);
  });
}

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
      SELECT r.code
      -- Blocks whose box holds the centre, from the blocks' own GiST index (regions_block_geom_idx:
      -- the regions' index also holds every street and community over the point), then the exact test.
      FROM regions r
      WHERE r.level = 'block' AND r.geom ~ ${sql.ref(`${alias}.centre`)}
        AND ST_Covers(r.geom, ${sql.ref(`${alias}.centre`)}) AND ${regionScopeSql(scope, 'r.code')}
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
  const { rows } = await withoutJit(db, (trx) =>
    sql<{ total: number; noise: number; srid: number | null; clusters: DbscanCluster[] | null }>`
    WITH base AS (
      SELECT p.category_code, p.status, p.reported_at, p.region_code, p.geom
      FROM problems p WHERE ${selectionSql(sel)}
    ),
    zone AS (SELECT ${UTM_SRID_SQL} AS srid FROM base),
    -- Projected once, in the order base was read: ST_ClusterDBSCAN gives a border point within
    -- reach of two clusters to the one it meets first, so the input order is part of the answer.
    labelled AS (
      SELECT t.category_code, t.status, t.reported_at, t.region_code, t.g,
             ST_ClusterDBSCAN(t.g, ${epsMetres}::float8, ${minPoints}::int) OVER () AS cid
      FROM (SELECT b.category_code, b.status, b.reported_at, b.region_code, ST_Transform(b.geom, zone.srid) AS g
            FROM base b CROSS JOIN zone) t
    ),
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
    -- Hull and centre once per cluster (MATERIALIZED: each is read three times below).
    shaped AS MATERIALIZED (
      SELECT h.cid, h.n, h.oldest_open, h.fallback_block,
             ST_Transform(h.centroid, ${sql.lit(WGS84)}) AS centre,
             -- Two points make a line and one spot a point: pad them so every hotspot has an area.
             ST_Transform(CASE WHEN ST_GeometryType(h.hull) = 'ST_Polygon' THEN h.hull
                               ELSE ST_Buffer(h.hull, ${HULL_PAD_M}::float8, 'quad_segs=4') END, ${sql.lit(WGS84)}) AS hull
      FROM (SELECT c.cid, c.n, c.oldest_open, c.fallback_block, ST_Centroid(c.gs) AS centroid, ST_ConvexHull(c.gs) AS hull
            FROM clusters c OFFSET 0) h
    ),
    described AS (
      SELECT s.cid, s.n, ST_X(s.centre) AS lon, ST_Y(s.centre) AS lat, ST_AsGeoJSON(s.hull, 7)::json AS hull,
             extract(epoch FROM (now() - s.oldest_open)) / 3600.0 AS oldest_open_hours,
             coalesce(t.top_categories, '[]'::json) AS top_categories,
             ${PLACE_COLUMNS}
      FROM shaped s LEFT JOIN top t ON t.cid = s.cid ${placeJoinSql(sel.scope, 's')}
    )
    -- Noise as what the clusters leave of the total: one scan of the labelled points fewer.
    SELECT (SELECT count(*)::int FROM base) AS total,
           (SELECT count(*)::int FROM base) - (SELECT coalesce(sum(n), 0)::int FROM shaped) AS noise,
           (SELECT srid FROM zone WHERE EXISTS (SELECT 1 FROM base)) AS srid,
           (SELECT json_agg(json_build_object(
               'cluster', d.cid, 'count', d.n, 'lon', d.lon, 'lat', d.lat, 'hull', d.hull,
               'oldest_open_hours', d.oldest_open_hours, 'top_categories', d.top_categories,
               'block_code', d.block_code, 'block_name', d.block_name, 'community_code', d.community_code,
               'community_name', d.community_name, 'street_code', d.street_code, 'street_name', d.street_name)
             ORDER BY d.n DESC, d.lon, d.lat) FROM described d) AS clusters`.execute(trx),
  );
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

/** cos(π/6) exactly as PostGIS writes it (lwgeom_generate_grid.c, `H`): rows are `size · 2 · H` apart. */
const HEX_H = 0.8660254037844387;

/**
 * A point whose arithmetic distance inside its hexagon is below this (metres) is placed by the
 * former geometric method instead. The arithmetic differs from the polygons' float vertices only
 * by rounding (≈ 1e-9 m at UTM magnitudes), so a point farther inside than this is inside that
 * hexagon alone, for PostGIS too.
 */
const HEX_EDGE_BAND_M = 1e-6;

/**
 * Problems per hexagon of edge `sizeMetres` (ST_HexagonGrid in the local UTM zone) over the
 * extent of the selection, grown by one cell so edge cells have their neighbours. Each problem
 * counts in exactly one cell: the first, in (i, j) order, among the hexagons ST_HexagonGrid lays
 * over the point's (float-rounded) box that ST_Intersects the point. Returns no cells when the
 * grid would exceed MAX_GISTAR_CELLS (`estimated` says how many it would have been).
 *
 * The cell of a point is computed arithmetically, with the formulas of ST_HexagonGrid
 * (lwgeom_generate_grid.c: columns 1.5·size apart, odd columns half a row up): at most two
 * candidate columns, one row in each, and the point's distance inside each regular hexagon.
 * Only points within HEX_EDGE_BAND_M of an edge go through the former per-point
 * `ST_HexagonGrid(size, point)` + ST_Intersects, so every cell is exactly what it was; the rest
 * skip its set-returning call, seven-vertex polygons and DISTINCT ON sort.
 */
export async function countProblemsPerHexagon(
  db: Kysely<DB>,
  sel: HotspotSelection,
  sizeMetres: number,
): Promise<HexCellCounts> {
  // Area of a regular hexagon of edge a: (3√3/2)·a².
  const hexArea = ((3 * Math.sqrt(3)) / 2) * sizeMetres * sizeMetres;
  const size = sql`${sizeMetres}::float8`;
  // Column width and row height as hexagon_grid_state computes them (1.5 · size, size · 2 · H).
  const colWidth = sql`(1.5::float8 * ${size})`;
  const rowHeight = sql`(${size} * 2 * ${HEX_H}::float8)`;
  const { rows } = await withoutJit(db, (trx) =>
    sql<{
      srid: number | null;
      estimated: number | null;
      i: number[] | null;
      j: number[] | null;
      n: number[] | null;
      details: { i: number; j: number; top_categories: TopCategory[]; fallback_block: string | null }[] | null;
    }>`
    WITH base AS (
      SELECT p.category_code, p.region_code, p.geom FROM problems p WHERE ${selectionSql(sel)}
    ),
    zone AS (SELECT ${UTM_SRID_SQL} AS srid FROM base),
    -- Projected once; x and y as numbers (the cell arithmetic below reads them many times).
    pts AS (
      SELECT t.category_code, t.region_code, ST_X(t.g) AS x, ST_Y(t.g) AS y
      FROM (SELECT b.category_code, b.region_code, ST_Transform(b.geom, zone.srid) AS g FROM base b CROSS JOIN zone OFFSET 0) t
    ),
    -- The points' extent (what ST_Extent of their geometries gives: the coordinates' minima and maxima).
    ext AS (
      SELECT ST_SetSRID(ST_Expand(ST_MakeBox2D(ST_Point(min(x), min(y)), ST_Point(max(x), max(y))), ${size})::geometry, (SELECT srid FROM zone)) AS b
      FROM pts HAVING count(*) > 0
    ),
    est AS (SELECT ceil(ST_Area(b) / ${hexArea}::float8)::int AS cells FROM ext),
    grid AS (
      SELECT h.i, h.j
      FROM ext, est, ST_HexagonGrid(${size}, ext.b) h WHERE est.cells <= ${MAX_GISTAR_CELLS}
    ),
    -- The cell of each point. Candidates as hexagon_grid_state lays them over a point (same float
    -- steps): the first and the last column whose cells reach x (at most two), and in each the one
    -- row whose band holds y (odd columns sit half a row up). m1, m2: how far inside each candidate
    -- hexagon the point is, the smaller of its margins to the horizontal and the slanted edges
    -- (negative outside). OFFSET 0 keeps each step a column computed once per point, rather than
    -- an expression the planner copies into every use.
    candidates AS (
      SELECT c.*,
             least(${rowHeight} / 2 - abs(c.y - c.cy1), (${size} - abs(c.x - c.cx1) - abs(c.y - c.cy1) / sqrt(3::float8)) * ${HEX_H}::float8) AS m1,
             least(${rowHeight} / 2 - abs(c.y - c.cy2), (${size} - abs(c.x - c.cx2) - abs(c.y - c.cy2) / sqrt(3::float8)) * ${HEX_H}::float8) AS m2
      FROM (
        SELECT r.*,
               ${colWidth} * r.i1 AS cx1, ${rowHeight} * (r.j1 + 0.5::float8 * (abs(r.i1) % 2)) AS cy1,
               ${colWidth} * r.i2 AS cx2, ${rowHeight} * (r.j2 + 0.5::float8 * (abs(r.i2) % 2)) AS cy2
        FROM (
          SELECT q.category_code, q.region_code, q.x, q.y, q.i1, CASE WHEN q.last > q.i1 THEN q.last END AS i2,
                 CASE WHEN q.i1 % 2 <> 0 THEN floor(q.y / ${rowHeight}) ELSE floor(q.y / ${rowHeight} + 0.5::float8) END::int AS j1,
                 CASE WHEN q.last % 2 <> 0 THEN floor(q.y / ${rowHeight}) ELSE floor(q.y / ${rowHeight} + 0.5::float8) END::int AS j2
          FROM (
            SELECT pts.category_code, pts.region_code, pts.x, pts.y,
                   CASE WHEN pts.x - floor(pts.x / ${colWidth})::int * ${colWidth} > ${size}
                        THEN floor(pts.x / ${colWidth})::int + 1 ELSE floor(pts.x / ${colWidth})::int END AS i1,
                   CASE WHEN ceil(pts.x / ${colWidth})::int * ${colWidth} - pts.x > ${size}
                        THEN ceil(pts.x / ${colWidth})::int - 1 ELSE ceil(pts.x / ${colWidth})::int END AS last
            FROM pts WHERE (SELECT cells FROM est) <= ${MAX_GISTAR_CELLS} OFFSET 0
          ) q OFFSET 0
        ) r
      ) c OFFSET 0
    ),
    -- Clearly inside a candidate: that cell. Within HEX_EDGE_BAND_M of an edge: the former per-point
    -- ST_HexagonGrid lateral decides (it offers the cells around the point's float-rounded box, the
    -- first that ST_Intersects holds for wins), so near-edge points land exactly where they did.
    picked AS (
      SELECT category_code, region_code,
             CASE
               WHEN m1 > ${HEX_EDGE_BAND_M}::float8 THEN ARRAY[i1, j1]
               WHEN m2 > ${HEX_EDGE_BAND_M}::float8 THEN ARRAY[i2, j2]
               ELSE (SELECT ARRAY[h.i, h.j] FROM ST_HexagonGrid(${size}, ST_SetSRID(ST_Point(x, y), (SELECT srid FROM zone))) h
                     WHERE ST_Intersects(h.geom, ST_SetSRID(ST_Point(x, y), (SELECT srid FROM zone))) ORDER BY h.i, h.j LIMIT 1)
             END AS cell
      FROM candidates OFFSET 0
    ),
    assigned AS (SELECT category_code, region_code, cell[1] AS i, cell[2] AS j FROM picked WHERE cell IS NOT NULL),
    -- One hashed pass over the assigned points for both summaries: problems per cell and category,
    -- and per cell and block (a cell's count is the sum of the former; its fallback block the most
    -- frequent of the latter, the lowest code among equals, as mode() picks).
    grouped AS (
      SELECT i, j, category_code, region_code, count(*)::int AS n, GROUPING(category_code) AS by_block
      FROM assigned GROUP BY GROUPING SETS ((i, j, category_code), (i, j, region_code))
    ),
    ranked AS (
      SELECT g.*, row_number() OVER (PARTITION BY i, j, by_block ORDER BY n DESC, category_code, region_code) AS rn
      FROM grouped g
    ),
    -- Each cell's count, top three categories and fallback block, in one GROUP BY: a correlated
    -- subquery or a join on poorly estimated CTEs here re-aggregates the points once per cell.
    summary AS (
      SELECT k.i, k.j, sum(k.n) FILTER (WHERE k.by_block = 0)::int AS n,
             -- The name is looked up for the three kept rows only (FILTER is checked before the arguments).
             json_agg(json_build_object('code', k.category_code, 'name', (SELECT cat.name FROM categories cat WHERE cat.code = k.category_code),
                                        'count', k.n) ORDER BY k.rn)
               FILTER (WHERE k.by_block = 0 AND k.rn <= 3) AS top_categories,
             min(k.region_code) FILTER (WHERE k.by_block = 1 AND k.rn = 1) AS fallback_block
      FROM ranked k
      GROUP BY k.i, k.j
    ),
    cells AS (SELECT g.i, g.j, coalesce(c.n, 0) AS n FROM grid g LEFT JOIN summary c USING (i, j))
    SELECT (SELECT srid FROM zone WHERE EXISTS (SELECT 1 FROM base)) AS srid,
           (SELECT cells FROM est) AS estimated,
           -- One pass over the cells, in the grid's (i, j) order: element k of each array is one cell.
           a.i, a.j, a.n,
           (SELECT json_agg(json_build_object('i', c.i, 'j', c.j, 'fallback_block', c.fallback_block,
               'top_categories', coalesce(c.top_categories, '[]'::json)))
             FROM summary c) AS details
    FROM (SELECT array_agg(i ORDER BY i, j) AS i, array_agg(j ORDER BY i, j) AS j, array_agg(n ORDER BY i, j) AS n FROM cells) a`.execute(
      trx,
    ),
  );
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
  const { rows } = await withoutJit(db, (trx) =>
    sql<HexCellShape>`
    WITH wanted AS (
      SELECT w.i, w.j, w.fallback_block, ST_Transform(ST_SetSRID(ST_Hexagon(${sizeMetres}::float8, w.i, w.j), ${srid}::int), ${sql.lit(WGS84)}) AS hex
      FROM unnest(${cells.map((c) => c.i)}::int[], ${cells.map((c) => c.j)}::int[], ${cells.map((c) => c.fallback_block)}::text[]) AS w(i, j, fallback_block)
    ),
    -- MATERIALIZED: the hexagon and its centre are computed once per cell, not once per use.
    centred AS MATERIALIZED (SELECT w.*, ST_Centroid(w.hex) AS centre FROM wanted w)
    SELECT c.i, c.j, ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat, ST_AsGeoJSON(c.hex, 7)::json AS geometry, ${PLACE_COLUMNS}
    FROM centred c ${placeJoinSql(scope, 'c')}
    ORDER BY c.i, c.j`.execute(trx),
  );
  return rows;
}
