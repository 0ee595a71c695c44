/** The comparison's charts, with Apache ECharts (loaded only when the comparison is opened). */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

export interface SeriesPair {
  title: string;
  categories: string[];
  names: [string, string];
  values: [(number | null)[], (number | null)[]];
  horizontal?: boolean;
  /** Show every n-th category label (default: every one). */
  labelEvery?: number;
}

const COLOURS = ['#8c8c8c', '#1677ff'];

/** Draws (or redraws) a grouped bar chart of two series into `container`. */
export function drawPairChart(container: HTMLElement, pair: SeriesPair): void {
  const chart =
    echarts.getInstanceByDom(container) ?? echarts.init(container, undefined, { renderer: 'canvas' });
  const categoryAxis = {
    type: 'category' as const,
    data: pair.categories,
    axisLabel: { interval: (pair.labelEvery ?? 1) - 1, width: 110, overflow: 'truncate' as const },
  };
  const valueAxis = { type: 'value' as const };
  chart.setOption(
    {
      animation: false,
      color: COLOURS,
      title: { text: pair.title, left: 'center', top: 4, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      legend: { top: 30 },
      grid: { top: 66, left: pair.horizontal ? 120 : 40, right: 16, bottom: 28 },
      xAxis: pair.horizontal ? valueAxis : categoryAxis,
      yAxis: pair.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: pair.names.map((name, i) => ({
        name,
        type: 'bar' as const,
        data: pair.values[i],
        barMaxWidth: 28,
      })),
    },
    true,
  );
}

/** Frees the charts of a container that is emptied. */
export function disposeCharts(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('.reflow-chart').forEach((node) => {
    echarts.getInstanceByDom(node)?.dispose();
  });
}
