/**
 * 建模 — the bpmn-js Modeler with the properties panel and our gov groups, live validation by the engine's
 * validator, live static metrics and the critical path; open from and deploy to the server; .bpmn files.
 */

import Modeler from 'bpmn-js/lib/Modeler.js';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import govDescriptor from '../../../../engine/model/gov-descriptor.json' with { type: 'json' };
import type { DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import { ApiError, api, apiWithStatus, tokenStore } from '../../api/client.js';
import type { DefinitionVersion, Deployed } from '../../api/types.js';
import { h } from '../../dom.js';
import criticalPathModule from '../../features/critical-path/index.js';
import govPropertiesModule from '../../features/gov-properties/index.js';
import liveValidationModule from '../../features/live-validation/index.js';
import {
  ANALYSIS_EVENT,
  FINDINGS_EVENT,
  type FindingsEvent,
} from '../../features/live-validation/LiveValidation.js';
import { t, translateModule } from '../../i18n/language.js';
import { createVersionPicker } from '../common/definitions.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { createAnalysisPanel } from './analysis-panel.js';
import { newDiagramXml } from './new-diagram.js';

type Any = any;

declare global {
  interface Window {
    /** The page's bpmn-js Modeler, for automation and tests. */
    reflowModeler: Any;
  }
}

/** The process key of the diagram: the id of its (first executable) process. */
function processKey(modeler: Any): string {
  const definitions = modeler.getDefinitions();
  const processes = (definitions?.rootElements ?? []).filter((e: Any) => e.$type === 'bpmn:Process');
  return (processes.find((p: Any) => p.isExecutable) ?? processes[0])?.id ?? 'diagram';
}

export function createModelerView(): View {
  const canvas = h('div', { class: 'reflow-canvas', id: 'reflow-canvas' });
  const properties = h('div', { class: 'reflow-properties', id: 'reflow-properties' });
  const status = createStatusLine('reflow-modeler-status');
  // bpmn-js is ESM without "type": "module"; TypeScript reads it as CommonJS, esbuild bundles it as ESM
  const ModelerClass = Modeler as unknown as new (options: Record<string, unknown>) => Any;
  const modeler: Any = new ModelerClass({
    container: canvas,
    propertiesPanel: {
      parent: properties,
      layout: {
        groups: {
          general: { open: true },
          'gov-process': { open: true },
          'gov-step': { open: true },
          'gov-materials': { open: true },
          'gov-expressions': { open: true },
        },
      },
    },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      govPropertiesModule,
      liveValidationModule,
      criticalPathModule,
      translateModule,
    ],
    moddleExtensions: { gov: govDescriptor },
  });
  window.reflowModeler = modeler;

  const select = (elementId: string) => {
    const element =
      modeler.get('elementRegistry').get(elementId) ??
      modeler.get('elementRegistry').find((e: Any) => e.businessObject?.processRef?.id === elementId);
    if (!element) return;
    modeler.get('selection').select(element);
    if (element.parent) modeler.get('canvas').scrollToElement(element);
  };
  const panel = createAnalysisPanel(select);
  modeler.on(ANALYSIS_EVENT, ({ analysis }: { analysis: DiagramAnalysis }) => panel.showMetrics(analysis));
  modeler.on(FINDINGS_EVENT, ({ findings, serverFindings, quiet }: FindingsEvent) =>
    panel.showFindings(findings, serverFindings, quiet),
  );

  /** What the modeler shows: a diagram from the server or a file, or (quiet: no findings until edited) a new one. */
  let opened: 'none' | 'new' | 'diagram' = 'none';
  // a new diagram once drawn on is the user's work: it is not replaced by the dropdown's process
  modeler.on('commandStack.changed', () => {
    if (opened === 'new') opened = 'diagram';
  });
  // a diagram imported while the list loads (a file, automation) is not replaced by the dropdown's process
  let imports = 0;
  modeler.on('import.done', () => imports++);
  const open = async (xml: string, source: string, quiet = false) => {
    modeler.get('liveValidation').quietUntilEdited(quiet);
    opened = quiet ? 'new' : 'diagram';
    try {
      const { warnings } = await modeler.importXML(xml);
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      status.set(
        warnings.length ? 'info' : 'ok',
        warnings.length
          ? t('Opened {source} with {n} import warnings (see the console)', { source, n: warnings.length })
          : t('Opened {source}', { source }),
      );
      if (warnings.length) console.warn('import warnings', warnings);
    } catch (error) {
      status.set('error', `${t('Cannot open {source}', { source })}: ${(error as Error).message}`);
    }
  };

  const picker = createVersionPicker({ id: 'modeler-open', count: 1 });
  const openFromServer = async (key = picker.process(), version = picker.versions()[0]) => {
    if (!key || !version)
      return status.set(
        'error',
        t('Choose a process and a version (deployed processes are listed once a token is set)'),
      );
    try {
      const definition = await api<DefinitionVersion>(
        `/api/definitions/${encodeURIComponent(key)}/versions/${version}`,
      );
      await open(definition.xml, `${key} v${version}`);
    } catch (error) {
      status.error(error);
    }
  };

  const deploy = async () => {
    const liveValidation = modeler.get('liveValidation');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const { status: code, body } = await apiWithStatus<Deployed>('/api/definitions', {
        method: 'POST',
        body: xml,
      });
      const names = { key: body.key, version: body.version };
      const processes = body.processes ?? [];
      // a collaboration: each pool's process is its own key, with a new version only where it changed
      const listed = processes
        .map((p) => `${p.key} v${p.version}${p.created ? ` (${t('new')})` : ''}`)
        .join(', ');
      const message =
        processes.length > 1
          ? t('Deployed the {n} processes of the file: {list}', { n: processes.length, list: listed })
          : code === 201
            ? t('Deployed {key} as version {version}', names)
            : body.diagramUpdated
              ? t('Same process as {key} version {version}: no new version, its diagram updated', names)
              : t('Unchanged: {key} version {version} has this content already', names);
      status.set(
        'ok',
        body.warnings.length ? `${message} · ${t('{n} warnings', { n: body.warnings.length })}` : message,
      );
      await picker.refresh().catch(() => undefined);
      picker.select(body.key, [body.version]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        liveValidation.showServerFindings(error.errors);
        status.set(
          'error',
          t('The server refused the deployment: {n} findings, marked on the diagram', {
            n: error.errors.length,
          }),
        );
      } else {
        status.error(error);
      }
    }
  };

  const download = async () => {
    const { xml } = await modeler.saveXML({ format: true });
    const link = h('a', {
      href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })),
      download: `${processKey(modeler)}.bpmn`,
    });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  };

  const upload = h('input', {
    type: 'file',
    accept: '.bpmn,.xml,application/xml',
    id: 'reflow-upload',
    class: 'reflow-hidden',
  });
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (file) await open(await file.text(), file.name);
    upload.value = '';
  });
  const criticalToggle = h('input', { type: 'checkbox', id: 'reflow-critical-toggle', checked: true });
  criticalToggle.addEventListener('change', () =>
    modeler.get('criticalPathHighlight').setEnabled(criticalToggle.checked),
  );

  const toolbar = h(
    'div',
    { class: 'reflow-toolbar' },
    h(
      'button',
      { id: 'reflow-new', onClick: () => open(newDiagramXml(), t('a new diagram'), true) },
      t('New'),
    ),
    picker.element,
    h('button', { id: 'reflow-open', onClick: () => openFromServer() }, t('Open')),
    h(
      'button',
      { id: 'reflow-deploy', class: 'reflow-primary', onClick: deploy },
      t('Deploy as new version'),
    ),
    h('button', { id: 'reflow-download', onClick: download }, t('Download .bpmn')),
    h('button', { id: 'reflow-upload-button', onClick: () => upload.click() }, t('Upload .bpmn')),
    upload,
    h('label', { class: 'reflow-check' }, criticalToggle, ' ', t('Critical path')),
  );
  const element = h(
    'section',
    { class: 'reflow-view reflow-modeler-view', id: 'view-modeler' },
    toolbar,
    status.element,
    h(
      'div',
      { class: 'reflow-modeler-body' },
      h('div', { class: 'reflow-modeler-main' }, canvas, panel.element),
      properties,
    ),
  );

  return {
    element,
    async show(params) {
      modeler.get('canvas').resized();
      const [key, version] = params;
      if (!tokenStore.get()) {
        // as the other views: say so, and start a new diagram to draw offline (no findings until edited)
        if (opened === 'none') await open(newDiagramXml(), t('a new diagram'), true);
        return status.set('error', t('Not signed in: enter an API token at the top right'));
      }
      const importsBefore = imports;
      try {
        await picker.refresh();
      } catch (error) {
        status.error(error);
      }
      if (key && Number(version) > 0) {
        picker.select(key, [Number(version)]);
        await openFromServer(key, Number(version));
      } else if (
        opened !== 'diagram' &&
        imports === importsBefore &&
        picker.process() &&
        picker.versions()[0]
      ) {
        // the first screen shows the process its dropdown names, not a blank diagram beside it
        await openFromServer();
      } else if (opened === 'none') await open(newDiagramXml(), t('a new diagram'), true);
    },
  };
}
