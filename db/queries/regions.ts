/**
 * Regions (county → street → community → block): list, detail with ancestor chain, search, and the
 * all-or-nothing import that admins and the demo loader both use.
 *
 * A word on PGlite: its PostGIS is compiled to WebAssembly without C++ exception support, so an
 * exception thrown *inside GEOS* (even one GEOS would catch itself, such as the floating-point
 * overlay falling back to snap-rounding) makes the whole statement return zero rows instead of an
 * error (electric-sql/pglite#916; seen here with ST_Difference against an ST_Union). Two rules
 * follow for every spatial check below: overlays run with an explicit grid size (GEOS goes
 * straight to the robust snap-rounding overlay, which does not throw), and every check is one
 * aggregate row, so an empty answer is detected and refused instead of read as "no problems".
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import { envelopeSql, WGS84 } from '../spatial.js';
import { regionScopeSql, type Scope } from './scope.js';
import { chainCodes } from '../../domain/regions.js';
import { checkRegionFeatures, type FeatureRejection, type ParsedRegion } from '../../domain/region-import.js';

/** Shown with any answer holding a synthetic region (the demo partition), in Chinese and English. */
export const SYNTHETIC_NOTICE =
  '演示数据：街道、社区和网格的边界是对真实县界的合成划分，并非官方边界。' +
  ' Demo data: street, community and block boundaries are a synthetic partition of the real county outline, not official boundaries.';

/**
 * Grid size (degrees) of the overlays in the import checks: 1e-9° ≈ 0.1 mm, far below any
 * boundary accuracy, and it makes GEOS use its snap-rounding overlay, which never throws (see the
 * file comment for why that matters on PGlite).
 */
const OVERLAY_GRID = 1e-9;

/** Web-map tile size in pixels (MapLibre's 512 px tiles show 256 px tiles' zoom + 1). */
const TILE_PX = 256;

/**
 * Simplification tolerance for a web-map zoom level: half a pixel, in degrees of longitude.
 * At zoom z the world's 360° span 256·2^z pixels, so half a pixel is 360 / (256·2^z) / 2.
 */
export function toleranceForZoom(zoom: number): number {
  return 360 / (TILE_PX * 2 ** zoom) / 2;
}

/**
 * GeoJSON decimals for a zoom level: one digit finer than the simplification tolerance, at most 6
 * (≈ 0.1 m, the precision of the stored demo data); 6 when no zoom is given.
 */
export function decimalsForZoom(zoom: number | undefined): number {
  if (zoom === undefined) return 6;
  return Math.max(1, Math.min(6, Math.ceil(-Math.log10(toleranceForZoom(zoom))) + 1));
}

// --- reading ------------------------------------------------------------------------------------

export interface RegionListFilter {
  level?: RegionLevel;
  parent?: string;
  /** [minLon, minLat, maxLon, maxLat], WGS84 degrees. */
  bbox?: [number, number, number, number];
  /** Web-map zoom (0–22): geometry simplified to half a pixel; undefined = full detail. */
  zoom?: number;
}

export interface RegionFeatureRow {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  synthetic: boolean;
  geometry: { type: string; coordinates: unknown };
}

/** Current regions data version: bumped by every import, so ETags and tiles change with it. */
export async function regionsVersion(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('data_version').select('regions').executeTakeFirstOrThrow();
  return Number(row.regions);
}

/**
 * Regions as GeoJSON-ready rows, ordered by code. Geometry is simplified in SQL with
 * ST_SimplifyPreserveTopology (keeps every ring a valid polygon, unlike ST_Simplify which can
 * collapse small blocks) and rounded by ST_AsGeoJSON. A manager sees their own area plus the
 * ancestors that hold it, nothing else.
 */
export async function listRegions(db: Kysely<DB>, filter: RegionListFilter, scope: Scope): Promise<RegionFeatureRow[]> {
  const where: RawBuilder<unknown>[] = [regionScopeSql(scope, 'r.code', true)];
  if (filter.level) where.push(sql`r.level = ${filter.level}`);
  if (filter.parent) where.push(sql`r.parent_code = ${filter.parent}`);
  // Intersects, not &&: a long thin region whose box touches the view but whose shape does not is left out.
  if (filter.bbox) where.push(sql`ST_Intersects(r.geom, ${envelopeSql(filter.bbox)})`);
  const geom =
    filter.zoom === undefined
      ? sql`r.geom`
      : sql`ST_SimplifyPreserveTopology(r.geom, ${toleranceForZoom(filter.zoom)}::float8)`;
  const r = await sql<RegionFeatureRow>`
    SELECT r.code, r.name, r.level, r.parent_code, r.synthetic,
           ST_AsGeoJSON(${geom}, ${sql.lit(decimalsForZoom(filter.zoom))})::json AS geometry
      FROM regions r
     WHERE ${sql.join(where, sql` AND `)}
     ORDER BY r.code`.execute(db);
  return r.rows;
}

/** A region named in a chain: code, name, level. */
export interface RegionRef {
  code: string;
  name: string;
  level: RegionLevel;
}

/**
 * The regions on the path from the county down to `code` (the region itself last), in that
 * order; empty when no prefix of `code` is a region. The one query for an ancestor chain.
 */
export async function regionChain(db: Kysely<DB>, code: string): Promise<RegionRef[]> {
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where('code', 'in', chainCodes(code))
    .execute();
  return rows.sort((a, b) => a.code.length - b.code.length);
}

export interface RegionDetail extends Omit<RegionFeatureRow, 'geometry'> {
  manager_name: string | null;
  manager_phone: string | null;
  valid_from: string | null;
  valid_to: string | null;
  /** [minLon, minLat, maxLon, maxLat], degrees. */
  bbox: [number, number, number, number];
  geometry: RegionFeatureRow['geometry'];
  /** Ancestors, county first, then the region itself. */
  chain: RegionRef[];
}

/**
 * One region with its ancestor chain, or null when it does not exist or lies outside the
 * caller's scope (ancestors of the scope are visible; siblings are not), so a 404 never tells a
 * manager that a neighbour's block exists.
 */
export async function getRegion(db: Kysely<DB>, code: string, scope: Scope): Promise<RegionDetail | null> {
  const r = await sql<Omit<RegionDetail, 'chain'>>`
    SELECT r.code, r.name, r.level, r.parent_code, r.synthetic, r.manager_name, r.manager_phone,
           to_char(r.valid_from, 'YYYY-MM-DD') AS valid_from, to_char(r.valid_to, 'YYYY-MM-DD') AS valid_to,
           json_build_array(ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom)) AS bbox,
           ST_AsGeoJSON(r.geom, 6)::json AS geometry
      FROM regions r
     WHERE r.code = ${code} AND ${regionScopeSql(scope, 'r.code', true)}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return { ...row, chain: await regionChain(db, code) };
}

export interface RegionSearchHit {
  code: string;
  name: string;
  level: RegionLevel;
  /** Names from the county down to the region itself. */
  chain_names: string[];
  /** [minLon, minLat, maxLon, maxLat], degrees: for the map's fly-to. */
  bbox: [number, number, number, number];
}

/** Escapes LIKE wildcards so user text matches literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Regions whose name contains `q` (case-insensitive) or whose code starts with it, inside the
 * caller's scope (with ancestors), best matches first: exact code, then name prefix, then coarser
 * levels; at most `limit` (≤ 20).
 */
export async function searchRegions(db: Kysely<DB>, q: string, scope: Scope, limit = 20): Promise<RegionSearchHit[]> {
  const text = q.trim();
  if (!text) return [];
  const n = Math.max(1, Math.min(20, limit));
  const r = await sql<RegionSearchHit>`
    SELECT r.code, r.name, r.level,
           (SELECT array_agg(a.name ORDER BY length(a.code)) FROM regions a
             WHERE a.code IN (left(r.code, 6), left(r.code, 9), left(r.code, 12), r.code)) AS chain_names,
           json_build_array(ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom)) AS bbox
      FROM regions r
     WHERE (r.name ILIKE ${`%${likeLiteral(text)}%`} OR r.code LIKE ${`${likeLiteral(text)}%`})
       AND ${regionScopeSql(scope, 'r.code', true)}
     ORDER BY (r.code = ${text}) DESC, (r.name ILIKE ${`${likeLiteral(text)}%`}) DESC, length(r.code), r.code
     LIMIT ${n}`.execute(db);
  return r.rows;
}

/** A stable fingerprint of a list request (query + scope), for the ETag. */
export function regionListKey(filter: RegionListFilter, scope: Scope): string {
  const key = JSON.stringify([
    filter.level ?? null,
    filter.parent ?? null,
    filter.bbox ?? null,
    filter.zoom ?? null,
    scope.regions,
  ]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

// --- import -------------------------------------------------------------------------------------

/** Two siblings (same parent) sharing more area than the tolerance; `index` null = already in the database. */
export interface OverlapReport {
  a: { index: number | null; code: string };
  b: { index: number | null; code: string };
  area_m2: number;
}

/** A child whose area outside its parent exceeds the tolerance. */
export interface OutsideReport {
  index: number | null;
  code: string;
  parent_index: number | null;
  parent_code: string;
  area_m2: number;
}

export interface RejectionDetails {
  rejected: FeatureRejection[];
  overlaps: OverlapReport[];
  outside_parent: OutsideReport[];
}

/** Thrown by {@link importRegions} when it refuses the file; nothing has been written. */
export class RegionImportError extends Error {
  constructor(
    message: string,
    readonly details: RejectionDetails,
  ) {
    super(message);
    this.name = 'RegionImportError';
  }
}

export interface RepairReport {
  index: number;
  code: string;
  /** ST_IsValidReason before the repair. */
  reason: string;
  area_before_m2: number;
  area_after_m2: number;
  /** Polygons in the repaired MultiPolygon. */
  parts: number;
}

export interface ImportWarning {
  kind: 'gap';
  index: number | null;
  code: string;
  /** Area of the parent not covered by any of its children, m². */
  area_m2: number;
  message: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  repaired: RepairReport[];
  warnings: ImportWarning[];
  problems_reassigned: number;
}

export interface ImportOptions {
  /** Repair invalid geometry (ST_MakeValid, polygons kept) instead of refusing it. */
  repair?: boolean;
  /** Overlaps, overhangs and gaps up to this area (m², geography) are ignored; default 1. */
  toleranceM2?: number;
  /** Username written into the record of re-assigned problems. */
  actor: string;
  actorId?: number | null;
  /** Mark the imported regions as synthetic (the demo partition). Default false. */
  synthetic?: boolean;
}

const EMPTY_DETAILS = (): RejectionDetails => ({ rejected: [], overlaps: [], outside_parent: [] });

/**
 * Runs an aggregate query that must answer exactly one row and returns its `items` array. Zero
 * rows means the engine swallowed an error (PGlite, see the file comment): refuse loudly.
 */
async function items<T>(trx: Kysely<DB>, query: RawBuilder<{ items: T[] | null }>, what: string): Promise<T[]> {
  const r = await query.execute(trx);
  if (r.rows.length !== 1)
    throw new Error(
      `region import: the database gave no answer to the ${what} check (a geometry error it did not report); nothing was written`,
    );
  return r.rows[0].items ?? [];
}

/**
 * Imports regions from a GeoJSON FeatureCollection, all or nothing, in one transaction (or inside
 * the caller's transaction when `db` already is one).
 *
 * 1. Structural check in JS ({@link checkRegionFeatures}); any problem → refused.
 * 2. Features go into a temporary staging table; parents must exist in the file or the database;
 *    PostGIS validity per feature (ST_IsValidReason). Invalid → refused listing every bad feature,
 *    unless `repair`, which replaces the geometry by the polygons of ST_MakeValid
 *    (`ST_Multi(ST_CollectionExtract(…, 3))`: plain ST_MakeValid of a ring with spikes returns a
 *    GeometryCollection with stray lines) and reports areas before and after.
 * 3. Topology against the result-to-be (file merged over the database): siblings overlapping by
 *    more than the tolerance, children sticking out of their parent by more than it → refused;
 *    parent area not covered by its children → warnings. Areas are geography (m²), because square
 *    degrees are not an area (at 28° N a degree of longitude is ~98 km, of latitude ~111 km).
 * 4. Upsert by code, bump data_version.regions, and re-assign problems to their finest covering
 *    region, each move recorded as a 'reassign' event.
 *
 * @throws RegionImportError when the file is refused (nothing written)
 */
export async function importRegions(db: Kysely<DB>, input: unknown, opts: ImportOptions): Promise<ImportResult> {
  const tolerance = opts.toleranceM2 ?? 1;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError(`toleranceM2 must be ≥ 0, got ${tolerance}`);
  const { regions, rejected } = checkRegionFeatures(input);
  if (rejected.length > 0) {
    throw new RegionImportError(`${rejected.length} feature(s) refused; nothing was imported`, {
      ...EMPTY_DETAILS(),
      rejected,
    });
  }
  const run = (trx: Kysely<DB>) => importChecked(trx, regions, { ...opts, toleranceM2: tolerance });
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<DB>) => run(trx));
}

async function importChecked(
  trx: Kysely<DB>,
  regions: ParsedRegion[],
  opts: ImportOptions & { toleranceM2: number },
): Promise<ImportResult> {
  const tol = opts.toleranceM2;
  // ON COMMIT DROP: the staging tables vanish with the transaction whether it commits or rolls back;
  // they are also dropped on success below, so a caller's transaction can run several imports.
  await sql`DROP TABLE IF EXISTS pg_temp.region_import, pg_temp.region_check`.execute(trx);
  await sql`CREATE TEMP TABLE region_import (
      idx int PRIMARY KEY, code text COLLATE "C" NOT NULL UNIQUE, name text NOT NULL, level text NOT NULL,
      parent_code text COLLATE "C", manager_name text, manager_phone text, valid_from date, valid_to date,
      geom geometry NOT NULL) ON COMMIT DROP`.execute(trx);
  // One statement for the whole file; ST_Force2D drops any Z so the MultiPolygon column accepts it.
  await sql`INSERT INTO region_import
    SELECT (f->>'index')::int, f->>'code', f->>'name', f->>'level', f->>'parent_code', f->>'manager_name', f->>'manager_phone',
           (f->>'valid_from')::date, (f->>'valid_to')::date,
           ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(f->'geometry')), ${sql.lit(WGS84)})
      FROM jsonb_array_elements(${JSON.stringify(regions)}::jsonb) AS t(f)`.execute(trx);
  const staged = await sql<{ n: number }>`SELECT count(*)::int AS n FROM region_import`.execute(trx);
  if (Number(staged.rows[0]?.n) !== regions.length)
    throw new Error(`region import: staged ${staged.rows[0]?.n} of ${regions.length} features`);

  // --- parents and validity (all problems listed together) ---------------------------------------
  const missingParents = await items<FeatureRejection>(
    trx,
    sql`SELECT json_agg(json_build_object('index', i.idx, 'code', i.code,
               'reason', 'parent ' || i.parent_code || ' is neither in the file nor in the database') ORDER BY i.idx) AS items
          FROM region_import i
         WHERE i.parent_code IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM region_import p WHERE p.code = i.parent_code)
           AND NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = i.parent_code)`,
    'parent',
  );
  const invalid = await items<FeatureRejection>(
    trx,
    sql`SELECT json_agg(json_build_object('index', idx, 'code', code, 'reason', reason) ORDER BY idx) AS items
          FROM (SELECT idx, code, ST_IsValidReason(geom) AS reason FROM region_import WHERE ST_IsEmpty(geom) OR NOT ST_IsValid(geom)) bad`,
    'validity',
  );
  const refused: FeatureRejection[] = [...missingParents];
  let repaired: RepairReport[] = [];
  if (invalid.length > 0 && !opts.repair) refused.push(...invalid);
  if (refused.length > 0) {
    refused.sort((a, b) => a.index - b.index);
    throw new RegionImportError(
      `${refused.length} feature(s) refused${invalid.length && !opts.repair ? ' (invalid geometry: retry with repair=true to fix it with ST_MakeValid)' : ''}; nothing was imported`,
      { ...EMPTY_DETAILS(), rejected: refused },
    );
  }
  if (invalid.length > 0) {
    repaired = await items<RepairReport>(
      trx,
      sql`WITH bad AS (
            SELECT idx, ST_IsValidReason(geom) AS reason, ST_Area(geom::geography) AS area_before FROM region_import WHERE NOT ST_IsValid(geom)
          ), fixed AS (
            UPDATE region_import i SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(i.geom), 3))
              FROM bad WHERE i.idx = bad.idx
            RETURNING i.idx, i.code, bad.reason, bad.area_before, ST_Area(i.geom::geography) AS area_after, ST_NumGeometries(i.geom) AS parts
          )
          SELECT json_agg(json_build_object('index', idx, 'code', code, 'reason', reason, 'area_before_m2', area_before,
                 'area_after_m2', area_after, 'parts', parts) ORDER BY idx) AS items FROM fixed`,
      'repair',
    );
    if (repaired.length !== invalid.length)
      throw new Error(`region import: repaired ${repaired.length} of ${invalid.length} invalid features`);
    const unusable = await items<FeatureRejection>(
      trx,
      sql`SELECT json_agg(json_build_object('index', idx, 'code', code,
                 'reason', CASE WHEN ST_IsEmpty(geom) THEN 'repair left no area (the shape has none)' ELSE 'still invalid after repair: ' || ST_IsValidReason(geom) END) ORDER BY idx) AS items
            FROM region_import WHERE ST_IsEmpty(geom) OR NOT ST_IsValid(geom)`,
      'repaired validity',
    );
    if (unusable.length > 0)
      throw new RegionImportError(`${unusable.length} feature(s) could not be repaired; nothing was imported`, {
        ...EMPTY_DETAILS(),
        rejected: unusable,
      });
  }

  // --- topology of the result-to-be -------------------------------------------------------------
  // The file merged over the database rows it touches: its parents, children and siblings.
  await sql`CREATE TEMP TABLE region_check ON COMMIT DROP AS
      SELECT idx, code, parent_code, ST_Multi(geom) AS geom FROM region_import
      UNION ALL
      SELECT NULL::int, r.code, r.parent_code, r.geom FROM regions r
       WHERE (r.code IN (SELECT parent_code FROM region_import)
              OR r.parent_code IN (SELECT code FROM region_import)
              OR r.parent_code IN (SELECT parent_code FROM region_import))
         AND NOT EXISTS (SELECT 1 FROM region_import i WHERE i.code = r.code)`.execute(trx);
  await sql`CREATE INDEX ON region_check (parent_code)`.execute(trx);
  await sql`ANALYZE region_check`.execute(trx);

  // Relate '2********' (interiors share an area) first: neighbours that only share an edge — the
  // usual case — skip the costly overlay.
  const overlaps = await items<OverlapReport>(
    trx,
    sql`SELECT json_agg(json_build_object('a', json_build_object('index', ai, 'code', ac), 'b', json_build_object('index', bi, 'code', bc),
               'area_m2', m2) ORDER BY ac, bc) AS items
          FROM (SELECT a.idx AS ai, a.code AS ac, b.idx AS bi, b.code AS bc,
                       ST_Area(ST_Intersection(a.geom, b.geom, ${OVERLAY_GRID}::float8)::geography) AS m2
                  FROM region_check a JOIN region_check b ON a.parent_code = b.parent_code AND a.code < b.code AND a.geom && b.geom
                 WHERE (a.idx IS NOT NULL OR b.idx IS NOT NULL) AND ST_Relate(a.geom, b.geom, '2********')) x
         WHERE m2 > ${tol}::float8`,
    'overlap',
  );
  const outside = await items<OutsideReport>(
    trx,
    sql`SELECT json_agg(json_build_object('index', ci, 'code', cc, 'parent_index', pi, 'parent_code', pc, 'area_m2', m2) ORDER BY cc) AS items
          FROM (SELECT c.idx AS ci, c.code AS cc, p.idx AS pi, p.code AS pc,
                       ST_Area(ST_Difference(c.geom, p.geom, ${OVERLAY_GRID}::float8)::geography) AS m2
                  FROM region_check c JOIN region_check p ON p.code = c.parent_code
                 WHERE (c.idx IS NOT NULL OR p.idx IS NOT NULL) AND NOT ST_CoveredBy(c.geom, p.geom)) x
         WHERE m2 > ${tol}::float8`,
    'outside-parent',
  );
  if (overlaps.length > 0 || outside.length > 0) {
    const parts = [
      overlaps.length ? `${overlaps.length} overlap(s) between siblings` : '',
      outside.length ? `${outside.length} region(s) sticking out of their parent` : '',
    ].filter(Boolean);
    throw new RegionImportError(`${parts.join(' and ')} larger than ${tol} m²; nothing was imported`, {
      ...EMPTY_DETAILS(),
      overlaps,
      outside_parent: outside,
    });
  }
  const gaps = await items<{ index: number | null; code: string; area_m2: number }>(
    trx,
    sql`SELECT json_agg(json_build_object('index', pi, 'code', pc, 'area_m2', m2) ORDER BY pc) AS items
          FROM (SELECT p.idx AS pi, p.code AS pc, ST_Area(ST_Difference(p.geom, u.g, ${OVERLAY_GRID}::float8)::geography) AS m2
                  FROM region_check p
                  JOIN (SELECT parent_code, ST_Union(geom, ${OVERLAY_GRID}::float8) AS g, bool_or(idx IS NOT NULL) AS touched
                          FROM region_check WHERE parent_code IS NOT NULL GROUP BY parent_code) u ON u.parent_code = p.code
                 WHERE p.idx IS NOT NULL OR u.touched) x
         WHERE m2 > ${tol}::float8`,
    'gap',
  );
  const warnings: ImportWarning[] = gaps.map((g) => ({
    kind: 'gap',
    index: g.index,
    code: g.code,
    area_m2: g.area_m2,
    message: `${Math.round(g.area_m2).toLocaleString('en')} m² of ${g.code} is covered by none of its children`,
  }));

  // --- write -----------------------------------------------------------------------------------
  const existing = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM region_import i JOIN regions r ON r.code = i.code`.execute(trx);
  const updated = Number(existing.rows[0]?.n ?? 0);
  const upserted = await sql<{ n: number }>`
    WITH up AS (
      INSERT INTO regions (code, name, level, parent_code, manager_name, manager_phone, geom, valid_from, valid_to, synthetic, updated_at)
      SELECT code, name, level, parent_code, manager_name, manager_phone, ST_Multi(geom), valid_from, valid_to, ${opts.synthetic ?? false}, now()
        FROM region_import ORDER BY length(code), code
      ON CONFLICT (code) DO UPDATE SET
        name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
        manager_name = excluded.manager_name, manager_phone = excluded.manager_phone, geom = excluded.geom,
        valid_from = excluded.valid_from, valid_to = excluded.valid_to, synthetic = excluded.synthetic, updated_at = now()
      RETURNING 1
    ) SELECT count(*)::int AS n FROM up`.execute(trx);
  if (Number(upserted.rows[0]?.n) !== regions.length)
    throw new Error(`region import: wrote ${upserted.rows[0]?.n} of ${regions.length} regions`);
  await sql`UPDATE data_version SET regions = regions + 1`.execute(trx);
  const problemsReassigned = await reassignProblems(trx, opts.actor, opts.actorId ?? null);
  await sql`DROP TABLE pg_temp.region_import, pg_temp.region_check`.execute(trx);
  return { created: regions.length - updated, updated, repaired, warnings, problems_reassigned: problemsReassigned };
}

/**
 * Moves every problem near the staged regions (`region_import`) to its finest covering region and
 * records each move. ST_Covers, not ST_Contains: a point exactly on a shared edge is covered by
 * both neighbours (and contained by neither), so it still gets a block; the tie goes to the
 * smaller code. A problem that no region covers any more keeps its region.
 */
async function reassignProblems(trx: Kysely<DB>, actor: string, actorId: number | null): Promise<number> {
  await sql`CREATE INDEX ON region_import USING gist (geom)`.execute(trx);
  const r = await sql<{ n: number }>`
    WITH moved AS (
      SELECT p.id, p.status, p.region_code AS from_region, f.code AS to_region
        FROM problems p
        CROSS JOIN LATERAL (SELECT r.code FROM regions r WHERE ST_Covers(r.geom, p.geom) ORDER BY length(r.code) DESC, r.code LIMIT 1) f
       WHERE (p.region_code IN (SELECT code FROM region_import) OR EXISTS (SELECT 1 FROM region_import i WHERE i.geom && p.geom))
         AND f.code <> p.region_code
    ), upd AS (
      UPDATE problems p SET region_code = m.to_region, updated_at = now(), version = p.version + 1
        FROM moved m WHERE p.id = m.id
      RETURNING p.id
    ), logged AS (
      INSERT INTO problem_events (problem_id, actor, actor_id, action, from_status, to_status, note, data)
      SELECT m.id, ${actor}, ${actorId}::int, 'reassign', m.status, m.status, '区域调整，重新归属网格',
             jsonb_build_object('from_region', m.from_region, 'to_region', m.to_region)
        FROM moved m JOIN upd u ON u.id = m.id
      RETURNING 1
    ), bumped AS (
      UPDATE data_version SET problems = problems + 1 WHERE EXISTS (SELECT 1 FROM upd)
    )
    SELECT count(*)::int AS n FROM logged`.execute(trx);
  if (r.rows.length !== 1) throw new Error('region import: the database gave no answer to the problem re-assignment');
  return Number(r.rows[0].n);
}
