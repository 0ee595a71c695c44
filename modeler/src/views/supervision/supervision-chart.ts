/** The weekly trend of cards, a stacked bar chart with Apache ECharts (loaded when the view opens). */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { LevelCount } from './supervision-figures.js';

echarts.use([BarChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

export function drawTrend(
  container: HTMLElement,
  title: string,
  names: [string, string],
  weeks: LevelCount[],
): void {
  const chart =
    echarts.getInstanceByDom(container) ?? echarts.init(container, undefined, { renderer: 'canvas' });
  chart.setOption(
    {
      animation: false,
      color: ['#faad14', '#cf1322'],
      title: { text: title, left: 'center', top: 4, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      legend: { top: 30 },
      grid: { top: 66, left: 40, right: 16, bottom: 28 },
      xAxis: { type: 'category', data: weeks.map((w) => w.name) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: names[0], type: 'bar', stack: 'cards', data: weeks.map((w) => w.yellow), barMaxWidth: 28 },
        { name: names[1], type: 'bar', stack: 'cards', data: weeks.map((w) => w.red), barMaxWidth: 28 },
      ],
    },
    true,
  );
}
