/**
 * The maintained rollups (migration 2026_12_01_2330_create_problem_rollups): the consistency check
 * that recomputes them from `problems`, and the reads the map and the statistics make from them.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import { OPEN_STATUS_SQL, countTableFilterSql, problemFilterSql, type ProblemFilters } from './filters.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import { CODE_LENGTH } from '../../domain/regions.js';
import { fromShanghai, toShanghaiDate } from '../../domain/time.js';

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

/** One key of the tile bins (migration 2026_12_02_0300) whose stored count differs from the recount. */
export interface BinDifference {
  gx: number;
  gy: number;
  region_code: string;
  category_code: string;
  status: string;
  due_day: string;
  stored: number;
  actual: number;
}

/** One region whose stored open total (migration 2026_12_02_1500) differs from the recount. */
export interface OpenTotalDifference {
  region_code: string;
  stored: number;
  actual: number;
}

export interface RollupCheck {
  keys: number;
  problems: number;
  differences: RollupDifference[];
  /** Differing keys of the rollups, the tile bins and the open totals together. */
  total: number;
  /** The problem-tile bins, recounted the same way. */
  bins: { keys: number; differences: BinDifference[]; total: number };
  /** The open problems per region code, recounted the same way. */
  openTotals: { keys: number; differences: OpenTotalDifference[]; total: number };
}

/** Recounts the open totals per region code and returns every region where they differ, at most `limit`. */
export async function checkOpenTotals(
  db: Kysely<DB>,
  limit = 100,
): Promise<{ keys: number; differences: OpenTotalDifference[]; total: number }> {
  const { rows } = await sql<OpenTotalDifference & { total: number }>`
    WITH actual AS (
      SELECT p.region_code, count(*)::int AS n FROM problems p WHERE p.status IN ${OPEN_STATUS_SQL} GROUP BY 1
    )
    SELECT coalesce(a.region_code, t.region_code) AS region_code, coalesce(t.n, 0) AS stored,
           coalesce(a.n, 0) AS actual, count(*) OVER ()::int AS total
    FROM actual a FULL JOIN problem_open_totals t ON t.region_code = a.region_code
    WHERE coalesce(t.n, 0) <> coalesce(a.n, 0) OR t.n = 0
    ORDER BY 1 LIMIT ${limit}`.execute(db);
  const size = await sql<{ keys: number }>`SELECT count(*)::int AS keys FROM problem_open_totals`.execute(db);
  return {
    keys: Number(size.rows[0].keys),
    differences: rows.map(({ total: _t, ...d }) => ({ ...d, stored: Number(d.stored), actual: Number(d.actual) })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/**
 * Recounts the tile bins (the open problems per zoom-18 cell × block × category × status × due
 * day) and returns every key where they differ, at most `limit`, and how many differ.
 */
export async function checkTileBins(
  db: Kysely<DB>,
  limit = 100,
): Promise<{ keys: number; differences: BinDifference[]; total: number }> {
  const { rows } = await sql<BinDifference & { total: number }>`
    WITH actual AS (
      SELECT problem_bin_x(p.geom) AS gx, problem_bin_y(p.geom) AS gy, p.region_code, p.category_code, p.status,
             problem_rollup_due_day(p.status, p.due_at) AS due_day, count(*)::int AS n
      FROM problems p WHERE p.status IN ${OPEN_STATUS_SQL} GROUP BY 1, 2, 3, 4, 5, 6
    ), diff AS (
      SELECT coalesce(a.gx, r.gx) AS gx, coalesce(a.gy, r.gy) AS gy, coalesce(a.region_code, r.region_code) AS region_code,
             coalesce(a.category_code, r.category_code) AS category_code, coalesce(a.status, r.status) AS status,
             coalesce(a.due_day, r.due_day) AS due_day, coalesce(r.n, 0) AS stored, coalesce(a.n, 0) AS actual
      FROM actual a FULL JOIN problem_tile_bins r
        ON (a.gx, a.gy, a.region_code, a.category_code, a.status, a.due_day) = (r.gx, r.gy, r.region_code, r.category_code, r.status, r.due_day)
      WHERE coalesce(r.n, 0) <> coalesce(a.n, 0)
    )
    SELECT gx, gy, region_code, category_code, status,
           CASE WHEN due_day = 'infinity' THEN 'infinity' ELSE to_char(due_day, 'YYYY-MM-DD') END AS due_day,
           stored, actual, count(*) OVER ()::int AS total
    FROM diff ORDER BY 1, 2, 3, 4, 5, 6 LIMIT ${limit}`.execute(db);
  const size = await sql<{ keys: number }>`SELECT count(*)::int AS keys FROM problem_tile_bins`.execute(db);
  return {
    keys: Number(size.rows[0].keys),
    differences: rows.map(({ total: _t, ...d }) => ({
      ...d,
      gx: Number(d.gx),
      gy: Number(d.gy),
      stored: Number(d.stored),
      actual: Number(d.actual),
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/**
 * Recounts the rollups from `problems` and returns every key where they differ (empty = consistent),
 * at most `limit`, and the total number of differing keys; the same for the tile bins.
 */
export async function checkRollups(db: Kysely<DB>, limit = 100): Promise<RollupCheck> {
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
  const bins = await checkTileBins(db, limit);
  const openTotals = await checkOpenTotals(db, limit);
  return {
    keys: Number(size.rows[0].keys),
    problems: Number(size.rows[0].problems),
    differences: rows.map(({ total: _t, ...d }) => ({ ...d, stored: Number(d.stored), actual: Number(d.actual) })),
    total: Number(rows[0]?.total ?? 0) + bins.total + openTotals.total,
    bins,
    openTotals,
  };
}

/** Rebuilds the rollups, the tile bins and the open totals from `problems` (repair after a failed check; the triggers keep them current otherwise); every cached answer over them is invalidated. */
export async function rebuildRollups(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE problems IN SHARE MODE`.execute(trx);
    await sql`DELETE FROM problem_rollups`.execute(trx);
    await sql`INSERT INTO problem_rollups (region_code, category_code, status, day, due_day, n)
      SELECT p.region_code, p.category_code, p.status, problem_rollup_day(p.reported_at),
             problem_rollup_due_day(p.status, p.due_at), count(*) FROM problems p GROUP BY 1, 2, 3, 4, 5`.execute(trx);
    await sql`DELETE FROM problem_tile_bins`.execute(trx);
    await sql`INSERT INTO problem_tile_bins (gx, gy, region_code, category_code, status, due_day, n)
      SELECT problem_bin_x(p.geom), problem_bin_y(p.geom), p.region_code, p.category_code, p.status,
             problem_rollup_due_day(p.status, p.due_at), count(*)
      FROM problems p WHERE p.status IN ${OPEN_STATUS_SQL} GROUP BY 1, 2, 3, 4, 5, 6`.execute(trx);
    await sql`UPDATE problem_tile_versions SET version = version + 1`.execute(trx);
    await sql`DELETE FROM problem_open_totals`.execute(trx);
    await sql`INSERT INTO problem_open_totals (region_code, n)
      SELECT p.region_code, count(*) FROM problems p WHERE p.status IN ${OPEN_STATUS_SQL} GROUP BY 1`.execute(trx);
    await sql`UPDATE problem_rollup_versions SET version = version + 1`.execute(trx);
  });
}

/** The measures the map can draw from the rollups. */
export const MAP_MEASURES = ['open', 'overdue'] as const;
export type MapMeasure = (typeof MAP_MEASURES)[number];

export interface MapNumbersQuery {
  level: RegionLevel;
  /** Only regions under this code (prefix). */
  parent: string | null;
  measure: MapMeasure;
  filters: ProblemFilters;
  /** The instant "overdue" is judged at. */
  now: Date;
  /** Applied to the problems counted and to the regions listed. */
  scope: Scope;
}

export interface MapNumbers {
  /** Regions with a non-zero value, in code order; every other region of the level has 0. */
  codes: string[];
  values: number[];
  /** 'rollups' when answered from the maintained counts; 'problems' when a filter needs the rows. */
  source: 'rollups' | 'problems';
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * True when the rollups answer these filters exactly: category, group, tag, region, status, and
 * report dates given as whole (Shanghai) days. Source, escalation, free text, an overdue flag and
 * report bounds inside a day need the problem rows.
 */
export function rollupsAnswer(f: ProblemFilters): boolean {
  if (f.source || f.q || f.escalated !== undefined || f.overdue !== undefined) return false;
  if (f.from && !DATE_ONLY.test(f.from)) return false;
  if (f.to && !DATE_ONLY.test(f.to)) return false;
  return true;
}

/**
 * Whether the open totals per region (migration 2026_12_02_1500) answer `q` exactly: open problems,
 * no filter but an area, and a scope of areas only (a department's scope needs the categories the
 * rollups carry).
 */
export function openTotalsAnswer(q: Pick<MapNumbersQuery, 'measure' | 'filters' | 'scope'>): boolean {
  return (
    q.measure === 'open' &&
    q.scope.department === null &&
    Object.entries(q.filters).every(([k, v]) => k === 'region' || v === undefined || v === '')
  );
}

/**
 * One number per region at `level` for the map: open problems now, or open and past due now.
 * From the rollups whenever the filters allow (see {@link rollupsAnswer}): open = the open rows'
 * counts; overdue = open rows due before today (Shanghai) plus today's open problems already past
 * due_at, read from the problems' partial due index (one day of deadlines). Exact either way.
 */
export async function mapNumbers(db: Kysely<DB>, q: MapNumbersQuery): Promise<MapNumbers> {
  const len = CODE_LENGTH[q.level];
  const where: RawBuilder<unknown>[] = [];
  const regions: RawBuilder<unknown>[] = [];
  if (q.parent) {
    where.push(sql`r.region_code LIKE ${`${q.parent}%`}`);
    regions.push(sql`x.unit LIKE ${`${q.parent}%`}`);
  }
  if (q.scope.regions !== null) regions.push(regionScopeSql(q.scope, 'x.unit'));
  // Problems assigned above the level (no block covers them) are not shown at it.
  regions.push(sql`length(x.unit) = ${len}`);
  let rows: { unit: string; n: number }[];
  if (openTotalsAnswer(q)) {
    // The map's default: open problems per region, no filter beyond an area, every category in scope.
    where.push(problemScopeSql(q.scope, 'r.region_code', 'r.category_code'), countTableFilterSql(q.filters, false));
    // At the block level (the finest, whose code is the longest) a row is already one region's
    // number: read as it is, without an aggregate of 20,000 rows; above it, summed per prefix.
    const perRow = q.level === 'block';
    ({ rows } = await sql<{ unit: string; n: number }>`
      SELECT x.unit, x.n FROM (
        SELECT ${perRow ? sql`r.region_code` : sql`left(r.region_code, ${len})`} AS unit,
               ${perRow ? sql`r.n` : sql`sum(r.n)::int`} AS n
        FROM problem_open_totals r
        WHERE ${sql.join(where, sql` AND `)} ${perRow ? sql`` : sql`GROUP BY 1`}
      ) x
      WHERE ${sql.join(regions, sql` AND `)} AND x.n > 0
      ORDER BY x.unit`.execute(db));
  } else if (rollupsAnswer(q.filters)) {
    const tailWhere = [
      ...where,
      problemScopeSql(q.scope, 'r.region_code', 'r.category_code'),
      problemFilterSql(q.filters, 'r', q.now),
    ];
    where.push(problemScopeSql(q.scope, 'r.region_code', 'r.category_code'), countTableFilterSql(q.filters, true));
    where.push(sql`r.status IN ${OPEN_STATUS_SQL}`);
    const today = toShanghaiDate(q.now);
    const tail =
      q.measure === 'overdue'
        ? sql`UNION ALL
          SELECT left(r.region_code, ${len}), count(*) FROM problems r
          WHERE r.status IN ${OPEN_STATUS_SQL} AND r.due_at >= ${fromShanghai(today)} AND r.due_at < ${q.now}
            AND ${sql.join(tailWhere, sql` AND `)}
          GROUP BY 1`
        : sql``;
    const dueBefore = q.measure === 'overdue' ? sql`AND r.due_day < ${today}::date` : sql``;
    ({ rows } = await sql<{ unit: string; n: number }>`
      SELECT x.unit, sum(x.n)::int AS n FROM (
        SELECT left(r.region_code, ${len}) AS unit, sum(r.n) AS n FROM problem_rollups r
        WHERE ${sql.join(where, sql` AND `)} ${dueBefore}
        GROUP BY 1
        ${tail}
      ) x
      WHERE ${sql.join(regions, sql` AND `)}
      GROUP BY x.unit HAVING sum(x.n) > 0 ORDER BY x.unit`.execute(db));
  } else {
    where.push(problemScopeSql(q.scope, 'r.region_code', 'r.category_code'), problemFilterSql(q.filters, 'r', q.now));
    where.push(sql`r.status IN ${OPEN_STATUS_SQL}`);
    if (q.measure === 'overdue') where.push(sql`r.due_at < ${q.now}`);
    ({ rows } = await sql<{ unit: string; n: number }>`
      SELECT x.unit, x.n FROM (
        SELECT left(r.region_code, ${len}) AS unit, count(*)::int AS n FROM problems r
        WHERE ${sql.join(where, sql` AND `)} GROUP BY 1
      ) x
      WHERE ${sql.join(regions, sql` AND `)}
      ORDER BY x.unit`.execute(db));
  }
  return {
    codes: rows.map((r) => r.unit),
    values: rows.map((r) => Number(r.n)),
    source: openTotalsAnswer(q) || rollupsAnswer(q.filters) ? 'rollups' : 'problems',
  };
}

/**
 * The data version of the numbers under `prefix` (null = everything): the sum of the street
 * versions it covers, plus the latest deadline of its open problems passed since today's Shanghai
 * midnight — overdue numbers move with the clock, not only with writes (see
 * {@link mapNumbersStreetVersions}). Changes whenever
 * a number of {@link mapNumbers} over that area can change.
 */
export async function mapNumbersVersion(db: Kysely<DB>, prefix: string | null, now: Date): Promise<string> {
  const like = prefix ? `${prefix.slice(0, 9)}%` : '%';
  const { rows } = await sql<{ v: string; tail: string }>`
    SELECT (SELECT coalesce(sum(version), 0)::text FROM problem_rollup_versions
             WHERE street_code LIKE ${like} OR ${prefix ?? ''} LIKE street_code || '%') AS v,
           (SELECT coalesce(extract(epoch FROM max(p.due_at))::text, '0') FROM problems p WHERE p.status IN ${OPEN_STATUS_SQL}
             AND p.due_at >= ${fromShanghai(toShanghaiDate(now))} AND p.due_at < ${now}
             AND p.region_code LIKE ${prefix ? `${prefix}%` : '%'}) AS tail`.execute(db);
  return `${rows[0].v}.${rows[0].tail}.${toShanghaiDate(now)}`;
}

/** The data version of one street's map numbers (see {@link mapNumbersStreetVersions}). */
export interface StreetVersion {
  street: string;
  version: string;
}

/**
 * The data version of the map numbers of each street under `prefix` (null = the whole county; a
 * code below a street = its one street): the street's rollup version, which the triggers bump with
 * every write in it, plus the latest deadline of its open problems passed since today's Shanghai
 * midnight, plus the date. Overdue moves with the clock, not only with writes: a deadline passing
 * always raises that latest one (it lies after every deadline passed before), and one backward
 * step of the open problems' street × deadline index (migration 2026_12_02_0740) finds it, where a count of today's passed deadlines
 * read thousands of rows at L. At the
 * street, community and block levels a street's numbers change only when its version does, so an
 * answer can be kept street by street: a write in one street leaves the other streets' parts valid.
 */
export async function mapNumbersStreetVersions(
  db: Kysely<DB>,
  prefix: string | null,
  now: Date,
): Promise<StreetVersion[]> {
  const under = `${prefix ?? ''}%`;
  const { rows } = await sql<{ street: string; v: string; tail: string | null }>`
    SELECT s.code AS street, coalesce(v.version, 0)::text AS v, t.tail
    FROM regions s
    LEFT JOIN problem_rollup_versions v ON v.street_code = s.code
    LEFT JOIN LATERAL (
      SELECT extract(epoch FROM p.due_at)::text AS tail FROM problems p
      WHERE p.status IN ${OPEN_STATUS_SQL} AND p.due_at IS NOT NULL
        AND p.due_at >= ${fromShanghai(toShanghaiDate(now))} AND p.due_at < ${now}
        AND left(p.region_code, ${sql.lit(CODE_LENGTH.street)}) = s.code
      ORDER BY p.due_at DESC LIMIT 1
    ) t ON TRUE
    WHERE s.level = 'street' AND (s.code LIKE ${under} OR ${prefix ?? ''} LIKE s.code || '%')
    ORDER BY s.code`.execute(db);
  const day = toShanghaiDate(now);
  return rows.map((r) => ({ street: r.street, version: `${r.v}.${r.tail ?? 0}.${day}` }));
}
