/**
 * Apache ECharts in the page (the convention of Chinese government dashboards): only the parts
 * used (line and bar charts, grid, legend, tooltip, SVG renderer) are bundled. The option builders
 * are pure, so tests check them without a browser.
 */
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/**
 * Draws `option` into a new element of `className` at width × height CSS pixels; the chart is
 * disposed when the element leaves the page (a MutationObserver on its parent would be heavier).
 */
export function chartElement(option: ChartOption, className: string, width: number, height: number): HTMLElement {
  const el = document.createElement('div');
  el.className = `chart ${className}`;
  el.style.width = `${width}px`;
  el.style.maxWidth = '100%';
  el.style.height = `${height}px`;
  // Initialise once the element is in the document (ECharts measures its container).
  requestAnimationFrame(() => {
    if (!el.isConnected) return;
    const chart = echarts.init(el, null, { renderer: 'svg', width: Math.min(width, el.clientWidth || width), height });
    chart.setOption({ animation: false, ...option });
    el.dataset.rendered = 'true';
  });
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
