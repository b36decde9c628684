/**
 * The maintained rollups (migration 2026_12_01_2330_create_problem_rollups): the consistency check
 * that recomputes them from `problems`, and the reads the map and the statistics make from them.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../types.js';
import { OPEN_STATUS_SQL } from './filters.js';

/** One key whose stored count differs from the recount. */
export interface RollupDifference {
  region_code: string;
  category_code: string;
  status: string;
  day: string;
  due_day: string;
  stored: number;
  actual: number;
}

/**
 * Recounts the rollups from `problems` and returns every key where they differ (empty = consistent),
 * at most `limit`, and the total number of differing keys.
 */
export async function checkRollups(
  db: Kysely<DB>,
  limit = 100,
): Promise<{ keys: number; problems: number; differences: RollupDifference[]; total: number }> {
  const { rows } = await sql<RollupDifference & { total: number }>`
    WITH actual AS (
      SELECT p.region_code, p.category_code, p.status, problem_rollup_day(p.reported_at) AS day,
             problem_rollup_due_day(p.status, p.due_at) AS due_day, count(*)::int AS n
      FROM problems p GROUP BY 1, 2, 3, 4, 5
    ), diff AS (
      SELECT coalesce(a.region_code, r.region_code) AS region_code, coalesce(a.category_code, r.category_code) AS category_code,
             coalesce(a.status, r.status) AS status, coalesce(a.day, r.day) AS day, coalesce(a.due_day, r.due_day) AS due_day,
             coalesce(r.n, 0) AS stored, coalesce(a.n, 0) AS actual
      FROM actual a FULL JOIN problem_rollups r
        ON (a.region_code, a.category_code, a.status, a.day, a.due_day) = (r.region_code, r.category_code, r.status, r.day, r.due_day)
      WHERE coalesce(r.n, 0) <> coalesce(a.n, 0)
    )
    SELECT region_code, category_code, status, to_char(day, 'YYYY-MM-DD') AS day,
           CASE WHEN due_day = 'infinity' THEN 'infinity' ELSE to_char(due_day, 'YYYY-MM-DD') END AS due_day,
           stored, actual, count(*) OVER ()::int AS total
    FROM diff ORDER BY 1, 2, 3, 4, 5 LIMIT ${limit}`.execute(db);
  const size = await sql<{ keys: number; problems: number }>`
    SELECT (SELECT count(*)::int FROM problem_rollups) AS keys, (SELECT count(*)::int FROM problems) AS problems`.execute(
    db,
  );
  return {
    keys: Number(size.rows[0].keys),
    problems: Number(size.rows[0].problems),
    differences: rows.map(({ total: _t, ...d }) => ({ ...d, stored: Number(d.stored), actual: Number(d.actual) })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/** Rebuilds the rollups from `problems` (repair after a failed check; the triggers keep them current otherwise). */
export async function rebuildRollups(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE problems IN SHARE MODE`.execute(trx);
    await sql`DELETE FROM problem_rollups`.execute(trx);
    await sql`INSERT INTO problem_rollups (region_code, category_code, status, day, due_day, n)
      SELECT p.region_code, p.category_code, p.status, problem_rollup_day(p.reported_at),
             problem_rollup_due_day(p.status, p.due_at), count(*) FROM problems p GROUP BY 1, 2, 3, 4, 5`.execute(trx);
  });
}
