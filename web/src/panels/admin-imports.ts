/**
 * Admin imports: block polygons (GeoJSON → POST /api/regions/import, optional repair) and
 * problems (CSV or GeoJSON with the coordinate system chosen → POST /api/problems/import), with
 * an upload progress bar shown only while a file is on its way. A refused
 * import (422) shows a
 * banner in the page's language, built from the structured details (counts), and its row-level
 * report as tables with translated headers; the server's reason text is kept per row because it
 * names the exact fault (it is English, like the server's other diagnostics).
 */
import { describeError, rowReasonText } from '../i18n/errors.js';
import { upload } from '../api.js';
import { h, render } from '../dom.js';
import { formatNumber, getLang, t, type Lang, type MessageKey } from '../i18n/index.js';

/** The lists a report can hold, in the order they are shown. */
export const REPORT_KINDS = ['rejected', 'overlaps', 'outside_parent', 'repaired', 'warnings'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportSection {
  kind: ReportKind;
  rows: Record<string, unknown>[];
}

type Rows = Record<string, unknown>[];
const isRows = (c: unknown): c is Rows => Array.isArray(c) && c.length > 0 && typeof c[0] === 'object' && c[0] !== null;

/** Rows of a refusal report, whatever list the server put them in (rejected, errors, features…). */
export function reportRows(body: unknown): Record<string, unknown>[] {
  const b = body as { error?: { details?: unknown }; rejected?: unknown } | null;
  const candidates: unknown[] = [b?.rejected, b?.error?.details];
  const d = b?.error?.details as Record<string, unknown> | undefined;
  if (d && typeof d === 'object' && !Array.isArray(d)) candidates.push(...Object.values(d));
  for (const c of candidates) if (isRows(c)) return c;
  return [];
}

/**
 * Every non-empty report list of an answer, refusal (`error.details`) or success (the body
 * itself: `rejected` in partial mode, `repaired` and `warnings` of a region import). A bare
 * array of details counts as `rejected`.
 */
export function reportSections(body: unknown): ReportSection[] {
  const b = body as { error?: { details?: unknown } } | null;
  const source = b?.error ? b.error.details : b;
  if (isRows(source)) return [{ kind: 'rejected', rows: localRows(source) }];
  if (!source || typeof source !== 'object') return [];
  const s = source as Record<string, unknown>;
  return REPORT_KINDS.flatMap((kind) => (isRows(s[kind]) ? [{ kind, rows: localRows(s[kind] as Rows) }] : []));
}

/** Problem-import rows carry a reason code and params: shown in the page's language, not the server's English. */
function localRows(rows: Rows): Rows {
  return rows.map((r) => {
    const row = r as Record<string, unknown>;
    if (!row.params || typeof row.params !== 'object' || typeof row.reason !== 'string') return r;
    const { code, params, ...rest } = row;
    return {
      ...rest,
      reason: rowReasonText({ code: String(code), params: params as Record<string, unknown>, reason: row.reason }),
    } as Rows[number];
  });
}

const COLUMNS = new Set([
  'line',
  'index',
  'code',
  'reason',
  'a',
  'b',
  'area_m2',
  'parent_index',
  'parent_code',
  'area_before_m2',
  'area_after_m2',
  'parts',
  'kind',
  'message',
  'id',
  'distance_m',
]);

/** The header of a report column in the page's language (行号, 序号, 编码, 原因…); unknown ones as sent. */
export function columnLabel(column: string, lang: Lang = getLang()): string {
  return COLUMNS.has(column) ? t(`import.col.${column}` as MessageKey, {}, lang) : column;
}

/** One report cell: areas in m² with one decimal, an overlap side as its code (and feature number). */
export function cellText(column: string, value: unknown, lang: Lang = getLang()): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && column.startsWith('area')) return formatNumber(value, lang, 1);
  if (typeof value === 'number' && column === 'distance_m') return formatNumber(value, lang, 0);
  if (typeof value === 'object' && !Array.isArray(value) && 'code' in value) {
    const side = value as { code: unknown; index?: unknown };
    const where = typeof side.index === 'number' ? ` #${side.index}` : t('import.existing', {}, lang);
    return `${String(side.code)}${where}`;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The headline of a successful import: 新增 12，更新 3… built from the counts in the answer. */
export function successSummary(body: unknown, lang: Lang = getLang()): string {
  const b = (body ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const add = (key: MessageKey, n: unknown) => {
    if (typeof n === 'number') parts.push(t(key, { n: formatNumber(n, lang) }, lang));
  };
  add('import.sum.created', b.created);
  add('import.sum.updated', b.updated);
  if (Array.isArray(b.rejected) && b.rejected.length) add('import.sum.rejected', b.rejected.length);
  add('import.sum.total', b.total);
  if (typeof b.problems_reassigned === 'number' && b.problems_reassigned > 0)
    add('import.sum.reassigned', b.problems_reassigned);
  return t('import.done', { summary: parts.join(lang === 'en' ? ', ' : '，') }, lang);
}

/**
 * Rows of a successful problem import that repeat an open problem (same category within 50 m and
 * 24 h; the server imported them but flags them): the warning line with their count and the rows
 * as `{line, id, distance_m}`; null when there are none.
 */
export function duplicateWarning(
  body: unknown,
  lang: Lang = getLang(),
): { text: string; rows: { line: number; id: number; distance_m: number }[] } | null {
  const list = (body as { possible_duplicates?: unknown } | null)?.possible_duplicates;
  if (!Array.isArray(list) || list.length === 0) return null;
  const rows = (list as { line: number; id: number; distance_m: number }[]).map((d) => ({
    line: d.line,
    id: d.id,
    distance_m: d.distance_m,
  }));
  return { text: t('import.duplicates', { n: formatNumber(rows.length, lang) }, lang), rows };
}

export interface Refusal {
  /** One sentence in the page's language: what was refused and that nothing was written. */
  banner: string;
  /** What to do next, when the server says a repair would help (tick the checkbox). */
  hint: string | null;
}

/**
 * The banner for a refused upload, from the error code and the structured details, not the
 * server's English message. `unit` says whether the file is counted in rows (problems) or
 * features (regions); `fileTotal` is the number of features the browser counted in the file,
 * used when the answer carries no total.
 */
export function refusal(
  status: number,
  body: unknown,
  unit: 'rows' | 'features',
  fileTotal: number | null = null,
  lang: Lang = getLang(),
): Refusal {
  const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const code = err?.code ?? `HTTP_${status}`;
  const message = err?.message ?? '';
  // The region import names the remedy in its message only ("retry with repair=true").
  const hint = /repair=true/.test(message)
    ? t('import.repairHint', { repair: t('import.repair', {}, lang) }, lang)
    : null;
  if (code === 'PAYLOAD_TOO_LARGE' || status === 413) return { banner: t('import.tooLarge', {}, lang), hint };
  if (code === 'UNSUPPORTED_MEDIA_TYPE' || status === 415) return { banner: t('import.badType', {}, lang), hint };
  if (code !== 'IMPORT_REJECTED') return { banner: t('import.refusedOther', { code, message }, lang), hint };
  const d = (err?.details ?? {}) as {
    rejected?: unknown;
    total?: unknown;
    overlaps?: unknown;
    outside_parent?: unknown;
  };
  const count = (x: unknown) => (Array.isArray(x) ? x.length : 0);
  const rejected = Array.isArray(err?.details) ? count(err?.details) : count(d.rejected);
  // A problem file that cannot even be parsed is reported with total 0 and the offending line.
  if (d.total === 0) return { banner: t('import.refusedFormat', {}, lang), hint };
  const total = typeof d.total === 'number' ? d.total : fileTotal;
  const n = (x: number) => formatNumber(x, lang);
  if (rejected > 0) {
    if (total === null) return { banner: t('import.refusedCount', { rejected: n(rejected) }, lang), hint };
    const key = unit === 'rows' ? 'import.refusedRows' : 'import.refusedFeatures';
    return { banner: t(key, { rejected: n(rejected), total: n(total) }, lang), hint };
  }
  return {
    banner: t('import.refusedTopology', { overlaps: n(count(d.overlaps)), outside: n(count(d.outside_parent)) }, lang),
    hint,
  };
}

/** Number of features in a GeoJSON file, or null when it is not one (CSV, unreadable). */
export async function countFeatures(file: Blob): Promise<number | null> {
  try {
    const parsed = JSON.parse(await file.text()) as { features?: unknown };
    return Array.isArray(parsed.features) ? parsed.features.length : null;
  } catch {
    return null;
  }
}

/** A report list as a table with translated headers; at most 1,000 rows (the file is refused anyway). */
export function reportTable(rows: Record<string, unknown>[]): HTMLTableElement {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return h(
    'table',
    { class: 'report' },
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { 'data-col': c }, columnLabel(c))))),
    h(
      'tbody',
      {},
      ...rows.slice(0, 1000).map((r) => h('tr', {}, ...columns.map((c) => h('td', {}, cellText(c, r[c]))))),
    ),
  );
}

function reportBlock(sections: ReportSection[]): HTMLElement | null {
  if (!sections.length) return null;
  return h(
    'div',
    { id: 'import-report' },
    ...sections.map((s) => [h('h4', {}, t(`import.sec.${s.kind}` as MessageKey)), reportTable(s.rows)]),
  );
}

function uploader(
  title: string,
  extra: HTMLElement[],
  accept: string,
  unit: 'rows' | 'features',
  target: (file: File) => { path: string; type: string },
): HTMLElement {
  const file = h('input', { type: 'file', accept });
  // Hidden unless an upload is under way: a full bar after the answer reads as "still busy".
  const bar = h('progress', { max: 1, value: 0, class: 'upload-progress', hidden: true });
  const out = h('div', { class: 'import-result' });
  const button = h(
    'button',
    {
      class: 'primary',
      onclick: async () => {
        const f = file.files?.[0];
        if (!f) return;
        button.disabled = true;
        bar.value = 0;
        bar.hidden = false;
        render(out);
        try {
          const { path, type } = target(f);
          const res = await upload<unknown>(path, f, type, (x) => (bar.value = x));
          bar.hidden = true;
          bar.value = 0;
          const sections = reportSections(res.body);
          if (res.status >= 200 && res.status < 300) {
            const dup = duplicateWarning(res.body);
            render(
              out,
              h('p', { class: 'good', role: 'status' }, successSummary(res.body)),
              reportBlock(sections),
              dup
                ? h('div', { id: 'import-duplicates' }, h('p', { class: 'notice' }, dup.text), reportTable(dup.rows))
                : null,
            );
          } else {
            const fileTotal = unit === 'features' ? await countFeatures(f) : null;
            const { banner, hint } = refusal(res.status, res.body, unit, fileTotal);
            render(
              out,
              h('p', { class: 'error', role: 'alert' }, banner),
              hint ? h('p', { class: 'notice' }, hint) : null,
              reportBlock(sections),
            );
          }
        } catch (err) {
          render(out, h('p', { class: 'error' }, describeError(err)));
        } finally {
          bar.hidden = true;
          bar.value = 0;
          button.disabled = false;
        }
      },
    },
    t('import.upload'),
  );
  return h(
    'section',
    { class: 'card' },
    h('h3', {}, title),
    h('label', {}, t('import.file'), file),
    ...extra,
    h('div', { class: 'row' }, button, bar),
    out,
  );
}

export function renderImports(): HTMLElement {
  const repair = h('input', { type: 'checkbox', name: 'repair' });
  const crs = h(
    'select',
    { name: 'crs' },
    ...['wgs84', 'cgcs2000', 'gcj02', 'bd09'].map((c) => h('option', { value: c }, c.toUpperCase())),
  );
  return h(
    'div',
    { class: 'imports' },
    uploader(
      t('import.regions'),
      [h('label', { class: 'inline' }, repair, t('import.repair'))],
      '.geojson,.json,application/geo+json,application/json',
      'features',
      () => ({
        path: `/api/regions/import${repair.checked ? '?repair=true' : ''}`,
        type: 'application/json',
      }),
    ),
    uploader(
      t('import.problems'),
      [h('label', {}, t('import.crs'), crs)],
      '.csv,.geojson,.json,text/csv,application/geo+json',
      'rows',
      (f) => ({
        path: `/api/problems/import?crs=${crs.value}`,
        type: /\.csv$/i.test(f.name) || f.type === 'text/csv' ? 'text/csv' : 'application/json',
      }),
    ),
  );
}
