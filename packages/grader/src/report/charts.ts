/**
 * The class report's two charts, drawn by Apache ECharts' server-side
 * renderer (`echarts.init(null, null, {renderer: 'svg', ssr: true})`,
 * `renderToSVGString()`): plain SVG text to put inline in the page, so the
 * page needs no script and no network. Animation is off and every chart is
 * disposed of after rendering (a live chart keeps the process alive).
 */
import type { ScenarioRate, ScoreBin } from './class-stats.js';

/** Colours of the page (passed, failed or not gradable, axis text). */
export const COLOURS = { graded: '#3b6ea5', notGradable: '#c0504d', pass: '#4a8f4a', text: '#333333' };

/** Render one ECharts option to an SVG string of `width` x `height` pixels. */
async function svg(option: Record<string, unknown>, width: number, height: number): Promise<string> {
  const echarts = await import('echarts');
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif', color: COLOURS.text }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The score histogram: submissions per score, graded and not gradable stacked. */
export function histogramSvg(bins: readonly ScoreBin[], maxScore: number): Promise<string> {
  return svg(
    {
      legend: { top: 0, data: ['graded', 'not gradable'] },
      grid: { left: 48, right: 16, top: 36, bottom: 44 },
      xAxis: {
        type: 'category',
        name: `score (out of ${maxScore})`,
        nameLocation: 'middle',
        nameGap: 28,
        data: bins.map((b) => b.label),
      },
      yAxis: { type: 'value', name: 'submissions', minInterval: 1 },
      series: [
        {
          name: 'graded',
          type: 'bar',
          stack: 'n',
          data: bins.map((b) => b.graded),
          itemStyle: { color: COLOURS.graded },
        },
        {
          name: 'not gradable',
          type: 'bar',
          stack: 'n',
          data: bins.map((b) => b.notGradable),
          itemStyle: { color: COLOURS.notGradable },
        },
      ],
    },
    560,
    300,
  );
}

/** Pass rate per scenario, one horizontal bar each (percent), hidden scenarios marked. */
export function passRateSvg(rates: readonly ScenarioRate[]): Promise<string> {
  const names = rates.map((r) => `${r.id}${r.visible ? '' : ' (hidden)'}`);
  return svg(
    {
      grid: { left: 200, right: 52, top: 8, bottom: 40 },
      xAxis: {
        type: 'value',
        min: 0,
        max: 100,
        name: '% of graded submissions passing',
        nameLocation: 'middle',
        nameGap: 24,
      },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { fontSize: 11 } },
      series: [
        {
          type: 'bar',
          data: rates.map((r) => Math.round(r.rate * 1000) / 10),
          itemStyle: { color: COLOURS.pass },
          label: { show: true, position: 'right', formatter: '{c}%' },
        },
      ],
    },
    580,
    Math.max(160, 22 * rates.length + 56),
  );
}
