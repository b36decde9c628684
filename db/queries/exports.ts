/**
 * Rows for the problem exports, read in keyset batches on the primary key (`id > last ORDER BY id
 * LIMIT n`). Each batch is one short statement on the id index, so a million-row export holds
 * one batch in memory at a time, never a cursor or a transaction (PGlite's adapter has no cursor,
 * and its single connection must not be held while the download runs).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { problemFilterSql, overdueSql, type ProblemFilters } from './filters.js';
import { problemScopeSql, type Scope } from './scope.js';

/** Rows per statement: large enough to amortise the round trip, small enough to stay flat (~3 MB). */
export const EXPORT_BATCH = 5000;

export interface ProblemExportRow {
  id: number;
  category_code: string;
  category_name: string;
  group_name: string;
  status: string;
  severity: number;
  source: string;
  description: string;
  address: string | null;
  region_code: string;
  block_name: string | null;
  community_name: string | null;
  street_name: string | null;
  /** WGS84 degrees. */
  lon: number;
  lat: number;
  reported_at: Date;
  filed_at: Date | null;
  due_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  /** Open and past due_at at the export's `now`. */
  overdue: boolean;
  escalated: boolean;
  rework_count: number;
  extension_count: number;
  /** Photo addresses: typed-in URLs, then uploaded photos (report, resolution, re-inspection) as /api/photos/<id>. */
  photos: string[];
}

export interface ExportQuery {
  filters: ProblemFilters;
  scope: Scope;
  /** One instant for the whole export, so "overdue" means the same on the first and last row. */
  now: Date;
  batch?: number;
}

/** One batch of export rows after `afterId`, in id order. */
export async function problemExportBatch(db: Kysely<DB>, q: ExportQuery, afterId: number): Promise<ProblemExportRow[]> {
  const { rows } = await sql<ProblemExportRow>`
    SELECT p.id, p.category_code, c.name AS category_name, c.group_name, p.status, p.severity, p.source, p.description, p.address,
           p.region_code, b.name AS block_name, cm.name AS community_name, st.name AS street_name,
           ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
           p.reported_at, p.filed_at, p.due_at, p.resolved_at, p.closed_at,
           ${overdueSql('p', q.now)} AS overdue,
           p.escalated, p.rework_count, p.extension_count,
           array_cat(ARRAY(SELECT u FROM unnest(p.photos) u WHERE u NOT LIKE '/api/photos/%'),
                     ARRAY(SELECT '/api/photos/' || ph.id FROM photos ph WHERE ph.problem_id = p.id ORDER BY ph.id)) AS photos
    FROM problems p
    JOIN categories c ON c.code = p.category_code
    -- Names of the block and its ancestors by code prefix (equality joins on the unique code).
    LEFT JOIN regions b ON b.code = p.region_code AND b.level = 'block'
    LEFT JOIN regions cm ON cm.code = left(p.region_code, 12) AND cm.level = 'community'
    LEFT JOIN regions st ON st.code = left(p.region_code, 9) AND st.level = 'street'
    WHERE p.id > ${afterId} AND ${problemScopeSql(q.scope, 'p.region_code', 'p.category_code')} AND ${problemFilterSql(q.filters, 'p', q.now)}
    ORDER BY p.id
    LIMIT ${q.batch ?? EXPORT_BATCH}`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Every export row, batch by batch (async iteration pulls the next batch only when asked). */
export async function* problemExportRows(db: Kysely<DB>, q: ExportQuery): AsyncGenerator<ProblemExportRow> {
  let after = 0;
  for (;;) {
    const batch = await problemExportBatch(db, q, after);
    for (const row of batch) yield row;
    if (batch.length < (q.batch ?? EXPORT_BATCH)) return;
    after = batch[batch.length - 1].id;
  }
}

/** How many rows an export would hold (XLSX refuses more than a sheet can take). */
export async function countProblemExport(db: Kysely<DB>, q: ExportQuery): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*) AS n FROM problems p
    WHERE ${problemScopeSql(q.scope, 'p.region_code', 'p.category_code')} AND ${problemFilterSql(q.filters, 'p', q.now)}`.execute(
    db,
  );
  return Number(rows[0].n);
}
