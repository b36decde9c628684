/**
 * Hand-made problems for the statistics, ranking and export tests: rows given in Asia/Shanghai
 * wall-clock times, inserted with SQL straight into createWorld's blocks.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { centre } from './world.js';

/** Instants in Asia/Shanghai wall-clock time, e.g. sh('2025-10-03 09:00'). */
export const sh = (s: string): Date => new Date(`${s.replace(' ', 'T')}:00+08:00`);

export interface ProblemRow {
  block: string;
  /** Default 06010 (暴露垃圾, 城管局). */
  category?: string;
  status: string;
  reported: string;
  /** Default: the report time; null = never filed. */
  filed?: string | null;
  due?: string | null;
  /** Default: the closing time. */
  resolved?: string | null;
  closed?: string | null;
  rework?: number;
  extension?: number;
  escalated?: boolean;
  /** Default 测试问题. */
  description?: string;
  address?: string | null;
}

/** Inserts the rows at their block's centre (voided ones voided at their report time). */
export async function insertProblemRows(db: Kysely<DB>, rows: readonly ProblemRow[]): Promise<void> {
  for (const r of rows) {
    const [lon, lat] = centre(r.block);
    const closed = r.closed ? sh(r.closed) : null;
    await sql`INSERT INTO problems (category_code, description, address, status, geom, region_code, reported_at, filed_at, due_at, resolved_at, closed_at,
        voided_at, rework_count, extension_count, escalated, escalated_at)
      VALUES (${r.category ?? '06010'}, ${r.description ?? '测试问题'}, ${r.address ?? null}, ${r.status}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${r.block},
        ${sh(r.reported)}, ${r.filed === undefined ? sh(r.reported) : r.filed && sh(r.filed)}, ${r.due ? sh(r.due) : null},
        ${r.resolved ? sh(r.resolved) : closed}, ${closed}, ${r.status === 'voided' ? sh(r.reported) : null}, ${r.rework ?? 0}, ${r.extension ?? 0},
        ${r.escalated ?? false}, ${r.escalated ? sh(r.reported) : null})`.execute(db);
  }
}
