/** Beside the modeler: the static metrics of the diagram and the list of findings, updated on each analysis. */
import { figureLabel, findingMessageZh } from '../../../../engine/browser.js';
import type { DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import type { ApiFinding, StaticMetrics } from '../../api/types.js';
import { formatFigure, h, replaceChildren } from '../../dom.js';
import { language, t } from '../../i18n/language.js';

/** The static figures shown, in the order of the four reductions (四减) and then the rest; labelled by the catalogue. */
export const STATIC_FIGURES: (keyof StaticMetrics)[] = [
  'steps',
  'materials',
  'applicantMaterials',
  'timeLimitDays',
  'pathTimeLimitDays',
  'trips',
  'departments',
  'statutoryLimitDays',
];

export interface AnalysisPanel {
  element: HTMLElement;
  showMetrics(analysis: DiagramAnalysis): void;
  /** The findings of the diagram; `fromServer` of them came with a refused deployment. */
  showFindings(findings: ApiFinding[], fromServer: ApiFinding[], quiet?: boolean): void;
}

/**
 * A finding in Chinese first, its precise English after it (marked lang="en": it quotes expressions and paths);
 * a refused deployment's findings come from the server already in the interface language.
 */
function findingText(f: ApiFinding, fromServer: boolean): (string | HTMLElement)[] {
  if (language !== 'zh' || fromServer) return [f.message];
  return [
    findingMessageZh({ elementId: null, type: f.type, message: f.message }),
    ' ',
    h('small', { class: 'reflow-finding-en', lang: 'en' }, f.message),
  ];
}

export function createAnalysisPanel(onSelect: (elementId: string) => void): AnalysisPanel {
  const metricsTable = h('dl', { class: 'reflow-metrics', id: 'reflow-static-metrics' });
  const findingsList = h('ul', { class: 'reflow-findings', id: 'reflow-findings' });
  const findingsTitle = h('h3', null, t('Findings'));
  const element = h(
    'section',
    { class: 'reflow-analysis' },
    h('div', null, h('h3', null, t('Static metrics')), metricsTable),
    h('div', { class: 'reflow-findings-box' }, findingsTitle, findingsList),
  );

  const listFindings = (findings: ApiFinding[], fromServer: ApiFinding[], quiet = false) => {
    if (quiet) {
      findingsTitle.textContent = t('Findings');
      replaceChildren(
        findingsList,
        h('li', { class: 'reflow-finding-none' }, t('A new diagram: findings are shown once you edit it')),
      );
      return;
    }
    const source = fromServer.length ? ` · ${t('refused by the server')}: ${fromServer.length}` : '';
    findingsTitle.textContent = `${t('Findings')} (${findings.length})${source}`;
    if (findings.length === 0) {
      replaceChildren(
        findingsList,
        h('li', { class: 'reflow-finding-none' }, t('No findings: the engine can run this diagram')),
      );
      return;
    }
    replaceChildren(
      findingsList,
      ...findings.map((f) =>
        h(
          'li',
          {
            class: `reflow-finding reflow-finding-${f.severity ?? 'error'}${fromServer.includes(f) ? ' reflow-finding-server' : ''}`,
            'data-element-id': f.elementId ?? '',
            onClick: () => f.elementId && onSelect(f.elementId),
          },
          h('span', { class: 'reflow-finding-severity' }, t(f.severity === 'warning' ? 'warning' : 'error')),
          f.elementId ? h('code', null, f.elementId) : null,
          ' ',
          ...findingText(f, fromServer.includes(f)),
        ),
      ),
    );
  };

  return {
    element,
    showMetrics(analysis) {
      const metrics = analysis.metrics;
      replaceChildren(
        metricsTable,
        ...STATIC_FIGURES.flatMap((key) => [
          h('dt', null, figureLabel(key, language)),
          h('dd', { 'data-metric': key }, metrics ? formatFigure(metrics[key]) : '—'),
        ]),
      );
    },
    showFindings: listFindings,
  };
}
