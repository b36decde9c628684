/**
 * OGC API – Features reads that the /api queries do not already answer: regions of one level a
 * page at a time with their count, and the extents a collection document advertises. Problems use
 * listProblems / countProblems / getProblemFeature; one region uses getRegion.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import { envelopeSql } from '../spatial.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import type { RegionFeatureRow } from './regions.js';
import { pointScopeSql } from './points.js';

export type BBox = [number, number, number, number];

export interface RegionPageQuery {
  level: RegionLevel;
  bbox?: BBox;
  limit: number;
  offset: number;
}

function regionWhere(q: { level: RegionLevel; bbox?: BBox }, scope: Scope): RawBuilder<unknown> {
  // A manager sees their area and the regions above it, exactly as GET /api/regions.
  const parts: RawBuilder<unknown>[] = [regionScopeSql(scope, 'r.code', true), sql`r.level = ${q.level}`];
  // Intersects, not &&: a region whose box touches the view but whose shape does not is left out.
  if (q.bbox) parts.push(sql`ST_Intersects(r.geom, ${envelopeSql(q.bbox)})`);
  return sql.join(parts, sql` AND `);
}

/** One page of regions of a level, by code, with how many match in all. */
export async function pageRegions(
  db: Kysely<DB>,
  q: RegionPageQuery,
  scope: Scope,
): Promise<{ rows: RegionFeatureRow[]; matched: number }> {
  const where = regionWhere(q, scope);
  const [page, count] = await Promise.all([
    sql<RegionFeatureRow>`
      SELECT r.code, r.name, r.level, r.parent_code, r.synthetic, ST_AsGeoJSON(r.geom, 7)::json AS geometry
        FROM regions r WHERE ${where}
       ORDER BY r.code LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db),
    sql<{ n: number }>`SELECT count(*) AS n FROM regions r WHERE ${where}`.execute(db),
  ]);
  return { rows: page.rows, matched: Number(count.rows[0].n) };
}

/** [minLon, minLat, maxLon, maxLat] of the regions of a level the scope sees, or null when none. */
export async function regionExtent(db: Kysely<DB>, level: RegionLevel, scope: Scope): Promise<BBox | null> {
  const r = await sql<{ x0: number | null; y0: number; x1: number; y1: number }>`
    SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
      FROM (SELECT ST_Extent(r.geom) AS e FROM regions r WHERE ${regionWhere({ level }, scope)}) s`.execute(db);
  const b = r.rows[0];
  return b && b.x0 !== null ? [Number(b.x0), Number(b.y0), Number(b.x1), Number(b.y1)] : null;
}

/** Spatial and temporal (reported_at) extent of the problems the scope sees; nulls when there are none. */
export async function problemExtent(
  db: Kysely<DB>,
  scope: Scope,
): Promise<{ bbox: BBox | null; first: Date | null; last: Date | null }> {
  const r = await sql<{ x0: number | null; y0: number; x1: number; y1: number; first: Date | null; last: Date | null }>`
    SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1, first, last
      FROM (SELECT ST_Extent(p.geom) AS e, min(p.reported_at) AS first, max(p.reported_at) AS last
              FROM problems p WHERE ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}) s`.execute(db);
  const b = r.rows[0];
  return {
    bbox: b && b.x0 !== null ? [Number(b.x0), Number(b.y0), Number(b.x1), Number(b.y1)] : null,
    first: b?.first ?? null,
    last: b?.last ?? null,
  };
}

/** Active (not retired) assessment points the scope sees, optionally in a box: how many, and their extent. */
export async function pointSummary(
  db: Kysely<DB>,
  scope: Scope,
  bbox?: BBox,
): Promise<{ matched: number; bbox: BBox | null }> {
  const r = await sql<{ n: number; x0: number | null; y0: number; x1: number; y1: number }>`
    SELECT n, ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
      FROM (SELECT count(*) AS n, ST_Extent(pt.geom) AS e FROM points pt
             WHERE pt.retired_at IS NULL AND ${pointScopeSql(scope, 'pt.region_code')}
               ${bbox ? sql`AND pt.geom && ${envelopeSql(bbox)}` : sql``}) s`.execute(db);
  const b = r.rows[0];
  return {
    matched: Number(b?.n ?? 0),
    bbox: b && b.x0 !== null ? [Number(b.x0), Number(b.y0), Number(b.x1), Number(b.y1)] : null,
  };
}
