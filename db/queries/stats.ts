/**
 * Region statistics: the indicator counts of every region at one level, for a period and the
 * period before it, in one SQL statement; and the pieces of the region panel (open problems by
 * category, daily trend, oldest overdue items).
 *
 * Definitions (docs/indicators.md has the full text). For a window [from, to) and its snapshot
 * instant te = min(to, now):
 * - closure instant c = closed_at of a closed problem; disposal instant d = resolved_at (or
 *   closed_at) of a problem that is resolved or closed now — a rework re-opens it, so it stops
 *   counting as disposed; end instant e = when it was closed or voided (null while open).
 * - open at te: reported ≤ te and not ended by te; overdue: open and due_at < te.
 * - 应结案 (due): not voided, and (due_at < to and c is null or ≥ from) or c in the window — what
 *   fell due by the window's end and was still owed when it began, plus early closures.
 *   应处置 (disposal_due) is the same with d in place of c.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, RegionLevel } from '../types.js';
import { problemFilterSql, overdueSql, type ProblemFilters } from './filters.js';
import { problemScopeSql, regionScopeSql, type Scope } from './scope.js';
import { CODE_LENGTH } from '../../domain/regions.js';
import { COUNT_KEYS, type CountKey, type IndicatorCounts } from '../../domain/indicators.js';

/** A half-open period [from, to). */
export interface Window {
  from: Date;
  to: Date;
}

export interface RegionStatsQuery {
  level: RegionLevel;
  /** Only regions under this code (prefix). */
  parent?: string | null;
  /** Only these exact region codes (the region panel's own row). */
  codes?: readonly string[] | null;
  current: Window;
  previous: Window;
  /** The instant open/overdue are judged at when a window reaches into the future. */
  now: Date;
  filters: ProblemFilters;
  /** Applied to the problems counted. */
  problemScope: Scope;
  /** Applied to the regions listed (null = every region at the level). */
  regionScope: Scope | null;
}

export interface RegionCountsRow {
  code: string;
  name: string;
  level: RegionLevel;
  current: IndicatorCounts;
  previous: IndicatorCounts;
}

/** SQL boolean expressions (over the `x` row and the `w` parameter row) for one window. */
function windowCounts(n: 1 | 2): Record<CountKey | 'median', string> {
  const f = `w.f${n}`;
  const t = `w.t${n}`;
  const te = `w.te${n}`;
  const open = `(x.reported_at <= ${te} AND (x.e IS NULL OR x.e > ${te}))`;
  const due = `(x.status <> 'voided' AND ((x.due_at < ${t} AND (x.c IS NULL OR x.c >= ${f})) OR (x.c >= ${f} AND x.c < ${t})))`;
  const closed = `(x.c >= ${f} AND x.c < ${t})`;
  const disposalDue = `(x.status <> 'voided' AND ((x.due_at < ${t} AND (x.d IS NULL OR x.d >= ${f})) OR (x.d >= ${f} AND x.d < ${t})))`;
  const disposed = `(x.d >= ${f} AND x.d < ${t})`;
  return {
    open,
    overdue: `${open} AND x.due_at < ${te}`,
    escalated: `${open} AND x.escalated AND coalesce(x.escalated_at, x.reported_at) <= ${te}`,
    filed: `x.status <> 'voided' AND x.filed_at >= ${f} AND x.filed_at < ${t}`,
    due,
    closed,
    closed_on_time: `${closed} AND (x.due_at IS NULL OR x.c <= x.due_at)`,
    reworked: `${due} AND x.rework_count > 0`,
    disposal_due: disposalDue,
    disposed,
    disposed_on_time: `${disposed} AND (x.due_at IS NULL OR x.d <= x.due_at)`,
    extended: `${disposalDue} AND x.extension_count > 0`,
    overdue_pending: `${disposalDue} AND x.due_at < ${te} AND (x.d IS NULL OR x.d >= ${te})`,
    median: closed,
  };
}

/**
 * Per-row flags (one boolean column per count and window) and the aggregates over them. The flags
 * are computed once per problem row behind an `OFFSET 0` fence: without it PostgreSQL inlines the
 * subquery and re-evaluates the shared sub-expressions inside each of the ~30 aggregates (measured
 * about 1.5× slower on the demo county, PostgreSQL 15).
 */
function flagColumns(): RawBuilder<unknown> {
  const parts: string[] = [];
  for (const n of [1, 2] as const) {
    const exprs = windowCounts(n);
    for (const key of COUNT_KEYS) parts.push(`(${exprs[key]}) AS ${key}_${n}`);
  }
  // Every fragment is our own constant text; values travel in the bound `w` row.
  return sql.raw(parts.join(',\n      '));
}

function aggregateList(): RawBuilder<unknown> {
  const parts: string[] = [];
  for (const n of [1, 2] as const) {
    for (const key of COUNT_KEYS) parts.push(`count(*) FILTER (WHERE y.${key}_${n}) AS ${key}_${n}`);
    // Report → closure, in hours (docs/indicators.md: what the public waits, not the filing clock).
    parts.push(
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY y.hours_to_close) FILTER (WHERE y.closed_${n}) AS median_${n}`,
    );
  }
  return sql.raw(parts.join(',\n      '));
}

/**
 * The indicator counts of every region at `level` (under `parent`, inside `regionScope`) for the
 * current and the previous window, in ONE statement.
 *
 * Why this shape: problems are grouped by `left(region_code, n)` — the code of their ancestor at
 * the requested level — in a single pass, and only then joined to the regions by equality. A
 * `regions JOIN problems ON p.region_code LIKE r.code || '%'` would probe the problems index
 * once per region (thousands of range scans for blocks); rolling up per-block aggregates would be
 * as fast but cannot give a median. Regions without problems still appear (LEFT JOIN, zeros).
 */
export async function regionCounts(db: Kysely<DB>, q: RegionStatsQuery): Promise<RegionCountsRow[]> {
  const len = CODE_LENGTH[q.level];
  const teOf = (w: Window) => new Date(Math.min(w.to.getTime(), q.now.getTime()));
  const prefix = q.parent ?? null;
  const regionWhere: RawBuilder<unknown>[] = [sql`r.level = ${q.level}`];
  if (prefix) regionWhere.push(sql`r.code LIKE ${`${prefix}%`}`);
  if (q.codes) regionWhere.push(sql`r.code = ANY (${[...q.codes]}::text[])`);
  if (q.regionScope) regionWhere.push(regionScopeSql(q.regionScope, 'r.code'));
  // Narrow the problem scan with the same prefixes (an index range on region_code).
  const problemWhere: RawBuilder<unknown>[] = [
    problemScopeSql(q.problemScope, 'p.region_code', 'p.category_code'),
    problemFilterSql(q.filters, 'p', q.now),
  ];
  if (prefix) problemWhere.push(sql`p.region_code LIKE ${`${prefix}%`}`);
  if (q.codes) problemWhere.push(sql`p.region_code LIKE ANY (${q.codes.map((c) => `${c}%`)}::text[])`);

  const rows = await sql<Record<string, unknown>>`
    WITH w AS (
      SELECT ${q.current.from}::timestamptz AS f1, ${q.current.to}::timestamptz AS t1, ${teOf(q.current)}::timestamptz AS te1,
             ${q.previous.from}::timestamptz AS f2, ${q.previous.to}::timestamptz AS t2, ${teOf(q.previous)}::timestamptz AS te2
    ),
    x AS (
      SELECT left(p.region_code, ${len}) AS unit, p.status, p.reported_at, p.filed_at, p.due_at, p.escalated, p.escalated_at,
             p.rework_count, p.extension_count,
             CASE WHEN p.status = 'closed' THEN p.closed_at END AS c,
             CASE WHEN p.status IN ('resolved', 'closed') THEN coalesce(p.resolved_at, p.closed_at) END AS d,
             CASE WHEN p.status IN ('closed', 'voided') THEN coalesce(p.closed_at, p.voided_at, p.updated_at) END AS e
      FROM problems p
      WHERE ${sql.join(problemWhere, sql` AND `)}
      OFFSET 0
    ),
    y AS (
      SELECT x.unit, extract(epoch FROM x.c - x.reported_at) / 3600.0 AS hours_to_close,
      ${flagColumns()}
      FROM x CROSS JOIN w
      -- Nothing that ended before the earlier window began, or was reported after the later one
      -- ended, can count in either window.
      WHERE (x.e IS NULL OR x.e >= w.f2) AND x.reported_at <= greatest(w.t1, w.t2)
      OFFSET 0
    ),
    a AS (
      SELECT y.unit,
      ${aggregateList()}
      FROM y
      GROUP BY y.unit
    )
    SELECT r.code, r.name, r.level, a.*
    FROM regions r LEFT JOIN a ON a.unit = r.code
    WHERE ${sql.join(regionWhere, sql` AND `)}
    ORDER BY r.code`.execute(db);

  return rows.rows.map((row) => {
    const pick = (n: 1 | 2): IndicatorCounts => {
      const out = {} as IndicatorCounts;
      for (const key of COUNT_KEYS) out[key] = Number(row[`${key}_${n}`] ?? 0);
      const median = row[`median_${n}`];
      out.median_hours_to_close = median === null || median === undefined ? null : Number(median);
      return out;
    };
    return {
      code: String(row.code),
      name: String(row.name),
      level: row.level as RegionLevel,
      current: pick(1),
      previous: pick(2),
    };
  });
}

export interface PanelQuery {
  code: string;
  window: Window;
  now: Date;
  filters: ProblemFilters;
  scope: Scope;
}

function panelWhere(q: PanelQuery): RawBuilder<boolean> {
  return sql<boolean>`p.region_code LIKE ${`${q.code}%`} AND ${problemScopeSql(q.scope, 'p.region_code', 'p.category_code')} AND ${problemFilterSql(q.filters, 'p', q.now)}`;
}

/** Problems open at the window's end, by category, most first. */
export async function openByCategory(
  db: Kysely<DB>,
  q: PanelQuery,
): Promise<{ code: string; name: string; count: number }[]> {
  const te = new Date(Math.min(q.window.to.getTime(), q.now.getTime()));
  const { rows } = await sql<{ code: string; name: string; count: number }>`
    SELECT c.code, c.name, count(*)::int AS count
    FROM problems p JOIN categories c ON c.code = p.category_code
    WHERE ${panelWhere(q)} AND p.reported_at <= ${te}
      AND (CASE WHEN p.status IN ('closed', 'voided') THEN coalesce(p.closed_at, p.voided_at, p.updated_at) END IS NULL
           OR CASE WHEN p.status IN ('closed', 'voided') THEN coalesce(p.closed_at, p.voided_at, p.updated_at) END > ${te})
    GROUP BY c.code, c.name
    ORDER BY count DESC, c.code`.execute(db);
  return rows;
}

/**
 * Problems reported and closed per Asia/Shanghai day of the window (one statement; days without
 * either are filled with zeros by the caller). The +8 h shift is fixed: China has no DST.
 */
export async function dailyTrend(
  db: Kysely<DB>,
  q: PanelQuery,
): Promise<Map<string, { reported: number; closed: number }>> {
  const { rows } = await sql<{ date: string; reported: number; closed: number }>`
    SELECT day AS date, sum(reported)::int AS reported, sum(closed)::int AS closed FROM (
      SELECT to_char(p.reported_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD') AS day, 1 AS reported, 0 AS closed
      FROM problems p
      WHERE ${panelWhere(q)} AND p.reported_at >= ${q.window.from} AND p.reported_at < ${q.window.to}
      UNION ALL
      SELECT to_char(p.closed_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD'), 0, 1
      FROM problems p
      WHERE ${panelWhere(q)} AND p.status = 'closed' AND p.closed_at >= ${q.window.from} AND p.closed_at < ${q.window.to}
    ) t
    GROUP BY day`.execute(db);
  return new Map(rows.map((r) => [r.date, { reported: r.reported, closed: r.closed }]));
}

export interface OverdueItem {
  id: number;
  category_code: string;
  category_name: string;
  description: string;
  due_at: Date;
  region_code: string;
  /** Hours past due_at at `now`, one decimal. */
  hours_overdue: number;
}

/** The items overdue now (open, past due_at), longest overdue first. */
export async function oldestOverdue(db: Kysely<DB>, q: PanelQuery, limit = 10): Promise<OverdueItem[]> {
  const { rows } = await sql<OverdueItem>`
    SELECT p.id, p.category_code, c.name AS category_name, p.description, p.due_at, p.region_code,
           round((extract(epoch FROM ${q.now}::timestamptz - p.due_at) / 3600.0)::numeric, 1) AS hours_overdue
    FROM problems p JOIN categories c ON c.code = p.category_code
    WHERE ${panelWhere(q)} AND ${overdueSql('p', q.now)}
    ORDER BY p.due_at, p.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id), hours_overdue: Number(r.hours_overdue) }));
}
