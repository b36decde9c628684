/**
 * Monthly evaluation counts (绩效评价) per unit, for this month and the one before, from the same
 * single statement as the region statistics (db/queries/stats.ts) with calendar months of
 * Asia/Shanghai as the windows. The scoring itself is pure: domain/indicators.ts.
 */
import type { Kysely } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import type { ProblemFilters } from './filters.js';
import type { Scope } from './scope.js';
import { regionCounts, type RegionCountsRow } from './stats.js';
import { monthWindow, previousMonth } from '../../domain/time.js';

export interface MonthlyCountsQuery {
  level: RegionLevel;
  parent?: string | null;
  /** 'YYYY-MM' (Asia/Shanghai). */
  month: string;
  now: Date;
  filters: ProblemFilters;
  /**
   * Which problems count. Rankings pass only the department part of the caller's scope: a unit's
   * rank is the county's official one whoever asks, and the route then shows a manager only their
   * own units' rows.
   */
  problemScope: Scope;
}

/** Counts of every unit at `level` (under `parent`) for `month` (current) and the month before (previous). */
export function monthlyUnitCounts(db: Kysely<DB>, q: MonthlyCountsQuery): Promise<RegionCountsRow[]> {
  return regionCounts(db, {
    level: q.level,
    parent: q.parent,
    current: monthWindow(q.month),
    previous: monthWindow(previousMonth(q.month)),
    now: q.now,
    filters: q.filters,
    problemScope: q.problemScope,
    regionScope: null,
  });
}

/** The county's name (for a bulletin title); null when no county is loaded. */
export async function countyName(db: Kysely<DB>, code?: string): Promise<string | null> {
  let query = db.selectFrom('regions').select('name').where('level', '=', 'county');
  if (code) query = query.where('code', '=', code.slice(0, 6));
  const row = await query.orderBy('code').executeTakeFirst();
  return row?.name ?? null;
}
