/**
 * 对比 — two versions side by side: the four reductions (四减), the outcome figures, the cards of electronic
 * supervision by department, case duration distributions and the slowest steps as charts, and the printable
 * report.
 */
import { figureDefinition, figureLabel } from '../../../../engine/browser.js';
import { ApiError, apiBlob } from '../../api/client.js';
import type { Comparison, StepMetrics } from '../../api/types.js';
import { formatFigure, h, replaceChildren } from '../../dom.js';
import { language, t } from '../../i18n/language.js';
import { createVersionPicker } from '../common/definitions.js';
import { comparison, departmentComparison, MetricsUnavailable } from '../common/metrics-api.js';
import { type FigureRow, figureTable } from '../common/metrics-table.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { departmentCardsTable } from './department-cards.js';
import { type ServedHistogram, servedHistogram } from './duration-histogram.js';

/** 减环节、减材料、减时限、减跑动: the figures the reform is judged by. */
const REDUCTIONS = ['steps', 'applicantMaterials', 'timeLimitDays', 'trips'];

/** The outcomes, labelled, stated and coloured as the catalogue of figures says (engine/metrics/figures.ts). */
const OUTCOMES = [
  'cases',
  'completed',
  'meanWorkingDays',
  'medianWorkingDays',
  'p90WorkingDays',
  'meanTrips',
  'firstTimeRate',
  'onTimeRate',
  'satisfaction',
  'badRatings',
  // rates of bad ratings, with the counts beside: the counts follow the number of cases
  'rectifiedOnTimeRate',
  'calledBackRate',
  // 电子监察: shares of the supervised completed cases, with the counts beside (a reform should lower them)
  'warningRate',
  'redCardRate',
];

const figureOf = (side: Comparison['before'], key: string): number | null => {
  const value =
    (side.static as unknown as Record<string, unknown>)[key] ??
    (side.dynamic as Record<string, unknown>)?.[key];
  return typeof value === 'number' ? value : null;
};

function rows(result: Comparison, figures: string[]): FigureRow[] {
  return figures.map((key) => {
    const change = result.change?.[key];
    // a rate of a count shows the count and its whole beside each value, as the catalogue pairs them: "26 / 28"
    const definition = figureDefinition(key);
    const count = definition?.wholeKey ? definition.countKey : undefined;
    const beside = (side: Comparison['before']) => {
      const whole = figureOf(side, definition?.wholeKey ?? '');
      return count && whole !== null ? `(${figureOf(side, count) ?? 0} / ${whole})` : null;
    };
    return {
      key,
      label: key,
      values: [figureOf(result.before, key), figureOf(result.after, key)],
      ...(count ? { beside: [beside(result.before), beside(result.after)] } : {}),
      ...(change ? { delta: change.delta, percent: change.percent } : {}),
    };
  });
}

const slowest = (steps: StepMetrics[] = [], n = 5) =>
  [...steps].sort((a, b) => (b.meanWorkingDays ?? 0) - (a.meanWorkingDays ?? 0)).slice(0, n);

function slowestTable(id: string, title: string, steps: StepMetrics[]): HTMLElement {
  return h(
    'div',
    { class: 'reflow-pane' },
    h('h4', null, title),
    h(
      'table',
      { class: 'reflow-table', id },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Step', 'Mean working days', 'P90 working days', 'Over limit'].map((c) => h('th', null, t(c))),
        ),
      ),
      h(
        'tbody',
        null,
        steps.map((s) =>
          h(
            'tr',
            { 'data-element-id': s.elementId },
            h('td', null, s.name ?? s.elementId),
            h('td', { class: 'reflow-number' }, formatFigure(s.meanWorkingDays)),
            h('td', { class: 'reflow-number' }, formatFigure(s.p90WorkingDays)),
            h('td', { class: 'reflow-number' }, s.breaches),
          ),
        ),
      ),
    ),
  );
}

export function createComparisonView(): View {
  const status = createStatusLine('reflow-comparison-status');
  const picker = createVersionPicker({ id: 'comparison', count: 2, labels: [t('Before'), t('After')] });
  const results = h('div', { class: 'reflow-comparison' });
  const chart = (id: string) => h('div', { class: 'reflow-chart', id });

  async function openReport(): Promise<void> {
    const key = picker.process();
    const [from, to] = picker.versions();
    if (!key || !from || !to) return;
    const target = window.open('', '_blank'); // opened now, while the click still counts as the user's
    try {
      const blob = await apiBlob(
        `/api/processes/${encodeURIComponent(key)}/report?from=${from}&to=${to}&lang=${language}`,
      );
      const url = URL.createObjectURL(new Blob([blob], { type: 'text/html' }));
      if (target) target.location.href = url;
      else location.href = url;
      status.set('ok', t('The report opened in a new window'));
    } catch (error) {
      target?.close();
      if (error instanceof ApiError && error.status === 404)
        status.set('error', t('This server has no report yet (404): update the server'));
      else status.error(error);
    }
  }

  async function compare(): Promise<void> {
    const key = picker.process();
    const [from, to] = picker.versions();
    if (!key || !from || !to)
      return status.set('info', t('No deployed process yet: deploy one from the modeler'));
    const charts = await import('./comparison-charts.js');
    charts.disposeCharts(results);
    try {
      const result = await comparison(key, from, to);
      const names: [string, string] = [`${t('Before')} v${from}`, `${t('After')} v${to}`];
      let durations: ServedHistogram | null = null;
      let durationsError = '';
      try {
        durations = await servedHistogram(key, from, to);
      } catch (error) {
        durationsError = error instanceof Error ? error.message : String(error);
      }
      // 电子监察 by department: its own answer (it reads the versions' steps), shown whatever the rest did
      let departments: HTMLElement;
      try {
        departments = departmentCardsTable(await departmentComparison(key, from, to), names);
      } catch (error) {
        departments = h(
          'p',
          { class: 'reflow-empty', id: 'reflow-department-cards-error' },
          t('The department figures could not be loaded: {reason}', {
            reason: error instanceof Error ? error.message : String(error),
          }),
        );
      }
      const reductionChart = chart('reflow-chart-reductions');
      const histogramChart = chart('reflow-chart-durations');
      const summaryChart = chart('reflow-chart-duration-summary');
      const stepsChart = chart('reflow-chart-slowest');
      replaceChildren(
        results,
        h('h3', null, t('The four reductions')),
        figureTable('reflow-reductions', names, rows(result, REDUCTIONS)),
        h('h3', null, t('Outcomes')),
        figureTable('reflow-outcomes', names, rows(result, OUTCOMES)),
        h('h3', null, t('Cards by department')),
        departments,
        h('div', { class: 'reflow-charts' }, reductionChart, summaryChart, histogramChart, stepsChart),
        h('h3', null, t('Slowest steps')),
        h(
          'div',
          { class: 'reflow-panes' },
          slowestTable('reflow-slowest-before', names[0], slowest(result.before.dynamic?.steps)),
          slowestTable('reflow-slowest-after', names[1], slowest(result.after.dynamic?.steps)),
        ),
      );
      const pick = (keys: string[]) =>
        [keys.map((k) => figureOf(result.before, k)), keys.map((k) => figureOf(result.after, k))] as [
          (number | null)[],
          (number | null)[],
        ];
      charts.drawPairChart(reductionChart, {
        title: t('The four reductions'),
        categories: REDUCTIONS.map((key) => figureLabel(key, language)),
        names,
        values: pick(REDUCTIONS),
      });
      const durationKeys = ['meanWorkingDays', 'medianWorkingDays', 'p90WorkingDays'];
      charts.drawPairChart(summaryChart, {
        title: t('Case duration (working days)'),
        categories: ['Mean working days', 'Median working days', 'P90 working days'].map((k) => t(k)),
        names,
        values: pick(durationKeys),
      });
      if (durations) {
        // the server's bins over every completed case, as the printed report draws them
        histogramChart.dataset.before = JSON.stringify(durations.before.counts);
        histogramChart.dataset.after = JSON.stringify(durations.after.counts);
        const round = (x: number) => String(Math.round(x * 100) / 100);
        const title = t('Distribution of case durations: all completed cases, v{a} {n} and v{b} {m}', {
          a: from,
          n: durations.before.cases,
          b: to,
          m: durations.after.cases,
        });
        histogramChart.setAttribute('aria-label', title);
        charts.drawPairChart(histogramChart, {
          title,
          categories: durations.before.counts.map((_, i) =>
            i === durations.before.counts.length - 1
              ? `≥${round(i * durations.binDays)}`
              : `${round(i * durations.binDays)}–${round((i + 1) * durations.binDays)}`,
          ),
          names,
          values: [durations.before.counts, durations.after.counts],
          labelEvery: 8,
        });
      } else
        histogramChart.textContent = t('The duration histogram could not be loaded: {reason}', {
          reason: durationsError,
        });
      const stepNames = [
        ...new Set(
          [...slowest(result.before.dynamic?.steps), ...slowest(result.after.dynamic?.steps)].map(
            (s) => s.name ?? s.elementId,
          ),
        ),
      ];
      const meanOf = (steps: StepMetrics[] = [], name: string) =>
        steps.find((s) => (s.name ?? s.elementId) === name)?.meanWorkingDays ?? null;
      charts.drawPairChart(stepsChart, {
        title: t('Slowest steps (mean working days)'),
        categories: stepNames,
        names,
        values: [
          stepNames.map((n) => meanOf(result.before.dynamic?.steps, n)),
          stepNames.map((n) => meanOf(result.after.dynamic?.steps, n)),
        ],
        horizontal: true,
      });
      status.set('ok', t('{key}: v{a} → v{b}', { key, a: from, b: to }));
    } catch (error) {
      replaceChildren(results);
      if (error instanceof MetricsUnavailable) status.set('error', error.message);
      else status.error(error);
    }
  }

  const element = h(
    'section',
    { class: 'reflow-view', id: 'view-comparison' },
    h(
      'div',
      { class: 'reflow-toolbar' },
      picker.element,
      h('button', { id: 'reflow-compare', class: 'reflow-primary', onClick: () => compare() }, t('Compare')),
      h('button', { id: 'reflow-report', onClick: () => openReport() }, t('Printable report')),
    ),
    status.element,
    results,
  );
  return {
    element,
    show: (params) => picker.open(params, status, compare),
  };
}
