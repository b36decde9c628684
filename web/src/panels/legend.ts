/** The fill legend for the applied measure and its colour classes. */
import { h } from '../dom.js';
import { formatNumber, formatPercent, t, type MessageKey } from '../i18n/index.js';
import { isRate, legendRows, NO_DATA_COLOUR, type ColourClass } from '../map/scale.js';
import type { Level, Measure } from '../state/url.js';
import { STATUS_COLOURS } from '../map/layers.js';
import { statusLabel } from '../i18n/index.js';

/**
 * Whether the legend shows its classes: the user's last choice on this page, else open on a
 * desktop and folded on a phone, where the open legend covered the county's western towns in the
 * start view (the title alone says what the colours count; one tap shows the classes).
 */
let expanded: boolean | null = null;

export function renderLegend(measure: Measure, level: Level, classes: ColourClass[]): HTMLElement {
  const fmt = (v: number) => (isRate(measure) ? formatPercent(v) : formatNumber(v));
  const rows = legendRows(classes, measure, fmt);
  const open = expanded ?? !matchMedia('(max-width: 768px)').matches;
  const title = `${t(`measure.${measure}` as MessageKey)} · ${t(`level.${level}` as MessageKey)}`;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'legend-title legend-toggle',
      id: 'legend-toggle',
      title: t('legend.toggle'),
      'aria-controls': 'legend-body',
      'aria-expanded': String(open),
      onclick: () => {
        expanded = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(expanded));
        body.hidden = !expanded;
      },
    },
    title,
  );
  const body = h(
    'div',
    { id: 'legend-body', class: 'legend-body', hidden: !open },
    ...rows.map((r) =>
      h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: { background: r.colour } }), r.label),
    ),
    h(
      'div',
      { class: 'legend-row' },
      h('span', { class: 'swatch', style: { background: NO_DATA_COLOUR } }),
      t('legend.nodata'),
    ),
    // The points (from street zoom): colour = status, a dark ring = overdue.
    h(
      'details',
      { class: 'legend-points', id: 'legend-points' },
      h('summary', {}, t('legend.problemPoints')),
      ...Object.entries(STATUS_COLOURS).map(([status, colour]) =>
        h(
          'div',
          { class: 'legend-row' },
          h('span', { class: 'dot', style: { background: colour } }),
          statusLabel(status),
        ),
      ),
      h(
        'div',
        { class: 'legend-row' },
        h('span', { class: 'dot ring', style: { background: '#ffffff', border: '2px solid #000000' } }),
        t('legend.overdueRing'),
      ),
    ),
  );
  return h('div', { class: 'legend', id: 'legend' }, toggle, body);
}
