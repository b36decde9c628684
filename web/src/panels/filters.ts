/**
 * The filter panel: level, measure, category group and category, status, source, date range,
 * overdue only, 创文/创卫, heat on/off. It only reports changes; main.ts writes the URL and asks
 * for new numbers and tiles (never new geometry).
 */
import type { Category } from '../api.js';
import { h, select } from '../dom.js';
import { statusLabel, t, type MessageKey } from '../i18n/index.js';
import { EMPTY_FILTERS, LEVEL_CHOICES, MEASURES, SOURCES, TAGS, type Filters, type ViewState } from '../state/url.js';
import { STATUSES } from '../../../domain/workflow.js';

export interface FilterPanelOptions {
  view: ViewState;
  categories: Category[];
  onChange: (patch: Partial<ViewState>) => void;
}

function checkboxes(
  name: string,
  values: readonly string[],
  chosen: string[],
  label: (v: string) => string,
  onChange: (v: string[]) => void,
): HTMLElement {
  const box = h('div', { class: 'checks', 'data-filter': name });
  for (const v of values) {
    const input = h('input', { type: 'checkbox', value: v, name });
    input.checked = chosen.includes(v);
    input.addEventListener('change', () => {
      const picked = [...box.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
      onChange(picked);
    });
    box.append(h('label', { class: 'inline' }, input, label(v)));
  }
  return box;
}

export function renderFilters(opts: FilterPanelOptions): HTMLElement {
  const { view, categories } = opts;
  const f = view.filters;
  const setFilters = (patch: Partial<Filters>) => opts.onChange({ filters: { ...f, ...patch } });

  const groups = [...new Map(categories.map((c) => [c.group_code, c.group_name])).entries()];
  const inGroup = categories.filter((c) => !f.group.length || f.group.includes(c.group_code));
  const any: [string, string] = ['', t('filters.any')];

  const from = h('input', { type: 'date', name: 'from', value: f.from ?? '' });
  from.addEventListener('change', () => setFilters({ from: from.value || null }));
  const to = h('input', { type: 'date', name: 'to', value: f.to ?? '' });
  to.addEventListener('change', () => setFilters({ to: to.value || null }));
  const overdue = h('input', { type: 'checkbox', name: 'overdue' });
  overdue.checked = f.overdue;
  overdue.addEventListener('change', () => setFilters({ overdue: overdue.checked }));
  const heat = h('input', { type: 'checkbox', name: 'heat' });
  heat.checked = view.heat;
  heat.addEventListener('change', () => opts.onChange({ heat: heat.checked }));

  return h(
    'section',
    { class: 'filters', id: 'filters' },
    h('h2', {}, t('filters.title')),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        {},
        t('filters.level'),
        select(
          LEVEL_CHOICES.map((l) => [l, t(`level.${l}` as MessageKey)]),
          view.level,
          (v) => opts.onChange({ level: v as ViewState['level'] }),
          { name: 'level' },
        ),
      ),
      h(
        'label',
        {},
        t('filters.measure'),
        select(
          MEASURES.map((m) => [m, t(`measure.${m}` as MessageKey)]),
          view.measure,
          (v) => opts.onChange({ measure: v as ViewState['measure'] }),
          { name: 'measure' },
        ),
      ),
    ),
    h(
      'label',
      {},
      t('filters.group'),
      select(
        [any, ...groups.map(([code, name]): [string, string] => [code, `${code} ${name}`])],
        f.group[0] ?? '',
        (v) => setFilters({ group: v ? [v] : [], category: [] }),
        { name: 'group' },
      ),
    ),
    h(
      'label',
      {},
      t('filters.category'),
      select(
        [any, ...inGroup.map((c): [string, string] => [c.code, `${c.code} ${c.name}`])],
        f.category[0] ?? '',
        (v) => setFilters({ category: v ? [v] : [] }),
        { name: 'category' },
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('filters.status')),
      checkboxes(
        'status',
        STATUSES,
        f.status,
        (s) => statusLabel(s),
        (v) => setFilters({ status: v }),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('filters.source')),
      checkboxes(
        'source',
        SOURCES,
        f.source,
        (s) => t(`source.${s}` as MessageKey),
        (v) => setFilters({ source: v }),
      ),
    ),
    h('div', { class: 'row' }, h('label', {}, t('filters.from'), from), h('label', {}, t('filters.to'), to)),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        {},
        t('filters.tag'),
        select(
          [any, ...TAGS.map((x): [string, string] => [x, x])],
          f.tag ?? '',
          (v) => setFilters({ tag: (v || null) as Filters['tag'] }),
          { name: 'tag' },
        ),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'inline' }, overdue, t('filters.overdue')),
      h('label', { class: 'inline' }, heat, t('filters.heat')),
    ),
    h(
      'button',
      { class: 'link', id: 'filters-reset', onclick: () => opts.onChange({ filters: { ...EMPTY_FILTERS } }) },
      t('filters.reset'),
    ),
  );
}
