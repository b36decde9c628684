/**
 * A small SVG line chart of reported vs closed per day. Drawn by hand: two polylines and an axis
 * are all it needs; a chart library would outweigh the rest of the page.
 */
import { formatNumber, t } from '../i18n/index.js';

const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Points of one series scaled into the plot box (pure: exported for tests). */
export function seriesPoints(values: readonly number[], width: number, height: number, max: number): string {
  if (!values.length) return '';
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (max ? (v / max) * height : 0)).toFixed(1)}`)
    .join(' ');
}

export function trendChart(
  trend: readonly { date: string; reported: number; closed: number }[],
  width = 300,
  height = 90,
): SVGSVGElement {
  const pad = { l: 28, r: 6, t: 6, b: 16 };
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  const max = Math.max(1, ...trend.map((d) => Math.max(d.reported, d.closed)));
  const svg = el('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: 'trend',
    role: 'img',
    'aria-label': t('panel.trend'),
  });
  const g = el('g', { transform: `translate(${pad.l},${pad.t})` });
  svg.append(g);
  g.append(el('line', { x1: 0, y1: hgt, x2: w, y2: hgt, stroke: '#999', 'stroke-width': 1 }));
  g.append(el('line', { x1: 0, y1: 0, x2: 0, y2: hgt, stroke: '#999', 'stroke-width': 1 }));
  const maxLabel = el('text', { x: -4, y: 8, 'text-anchor': 'end', 'font-size': 9, fill: '#555' });
  maxLabel.textContent = formatNumber(max);
  const zero = el('text', { x: -4, y: hgt, 'text-anchor': 'end', 'font-size': 9, fill: '#555' });
  zero.textContent = '0';
  g.append(maxLabel, zero);
  if (trend.length) {
    for (const [key, colour] of [
      ['reported', '#e6550d'],
      ['closed', '#31a354'],
    ] as const) {
      g.append(
        el('polyline', {
          points: seriesPoints(
            trend.map((d) => d[key]),
            w,
            hgt,
            max,
          ),
          fill: 'none',
          stroke: colour,
          'stroke-width': 1.6,
          class: `series-${key}`,
        }),
      );
    }
    const first = el('text', { x: 0, y: hgt + 12, 'font-size': 9, fill: '#555' });
    first.textContent = trend[0].date.slice(5);
    const last = el('text', { x: w, y: hgt + 12, 'font-size': 9, fill: '#555', 'text-anchor': 'end' });
    last.textContent = trend[trend.length - 1].date.slice(5);
    g.append(first, last);
  }
  return svg;
}
