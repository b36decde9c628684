/**
 * The ECharts parts the page draws with (line and bar charts, grid, legend, tooltip, SVG
 * renderer), in a chunk of their own: panels/charts.ts imports this module only when a chart is
 * first shown, so the first coloured map never fetches ECharts.
 */
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export const init = echarts.init;
