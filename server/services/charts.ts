/**
 * Chart images for the bulletin: Apache ECharts rendered server-side to SVG (its SSR mode, no
 * DOM), then to PNG with sharp (librsvg; the CJK font comes from fontconfig, fonts-wqy-zenhei).
 * The page draws the same option objects in the browser (web/src/panels/charts.ts builds its own
 * from the same API numbers).
 */
import * as echarts from 'echarts';
import sharp from 'sharp';

export interface ChartImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Renders an ECharts option to PNG at `width` × `height` CSS pixels (2× device pixels). */
export async function renderChart(option: echarts.EChartsOption, width = 640, height = 300): Promise<ChartImage> {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    const svg = chart.renderToSVGString();
    const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
    return { png, width, height };
  } finally {
    chart.dispose();
  }
}

/** Open items per day against the ideal line (燃尽图). */
export function burnDownOption(
  points: readonly { date: string; open: number; ideal: number }[],
): echarts.EChartsOption {
  return {
    title: { text: '未结案事项燃尽图', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, data: ['未结案', '理想进度'] },
    grid: { left: 40, right: 20, top: 40, bottom: 50 },
    xAxis: { type: 'category', data: points.map((p) => p.date.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: '未结案', type: 'line', data: points.map((p) => p.open) },
      { name: '理想进度', type: 'line', data: points.map((p) => p.ideal), lineStyle: { type: 'dashed' } },
    ],
  };
}

/** Open and overdue items per unit (bars), for the per-street section. */
export function unitBarsOption(
  units: readonly { name: string; open: number; overdue: number }[],
): echarts.EChartsOption {
  return {
    title: { text: '各单位未结案与超期事项', left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, data: ['未结案', '超期'] },
    grid: { left: 40, right: 20, top: 40, bottom: 60 },
    xAxis: {
      type: 'category',
      data: units.map((u) => u.name),
      axisLabel: { interval: 0, rotate: units.length > 6 ? 30 : 0 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: '未结案', type: 'bar', data: units.map((u) => u.open) },
      { name: '超期', type: 'bar', data: units.map((u) => u.overdue), itemStyle: { color: '#c23531' } },
    ],
  };
}
