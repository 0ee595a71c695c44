/** 热力图 — per-step mean duration and breaches of one version, painted on its diagram. */
import { api } from '../../api/client.js';
import type { DefinitionVersion } from '../../api/types.js';
import { createReadOnlyDiagram } from '../../diagram/read-only-diagram.js';
import { formatFigure, h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import { createVersionPicker } from '../common/definitions.js';
import { MetricsUnavailable, versionMetrics } from '../common/metrics-api.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { heatColour, paintHeatmap } from './heatmap-overlays.js';

export function createHeatmapView(): View {
  const status = createStatusLine('reflow-heatmap-status');
  const container = h('div', { class: 'reflow-diagram reflow-diagram-large', id: 'reflow-heatmap-diagram' });
  const diagram = createReadOnlyDiagram(container, { legible: true });
  const table = h('div', { class: 'reflow-heatmap-table' });
  const picker = createVersionPicker({ id: 'heatmap', count: 1, onChange: () => void load() });
  const legend = h(
    'p',
    { class: 'reflow-legend' },
    t('fastest'),
    ' ',
    [0, 0.25, 0.5, 0.75, 1].map((share) =>
      h('span', { class: 'reflow-swatch', style: `background:${heatColour(share)}` }),
    ),
    ' ',
    t('slowest (mean working days)'),
  );

  async function load(): Promise<void> {
    const key = picker.process();
    const [version] = picker.versions();
    if (!key || !version)
      return status.set('info', t('No deployed process yet: deploy one from the modeler'));
    try {
      const definition = await api<DefinitionVersion>(
        `/api/definitions/${encodeURIComponent(key)}/versions/${version}`,
      );
      await diagram.open(definition.xml);
      const metrics = await versionMetrics(key, version);
      const steps = metrics.dynamic?.steps ?? [];
      const painted = paintHeatmap(diagram.viewer, steps);
      const slowest = [...steps].sort((a, b) => (b.meanWorkingDays ?? 0) - (a.meanWorkingDays ?? 0));
      replaceChildren(
        table,
        h(
          'table',
          { class: 'reflow-table', id: 'reflow-heatmap-steps' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Step', 'Element', 'Runs', 'Mean working days', 'P90 working days', 'Over limit'].map((c) =>
                h('th', null, t(c)),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            slowest.map((s) =>
              h(
                'tr',
                {
                  'data-element-id': s.elementId,
                  onMouseenter: () => diagram.highlight(s.elementId, true),
                  onMouseleave: () => diagram.highlight(null),
                },
                h('td', null, s.name ?? ''),
                h('td', null, h('code', null, s.elementId)),
                h('td', { class: 'reflow-number' }, s.count),
                h('td', { class: 'reflow-number' }, formatFigure(s.meanWorkingDays)),
                h('td', { class: 'reflow-number' }, formatFigure(s.p90WorkingDays)),
                h('td', { class: s.breaches ? 'reflow-number reflow-up' : 'reflow-number' }, s.breaches),
              ),
            ),
          ),
        ),
      );
      status.set(
        'ok',
        t('{key} v{version}: {cases} cases, {n} steps measured', {
          key,
          version,
          cases: metrics.dynamic?.cases ?? 0,
          n: painted,
        }),
      );
    } catch (error) {
      replaceChildren(table);
      if (error instanceof MetricsUnavailable) status.set('error', error.message);
      else status.error(error);
    }
  }

  // the step pointed at on the diagram lights up its row, and a row pointed at lights up its step
  diagram.onHover((elementId) => {
    diagram.highlight(elementId);
    for (const row of Array.from(table.querySelectorAll<HTMLElement>('tr[data-element-id]')))
      row.classList.toggle('reflow-row-hover', row.dataset.elementId === elementId);
  });

  const element = h(
    'section',
    { class: 'reflow-view', id: 'view-heatmap' },
    h(
      'div',
      { class: 'reflow-toolbar' },
      picker.element,
      h('button', { id: 'reflow-heatmap-show', onClick: () => load() }, t('Show')),
      diagram.zoomControls('reflow-heatmap-zoom'),
      legend,
    ),
    status.element,
    container,
    table,
  );
  return {
    element,
    async show(params) {
      diagram.fit();
      await picker.open(params, status, load);
    },
  };
}
