/**
 * Evaluation counts (绩效评价) per unit, for a month, quarter or year and the one before, from the same
 * single statement as the region statistics (db/queries/stats.ts) with calendar months,
 * quarters or years of Asia/Shanghai as the windows. The scoring itself is pure: domain/indicators.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import type { ProblemFilters } from './filters.js';
import type { Scope } from './scope.js';
import { regionCounts, type RegionCountsRow } from './stats.js';
import { periodWindow, previousPeriod } from '../../domain/time.js';
import { CODE_LENGTH } from '../../domain/regions.js';
import type { PointCounts } from '../../domain/indicators.js';

export interface PeriodCountsQuery {
  level: RegionLevel;
  parent?: string | null;
  /** A month 'YYYY-MM', quarter 'YYYY-Qn' or year 'YYYY' (Asia/Shanghai; domain/time.ts periodWindow). */
  period: string;
  now: Date;
  filters: ProblemFilters;
  /**
   * Which problems count. Rankings pass only the department part of the caller's scope: a unit's
   * rank is the county's official one whoever asks, and the route then shows a manager only their
   * own units' rows.
   */
  problemScope: Scope;
}

/** Counts of every unit at `level` (under `parent`) for `period` (current) and the period before (previous). */
export function periodUnitCounts(db: Kysely<DB>, q: PeriodCountsQuery): Promise<RegionCountsRow[]> {
  return regionCounts(db, {
    level: q.level,
    parent: q.parent,
    current: periodWindow(q.period),
    previous: periodWindow(previousPeriod(q.period)),
    now: q.now,
    filters: q.filters,
    problemScope: q.problemScope,
    regionScope: null,
  });
}

export interface PeriodPointCountsQuery {
  level: RegionLevel;
  parent?: string | null;
  /** A month 'YYYY-MM', quarter 'YYYY-Qn' or year 'YYYY' (Asia/Shanghai; domain/time.ts periodWindow). */
  period: string;
  /** A department counts only the items of its categories (like its problem counts). */
  department: string | null;
}

/**
 * 点位达标率 inputs per unit at `level` (under `parent`): Σ weight of the checked (pass/fail) and of
 * the passed inspection items, over the inspections submitted in `period` (current) and the period
 * before (previous), at the points whose block lies in the unit. Retired points count for the
 * periods they were inspected in (a past ranking does not change). Units without inspections in
 * either period are absent.
 */
export async function periodPointCounts(
  db: Kysely<DB>,
  q: PeriodPointCountsQuery,
): Promise<Map<string, { current: PointCounts; previous: PointCounts }>> {
  const len = CODE_LENGTH[q.level];
  const cur = periodWindow(q.period);
  const prev = periodWindow(previousPeriod(q.period));
  const f1 = cur.from.toISOString();
  const t1 = cur.to.toISOString();
  const f2 = prev.from.toISOString();
  const t2 = prev.to.toISOString();
  const { rows } = await sql<{ unit: string; c1: number; p1: number; c2: number; p2: number }>`
    SELECT left(pt.region_code, ${len}) AS unit,
      coalesce(sum(s.weight) FILTER (WHERE ii.result <> 'na' AND i.submitted_at >= ${f1}::timestamptz), 0)::float8 AS c1,
      coalesce(sum(s.weight) FILTER (WHERE ii.result = 'pass' AND i.submitted_at >= ${f1}::timestamptz), 0)::float8 AS p1,
      coalesce(sum(s.weight) FILTER (WHERE ii.result <> 'na' AND i.submitted_at < ${t2}::timestamptz), 0)::float8 AS c2,
      coalesce(sum(s.weight) FILTER (WHERE ii.result = 'pass' AND i.submitted_at < ${t2}::timestamptz), 0)::float8 AS p2
    FROM inspections i
    JOIN points pt ON pt.id = i.point_id
    JOIN inspection_items ii ON ii.inspection_id = i.id
    JOIN standard_items s ON s.id = ii.standard_item_id
    JOIN categories c ON c.code = s.category_code
    WHERE i.submitted_at >= ${f2}::timestamptz AND i.submitted_at < ${t1}::timestamptz
      AND length(pt.region_code) >= ${len}
      AND (${q.parent ?? null}::text IS NULL OR pt.region_code LIKE ${(q.parent ?? '') + '%'})
      AND (${q.department}::text IS NULL OR c.department = ${q.department})
    GROUP BY 1`.execute(db);
  return new Map(
    rows.map((r) => [
      r.unit,
      {
        current: { checked_weight: Number(r.c1), passed_weight: Number(r.p1) },
        previous: { checked_weight: Number(r.c2), passed_weight: Number(r.p2) },
      },
    ]),
  );
}

/** The county's name (for a bulletin title); null when no county is loaded. */
export async function countyName(db: Kysely<DB>, code?: string): Promise<string | null> {
  let query = db.selectFrom('regions').select('name').where('level', '=', 'county');
  if (code) query = query.where('code', '=', code.slice(0, 6));
  const row = await query.orderBy('code').executeTakeFirst();
  return row?.name ?? null;
}
