/**
 * Rows for the problem exports, read in keyset batches on the primary key (`id > last ORDER BY id
 * LIMIT n`). Each batch is one short statement on the id index, so a million-row export holds
 * one batch in memory at a time, never a cursor or a transaction (PGlite's adapter has no cursor,
 * and its single connection must not be held while the download runs).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
// node-postgres' own conversion of a parameter to its text form.
import pgUtils from 'pg/lib/utils.js';
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

/** Text labels the CSV writes instead of codes (status, severity, source), as the route defines them. */
export interface CsvLabels {
  status: Readonly<Record<string, string>>;
  severity: Readonly<Record<number, string>>;
  source: Readonly<Record<string, string>>;
}

/**
 * The CSV export as one SELECT whose every column is already the text the CSV cell holds — the
 * same cells as the Node writer (`csvStream` with the route's columns): Asia/Shanghai
 * 'YYYY-MM-DD HH:mm:ss', 是/否, labels, absolute photo links joined by spaces, and every text cell
 * that would start a formula (= + - @ tab CR) prefixed with an apostrophe. PostgreSQL then writes
 * the file itself (`COPY (…) TO STDOUT (FORMAT csv)`), which is what makes a million rows take
 * seconds instead of Node's half a minute.
 */
export function problemExportCsvSql(q: ExportQuery, labels: CsvLabels, base: string) {
  // One evaluation of each cell (a CASE would compute it twice): an apostrophe before a formula
  // start. NULLIF: COPY quotes an empty string ("") where the Node writer leaves the cell empty (a
  // problem without photos, a blank address); as NULL it is written empty, the same bytes. The
  // photo links come from a lateral join, not subqueries in the select list, so the parallel
  // workers compute them too: the legacy URLs kept on the row (in their order), then the uploaded
  // photos by id.
  const t = (x: RawBuilder<unknown>) => sql`NULLIF(regexp_replace(${x}, '^([=+\\-@\t\r])', '''\\1'), '')`;
  const when = (x: string) =>
    sql`to_char((${sql.ref(x)} AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD HH24:MI:SS')`;
  const label = (map: object, x: RawBuilder<unknown>) =>
    sql`coalesce(${JSON.stringify(map)}::jsonb ->> (${x})::text, (${x})::text)`;
  const yesNo = (x: RawBuilder<unknown>) => sql`CASE WHEN ${x} THEN '是' ELSE '否' END`;
  return sql`
    SELECT p.id, ${t(sql`p.category_code`)}, ${t(sql`c.name`)}, ${t(sql`c.group_name`)},
           ${t(label(labels.status, sql`p.status`))}, ${t(label(labels.severity, sql`p.severity`))}, ${t(label(labels.source, sql`p.source`))},
           ${t(sql`p.description`)}, ${t(sql`p.address`)}, ${t(sql`p.region_code`)}, ${t(sql`b.name`)}, ${t(sql`cm.name`)}, ${t(sql`st.name`)},
           ST_X(p.geom), ST_Y(p.geom),
           ${when('p.reported_at')}, ${when('p.filed_at')}, ${when('p.due_at')}, ${when('p.resolved_at')}, ${when('p.closed_at')},
           ${yesNo(overdueSql('p', q.now))}, ${yesNo(sql`p.escalated`)}, p.rework_count, p.extension_count,
           ${t(sql`ph.links`)}
    FROM problems p
    JOIN categories c ON c.code = p.category_code
    LEFT JOIN regions b ON b.code = p.region_code AND b.level = 'block'
    LEFT JOIN regions cm ON cm.code = left(p.region_code, 12) AND cm.level = 'community'
    LEFT JOIN regions st ON st.code = left(p.region_code, 9) AND st.level = 'street'
    LEFT JOIN LATERAL (
      SELECT string_agg(CASE WHEN l.u LIKE '/%' THEN ${base} || l.u ELSE l.u END, ' ' ORDER BY l.o) AS links
      FROM (
        SELECT x.u, x.o FROM unnest(p.photos) WITH ORDINALITY x(u, o) WHERE x.u NOT LIKE '/api/photos/%'
        UNION ALL
        SELECT '/api/photos/' || ph.id, 2147483648 + ph.id FROM photos ph WHERE ph.problem_id = p.id
      ) l
    ) ph ON TRUE
    WHERE ${problemScopeSql(q.scope, 'p.region_code', 'p.category_code')} AND ${problemFilterSql(q.filters, 'p', q.now)}
    ORDER BY p.id`;
}

/**
 * A compiled query with its parameters written in as literals, for statements that take none
 * (COPY). Each value becomes the very text node-postgres would have sent for the parameter
 * (`prepareValue`), quoted as an untyped literal — which the server resolves exactly as it
 * resolves an untyped parameter.
 */
export function inlineParameters(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, i: string) => {
    const v = pgUtils.prepareValue(parameters[Number(i) - 1]) as string | null;
    if (v === null || v === undefined) return 'NULL';
    if (String(v).includes('\u0000')) throw new Error('NUL in an export parameter');
    return `E'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  });
}
