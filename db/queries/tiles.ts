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
import { OPEN_STATUS_SQL, countTableFilterSql, filterList, problemFilterSql, type ProblemFilters } from './filters.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import { pointScopeSql } from './points.js';
import { WEB_MERCATOR, WGS84 } from '../spatial.js';
import { encodeTile, type TileFeature, type TileGeometry } from '../../domain/tile-encode.js';
import { OPEN_STATUSES } from '../../domain/workflow.js';
import { toShanghaiDate } from '../../domain/time.js';

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
  /** The instant an `overdue` filter is judged at (default now; the route passes the start of the minute). */
  now?: Date;
  /** Today in Asia/Shanghai (YYYY-MM-DD; default: of `now`): a cell's `overdue` counts open problems due before it. */
  today?: string;
  /** At most this many features; the rest is counted in one `omitted` feature. */
  cap?: number;
}

/** Features per problem tile at most (points or cells); what is left out is counted, not drawn. */
export const PROBLEM_TILE_CAP = 2000;

/** Zoom of the maintained bin grid (migration 2026_12_02_0300): a z12 tile's 64-unit cell. */
export const BIN_ZOOM = 18;

const OPEN_SET = new Set<string>(OPEN_STATUSES);

/** The filters with the tiles' default applied: open problems unless a status filter is given. */
function tileFilterSql(f: ProblemFilters, alias: string, now: Date): RawBuilder<boolean> {
  const base = problemFilterSql(f, alias, now);
  if (filterList(f.status)) return base;
  return sql<boolean>`(${base} AND ${sql.ref(`${alias}.status`)} IN ${OPEN_STATUS_SQL})`;
}

/**
 * True when the maintained bins answer these filters: statuses among the open ones (or none:
 * open by default), category, group, tag, region. Report dates, source, text, escalation, an
 * overdue flag and campaigns need the problem rows.
 */
export function binsAnswer(f: ProblemFilters): boolean {
  if (f.source || f.q || f.from || f.to || f.escalated !== undefined || f.overdue !== undefined) return false;
  if (f.campaign !== undefined) return false;
  const statuses = filterList(f.status);
  return !statuses || statuses.every((s) => OPEN_SET.has(s));
}

interface CellRow {
  cx: number;
  cy: number;
  count: number;
  overdue: number;
}

/** Cells → features (largest first up to the cap, then in row order) and one `omitted` feature. */
function cellFeatures(rows: CellRow[], cap: number): TileFeature[] {
  const cells = rows.map((r) => ({
    cx: Number(r.cx),
    cy: Number(r.cy),
    count: Number(r.count),
    overdue: Number(r.overdue),
  }));
  let kept = cells;
  let omitted = 0;
  if (cells.length > cap) {
    kept = [...cells].sort((a, b) => b.count - a.count || a.cy - b.cy || a.cx - b.cx).slice(0, cap);
    const keep = new Set(kept);
    for (const c of cells) if (!keep.has(c)) omitted += c.count;
  }
  kept.sort((a, b) => a.cy - b.cy || a.cx - b.cx);
  const half = AGGREGATE_CELL_UNITS / 2;
  const out: TileFeature[] = kept.map((c) => ({
    geometry: { type: 'Point', coordinates: [c.cx * AGGREGATE_CELL_UNITS + half, c.cy * AGGREGATE_CELL_UNITS + half] },
    properties: { count: c.count, overdue: c.overdue },
  }));
  if (omitted > 0) out.push(omittedFeature(omitted));
  return out;
}

/** The one feature saying how many problems a capped tile left out, at the tile's centre. */
function omittedFeature(n: number): TileFeature {
  return { geometry: { type: 'Point', coordinates: [TILE_EXTENT / 2, TILE_EXTENT / 2] }, properties: { omitted: n } };
}

/**
 * The `problems` layer. Open problems unless the status filter names others.
 *
 * From PROBLEM_POINT_MIN_ZOOM: one point per problem (feature id = problem id; id, status,
 * category_code, severity, `due` = deadline in Unix seconds when there is one — the page styles
 * overdue against its own clock, so a tile does not change when a deadline passes). At most
 * `cap` points (the most urgent: earliest deadline first, then oldest id); the rest are counted.
 *
 * Below: one point per cell of AGGREGATE_CELL_UNITS tile units at the cell's centre, with `count`
 * and `overdue` (open problems whose deadline's Shanghai day is before `today`). Read from the
 * maintained bins (sums of rows, no problem read) when {@link binsAnswer}; else counted from the
 * problems with the same rule. A problem counts in the tile that holds it (not its buffer), so
 * the counts of all tiles of a zoom add up to the number of matching problems.
 *
 * A capped tile carries one more feature at its centre with `omitted` = what was left out.
 */
export async function problemTile(
  db: Kysely<DB>,
  t: TileAddress,
  opts: ProblemTileOptions,
  encoder: TileEncoder,
): Promise<Buffer | TileFeature[]> {
  const cap = opts.cap ?? PROBLEM_TILE_CAP;
  const now = opts.now ?? new Date();
  const today = opts.today ?? toShanghaiDate(now);
  const scope = problemScopeSql(opts.scope, 'p.region_code', 'p.category_code');
  if (t.z >= PROBLEM_POINT_MIN_ZOOM) {
    const where = sql`${tileFilterSql(opts.filters, 'p', now)} AND ${scope}`;
    const ctes = sql`${boundsCte(t)},
      hits AS (
        SELECT p.id AS fid, p.id, p.status, p.category_code, p.severity::int AS severity,
               floor(extract(epoch FROM p.due_at))::bigint AS due, count(*) OVER ()::int AS total,
               ST_Transform(p.geom, ${sql.lit(WEB_MERCATOR)}) AS g
        FROM problems p, bounds b
        WHERE p.geom && ST_Transform(b.benv, ${sql.lit(WGS84)}) AND ${where}
        ORDER BY p.due_at ASC NULLS LAST, p.id
        LIMIT ${cap}
      ),
      sel AS (SELECT * FROM hits),
      left_out AS (SELECT max(total) - count(*) AS omitted FROM hits HAVING max(total) > count(*))`;
    if (encoder === 'sql') {
      const { rows } = await sql<{ tile: Uint8Array | null }>`
        WITH ${ctes}
        SELECT ST_AsMVT(q, 'problems', ${sql.lit(TILE_EXTENT)}, 'geom', 'fid') AS tile FROM (
          SELECT * FROM (
            SELECT sel.fid, sel.id, sel.status, sel.category_code, sel.severity, sel.due, NULL::int AS omitted,
                   ST_AsMVTGeom(sel.g, b.env, ${sql.lit(TILE_EXTENT)}, ${sql.lit(TILE_BUFFER)}, true) AS geom
            FROM sel, bounds b ORDER BY sel.id
          ) pts WHERE pts.geom IS NOT NULL
          UNION ALL
          SELECT NULL, NULL, NULL, NULL, NULL, NULL, l.omitted::int,
                 ST_MakePoint(${TILE_EXTENT / 2}, ${TILE_EXTENT / 2}) FROM left_out l
        ) q`.execute(db);
      const tile = rows[0]?.tile;
      return tile ? Buffer.from(tile) : Buffer.alloc(0);
    }
    const { rows } = await sql<SelectedRow & { omitted: number | null }>`
      WITH ${ctes}
      SELECT q.fid, q.id, q.status, q.category_code, q.severity, q.due, ST_AsGeoJSON(q.tg, 0)::json AS geometry,
             (SELECT omitted FROM left_out)::int AS omitted
      FROM (SELECT sel.*, ${TO_TILE_SQL} AS tg FROM sel, bounds b) q
      WHERE q.tg IS NOT NULL AND NOT ST_IsEmpty(q.tg)
      ORDER BY q.id`.execute(db);
    const out: TileFeature[] = rows.map(({ geometry, fid, omitted: _o, due, ...properties }) => ({
      id: Number(fid),
      geometry,
      properties: { ...(properties as TileFeature['properties']), ...(due === null ? {} : { due: Number(due) }) },
    }));
    const omitted = Number(rows[0]?.omitted ?? 0);
    if (omitted > 0) out.push(omittedFeature(omitted));
    return out;
  }
  let rows: CellRow[];
  if (binsAnswer(opts.filters)) {
    // The tile's zoom-18 columns and rows; a 64-unit cell is 2^(12 − z) of them a side.
    const s = BIN_ZOOM - t.z;
    const shift = s - Math.log2(TILE_EXTENT / AGGREGATE_CELL_UNITS);
    const x0 = t.x * 2 ** s;
    const y0 = t.y * 2 ** s;
    const span = 2 ** s - 1;
    ({ rows } = await sql<CellRow>`
      SELECT (r.gx - ${x0}::int) >> ${shift}::int AS cx, (r.gy - ${y0}::int) >> ${shift}::int AS cy,
             sum(r.n)::int AS count, coalesce(sum(r.n) FILTER (WHERE r.due_day < ${today}::date), 0)::int AS overdue
      FROM problem_tile_bins r
      WHERE r.gx BETWEEN ${x0}::int AND ${x0 + span}::int AND r.gy BETWEEN ${y0}::int AND ${y0 + span}::int
        AND ${problemScopeSql(opts.scope, 'r.region_code', 'r.category_code')} AND ${countTableFilterSql(opts.filters, false)}
      GROUP BY 1, 2 HAVING sum(r.n) > 0`.execute(db));
  } else {
    const where = sql`${tileFilterSql(opts.filters, 'p', now)} AND ${scope}`;
    ({ rows } = await sql<CellRow>`
      WITH ${boundsCte(t)},
      pts AS (
        SELECT ST_Transform(p.geom, ${sql.lit(WEB_MERCATOR)}) AS pg,
               problem_rollup_due_day(p.status, p.due_at) < ${today}::date AS overdue
        FROM problems p, bounds b
        -- The index finds candidates in a slightly larger box; the exact half-open test below
        -- puts a point on a tile edge in exactly one tile.
        WHERE p.geom && ST_Transform(ST_Expand(b.env, b.unit), ${sql.lit(WGS84)}) AND ${where}
      )
      SELECT floor((ST_X(pts.pg) - b.xmin) / (b.unit * ${AGGREGATE_CELL_UNITS}))::int AS cx,
             floor((b.ymax - ST_Y(pts.pg)) / (b.unit * ${AGGREGATE_CELL_UNITS}))::int AS cy,
             count(*)::int AS count, (count(*) FILTER (WHERE pts.overdue))::int AS overdue
      FROM pts, bounds b
      WHERE ST_X(pts.pg) >= b.xmin AND ST_X(pts.pg) < b.xmin + b.w AND ST_Y(pts.pg) <= b.ymax AND ST_Y(pts.pg) > b.ymax - b.w
      GROUP BY 1, 2`.execute(db));
  }
  // Cells are already aggregated (≤ 4,096 a tile, no geometry to clip): vt-pbf encodes them on
  // both backends.
  const features = cellFeatures(rows, cap);
  return encoder === 'sql' ? encodeTile([{ name: 'problems', features }]) : features;
}

export interface PointTileOptions {
  scope: Scope;
  type?: string;
  standing?: string;
}

/**
 * The `points` layer: active assessment points inside the scope, one point each at every zoom
 * (a polygon point at its point on surface; a county has hundreds of points, not millions), with
 * id, type_code, standing and name, so the map colours them by standing without another request.
 */
export async function pointTile(
  db: Kysely<DB>,
  t: TileAddress,
  opts: PointTileOptions,
  encoder: TileEncoder,
): Promise<Buffer | TileFeature[]> {
  const ctes = sql`${boundsCte(t)},
    sel AS (
      SELECT pt.id AS fid, pt.id, pt.type_code, pt.standing, pt.name,
             ST_Transform(ST_PointOnSurface(pt.geom), ${sql.lit(WEB_MERCATOR)}) AS g
      FROM points pt, bounds b
      WHERE pt.geom && ST_Transform(b.benv, ${sql.lit(WGS84)}) AND pt.retired_at IS NULL
        AND ${pointScopeSql(opts.scope, 'pt.region_code')}
        AND (${opts.type ?? null}::text IS NULL OR pt.type_code = ${opts.type ?? null})
        AND (${opts.standing ?? null}::text IS NULL OR pt.standing = ${opts.standing ?? null})
    )`;
  const out = await encodeOrSelect(
    db,
    encoder,
    'points',
    ctes,
    ['fid', 'id', 'type_code', 'standing', 'name'],
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

export interface TileVersions {
  regions: number;
  problems: number;
  points: number;
}

export async function tileVersions(db: Kysely<DB>): Promise<TileVersions> {
  const { rows } = await sql<{ regions: number; problems: number; points: number }>`
    SELECT d.regions, d.problems, d.points FROM data_version d`.execute(db);
  const r = rows[0];
  return { regions: r?.regions ?? 0, problems: r?.problems ?? 0, points: r?.points ?? 0 };
}

/** The streets whose outline meets a buffered tile, as of a regions version (`data_version.regions`). */
export interface TileStreets {
  regions: string;
  streets: string[];
}

/** Where {@link problemTileVersion} keeps each tile's streets between calls (an LRU, say). */
export interface TileStreetsCache {
  get(key: string): TileStreets | undefined;
  set(key: string, value: TileStreets): unknown;
}

/**
 * The version of what a problem tile can show: the regions' version, plus the sum of the tile
 * versions (migration 2026_12_02_0300) of the streets whose outline meets the buffered tile and
 * of county-level codes (problems no street covers); with `global`, also the problems' global
 * version (campaign rules can change without a problem write). Versions only grow, so the sum
 * moves whenever one of them does; a write in a street elsewhere leaves it.
 *
 * Which streets meet a tile changes only with the regions, and every regions write moves
 * `data_version.regions` (the region tiles key on it too). With `cache`, the streets found for a
 * tile are kept beside the regions version they were found at; the next call sends only the
 * primary-key reads of their versions, with the regions version in the same statement, and finds
 * the streets again when that version has moved. With the GiST probe and its envelope transform the
 * statement took 0.8 ms at S (pgbench, planning included, load 9), without them 0.1 ms: on a
 * cached tile that was most of the request's database time.
 */
export async function problemTileVersion(
  db: Kysely<DB>,
  t: TileAddress,
  global = false,
  cache?: TileStreetsCache,
): Promise<string> {
  const key = `${t.z}/${t.x}/${t.y}`;
  const known = cache?.get(key);
  const version = (r: { regions: unknown; problems: unknown; v: string } | undefined) =>
    `${r?.regions ?? 0}.${r?.v ?? 0}${global ? `.${r?.problems ?? 0}` : ''}`;
  if (known) {
    const { rows } = await sql<{ regions: string; problems: string; v: string }>`
      SELECT d.regions, d.problems,
             (SELECT coalesce(sum(v.version), 0)::text FROM problem_tile_versions v
               WHERE length(v.street_code) < 9 OR v.street_code = ANY (${known.streets}::text[])) AS v
      FROM data_version d`.execute(db);
    if (rows[0] && String(rows[0].regions) === known.regions) return version(rows[0]);
  }
  const { rows } = await sql<{ regions: string; problems: string; v: string; streets: string[] }>`
    WITH ${boundsCte(t)},
    s AS (SELECT r.code FROM regions r, bounds b
           WHERE r.level = 'street' AND r.geom && ST_Transform(b.benv, ${sql.lit(WGS84)}))
    SELECT d.regions, d.problems,
           (SELECT coalesce(sum(v.version), 0)::text FROM problem_tile_versions v
             WHERE length(v.street_code) < 9 OR v.street_code IN (SELECT code FROM s)) AS v,
           (SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM s) AS streets
    FROM data_version d`.execute(db);
  const r = rows[0];
  if (r && cache) cache.set(key, { regions: String(r.regions), streets: r.streets });
  return version(r);
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
