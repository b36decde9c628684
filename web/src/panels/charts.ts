/**
 * Apache ECharts in the page (the convention of Chinese government dashboards): only the parts
 * used (line and bar charts, grid, legend, tooltip, SVG renderer) are bundled, in a chunk of their
 * own (panels/echarts-setup.ts) fetched when the first chart is shown: the county view's first
 * coloured map needs none of it (≈150 KB brotli). The option builders are pure, so tests check
 * them without a browser.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { t } from '../i18n/index.js';

export type ChartOption = EChartsCoreOption;

type ECharts = typeof import('./echarts-setup.js');
let echartsModule: Promise<ECharts> | null = null;

/** The ECharts chunk, fetched once; a failed fetch (offline before any chart was seen) is retried next time. */
function loadECharts(): Promise<ECharts> {
  echartsModule ??= import('./echarts-setup.js').catch((err: unknown) => {
    echartsModule = null;
    throw err;
  });
  return echartsModule;
}

interface ChartSpec {
  option: ChartOption;
  width: number;
  height: number;
}

/**
 * `<pm-chart>`: draws its chart when it enters the document and disposes it when it leaves
 * (ECharts keeps every instance in a global registry until disposed). The custom element's
 * connection callbacks are what make the lazily loaded chart reliable: whichever comes last, the
 * chunk or the element's insertion, draws, and a panel re-rendered meanwhile is not drawn into.
 */
function defineChartElement(): void {
  if (customElements.get('pm-chart')) return;
  class ChartElement extends HTMLElement {
    spec: ChartSpec | null = null;
    private chart: { dispose(): void } | null = null;

    connectedCallback(): void {
      void this.draw();
    }

    disconnectedCallback(): void {
      this.chart?.dispose();
      this.chart = null;
      delete this.dataset.rendered;
    }

    private async draw(): Promise<void> {
      let echarts: ECharts;
      try {
        echarts = await loadECharts();
      } catch {
        // Without signal and never drawn before, so the chunk is not cached: say so in place.
        if (this.isConnected && !this.chart) {
          this.dataset.rendered = 'false';
          this.textContent = t('chart.unavailable');
        }
        return;
      }
      if (!this.isConnected || this.chart || !this.spec) return;
      const { option, width, height } = this.spec;
      this.textContent = '';
      // ECharts measures its container: at most the room the panel gives it.
      const chart = echarts.init(this, null, {
        renderer: 'svg',
        width: Math.min(width, this.clientWidth || width),
        height,
      });
      chart.setOption({ animation: false, ...option });
      this.chart = chart;
      this.dataset.rendered = 'true';
    }
  }
  customElements.define('pm-chart', ChartElement);
}

/**
 * An element of `className` that draws `option` at width × height CSS pixels once it is in the
 * document; `data-rendered="true"` when drawn.
 */
export function chartElement(option: ChartOption, className: string, width: number, height: number): HTMLElement {
  defineChartElement();
  // Start the fetch now, while the panel is being built and inserted.
  void loadECharts().catch(() => undefined);
  const el = document.createElement('pm-chart') as HTMLElement & { spec: ChartSpec | null };
  el.spec = { option, width, height };
  el.className = `chart ${className}`;
  el.style.display = 'block';
  el.style.width = `${width}px`;
  el.style.maxWidth = '100%';
  el.style.height = `${height}px`;
  return el;
}

/** Reported vs closed per day (the region panel's trend). */
export function trendOption(
  trend: readonly { date: string; reported: number; closed: number }[],
  labels: { reported: string; closed: string },
): ChartOption {
  return {
    grid: { left: 30, right: 8, top: 8, bottom: 20 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: trend.map((d) => d.date.slice(5)), axisLabel: { fontSize: 9 } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 9 } },
    series: [
      { name: labels.reported, type: 'line', showSymbol: false, data: trend.map((d) => d.reported), color: '#e6550d' },
      { name: labels.closed, type: 'line', showSymbol: false, data: trend.map((d) => d.closed), color: '#31a354' },
    ],
  };
}

/** Open items per day against the ideal line (a campaign's burn-down). */
export function burnDownOption(
  points: readonly { date: string; open: number; ideal: number }[],
  labels: { open: string; ideal: string },
): ChartOption {
  return {
    grid: { left: 34, right: 10, top: 26, bottom: 22 },
    legend: { top: 0, data: [labels.open, labels.ideal] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: points.map((p) => p.date.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: labels.open, type: 'line', data: points.map((p) => p.open), color: '#c23531' },
      {
        name: labels.ideal,
        type: 'line',
        data: points.map((p) => p.ideal),
        lineStyle: { type: 'dashed' },
        color: '#888',
      },
    ],
  };
}

/** This period vs the previous one for a few counts (bars side by side). */
export function compareOption(
  rows: readonly { label: string; current: number; previous: number }[],
  labels: { current: string; previous: string },
): ChartOption {
  return {
    grid: { left: 34, right: 10, top: 26, bottom: 22 },
    legend: { top: 0, data: [labels.previous, labels.current] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: rows.map((r) => r.label) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: labels.previous, type: 'bar', data: rows.map((r) => r.previous), color: '#9ecae1' },
      { name: labels.current, type: 'bar', data: rows.map((r) => r.current), color: '#3182bd' },
    ],
  };
}
