/** The region panel's trend (reported vs closed per day), drawn with ECharts (panels/charts.ts). */
import { t } from '../i18n/index.js';
import { chartElement, trendOption } from './charts.js';

export function trendChart(
  trend: readonly { date: string; reported: number; closed: number }[],
  width = 300,
  height = 110,
): HTMLElement {
  const el = chartElement(
    trendOption(trend, { reported: t('panel.reported'), closed: t('panel.closedShort') }),
    'trend',
    width,
    height,
  );
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', t('panel.trend'));
  el.dataset.days = String(trend.length);
  return el;
}
