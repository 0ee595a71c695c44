/** 办件 — one case on its diagram (done, active, incidents) and its timeline. */
import { api, identity } from '../../api/client.js';
import type { CaseSummary, CaseView, DefinitionVersion, WarningCard } from '../../api/types.js';
import { createReadOnlyDiagram } from '../../diagram/read-only-diagram.js';
import { formatFigure, formatTime, h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { cardBadge, notesList } from '../common/warning-card.js';
import { markCase } from './case-markers.js';
import { caseProgress, type OpenTask } from './case-progress.js';
import { oneThingSection } from './one-thing.js';

function timelineTable(view: CaseView): HTMLTableElement {
  return h(
    'table',
    { class: 'reflow-table', id: 'reflow-timeline' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        [
          '#',
          'Step',
          'Element',
          'Type',
          'Department',
          'Person',
          'Status',
          'Entered',
          'Completed',
          'Working days',
        ].map((c) => h('th', null, t(c))),
      ),
    ),
    h(
      'tbody',
      null,
      view.timeline.map((step, i) =>
        h(
          'tr',
          { class: `reflow-step-${step.status}`, 'data-element-id': step.elementId },
          h('td', null, i + 1),
          h('td', null, step.name ?? ''),
          h('td', null, h('code', null, step.elementId)),
          h('td', null, step.type),
          h('td', null, step.department ?? '—'),
          h('td', { title: step.handler?.userId ?? '' }, step.handler?.name ?? '—'),
          h('td', null, t(step.status)),
          h('td', null, formatTime(step.enteredAt)),
          h('td', null, formatTime(step.completedAt)),
          h('td', { class: 'reflow-number' }, formatFigure(step.workingDays)),
        ),
      ),
    ),
  );
}

export function createCaseView(): View {
  const status = createStatusLine('reflow-case-status');
  const input = h('input', {
    id: 'reflow-case-id',
    placeholder: t('business number or case id'),
    size: 40,
  });
  /** A business number (办件编号) opens its case; anything else is taken as a case id. */
  const show = async () => {
    const wanted = input.value.trim();
    if (!wanted) return;
    try {
      const found = await api<{ items: CaseSummary[] }>(
        `/api/cases?businessKey=${encodeURIComponent(wanted)}&limit=2`,
      );
      if (found.items.length > 1)
        status.set(
          'info',
          t('{n} cases have business number {key}: the latest is shown', {
            n: found.items.length,
            key: wanted,
          }),
        );
      location.hash = `#/case/${encodeURIComponent(found.items[0]?.id ?? wanted)}`;
    } catch {
      location.hash = `#/case/${encodeURIComponent(wanted)}`; // a department may not list cases: try it as an id
    }
  };
  input.addEventListener('keydown', (e) => e.key === 'Enter' && void show());
  const summary = h('div', { class: 'reflow-case-summary', id: 'reflow-case-summary' });
  const progress = h('div', { class: 'reflow-case-progress-box' });
  const container = h('div', { class: 'reflow-diagram reflow-diagram-large', id: 'reflow-case-diagram' });
  const diagram = createReadOnlyDiagram(container, { legible: true });
  const timeline = h('div', { class: 'reflow-timeline' });
  const recent = h('div', { class: 'reflow-recent-cases' });
  const cards = h('div', { class: 'reflow-case-cards', id: 'reflow-case-cards' });
  const oneThing = h('div', { class: 'reflow-one-thing-box' });

  /** The case's yellow and red cards with their follow-up notes (督办意见), for roles that may read them. */
  async function listCards(caseId: string): Promise<void> {
    replaceChildren(cards);
    let list: WarningCard[];
    try {
      list = await api<WarningCard[]>(`/api/warnings?caseId=${encodeURIComponent(caseId)}&history=true`);
    } catch {
      return; // a role that reads no cards (intake): the section stays empty
    }
    if (list.length === 0) return;
    replaceChildren(
      cards,
      h('h3', null, t('Cards and follow-up notes')),
      list.map((c) =>
        h(
          'article',
          { class: `reflow-card reflow-card-${c.level}`, 'data-card': c.id },
          cardBadge(c.level),
          ' ',
          `${c.subject === 'task' ? c.elementId : t('whole case')} — ${c.department ?? t('(no department)')} · ${t('Raised')} ${formatTime(c.raisedAt)}`,
          c.clearedAt ? ` · ${t('Cleared')} ${formatTime(c.clearedAt)}` : '',
          notesList(c.notes),
        ),
      ),
    );
  }

  async function listRecent(): Promise<void> {
    try {
      const { roles } = await identity();
      // a department lists no cases: it reaches its cases from the inbox
      if (!roles.some((r) => ['admin', 'intake', 'auditor', 'supervisor'].includes(r))) {
        replaceChildren(recent);
        return;
      }
      const page = await api<{ items: CaseSummary[] }>('/api/cases?limit=20');
      replaceChildren(
        recent,
        h('h3', null, t('Recent cases')),
        h(
          'ul',
          null,
          page.items.map((c) =>
            h(
              'li',
              null,
              h('a', { href: `#/case/${encodeURIComponent(c.id)}` }, c.businessKey ?? c.id),
              ` · ${c.process} v${c.version} · ${t(c.status)}`,
            ),
          ),
        ),
      );
    } catch {
      replaceChildren(recent); // not signed in: the case's own load says so
    }
  }

  async function load(id: string): Promise<void> {
    input.value = id;
    try {
      const view = await api<CaseView & { openTasks?: OpenTask[] }>(`/api/cases/${encodeURIComponent(id)}`);
      if (view.businessKey) input.value = view.businessKey;
      const definition = await api<DefinitionVersion>(
        `/api/definitions/${encodeURIComponent(view.process)}/versions/${view.version}`,
      );
      await diagram.open(definition.xml);
      markCase(diagram.viewer, view);
      replaceChildren(
        summary,
        h('span', null, h('strong', null, t('Case')), ' ', h('code', null, view.id)),
        h('span', null, `${definition.name ?? view.process} v${view.version}`),
        h('span', { 'data-field': 'status' }, `${t('Status')}: ${t(view.status)}`),
        h('span', null, `${t('Started')}: ${formatTime(view.startedAt)}`),
        h('span', null, `${t('Ended')}: ${formatTime(view.endedAt)}`),
        h('span', { 'data-field': 'workingDays' }, `${t('Working days')}: ${formatFigure(view.workingDays)}`),
        h('span', { 'data-field': 'trips' }, `${t('Trips')}: ${view.trips}`),
      );
      replaceChildren(progress, caseProgress(view, definition.name ?? view.process, Date.now()));
      replaceChildren(oneThing, oneThingSection(view));
      replaceChildren(timeline, h('h3', null, t('Timeline')), timelineTable(view));
      await listCards(view.id);
      status.set('ok', t('{n} steps, {m} incidents', { n: view.timeline.length, m: view.incidents.length }));
    } catch (error) {
      status.error(error);
    }
  }

  const element = h(
    'section',
    { class: 'reflow-view', id: 'view-case' },
    h(
      'div',
      { class: 'reflow-toolbar' },
      h('label', null, t('Case'), ' ', input),
      h('button', { id: 'reflow-case-show', onClick: () => void show() }, t('Show')),
    ),
    status.element,
    progress,
    summary,
    oneThing,
    container,
    timeline,
    cards,
    recent,
  );
  return {
    element,
    async show(params) {
      diagram.fit();
      if (params[0]) await load(params[0]);
      else status.set('info', t('Enter a case id, or open a case from the inbox'));
      await listRecent();
    },
  };
}
