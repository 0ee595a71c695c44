/** 版本 — the versions of a process, and two of them side by side: both diagrams, what changed, their static metrics. */
import { api } from '../../api/client.js';
import type { DefinitionVersion } from '../../api/types.js';
import { createReadOnlyDiagram, linkViewboxes } from '../../diagram/read-only-diagram.js';
import { formatTime, h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import { createVersionPicker } from '../common/definitions.js';
import { figureTable } from '../common/metrics-table.js';
import { inForceText, statusBadge } from '../common/publication.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { STATIC_FIGURES } from '../modeler/analysis-panel.js';
import { changeList, diffVersions } from './version-diff.js';

export function createVersionsView(): View {
  const status = createStatusLine('reflow-versions-status');
  const metrics = h('div', { class: 'reflow-version-metrics' });
  const panes = [0, 1].map((i) => {
    const title = h('h3', { class: 'reflow-pane-title' });
    const container = h('div', {
      class: 'reflow-diagram reflow-diagram-large',
      id: `reflow-version-diagram-${i + 1}`,
    });
    const diagram = createReadOnlyDiagram(container, { legible: true });
    return {
      title,
      container,
      diagram,
      element: h(
        'div',
        { class: 'reflow-pane' },
        h('div', { class: 'reflow-pane-head' }, title, diagram.zoomControls(`reflow-version-zoom-${i + 1}`)),
        container,
      ),
    };
  });
  /** An element pointed at — in a diagram or in the list of changes — lit in both diagrams and in the list. */
  const point = (elementId: string | null, scroll: boolean) => {
    for (const pane of panes) pane.diagram.highlight(elementId, scroll);
    for (const item of Array.from(metrics.querySelectorAll<HTMLElement>('li[data-element]')))
      item.classList.toggle('reflow-row-hover', item.dataset.element === elementId);
  };
  for (const pane of panes) pane.diagram.onHover((elementId) => point(elementId, false));
  // panning or zooming one version moves the other alike
  linkViewboxes(panes.map((p) => p.diagram));
  const versionList = h('div', { class: 'reflow-version-list' });
  const picker = createVersionPicker({
    id: 'versions',
    count: 2,
    labels: [t('Version A'), t('Version B')],
    onChange: () => void compare(),
  });

  async function compare(): Promise<void> {
    const key = picker.process();
    const [a, b] = picker.versions();
    if (!key || !a || !b)
      return status.set('info', t('No deployed process yet: deploy one from the modeler'));
    replaceChildren(
      versionList,
      h('h3', null, t('Versions of {key}', { key })),
      h('p', { id: 'reflow-versions-in-force', class: 'reflow-in-force' }, inForceText(picker.summary())),
      h(
        'ul',
        { id: 'reflow-version-list' },
        (picker.summary()?.versions ?? []).map((v) =>
          h(
            'li',
            {
              'data-version': String(v.version),
              class: v.status === 'published' ? 'reflow-in-force-row' : null,
            },
            h('strong', null, `v${v.version}`),
            ' ',
            statusBadge(v.status),
            v.status === 'published'
              ? h('span', { class: 'reflow-in-force-marker' }, ` ◀ ${t('in force')}`)
              : null,
            v.scheduledAt ? ` · ${t('effective from {time}', { time: formatTime(v.scheduledAt) })}` : null,
            ` · ${formatTime(v.deployedAt)} · `,
            h('a', { href: `#/modeler/${encodeURIComponent(key)}/${v.version}` }, t('open in the modeler')),
          ),
        ),
      ),
    );
    try {
      const [va, vb] = await Promise.all(
        [a, b].map((v) =>
          api<DefinitionVersion>(`/api/definitions/${encodeURIComponent(key)}/versions/${v}`),
        ),
      );
      await Promise.all([panes[0].diagram.open(va.xml), panes[1].diagram.open(vb.xml)]);
      panes[0].title.textContent = `v${va.version} · ${formatTime(va.deployedAt)}`;
      panes[1].title.textContent = `v${vb.version} · ${formatTime(vb.deployedAt)}`;
      const diff = await diffVersions(va.xml, vb.xml, key);
      const mark = (pane: (typeof panes)[number], ids: string[], marker: string) => {
        const canvas = pane.diagram.viewer.get('canvas');
        const registry = pane.diagram.viewer.get('elementRegistry');
        for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker);
      };
      mark(panes[0], diff.removed, 'reflow-removed');
      mark(panes[0], diff.changed, 'reflow-changed');
      mark(panes[1], diff.added, 'reflow-added');
      mark(panes[1], diff.changed, 'reflow-changed');
      replaceChildren(
        metrics,
        figureTable(
          'reflow-version-figures',
          [`v${va.version}`, `v${vb.version}`],
          STATIC_FIGURES.map((figure) => ({
            key: figure,
            label: figure,
            values: [va.metrics?.[figure], vb.metrics?.[figure]],
          })),
        ),
        h(
          'p',
          { class: 'reflow-legend' },
          h('span', { class: 'reflow-swatch reflow-swatch-added' }),
          t('added: {n}', { n: diff.added.length }),
          ' ',
          h('span', { class: 'reflow-swatch reflow-swatch-removed' }),
          t('removed: {n}', { n: diff.removed.length }),
          ' ',
          h('span', { class: 'reflow-swatch reflow-swatch-changed' }),
          t('changed: {n}', { n: diff.changed.length }),
        ),
        changeList(diff, { onPoint: (elementId) => point(elementId, true) }),
      );
      status.set('ok', t('{key}: v{a} and v{b}', { key, a, b }));
    } catch (error) {
      status.error(error);
    }
  }

  const element = h(
    'section',
    { class: 'reflow-view', id: 'view-versions' },
    h(
      'div',
      { class: 'reflow-toolbar' },
      picker.element,
      h('button', { id: 'reflow-versions-compare', onClick: () => compare() }, t('Compare')),
    ),
    status.element,
    versionList,
    h(
      'div',
      { class: 'reflow-panes' },
      panes.map((p) => p.element),
    ),
    metrics,
  );
  return {
    element,
    show: (params) => picker.open(params, status, compare),
  };
}
