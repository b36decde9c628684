/**
 * The rankings view (考核排名): the standard evaluation of every street, community or block for a
 * month, quarter or year, from `GET /api/rankings` with the current filters: rank, unit, grade,
 * 综合指标值, rank change against the previous period and each weighted indicator. A row picks
 * the unit (the map zooms to it). On a phone it is a bottom sheet whose table scrolls sideways
 * with the rank and unit columns held in place.
 */
import { download, api, type RankedUnit, type Rankings } from '../api.js';
import { h, render, select } from '../dom.js';
import { describeError } from '../i18n/errors.js';
import { formatNumber, formatPercent, onLangChange, t, type MessageKey } from '../i18n/index.js';
import type { Level } from '../state/url.js';
import { WEIGHT_KEYS } from '../../../domain/indicators.js';
import { toShanghaiDate } from '../../../domain/time.js';

export type PeriodKind = 'month' | 'quarter' | 'year';

export interface RankingsOptions {
  /** The level shown first (the map's level). */
  level: Level;
  /** The problem filters of the map (they apply to the counts, as in the XLSX bulletin). */
  filters: () => URLSearchParams;
  /** A row was picked: select the unit and zoom the map to it. */
  onPick: (code: string) => void;
  onClose: () => void;
}

/** The periods offered: this one and the ones before it, newest first (Asia/Shanghai). */
export function recentPeriods(kind: PeriodKind, now = new Date()): string[] {
  const [y, m] = toShanghaiDate(now).split('-').map(Number) as [number, number];
  if (kind === 'year') return [0, 1, 2, 3, 4].map((i) => String(y - i));
  if (kind === 'quarter') {
    const q = Math.floor((m - 1) / 3);
    return Array.from({ length: 8 }, (_, i) => {
      const n = y * 4 + q - i;
      return `${Math.floor(n / 4)}-Q${(n % 4) + 1}`;
    });
  }
  return Array.from({ length: 12 }, (_, i) => {
    const n = y * 12 + (m - 1) - i;
    return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
  });
}

/** '2025-10' → 2025年10月, '2025-Q4' → 2025年第4季度, '2025' → 2025年 (and the English forms). */
export function periodLabel(period: string): string {
  const [year, part] = period.split('-');
  if (!part) return t('rankings.year', { year: year! });
  if (part.startsWith('Q')) return t('rankings.quarter', { year: year!, q: part.slice(1) });
  return t('rankings.month', { year: year!, month: String(Number(part)) });
}

function kindOf(period: string): PeriodKind {
  return period.includes('Q') ? 'quarter' : period.includes('-') ? 'month' : 'year';
}

/** ↑2 / ↓1 / – with a sentence for the title; empty when the unit had no rank last period. */
function changeCell(u: RankedUnit): HTMLElement {
  const c = u.rank_change;
  if (c === null)
    return h('td', { class: 'change', 'data-change': '', title: u.rank === null ? '' : t('rankings.new') }, '');
  const [text, title, cls] =
    c > 0
      ? [`↑${c}`, t('rankings.up', { n: c }), 'up']
      : c < 0
        ? [`↓${-c}`, t('rankings.down', { n: -c }), 'down']
        : ['–', t('rankings.same'), 'same'];
  return h('td', { class: `change ${cls}`, 'data-change': String(c), title, 'aria-label': title }, text);
}

function table(data: Rankings, weighted: string[], picked: string | null, pick: (code: string) => void): HTMLElement {
  const head = [
    t('rankings.rank'),
    t('rankings.unit'),
    t('rankings.grade'),
    t('rankings.score'),
    t('rankings.change'),
    t('rankings.filed'),
    ...weighted.map((k) => t(`rankings.rate.${k}` as MessageKey)),
  ];
  return h(
    'div',
    { class: 'rankings-scroll' },
    h(
      'table',
      { class: 'rankings-table', id: 'rankings-table' },
      h('thead', {}, h('tr', {}, ...head.map((label, i) => h('th', { class: i < 2 ? 'sticky' : '' }, label)))),
      h(
        'tbody',
        {},
        ...data.units.map((u) =>
          h(
            'tr',
            {
              'data-code': u.code,
              class: u.code === picked ? 'picked' : '',
              tabindex: 0,
              onclick: () => pick(u.code),
              onkeydown: (e: Event) => {
                if ((e as KeyboardEvent).key === 'Enter') pick(u.code);
              },
            },
            h('td', { class: 'sticky rank' }, u.rank === null ? '–' : String(u.rank)),
            h('td', { class: 'sticky unit' }, u.name),
            h('td', { class: `grade grade-${u.grade ?? 'none'}`, 'data-grade': u.grade ?? '' }, u.grade ?? '–'),
            h(
              'td',
              { class: 'score', 'data-score': u.score === null ? '' : String(u.score) },
              formatNumber(u.score, undefined, 1),
            ),
            changeCell(u),
            h('td', {}, formatNumber(u.filed)),
            ...weighted.map((k) =>
              h('td', { 'data-rate': k }, formatPercent((u as unknown as Record<string, number | null>)[k])),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Ends the rankings view on screen (its language listener and panel watch). */
let stopShown: (() => void) | null = null;

/**
 * Fills `root` (the map page's side panel, a bottom sheet on a phone) with the rankings view and
 * keeps it in the page's language while it is shown.
 */
export function showRankings(root: HTMLElement, opts: RankingsOptions): void {
  stopShown?.();
  let kind: PeriodKind = 'month';
  let period = recentPeriods(kind)[0]!;
  let level: Level = opts.level;
  let data: Rankings | null = null;
  let error: string | null = null;
  let picked: string | null = null;
  let seq = 0;
  const token = `rankings-${Date.now()}`;
  root.dataset.code = token;
  root.dataset.view = 'rankings';
  root.classList.add('rankings-panel');
  root.classList.remove('peek');
  root.hidden = false;

  const params = () => {
    const q = opts.filters();
    // The period is the window, and every unit is ranked, not only the selected region's problems.
    for (const k of ['from', 'to', 'region']) q.delete(k);
    q.set('level', level);
    q.set('period', period);
    return q;
  };
  const load = async () => {
    const mine = ++seq;
    root.dataset.ready = 'false';
    data = null;
    error = null;
    draw();
    try {
      const answer = await api.rankings(params());
      if (mine !== seq) return;
      data = answer;
    } catch (err) {
      if (mine !== seq) return;
      error = describeError(err);
    }
    draw();
    root.dataset.ready = 'true';
  };
  const pick = (code: string) => {
    picked = code;
    // On a phone the sheet folds down to a strip so the region shows above it.
    if (matchMedia('(max-width: 768px)').matches) root.classList.add('peek');
    for (const tr of root.querySelectorAll<HTMLElement>('tr[data-code]'))
      tr.classList.toggle('picked', tr.dataset.code === code);
    opts.onPick(code);
  };
  const close = () => {
    stop();
    opts.onClose();
  };
  const stop = () => {
    offLang();
    watch.disconnect();
    if (stopShown === stop) stopShown = null;
    root.classList.remove('rankings-panel', 'peek');
    delete root.dataset.view;
  };

  function draw(): void {
    if (root.dataset.code !== token) return;
    const weighted = data ? WEIGHT_KEYS.filter((k) => (data!.weights[k] ?? 0) > 0) : [];
    render(
      root,
      h('button', { class: 'close', title: t('panel.close'), 'aria-label': t('panel.close'), onclick: close }, '×'),
      h('h2', { id: 'rankings-title' }, t('rankings.title')),
      h(
        'div',
        { class: 'rankings-controls row wrap' },
        h(
          'label',
          {},
          t('rankings.kind'),
          ' ',
          select(
            (['month', 'quarter', 'year'] as const).map((k) => [k, t(`rankings.kind.${k}`)]),
            kind,
            (v) => {
              kind = v as PeriodKind;
              period = recentPeriods(kind)[0]!;
              void load();
            },
            { name: 'rankings-kind' },
          ),
        ),
        h(
          'label',
          {},
          t('rankings.period'),
          ' ',
          select(
            recentPeriods(kindOf(period)).map((p) => [p, periodLabel(p)]),
            period,
            (v) => {
              period = v;
              void load();
            },
            { name: 'rankings-period' },
          ),
        ),
        h(
          'label',
          {},
          t('rankings.level'),
          ' ',
          select(
            (['street', 'community', 'block'] as const).map((l) => [l, t(`level.${l}`)]),
            level,
            (v) => {
              level = v as Level;
              void load();
            },
            { name: 'rankings-level' },
          ),
        ),
        h(
          'button',
          {
            class: 'small',
            'data-export': 'rankings.xlsx',
            onclick: () =>
              download(`/api/exports/rankings.xlsx?${params()}`, `rankings-${period}.xlsx`).catch((err: unknown) => {
                error = describeError(err);
                draw();
              }),
          },
          `${t('export.rankings')} XLSX`,
        ),
      ),
      error ? h('p', { class: 'error' }, error) : null,
      data
        ? [
            h(
              'p',
              { class: 'muted small', id: 'rankings-summary' },
              t('rankings.summary', { n: data.units_total, previous: periodLabel(data.previous_period) }),
            ),
            data.units.length ? table(data, weighted, picked, pick) : h('p', { class: 'muted' }, t('rankings.none')),
            h('p', { class: 'muted small' }, t('rankings.hint')),
            h('p', { class: 'muted small' }, t('rankings.unranked')),
          ]
        : error
          ? null
          : h('p', { class: 'muted' }, t('common.loading')),
    );
  }

  const offLang = onLangChange(() => draw());
  // Another view taking the panel (a region's panel sets its own data-code) ends this one.
  const watch = new MutationObserver(() => {
    if (root.dataset.code !== token) stop();
  });
  watch.observe(root, { attributes: true, attributeFilter: ['data-code'] });
  stopShown = stop;
  void load();
}
