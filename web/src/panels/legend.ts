/** The fill legend for the applied measure and its colour classes. */
import { h } from '../dom.js';
import { formatNumber, formatPercent, t, type MessageKey } from '../i18n/index.js';
import { isRate, legendRows, NO_DATA_COLOUR, type ColourClass } from '../map/scale.js';
import type { Level, Measure } from '../state/url.js';

export function renderLegend(measure: Measure, level: Level, classes: ColourClass[]): HTMLElement {
  const fmt = (v: number) => (isRate(measure) ? formatPercent(v) : formatNumber(v));
  const rows = legendRows(classes, measure, fmt);
  return h(
    'div',
    { class: 'legend', id: 'legend' },
    h(
      'div',
      { class: 'legend-title' },
      `${t(`measure.${measure}` as MessageKey)} · ${t(`level.${level}` as MessageKey)}`,
    ),
    ...rows.map((r) =>
      h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: { background: r.colour } }), r.label),
    ),
    h(
      'div',
      { class: 'legend-row' },
      h('span', { class: 'swatch', style: { background: NO_DATA_COLOUR } }),
      t('legend.nodata'),
    ),
  );
}
