/**
 * ProblemFilterQuery (server/schemas/filters.ts) → one SQL predicate over the `problems` table,
 * shared by lists, stats, hotspots, exports and tiles.
 */
import { sql, type RawBuilder } from 'kysely';
import { fromShanghai, addDays } from '../../domain/time.js';
import { inCampaignSql } from './campaigns.js';
import { OPEN_STATUSES } from '../../domain/workflow.js';

export interface ProblemFilters {
  status?: string;
  category?: string;
  group?: string;
  source?: string;
  tag?: string;
  region?: string;
  from?: string;
  to?: string;
  overdue?: boolean;
  escalated?: boolean;
  q?: string;
  /** Member problems of this campaign (its rule, evaluated in SQL: db/queries/campaigns.ts). */
  campaign?: number;
}

/** A comma-separated filter value as its members (`'a, b'` → ['a', 'b']); null when absent or empty. */
export const filterList = (v: string | undefined): string[] | null =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
const list = filterList;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Instant for a filter bound: a bare date is midnight Asia/Shanghai; `end` moves it to the next day (inclusive). */
export function filterInstant(value: string, end = false): Date {
  if (DATE_ONLY.test(value)) return fromShanghai(end ? addDays(value, 1) : value);
  return new Date(value);
}

/** The open statuses (domain/workflow.ts OPEN_STATUSES) as an SQL list `('reported', …)`, for `status IN …`. */
export const OPEN_STATUS_SQL = sql`(${sql.join(OPEN_STATUSES.map((s) => sql.lit(s)))})`;

/**
 * The one overdue test in SQL: the row is open and past its deadline at `now` (an instant bound
 * as a parameter; omitted = the database's now()). `row` is the problems row's alias, e.g. `'p'`.
 */
export function overdueSql(row: string, now?: Date): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${row}.${c}`);
  const nowSql = now ? sql`${now}::timestamptz` : sql`now()`;
  return sql<boolean>`(${col('status')} IN ${OPEN_STATUS_SQL} AND ${col('due_at')} IS NOT NULL AND ${col('due_at')} < ${nowSql})`;
}

/**
 * SQL predicate for the filters over the problems row aliased `alias`. Values are bound parameters.
 * `now` is the instant "overdue" is judged at (default: the database's now()).
 */
export function problemFilterSql(f: ProblemFilters, alias = 'problems', now?: Date): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const parts: RawBuilder<unknown>[] = [];
  const statuses = list(f.status);
  if (statuses) parts.push(sql`${col('status')} = ANY (${statuses}::text[])`);
  const categories = list(f.category);
  if (categories) parts.push(sql`${col('category_code')} = ANY (${categories}::text[])`);
  const groups = list(f.group);
  if (groups)
    parts.push(
      sql`${col('category_code')} IN (SELECT code FROM categories WHERE group_code = ANY (${groups}::text[]))`,
    );
  if (f.tag) parts.push(sql`${col('category_code')} IN (SELECT code FROM categories WHERE ${f.tag} = ANY (tags))`);
  const sources = list(f.source);
  if (sources) parts.push(sql`${col('source')} = ANY (${sources}::text[])`);
  if (f.region) parts.push(sql`${col('region_code')} LIKE ${`${f.region}%`}`);
  if (f.from) parts.push(sql`${col('reported_at')} >= ${filterInstant(f.from)}`);
  if (f.to) parts.push(sql`${col('reported_at')} < ${filterInstant(f.to, true)}`);
  if (f.overdue === true) parts.push(overdueSql(alias, now));
  if (f.overdue === false) parts.push(sql`NOT ${overdueSql(alias, now)}`);
  if (f.escalated !== undefined) parts.push(sql`${col('escalated')} = ${f.escalated}`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push(sql`(${col('description')} ILIKE ${like} OR ${col('address')} ILIKE ${like})`);
  }
  if (f.campaign !== undefined) parts.push(inCampaignSql(f.campaign, alias));
  if (parts.length === 0) return sql<boolean>`TRUE`;
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

/**
 * The filters a maintained count table answers (problem_rollups, problem_tile_bins: a row per
 * region × category × status …, aliased `r`) as a predicate: status, category, group, tag,
 * region, and with `days` the report-day bounds (whole Shanghai days; the rollups have a `day`).
 */
export function countTableFilterSql(f: ProblemFilters, days: boolean): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  const statuses = list(f.status);
  if (statuses) parts.push(sql`r.status = ANY (${statuses}::text[])`);
  const categories = list(f.category);
  if (categories) parts.push(sql`r.category_code = ANY (${categories}::text[])`);
  const groups = list(f.group);
  if (groups)
    parts.push(sql`r.category_code IN (SELECT code FROM categories WHERE group_code = ANY (${groups}::text[]))`);
  if (f.tag) parts.push(sql`r.category_code IN (SELECT code FROM categories WHERE ${f.tag} = ANY (tags))`);
  if (f.region) parts.push(sql`r.region_code LIKE ${`${f.region}%`}`);
  if (days && f.from) parts.push(sql`r.day >= ${f.from}::date`);
  if (days && f.to) parts.push(sql`r.day <= ${f.to}::date`);
  if (parts.length === 0) return sql<boolean>`TRUE`;
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}
