/**
 * The region panel (click a region): name and chain, open / overdue / closed this period,
 * category breakdown, trend chart, oldest overdue items and the ranking of its children, all from
 * one `GET /api/stats/regions/:code` with the current filters.
 */
import { describeError } from '../i18n/errors.js';
import { api, type RegionPanelResponse, type RegionStats } from '../api.js';
import { h, render } from '../dom.js';
import { countdown, formatDate, formatNumber, formatPercent, t, type MessageKey } from '../i18n/index.js';
import type { Measure } from '../state/url.js';
import { trendChart } from './trend-chart.js';

export interface RegionPanelOptions {
  code: string;
  filters: URLSearchParams;
  measure: Measure;
  onClose: () => void;
  onPickRegion: (code: string) => void;
  onOpenProblem: (id: number) => void;
}

function stat(key: string, label: string, value: number | null | undefined, cls = ''): HTMLElement {
  return h(
    'div',
    { class: `stat ${cls}`, 'data-stat': key },
    h('div', { class: 'value' }, formatNumber(value ?? null)),
    h('div', { class: 'label' }, label),
  );
}

function measureText(row: RegionStats, measure: Measure): string {
  const v = row[measure];
  return measure === 'on_time_rate' || measure === 'closure_rate'
    ? formatPercent(v as number | null)
    : formatNumber(v as number);
}

export function renderRegionBody(data: RegionPanelResponse, opts: RegionPanelOptions): (Element | null)[] {
  const maxCat = Math.max(1, ...data.categories.map((c) => c.count));
  const children = [...data.children];
  const rateMeasure = opts.measure === 'on_time_rate' || opts.measure === 'closure_rate';
  // Worst first: most open/overdue, or lowest rate (nulls last).
  children.sort((a, b) => {
    const va = a[opts.measure];
    const vb = b[opts.measure];
    if (va === null) return 1;
    if (vb === null) return -1;
    return rateMeasure ? (va as number) - (vb as number) : (vb as number) - (va as number);
  });
  return [
    h(
      'div',
      { class: 'chain' },
      ...data.region.chain.map((c, i) => [
        i ? ' / ' : '',
        h('button', { class: 'link', onclick: () => opts.onPickRegion(c.code) }, c.name),
      ]),
    ),
    h(
      'h2',
      { id: 'region-name', 'data-code': data.region.code },
      data.region.name,
      h('span', { class: 'muted small' }, ` ${t(`level.${data.region.level}` as MessageKey)} · ${data.region.code}`),
    ),
    h(
      'div',
      { class: 'stats' },
      stat('open', t('panel.open'), data.totals.open),
      stat('overdue', t('panel.overdue'), data.totals.overdue, 'warn'),
      stat('closed_in_period', t('panel.closed'), data.totals.closed_in_period, 'good'),
    ),
    h('h3', {}, t('panel.trend')),
    h(
      'div',
      { class: 'trend-legend small' },
      h('span', { class: 'dot reported' }),
      t('panel.reported'),
      ' ',
      h('span', { class: 'dot closed' }),
      t('panel.closedShort'),
    ),
    trendChart(data.trend),
    h('h3', {}, t('panel.categories')),
    data.categories.length
      ? h(
          'ul',
          { class: 'bars', id: 'panel-categories' },
          ...data.categories
            .slice(0, 10)
            .map((c) =>
              h(
                'li',
                {},
                h('span', { class: 'bar-label' }, c.name),
                h('span', { class: 'bar', style: { width: `${(c.count / maxCat) * 100}%` } }),
                h('span', { class: 'bar-value' }, formatNumber(c.count)),
              ),
            ),
        )
      : h('p', { class: 'muted' }, t('panel.none')),
    h('h3', {}, t('panel.oldest')),
    data.oldest_overdue.length
      ? h(
          'ul',
          { class: 'items', id: 'panel-oldest' },
          ...data.oldest_overdue.map((p) =>
            h(
              'li',
              {},
              h('button', { class: 'link', onclick: () => opts.onOpenProblem(p.id) }, `#${p.id} ${p.category_name}`),
              h('span', { class: 'countdown over' }, countdown(p.due_at).text),
              h('div', { class: 'muted small' }, p.description),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('panel.none')),
    children.length ? h('h3', {}, `${t('panel.children')} · ${t(`measure.${opts.measure}` as MessageKey)}`) : null,
    children.length
      ? h(
          'ol',
          { class: 'ranking', id: 'panel-children' },
          ...children.map((c) =>
            h(
              'li',
              {},
              h('button', { class: 'link', onclick: () => opts.onPickRegion(c.code) }, c.name),
              h('span', { class: 'value' }, measureText(c, opts.measure)),
            ),
          ),
        )
      : null,
    data.period
      ? h('p', { class: 'muted small' }, `${formatDate(data.period.from)} – ${formatDate(data.period.to)}`)
      : null,
  ];
}

/** Fills `root` with the panel for one region; resolves with the answer (or null on error). */
export async function showRegionPanel(
  root: HTMLElement,
  opts: RegionPanelOptions,
): Promise<RegionPanelResponse | null> {
  const close = h('button', { class: 'close', title: t('panel.close'), onclick: opts.onClose }, '×');
  render(root, close, h('p', { class: 'muted' }, t('common.loading')));
  root.hidden = false;
  root.dataset.code = opts.code;
  root.dataset.ready = 'false';
  try {
    const data = await api.regionPanel(opts.code, opts.filters);
    if (root.dataset.code !== opts.code) return null;
    render(root, close, ...renderRegionBody(data, opts));
    root.dataset.ready = 'true';
    return data;
  } catch (err) {
    render(root, close, h('p', { class: 'error' }, describeError(err)));
    return null;
  }
}
