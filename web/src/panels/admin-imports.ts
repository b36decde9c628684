/**
 * Admin imports: block polygons (GeoJSON → POST /api/regions/import, optional repair) and
 * problems (CSV or GeoJSON with the coordinate system chosen → POST /api/problems/import), with
 * an upload progress bar. A refused import (422) shows its row-level report as a table.
 */
import { upload } from '../api.js';
import { h, render } from '../dom.js';
import { t } from '../i18n/index.js';

/** Rows of a refusal report, whatever list the server put them in (rejected, errors, features…). */
export function reportRows(body: unknown): Record<string, unknown>[] {
  const b = body as { error?: { details?: unknown }; rejected?: unknown } | null;
  const candidates: unknown[] = [b?.rejected, b?.error?.details];
  const d = b?.error?.details as Record<string, unknown> | undefined;
  if (d && typeof d === 'object' && !Array.isArray(d)) candidates.push(...Object.values(d));
  for (const c of candidates) {
    if (Array.isArray(c) && c.length && typeof c[0] === 'object' && c[0] !== null)
      return c as Record<string, unknown>[];
  }
  return [];
}

export function reportTable(rows: Record<string, unknown>[]): HTMLTableElement {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return h(
    'table',
    { class: 'report', id: 'import-report' },
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.slice(0, 1000).map((r) => h('tr', {}, ...columns.map((c) => h('td', {}, cell(r[c])))))),
  );
}

function summary(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  return Object.entries(body as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

function uploader(
  title: string,
  extra: HTMLElement[],
  accept: string,
  target: (file: File) => { path: string; type: string },
): HTMLElement {
  const file = h('input', { type: 'file', accept });
  const bar = h('progress', { max: 1, value: 0, class: 'upload-progress' });
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
        render(out);
        try {
          const { path, type } = target(f);
          const res = await upload<unknown>(path, f, type, (x) => (bar.value = x));
          if (res.status >= 200 && res.status < 300) {
            const rows = reportRows(res.body);
            render(
              out,
              h('p', { class: 'good' }, t('import.done', { summary: summary(res.body) })),
              rows.length ? reportTable(rows) : null,
            );
          } else {
            const err = (res.body as { error?: { message?: string } }).error;
            const rows = reportRows(res.body);
            render(
              out,
              h('p', { class: 'error' }, t('import.refused', { message: err?.message ?? String(res.status) })),
              rows.length ? [h('h4', {}, t('import.errors')), reportTable(rows)] : null,
            );
          }
        } catch (err) {
          render(out, h('p', { class: 'error' }, t('common.error', { message: (err as Error).message })));
        } finally {
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
      () => ({
        path: `/api/regions/import${repair.checked ? '?repair=true' : ''}`,
        type: 'application/json',
      }),
    ),
    uploader(
      t('import.problems'),
      [h('label', {}, t('import.crs'), crs)],
      '.csv,.geojson,.json,text/csv,application/geo+json',
      (f) => ({
        path: `/api/problems/import?crs=${crs.value}`,
        type: /\.csv$/i.test(f.name) || f.type === 'text/csv' ? 'text/csv' : 'application/json',
      }),
    ),
  );
}
