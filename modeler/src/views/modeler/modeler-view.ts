/**
 * 建模 — the bpmn-js Modeler with the properties panel and our gov groups, live validation by the engine's
 * validator, live static metrics and the critical path; open from and deploy to the server; .bpmn files.
 */

import Modeler from 'bpmn-js/lib/Modeler.js';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import govDescriptor from '../../../../engine/model/gov-descriptor.json' with { type: 'json' };
import type { DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import { ApiError, api, apiWithStatus, tokenStore } from '../../api/client.js';
import type { DefinitionSummary, DefinitionVersion, Deployed } from '../../api/types.js';
import { formatTime, h, replaceChildren } from '../../dom.js';
import criticalPathModule from '../../features/critical-path/index.js';
import govPropertiesModule from '../../features/gov-properties/index.js';
import liveValidationModule from '../../features/live-validation/index.js';
import {
  ANALYSIS_EVENT,
  FINDINGS_EVENT,
  type FindingsEvent,
} from '../../features/live-validation/LiveValidation.js';
import { t, translateModule } from '../../i18n/language.js';
import { createVersionPicker, loadDefinitions } from '../common/definitions.js';
import { confirmDialog, inForceText, statusBadge } from '../common/publication.js';
import { createStatusLine, notSignedIn } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { changeList, diffVersions } from '../versions/version-diff.js';
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
  // a diagram imported while the list or a version loads (a file, another route, automation) is not replaced by
  // what was asked for before it: counted as each import starts, so the newest asked for wins
  let imports = 0;
  // (a listener's return value would replace the XML being imported: this one returns nothing)
  modeler.on('import.parse.start', () => {
    imports++;
  });
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

  // the version in force of the chosen process, and the chosen version's status (草稿 / 已发布 / 已停用)
  const inForce = h('span', { id: 'reflow-in-force', class: 'reflow-in-force' });
  const showInForce = () => {
    const summary = picker.summary();
    const chosen = summary?.versions.find((v) => v.version === picker.versions()[0]);
    replaceChildren(
      inForce,
      inForceText(summary),
      chosen ? ` · ${t('Chosen v{version}:', { version: chosen.version })} ` : '',
      statusBadge(chosen?.status),
    );
  };
  const picker = createVersionPicker({ id: 'modeler-open', count: 1, onChange: showInForce });
  const refreshPicker = async () => {
    await picker.refresh().catch(() => undefined); // without a token the list stays empty
    showInForce();
  };
  const openFromServer = async (key = picker.process(), version = picker.versions()[0]) => {
    if (!key || !version)
      return status.set(
        'error',
        t('Choose a process and a version (deployed processes are listed once a token is set)'),
      );
    const importsBefore = imports;
    try {
      const definition = await api<DefinitionVersion>(
        `/api/definitions/${encodeURIComponent(key)}/versions/${version}`,
      );
      if (imports !== importsBefore) return; // another diagram was opened while this one loaded
      await open(definition.xml, `${key} v${version}`);
    } catch (error) {
      status.error(error);
    }
  };

  /** What the diagram in the editor changes against the version in force of its process, for the dialog. */
  const changesAgainstInForce = async (xml: string): Promise<(Node | string)[]> => {
    const key = processKey(modeler);
    const summary = (await loadDefinitions()).find((d: DefinitionSummary) => d.key === key);
    if (!summary || summary.inForce === null || summary.inForce === undefined)
      return [
        h('p', { id: 'reflow-deploy-new' }, t('A new process: it is published as soon as it is deployed')),
      ];
    const current = await api<DefinitionVersion>(
      `/api/definitions/${encodeURIComponent(key)}/versions/${summary.inForce}`,
    );
    const diff = await diffVersions(current.xml, xml, key);
    return [
      h('p', null, t('Changes against the version in force (v{version})', { version: summary.inForce })),
      diff.elements.length
        ? changeList(diff, { id: 'reflow-deploy-changes' })
        : h('p', { id: 'reflow-deploy-changes' }, t('No change of meaning against the version in force')),
      h(
        'p',
        { class: 'reflow-note' },
        t('A new version is a draft: new cases start on it once it is published'),
      ),
    ];
  };

  const deploy = async () => {
    const liveValidation = modeler.get('liveValidation');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const confirmed = await confirmDialog({
        id: 'reflow-deploy-dialog',
        title: t('Deploy {key}', { key: processKey(modeler) }),
        body: await changesAgainstInForce(xml),
        confirm: t('Confirm deployment'),
      });
      if (!confirmed) return status.set('info', t('Deployment cancelled'));
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
            ? body.published
              ? t('Deployed {key} as version {version}', names)
              : t(
                  'Deployed {key} as draft version {version}: new cases start on it once it is published',
                  names,
                )
            : body.diagramUpdated
              ? t('Same process as {key} version {version}: no new version, its diagram updated', names)
              : t('Unchanged: {key} version {version} has this content already', names);
      status.set(
        'ok',
        body.warnings.length ? `${message} · ${t('{n} warnings', { n: body.warnings.length })}` : message,
      );
      await picker.refresh().catch(() => undefined);
      picker.select(body.key, [body.version]);
      showInForce();
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

  /** 发布: the chosen version becomes the one new cases start on (at 生效时间), after its diff is confirmed. */
  const publish = async () => {
    const key = picker.process();
    const version = picker.versions()[0];
    if (!key || !version) return status.set('error', t('Choose a process and a version'));
    try {
      const diff = await api<{ against: number; elements: []; layoutChanged: string[] }>(
        `/api/definitions/${encodeURIComponent(key)}/versions/${version}/diff`,
      ).catch(() => undefined); // no other version to compare with
      const inForceNow = picker.summary()?.inForce;
      const effective = h('input', { type: 'datetime-local', id: 'reflow-publish-effective' });
      const confirmed = await confirmDialog({
        id: 'reflow-publish-dialog',
        title: t('Publish {key} v{version}', { key, version }),
        body: [
          inForceNow === version
            ? h('p', null, t('v{version} is already in force', { version }))
            : diff
              ? h(
                  'p',
                  null,
                  t('Changes against the version in force (v{version})', { version: diff.against }),
                )
              : null,
          diff && inForceNow !== version
            ? diff.elements.length
              ? changeList(diff, { id: 'reflow-publish-changes' })
              : h(
                  'p',
                  { id: 'reflow-publish-changes' },
                  t('No change of meaning against the version in force'),
                )
            : null,
          h('label', { class: 'reflow-field' }, t('Effective from (empty: now)'), ' ', effective),
          h(
            'p',
            { class: 'reflow-note' },
            t('Cases already running stay on their version; new cases start on this one'),
          ),
        ],
        confirm: t('Confirm publication'),
      });
      if (!confirmed) return status.set('info', t('Publication cancelled'));
      const effectiveAt = effective.value ? new Date(effective.value).toISOString() : undefined;
      const summary = await api<DefinitionSummary>(
        `/api/definitions/${encodeURIComponent(key)}/versions/${version}/publish`,
        { method: 'POST', body: effectiveAt ? { effectiveAt } : {} },
      );
      const scheduled = summary.versions.find((v) => v.version === version)?.scheduledAt;
      status.set(
        'ok',
        scheduled
          ? t('Published {key} v{version}, effective {time}', { key, version, time: formatTime(scheduled) })
          : t('Published {key} v{version}: new cases start on it', { key, version }),
      );
      await refreshPicker();
    } catch (error) {
      status.error(error);
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
    h('button', { id: 'reflow-publish', onClick: publish }, t('Publish')),
    inForce,
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
        return status.set('error', notSignedIn());
      }
      const importsBefore = imports;
      try {
        await picker.refresh();
      } catch (error) {
        status.error(error);
      }
      showInForce();
      if (key && Number(version) > 0) {
        picker.select(key, [Number(version)]);
        showInForce();
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
