/**
 * Assessment points (测评点位): create, import (all-or-nothing, the problem import's block
 * assignment), list / nearest / detail with standing, edit, retire (never delete: inspections refer
 * to them), and re-assignment when blocks change.
 *
 * A point is a Point or a small polygon; its block is the one covering `ST_PointOnSurface(geom)`
 * (for a Point, the point itself), with ST_Covers and the lower-code tie-break exactly as problems
 * (see db/queries/problems.ts). Problems created by an inspection are placed there too.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { WGS84, envelopeSql, pointSql } from '../spatial.js';
import { OPEN_STATUS_SQL } from './filters.js';
import { prefixPatterns, type Scope } from './scope.js';
import { assignStagedRegions, findCoveringRegion } from './problems.js';
import type { NewPoint, PointImportRow } from '../../domain/point-import.js';
import type { Rejection } from '../../domain/problem-import.js';
import type { PointStanding } from '../../domain/assessment.js';

/** Rows per INSERT … FROM unnest(…) when staging a point import. */
const CHUNK = 5_000;

/**
 * SQL predicate: the point row's region is inside the scope. A department is not restricted by
 * region, and points have no category: it sees every point (and only its own items, see standards).
 */
export function pointScopeSql(scope: Scope, regionCol: string): RawBuilder<boolean> {
  if (scope.regions === null) return sql<boolean>`TRUE`;
  return sql<boolean>`${sql.ref(regionCol)} LIKE ANY (${prefixPatterns(scope.regions)}::text[])`;
}

/** The anchor of a point geometry: where its block is looked up and its problems are placed. */
export const anchorSql = (column: string) => sql`ST_PointOnSurface(${sql.ref(column)})`;

export async function bumpPointsVersion(db: Kysely<DB>): Promise<void> {
  await sql`UPDATE data_version SET points = points + 1`.execute(db);
}

/** Point type code, name and English name → code (active types). */
export async function getPointTypeLookup(db: Kysely<DB>): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('point_types')
    .select(['code', 'name', 'name_en'])
    .where('active', '=', true)
    .execute();
  const map = new Map<string, string>();
  for (const r of rows) {
    if (r.name_en) map.set(r.name_en, r.code);
    map.set(r.name, r.code);
    // 农贸(集贸)市场 is also typed 农贸市场; 商业大街/步行街 as either half.
    for (const part of r.name.split(/[/／]/)) map.set(part.replace(/[(（][^)）]*[)）]/g, ''), r.code);
  }
  for (const r of rows) map.set(r.code, r.code);
  return map;
}

export interface PointProperties {
  id: number;
  ref: string | null;
  type_code: string;
  type_name: string;
  name: string;
  address: string | null;
  unit: string | null;
  region_code: string;
  synthetic: boolean;
  retired_at: string | null;
  retired_reason: string | null;
  standing: PointStanding;
  last_inspection_id: number | null;
  last_inspected_at: string | null;
  /** 达标率 of the latest inspection, percent. */
  last_score: number | null;
  chronic_items: string[];
  /** Open problems created by this point's inspections. */
  open_problems: number;
  /** Anchor (where problems are placed), WGS84. */
  lon: number;
  lat: number;
  version: number;
  /** Metres from the `near` position (nearest-points list only). */
  distance_m?: number;
}

export interface PointFeature {
  type: 'Feature';
  id: number;
  geometry: { type: string; coordinates: unknown };
  properties: PointProperties;
}

interface PointRow extends Omit<PointProperties, 'retired_at' | 'last_inspected_at'> {
  geometry: PointFeature['geometry'];
  retired_at: Date | null;
  last_inspected_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

function toFeature(r: PointRow): PointFeature {
  const { geometry, ...p } = r;
  return {
    type: 'Feature',
    id: r.id,
    geometry,
    properties: {
      ...p,
      retired_at: iso(r.retired_at),
      last_inspected_at: iso(r.last_inspected_at),
      last_score: r.last_score === null ? null : Number(r.last_score),
      open_problems: Number(r.open_problems),
      ...(r.distance_m !== undefined && r.distance_m !== null ? { distance_m: Number(r.distance_m) } : {}),
    },
  };
}

const SELECT_POINT = sql`pt.id, pt.ref, pt.type_code, t.name AS type_name, pt.name, pt.address, pt.unit, pt.region_code, pt.synthetic,
    pt.retired_at, pt.retired_reason, pt.standing, pt.last_inspection_id, pt.last_inspected_at, pt.last_score, pt.chronic_items, pt.version,
    ST_X(ST_PointOnSurface(pt.geom)) AS lon, ST_Y(ST_PointOnSurface(pt.geom)) AS lat,
    ST_AsGeoJSON(pt.geom, 7)::json AS geometry,
    (SELECT count(*)::int FROM inspections i JOIN inspection_items ii ON ii.inspection_id = i.id
       JOIN problems p ON p.id = ii.problem_id
      WHERE i.point_id = pt.id AND p.status IN ${OPEN_STATUS_SQL}) AS open_problems`;

export interface ListPointsOptions {
  type?: string;
  /** Region code prefix. */
  region?: string;
  q?: string;
  standing?: PointStanding;
  includeRetired?: boolean;
  bbox?: [number, number, number, number];
  /** Nearest first from this WGS84 position, with distance_m. */
  near?: [number, number];
  limit: number;
  /** Rows to skip (a page of the OGC points collection). */
  offset?: number;
}

/** Points inside the scope and the filters: by type and name, or nearest first from `near`. */
export async function listPoints(db: Kysely<DB>, scope: Scope, opts: ListPointsOptions): Promise<PointFeature[]> {
  const near = opts.near ? pointSql(opts.near[0], opts.near[1]) : null;
  const { rows } = await sql<PointRow>`
    SELECT ${SELECT_POINT}${near ? sql`, round(ST_Distance(pt.geom::geography, ${near}::geography)::numeric, 1) AS distance_m` : sql``}
    FROM points pt JOIN point_types t ON t.code = pt.type_code
    WHERE ${pointScopeSql(scope, 'pt.region_code')}
      AND (${opts.includeRetired ?? false} OR pt.retired_at IS NULL)
      AND (${opts.type ?? null}::text IS NULL OR pt.type_code = ${opts.type ?? null})
      AND (${opts.standing ?? null}::text IS NULL OR pt.standing = ${opts.standing ?? null})
      AND (${opts.region ?? null}::text IS NULL OR pt.region_code LIKE ${(opts.region ?? '') + '%'})
      AND (${opts.q ?? null}::text IS NULL OR pt.name ILIKE ${'%' + (opts.q ?? '') + '%'} OR pt.address ILIKE ${'%' + (opts.q ?? '') + '%'} OR pt.ref = ${opts.q ?? null})
      ${opts.bbox ? sql`AND pt.geom && ${envelopeSql(opts.bbox)}` : sql``}
    ORDER BY ${near ? sql`pt.geom <-> ${near}, pt.id` : sql`t.sort, pt.region_code, pt.name, pt.id`}
    LIMIT ${opts.limit} OFFSET ${opts.offset ?? 0}`.execute(db);
  return rows.map(toFeature);
}

/** One point with its standing, or null when missing or outside the scope (the route answers 404 for both). */
export async function getPoint(db: Kysely<DB>, id: number, scope: Scope): Promise<PointFeature | null> {
  const { rows } = await sql<PointRow>`SELECT ${SELECT_POINT}
    FROM points pt JOIN point_types t ON t.code = pt.type_code
    WHERE pt.id = ${id} AND ${pointScopeSql(scope, 'pt.region_code')}`.execute(db);
  return rows[0] ? toFeature(rows[0]) : null;
}

/** What creating a point came to: like createProblem's result, `kind` names the outcome. */
export type PointWriteResult =
  | { kind: 'ok'; id: number; region_code: string }
  | { kind: 'outside_coverage' }
  | { kind: 'outside_scope' }
  | { kind: 'duplicate_ref' };

const geomFromJsonSql = (g: NewPoint['geometry']) =>
  sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(g)}), ${sql.lit(WGS84)})`;

/** Inserts one point; its block is assigned in the INSERT (finest covering region of its anchor). */
export async function createPoint(
  trx: Transaction<DB>,
  input: NewPoint,
  scope: Scope,
  actor: { id: number },
  synthetic = false,
): Promise<PointWriteResult> {
  if (input.ref) {
    const dup = await trx.selectFrom('points').select('id').where('ref', '=', input.ref).executeTakeFirst();
    if (dup) return { kind: 'duplicate_ref' };
  }
  const { rows } = await sql<{ id: number; region_code: string }>`
    WITH g AS (SELECT ${geomFromJsonSql(input.geometry)} AS geom),
    region AS (
      SELECT r.code FROM regions r, g WHERE ST_Covers(r.geom, ST_PointOnSurface(g.geom)) ORDER BY length(r.code) DESC, r.code LIMIT 1
    )
    INSERT INTO points (ref, type_code, name, address, unit, geom, region_code, synthetic, created_by)
    SELECT ${input.ref}, ${input.type_code}, ${input.name}, ${input.address}, ${input.unit}, g.geom, region.code, ${synthetic}, ${actor.id}
    FROM g, region
    WHERE ${pointScopeSql(scope, 'region.code')}
    RETURNING id, region_code`.execute(trx);
  if (!rows[0]) {
    const anchor = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_PointOnSurface(${geomFromJsonSql(input.geometry)})) AS lon, ST_Y(ST_PointOnSurface(${geomFromJsonSql(input.geometry)})) AS lat`.execute(
      trx,
    );
    const code = await findCoveringRegion(trx, anchor.rows[0].lon, anchor.rows[0].lat);
    return { kind: code === null ? 'outside_coverage' : 'outside_scope' };
  }
  await bumpPointsVersion(trx);
  return { kind: 'ok', id: rows[0].id, region_code: rows[0].region_code };
}

export interface PointImportResult {
  created: number;
  /** Rows the database refuses: outside every region, invalid polygon, ref already registered. */
  rejected: Rejection[];
}

/**
 * Loads validated point rows in one transaction, set-based, through the problem import's block
 * assignment ({@link assignStagedRegions}). All-or-nothing: when any row is refused (or
 * `checkOnly`, because the file already had bad rows) nothing is written and every refused row is
 * returned, so the caller rolls back and names them all.
 */
export async function importPoints(
  trx: Transaction<DB>,
  rows: readonly PointImportRow[],
  actor: { id: number },
  { checkOnly = false }: { checkOnly?: boolean } = {},
): Promise<PointImportResult> {
  if (rows.length === 0) return { created: 0, rejected: [] };
  await sql`CREATE TEMP TABLE point_import (
      line int PRIMARY KEY, geojson text NOT NULL, geom geometry(Geometry, 4326), anchor geometry(Point, 4326),
      type_code text NOT NULL, name text NOT NULL, address text, unit text, ref text
    ) ON COMMIT DROP`.execute(trx);
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    await sql`INSERT INTO point_import (line, geojson, type_code, name, address, unit, ref)
      SELECT * FROM unnest(${chunk.map((r) => r.line)}::int[], ${chunk.map((r) => JSON.stringify(r.geometry))}::text[],
        ${chunk.map((r) => r.type_code)}::text[], ${chunk.map((r) => r.name)}::text[], ${chunk.map((r) => r.address)}::text[],
        ${chunk.map((r) => r.unit)}::text[], ${chunk.map((r) => r.ref)}::text[])`.execute(trx);
  }
  // Polygons PostGIS calls invalid (self-intersecting, unclosed) are refused by line, not repaired:
  // a point's outline is small and easy to redraw. Parsed row by row so one bad ring cannot abort
  // the statement for all.
  const invalid = await sql<{ line: number; reason: string }>`
    WITH parsed AS (SELECT line, ST_SetSRID(ST_GeomFromGeoJSON(geojson), ${sql.lit(WGS84)}) AS g FROM point_import)
    SELECT line, ST_IsValidReason(g) AS reason FROM parsed WHERE NOT ST_IsValid(g) ORDER BY line`.execute(trx);
  await sql`UPDATE point_import SET geom = ST_SetSRID(ST_GeomFromGeoJSON(geojson), ${sql.lit(WGS84)})`.execute(trx);
  await sql`UPDATE point_import SET anchor = ST_PointOnSurface(geom) WHERE ST_IsValid(geom)`.execute(trx);
  await sql`DELETE FROM point_import WHERE anchor IS NULL`.execute(trx);
  await sql`CREATE INDEX ON point_import USING gist (anchor)`.execute(trx);
  await sql`ANALYZE point_import`.execute(trx);
  const outside = await assignStagedRegions(trx, 'point_import', 'point_import_region', 'anchor');
  const taken = await sql<{ line: number; ref: string; id: number }>`
    SELECT i.line, i.ref, p.id FROM point_import i JOIN points p ON p.ref = i.ref ORDER BY i.line`.execute(trx);
  const rejected: Rejection[] = [
    ...invalid.rows.map((r) => ({
      line: r.line,
      reason: `invalid polygon: ${r.reason}`,
      code: 'polygon_invalid' as const,
      params: { detail: r.reason },
    })),
    ...outside.map((line) => ({
      line,
      reason: 'outside every region (no block covers this point)',
      code: 'outside_coverage' as const,
      params: {},
    })),
    ...taken.rows.map((r) => ({
      line: r.line,
      reason: `ref ${JSON.stringify(r.ref)} is already point ${r.id}`,
      code: 'ref_taken' as const,
      params: { ref: r.ref, id: r.id },
    })),
  ].sort((a, b) => a.line - b.line);
  if (checkOnly || rejected.length > 0) return { created: 0, rejected };
  const created = await sql<{ n: number }>`
    WITH ins AS (
      INSERT INTO points (ref, type_code, name, address, unit, geom, region_code, created_by)
      SELECT i.ref, i.type_code, i.name, i.address, i.unit, i.geom, a.code, ${actor.id}
      FROM point_import i JOIN point_import_region a ON a.line = i.line
      ORDER BY a.code, i.line
      RETURNING 1
    ) SELECT count(*)::int AS n FROM ins`.execute(trx);
  const n = Number(created.rows[0]?.n ?? 0);
  if (n > 0) await bumpPointsVersion(trx);
  return { created: n, rejected: [] };
}

export interface PointEdit {
  type_code?: string;
  name?: string;
  address?: string | null;
  unit?: string | null;
  geometry?: NewPoint['geometry'];
}

export type PointEditOutcome =
  | { kind: 'ok'; version: number }
  | { kind: 'not_found' }
  | { kind: 'version_conflict'; version: number }
  | { kind: 'retired' }
  | { kind: 'outside_coverage' }
  | { kind: 'outside_scope' };

/** Edits a point (re-assigning its block when it moves); a retired point is part of the record. */
export async function editPoint(
  trx: Transaction<DB>,
  id: number,
  version: number,
  edit: PointEdit,
  scope: Scope,
): Promise<PointEditOutcome> {
  const cur = await sql<{ version: number; retired_at: Date | null }>`
    SELECT version, retired_at FROM points WHERE id = ${id} AND ${pointScopeSql(scope, 'region_code')} FOR UPDATE`.execute(
    trx,
  );
  const p = cur.rows[0];
  if (!p) return { kind: 'not_found' };
  if (p.version !== version) return { kind: 'version_conflict', version: p.version };
  if (p.retired_at) return { kind: 'retired' };
  let region: string | undefined;
  if (edit.geometry) {
    const a = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_PointOnSurface(g)) AS lon, ST_Y(ST_PointOnSurface(g)) AS lat FROM (SELECT ${geomFromJsonSql(edit.geometry)} AS g) t`.execute(
      trx,
    );
    const code = await findCoveringRegion(trx, a.rows[0].lon, a.rows[0].lat);
    if (code === null) return { kind: 'outside_coverage' };
    if (scope.regions !== null && !scope.regions.some((s) => code.startsWith(s))) return { kind: 'outside_scope' };
    region = code;
  }
  const row = await trx
    .updateTable('points')
    .set({
      ...(edit.type_code !== undefined ? { type_code: edit.type_code } : {}),
      ...(edit.name !== undefined ? { name: edit.name } : {}),
      ...(edit.address !== undefined ? { address: edit.address } : {}),
      ...(edit.unit !== undefined ? { unit: edit.unit } : {}),
      ...(edit.geometry ? { geom: geomFromJsonSql(edit.geometry) as unknown as string, region_code: region! } : {}),
      version: sql<number>`version + 1` as unknown as number,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning('version')
    .executeTakeFirstOrThrow();
  await bumpPointsVersion(trx);
  return { kind: 'ok', version: row.version };
}

/** Retires a point (kept for its inspections, gone from lists, tiles and draws). */
export async function retirePoint(
  trx: Transaction<DB>,
  id: number,
  reason: string,
  scope: Scope,
): Promise<'ok' | 'not_found' | 'already'> {
  const cur = await sql<{ retired_at: Date | null }>`
    SELECT retired_at FROM points WHERE id = ${id} AND ${pointScopeSql(scope, 'region_code')} FOR UPDATE`.execute(trx);
  if (!cur.rows[0]) return 'not_found';
  if (cur.rows[0].retired_at) return 'already';
  await trx
    .updateTable('points')
    .set({
      retired_at: new Date(),
      retired_reason: reason,
      updated_at: new Date(),
      version: sql<number>`version + 1` as unknown as number,
    })
    .where('id', '=', id)
    .execute();
  await bumpPointsVersion(trx);
  return 'ok';
}

/**
 * After blocks change: every point near the staged regions (`region_import`, see
 * db/queries/regions.ts) moves to the finest region covering its anchor. A point no region covers
 * any more keeps its region. Returns the number moved.
 */
export async function reassignPoints(trx: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH moved AS (
      SELECT p.id, f.code AS to_region
        FROM points p
        CROSS JOIN LATERAL (SELECT r.code FROM regions r WHERE ST_Covers(r.geom, ST_PointOnSurface(p.geom)) ORDER BY length(r.code) DESC, r.code LIMIT 1) f
       WHERE (p.region_code IN (SELECT code FROM region_import) OR EXISTS (SELECT 1 FROM region_import i WHERE i.geom && p.geom))
         AND f.code <> p.region_code
    ), upd AS (
      UPDATE points p SET region_code = m.to_region, updated_at = now(), version = p.version + 1
        FROM moved m WHERE p.id = m.id
      RETURNING 1
    ), bumped AS (
      UPDATE data_version SET points = points + 1 WHERE EXISTS (SELECT 1 FROM upd)
    )
    SELECT count(*)::int AS n FROM upd`.execute(trx);
  return Number(r.rows[0]?.n ?? 0);
}
