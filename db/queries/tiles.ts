/**
 * Vector tiles of regions and problems (Mapbox Vector Tile, XYZ, extent 4096, buffer 64).
 *
 * One selection per layer, two encoders (chosen once at start-up from `DbHandle.hasMvt`):
 * - `sql`: PostgreSQL with protobuf — `ST_AsMVTGeom` + `ST_AsMVT` (Martin / pg_tileserv style);
 * - `js`: PGlite (no protobuf) — the same selection moved to tile coordinates in SQL
 *   (`ST_Affine` + `ST_SnapToGrid`), then domain/tile-encode.ts builds the protobuf.
 *
 * Every selection filters with `geom && ST_Transform(<tile bounds + buffer>, 4326)`: the tile's
 * bounds move to the column's SRID, never the column to the tile's, so the GiST index is used.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import { problemFilterSql, overdueSql, type ProblemFilters } from './filters.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import { WEB_MERCATOR, WGS84, pointSql } from '../spatial.js';
import type { TileFeature, TileGeometry } from '../../domain/tile-encode.js';

/** Tile units per side. */
export const TILE_EXTENT = 4096;
/** Tile units kept beyond each edge, so lines and symbols continue across tile borders. */
export const TILE_BUFFER = 64;
/** From this zoom on the problems layer has one point per problem; below it, counts per cell. */
export const PROBLEM_POINT_MIN_ZOOM = 13;
/** Side of an aggregate cell in tile units (64 → 64 × 64 cells a tile; ~150 m at z12, ~2.4 km at z8). */
export const AGGREGATE_CELL_UNITS = 64;
/** Deepest zoom served. */
export const MAX_TILE_ZOOM = 22;

export type TileEncoder = 'sql' | 'js';

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

/**
 * Region levels drawn at a zoom: the county outline always, then streets below z9, communities
 * at z9–11 and blocks from z12 (a block is ~0.5–2 km across: a few pixels below z12).
 */
export function regionLevelsForZoom(z: number): RegionLevel[] {
  if (z < 9) return ['county', 'street'];
  if (z < 12) return ['county', 'community'];
  return ['county', 'block'];
}

/** Tile bounds (EPSG:3857), the buffered bounds and the size of one tile unit in metres. */
function boundsCte(t: TileAddress): RawBuilder<unknown> {
  return sql`bounds AS (
    SELECT env, ST_Expand(env, w * ${TILE_BUFFER}::float8 / ${TILE_EXTENT}::float8) AS benv, w / ${TILE_EXTENT}::float8 AS unit,
           ST_XMin(env) AS xmin, ST_YMax(env) AS ymax, w
    FROM (SELECT e AS env, ST_XMax(e) - ST_XMin(e) AS w FROM ST_TileEnvelope(${t.z}::int, ${t.x}::int, ${t.y}::int) e) t
  )`;
}

/** `g` (EPSG:3857) → integer tile coordinates, y down (what ST_AsMVTGeom does before encoding). */
const TO_TILE_SQL = sql`ST_SnapToGrid(ST_Affine(sel.g, ${TILE_EXTENT}::float8 / b.w, 0, 0, -${TILE_EXTENT}::float8 / b.w,
  -b.xmin * ${TILE_EXTENT}::float8 / b.w, b.ymax * ${TILE_EXTENT}::float8 / b.w), 1)`;

interface SelectedRow {
  geometry: TileGeometry;
  [key: string]: unknown;
}

/**
 * Runs a layer's selection (CTEs ending in `sel` with geometry `g` in EPSG:3857) through the chosen
 * encoder: an MVT (sql) or the features in tile coordinates (js), ordered by `orderBy` columns.
 */
async function encodeOrSelect(
  db: Kysely<DB>,
  encoder: TileEncoder,
  layer: string,
  ctes: RawBuilder<unknown>,
  columns: readonly string[],
  orderBy: readonly string[],
  idColumn?: string,
): Promise<Buffer | SelectedRow[]> {
  const cols = (alias: string) => sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)));
  const order = (alias: string) => sql.join(orderBy.map((c) => sql.ref(`${alias}.${c}`)));
  if (encoder === 'sql') {
    const idArg = idColumn ? sql`, ${idColumn}` : sql``;
    const { rows } = await sql<{ tile: Uint8Array | null }>`
      WITH ${ctes}
      SELECT ST_AsMVT(q, ${layer}, ${sql.lit(TILE_EXTENT)}, 'geom'${idArg}) AS tile FROM (
        SELECT ${cols('sel')}, ST_AsMVTGeom(sel.g, b.env, ${sql.lit(TILE_EXTENT)}, ${sql.lit(TILE_BUFFER)}, true) AS geom
        FROM sel, bounds b ORDER BY ${order('sel')}
      ) q WHERE q.geom IS NOT NULL`.execute(db);
    const tile = rows[0]?.tile;
    return tile ? Buffer.from(tile) : Buffer.alloc(0);
  }
  const { rows } = await sql<SelectedRow>`
    WITH ${ctes}
    SELECT ${cols('q')}, ST_AsGeoJSON(q.tg, 0)::json AS geometry
    FROM (SELECT sel.*, ${TO_TILE_SQL} AS tg FROM sel, bounds b) q
    WHERE q.tg IS NOT NULL AND NOT ST_IsEmpty(q.tg)
    ORDER BY ${order('q')}`.execute(db);
  return rows;
}

export interface RegionTileOptions {
  scope: Scope;
  /** Draw this level (and the county outline) instead of the zoom's default. */
  level?: RegionLevel;
}

/**
 * The `regions` layer (code, name, level, parent_code): regions at the zoom's level(s) that the
 * caller may see — their own area and its ancestors — clipped to the buffered tile and simplified
 * to one tile unit.
 */
export async function regionTile(
  db: Kysely<DB>,
  t: TileAddress,
  opts: RegionTileOptions,
  encoder: TileEncoder,
): Promise<Buffer | TileFeature[]> {
  const levels = opts.level ? [...new Set<RegionLevel>(['county', opts.level])] : regionLevelsForZoom(t.z);
  const ctes = sql`${boundsCte(t)},
    sel AS (
      SELECT r.code, r.name, r.level, r.parent_code,
             -- Clip before simplifying: a county polygon is thousands of vertices, a tile needs few.
             ST_Simplify(ST_ClipByBox2D(ST_Transform(r.geom, ${sql.lit(WEB_MERCATOR)}), b.benv::box2d), b.unit, true) AS g
      FROM regions r, bounds b
      WHERE r.geom && ST_Transform(b.benv, ${sql.lit(WGS84)}) AND r.level = ANY (${levels}::text[]) AND ${regionScopeSql(opts.scope, 'r.code', true)}
    )`;
  // A parent's code is a prefix of its children's: ordering by code draws the county first.
  const out = await encodeOrSelect(db, encoder, 'regions', ctes, ['code', 'name', 'level', 'parent_code'], ['code']);
  if (Buffer.isBuffer(out)) return out;
  return out.map(({ geometry, ...properties }) => ({ geometry, properties: properties as TileFeature['properties'] }));
}

export interface ProblemTileOptions {
  scope: Scope;
  filters: ProblemFilters;
}

/** True when the problem row `p` is open and past its deadline (judged at the database's now()). */
const OVERDUE_SQL = overdueSql('p');

/**
 * The `problems` layer. From PROBLEM_POINT_MIN_ZOOM: one point per problem (feature id = problem
 * id; id, status, category_code, severity, overdue). Below: one point per cell of
 * AGGREGATE_CELL_UNITS tile units at the cell's centre, with `count` and `overdue`. Cells are
 * aligned with the tile grid and a problem counts in the tile that holds it (not its buffer), so
 * the counts of all tiles of a zoom add up to the number of matching problems.
 */
export async function problemTile(
  db: Kysely<DB>,
  t: TileAddress,
  opts: ProblemTileOptions,
  encoder: TileEncoder,
): Promise<Buffer | TileFeature[]> {
  const where = sql`${problemFilterSql(opts.filters, 'p')} AND ${problemScopeSql(opts.scope, 'p.region_code', 'p.category_code')}`;
  if (t.z >= PROBLEM_POINT_MIN_ZOOM) {
    const ctes = sql`${boundsCte(t)},
      sel AS (
        SELECT p.id AS fid, p.id, p.status, p.category_code, p.severity::int AS severity, ${OVERDUE_SQL} AS overdue,
               ST_Transform(p.geom, ${sql.lit(WEB_MERCATOR)}) AS g
        FROM problems p, bounds b
        WHERE p.geom && ST_Transform(b.benv, ${sql.lit(WGS84)}) AND ${where}
      )`;
    const out = await encodeOrSelect(
      db,
      encoder,
      'problems',
      ctes,
      ['fid', 'id', 'status', 'category_code', 'severity', 'overdue'],
      ['id'],
      'fid',
    );
    if (Buffer.isBuffer(out)) return out;
    return out.map(({ geometry, fid, ...properties }) => ({
      id: Number(fid),
      geometry,
      properties: properties as TileFeature['properties'],
    }));
  }
  const ctes = sql`${boundsCte(t)},
    pts AS (
      SELECT ST_Transform(p.geom, ${sql.lit(WEB_MERCATOR)}) AS pg, ${OVERDUE_SQL} AS overdue
      FROM problems p, bounds b
      -- The index finds candidates in a slightly larger box; the exact half-open test below
      -- puts a point on a tile edge in exactly one tile.
      WHERE p.geom && ST_Transform(ST_Expand(b.env, b.unit), ${sql.lit(WGS84)}) AND ${where}
    ),
    cells AS (
      SELECT floor((ST_X(pts.pg) - b.xmin) / (b.unit * ${AGGREGATE_CELL_UNITS}))::int AS cx,
             floor((b.ymax - ST_Y(pts.pg)) / (b.unit * ${AGGREGATE_CELL_UNITS}))::int AS cy,
             count(*)::int AS count, (count(*) FILTER (WHERE pts.overdue))::int AS overdue
      FROM pts, bounds b
      WHERE ST_X(pts.pg) >= b.xmin AND ST_X(pts.pg) < b.xmin + b.w AND ST_Y(pts.pg) <= b.ymax AND ST_Y(pts.pg) > b.ymax - b.w
      GROUP BY 1, 2
    ),
    sel AS (
      SELECT c.cx, c.cy, c.count, c.overdue,
             ${pointSql(sql<number>`b.xmin + (c.cx + 0.5) * b.unit * ${AGGREGATE_CELL_UNITS}`, sql<number>`b.ymax - (c.cy + 0.5) * b.unit * ${AGGREGATE_CELL_UNITS}`, WEB_MERCATOR)} AS g
      FROM cells c, bounds b
    )`;
  const out = await encodeOrSelect(db, encoder, 'problems', ctes, ['count', 'overdue'], ['cy', 'cx']);
  if (Buffer.isBuffer(out)) return out;
  return out.map(({ geometry, count, overdue }) => ({
    geometry,
    properties: { count, overdue } as TileFeature['properties'],
  }));
}

export interface TileVersions {
  regions: number;
  problems: number;
  /**
   * The latest deadline already passed by an open problem. Overdue flags change with the clock,
   * not only with writes: this value moves exactly when another open problem becomes overdue, so
   * problem tiles' ETags change then too. One backward scan of problems_due_open_idx.
   */
  overdueMark: string | null;
}

export async function tileVersions(db: Kysely<DB>): Promise<TileVersions> {
  const { rows } = await sql<{ regions: number; problems: number; overdue_mark: Date | null }>`
    SELECT d.regions, d.problems,
           (SELECT max(due_at) FROM problems WHERE status NOT IN ('closed', 'voided') AND due_at <= now()) AS overdue_mark
    FROM data_version d`.execute(db);
  const r = rows[0];
  return {
    regions: r?.regions ?? 0,
    problems: r?.problems ?? 0,
    overdueMark: r?.overdue_mark ? new Date(r.overdue_mark).toISOString() : null,
  };
}

/**
 * WGS84 bounds [minLon, minLat, maxLon, maxLat] of the regions the caller is responsible for (all
 * regions for the unrestricted); null when there are none.
 */
export async function tileBounds(db: Kysely<DB>, scope: Scope): Promise<[number, number, number, number] | null> {
  const { rows } = await sql<{ x0: number | null; y0: number | null; x1: number | null; y1: number | null }>`
    SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
    FROM (SELECT ST_Extent(r.geom) AS e FROM regions r WHERE ${regionScopeSql(scope, 'r.code')}) t`.execute(db);
  const r = rows[0];
  return r && r.x0 !== null ? [r.x0, r.y0!, r.x1!, r.y1!] : null;
}
