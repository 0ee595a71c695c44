/**
 * 待办 — 部门待办 (the department's unclaimed tasks) and 我的待办 (claimed by me), soonest due first, each with its
 * business number (办件编号), service, due date and working days left, its yellow or red card (电子监察) and the
 * supervisor's follow-up notes (督办意见) under it; claim, release, complete with the task's form (drawn by
 * views/common/schema-form.ts); below, figures per person (a lead's team, an auditor's everyone, a member's own).
 * The list asks again every POLL_MS with the ETags of
 * what it shows (GET /api/tasks, GET /api/warnings): while nothing changed both answer 304 and nothing is drawn.
 */
import { api, apiIfChanged, identity, POLL_MS } from '../../api/client.js';
import type { CaseView, DefinitionVersion, Task, WarningCard } from '../../api/types.js';
import { formatTime, h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import { createSchemaForm } from '../common/schema-form.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { cardBadge, notesList } from '../common/warning-card.js';
import { peopleFigures } from './people-figures.js';

/** The `gov:form` schemas of each deployed version's elements, read once per version. */
const formsByVersion = new Map<string, Promise<Record<string, unknown>>>();

async function taskFormSchema(task: Task): Promise<unknown> {
  const view = await api<CaseView>(`/api/cases/${encodeURIComponent(task.caseId)}`);
  const key = `${view.process}@${view.version}`;
  let forms = formsByVersion.get(key);
  if (!forms) {
    forms = api<DefinitionVersion>(
      `/api/definitions/${encodeURIComponent(view.process)}/versions/${view.version}`,
    ).then(async (d) => {
      const { parseBpmn } = await import('../../../../engine/browser.js');
      // every process of the file: a task may be in a process of the same file that the case calls
      const { graphs } = await parseBpmn(d.xml);
      return Object.fromEntries(
        (graphs ?? []).flatMap((g) => Object.values(g.nodes)).map((n) => [n.id, n.form]),
      );
    });
    formsByVersion.set(key, forms);
  }
  return (await forms)[task.elementId] ?? null;
}

export function createInboxView(): View {
  const status = createStatusLine('reflow-inbox-status');
  const list = h('div', { class: 'reflow-inbox' });
  const editor = h('div', { class: 'reflow-task-editor', id: 'reflow-task-editor' });

  async function openTask(task: Task): Promise<void> {
    replaceChildren(editor, t('Loading…'));
    let schema: unknown = null;
    try {
      schema = await taskFormSchema(task);
    } catch {
      // without the form the variables are typed as JSON
    }
    const form = createSchemaForm(schema);
    const submit = async (event: Event) => {
      event.preventDefault();
      let variables: Record<string, unknown>;
      try {
        variables = form.variables();
      } catch (error) {
        return status.set('error', (error as Error).message);
      }
      try {
        const after = await api<CaseView>(`/api/tasks/${encodeURIComponent(task.id)}/complete`, {
          method: 'POST',
          body: { variables },
        });
        replaceChildren(editor);
        // the list is redrawn first, so "done" is said of what the clerk then sees
        await refresh({ announce: false });
        status.set(
          'ok',
          t('Completed "{name}"; the case is {status}', {
            name: task.name ?? task.elementId,
            status: t(after.status),
          }),
        );
      } catch (error) {
        status.error(error);
      }
    };
    replaceChildren(
      editor,
      h(
        'form',
        { id: 'reflow-task-form', onSubmit: submit },
        h('h3', null, `${t('Complete')}: ${task.name ?? task.elementId}`),
        h(
          'p',
          null,
          h('a', { href: `#/case/${encodeURIComponent(task.caseId)}` }, t('case {id}', { id: task.caseId })),
        ),
        form.element,
        h(
          'div',
          { class: 'reflow-form-actions' },
          h('button', { type: 'submit', class: 'reflow-primary', id: 'reflow-task-submit' }, t('Complete')),
          h('button', { type: 'button', onClick: () => replaceChildren(editor) }, t('Cancel')),
        ),
      ),
    );
  }

  /** 部门待办 (the department's unclaimed tasks) or 我的待办 (claimed by me). */
  let tab: 'queue' | 'mine' = 'queue';
  /** Counts refreshes; only the newest draws. */
  let generation = 0;
  const tabs = h('div', { class: 'reflow-tabs', role: 'tablist' });
  const load = h('div', { class: 'reflow-team-load', id: 'reflow-team-load' });

  async function holdTask(task: Task, action: 'claim' | 'release'): Promise<void> {
    try {
      await api(`/api/tasks/${encodeURIComponent(task.id)}/${action}`, { method: 'POST' });
      await refresh({ announce: false });
      status.set(
        'ok',
        t(action === 'claim' ? 'Claimed "{name}"' : 'Released "{name}"', {
          name: task.name ?? task.elementId,
        }),
      );
    } catch (error) {
      status.error(error);
    }
  }

  function renderTabs(): void {
    const button = (id: 'queue' | 'mine', label: string) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `reflow-inbox-tab-${id}`,
          'aria-selected': String(tab === id),
          class: tab === id ? 'reflow-tab reflow-tab-selected' : 'reflow-tab',
          onClick: () => {
            tab = id;
            void refresh();
          },
        },
        t(label),
      );
    replaceChildren(tabs, button('queue', 'Department queue'), button('mine', 'My tasks'));
  }

  /** Figures per person: a lead's team, an auditor's everyone, a member's own (people-figures.ts). */
  async function renderTeamLoad(): Promise<void> {
    try {
      replaceChildren(load, (await peopleFigures(await identity())) ?? []);
    } catch {
      replaceChildren(load); // not signed in: the task list says so
    }
  }

  /** What the list shows, with the ETags it came with (null: not asked yet, or asked again in full). */
  let tasks: Task[] = [];
  let cards: WarningCard[] = [];
  let tasksTag: string | null = null;
  let cardsTag: string | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;

  /** The cards on each task (a task may hold its yellow and its red card), red first. */
  function cardsByTask(): Map<string, WarningCard[]> {
    const byTask = new Map<string, WarningCard[]>();
    for (const card of cards)
      if (card.taskId) byTask.set(card.taskId, [...(byTask.get(card.taskId) ?? []), card]);
    for (const held of byTask.values())
      held.sort((a, b) => (a.level === b.level ? 0 : a.level === 'red' ? -1 : 1));
    return byTask;
  }

  /**
   * Reads the tasks and their cards and draws them. `poll`: sends the ETags of what is shown and draws nothing
   * when both are unchanged; `announce`: says how many open tasks there are.
   */
  async function refresh({ announce = true, poll = false } = {}): Promise<void> {
    if (!poll) renderTabs();
    // a poll still reading when a claim's refresh starts must not draw its older list over the newer one
    const mine = ++generation;
    const superseded = () => mine !== generation;
    try {
      const filter = tab === 'mine' ? 'claimedBy=me' : 'claimed=false';
      const taskAnswer = await apiIfChanged<Task[]>(
        `/api/tasks?status=open&${filter}&sort=due`,
        poll ? tasksTag : null,
      );
      // a role that reads no cards sees its tasks without them
      const cardAnswer = await apiIfChanged<WarningCard[]>(
        '/api/warnings?limit=5000',
        poll ? cardsTag : null,
      ).catch(() => (poll ? null : { body: [] as WarningCard[], etag: null }));
      if (superseded()) return; // a newer refresh draws
      if (taskAnswer === null && cardAnswer === null) return; // unchanged: nothing to draw
      if (taskAnswer) ({ body: tasks, etag: tasksTag } = taskAnswer);
      if (cardAnswer) ({ body: cards, etag: cardsTag } = cardAnswer);
      const now = Date.now();
      const held = cardsByTask();
      replaceChildren(
        list,
        tasks.length === 0
          ? h('p', { id: 'reflow-inbox-empty' }, t(tab === 'mine' ? 'Nothing claimed' : 'No open tasks'))
          : h(
              'table',
              { class: 'reflow-table', id: 'reflow-tasks' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [
                    'Business number',
                    'Service',
                    'Task',
                    'Case',
                    'Department',
                    'Due',
                    'Working days left',
                    '',
                  ].map((c) => h('th', null, c ? t(c) : '')),
                ),
              ),
              h(
                'tbody',
                null,
                tasks.flatMap((task) => {
                  const overdue = task.overdue ?? (task.dueAt !== null && Date.parse(task.dueAt) < now);
                  const left = task.remainingWorkingDays ?? null;
                  const taskCards = held.get(task.id) ?? [];
                  const row = h(
                    'tr',
                    {
                      class: overdue ? 'reflow-overdue' : '',
                      'data-task-id': task.id,
                      'data-element-id': task.elementId,
                    },
                    h('td', { class: 'reflow-business-key' }, task.businessKey ?? '—'),
                    h('td', null, task.processName ?? task.process ?? '—'),
                    h(
                      'td',
                      null,
                      task.name ?? task.elementId,
                      // its highest card (a red card's task has had its yellow one too)
                      taskCards.slice(0, 1).flatMap((card) => [' ', cardBadge(card.level)]),
                    ),
                    h('td', null, h('a', { href: `#/case/${encodeURIComponent(task.caseId)}` }, task.caseId)),
                    h('td', null, task.department ?? '—'),
                    h(
                      'td',
                      null,
                      formatTime(task.dueAt),
                      overdue ? h('span', { class: 'reflow-overdue-mark' }, ` ${t('overdue')}`) : null,
                    ),
                    h(
                      'td',
                      { class: 'reflow-days-left' },
                      left === null ? '—' : left < 0 ? t('{n} over', { n: String(-left) }) : String(left),
                    ),
                    h(
                      'td',
                      { class: 'reflow-task-actions' },
                      tab === 'queue'
                        ? h(
                            'button',
                            { class: 'reflow-task-claim', onClick: () => holdTask(task, 'claim') },
                            t('Claim'),
                          )
                        : h(
                            'button',
                            { class: 'reflow-task-release', onClick: () => holdTask(task, 'release') },
                            t('Release'),
                          ),
                      h(
                        'button',
                        { class: 'reflow-task-open', onClick: () => openTask(task) },
                        t('Complete…'),
                      ),
                    ),
                  );
                  const notes = taskCards
                    .flatMap((card) => card.notes)
                    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
                  if (notes.length === 0) return [row];
                  // the supervisor's follow-up notes (督办意见) under the task they are about
                  return [
                    row,
                    h(
                      'tr',
                      { class: 'reflow-task-notes', 'data-task-id': task.id },
                      h('td', { colspan: 8 }, `${t('Follow-up note (督办意见)')}：`, notesList(notes)),
                    ),
                  ];
                }),
              ),
            ),
      );
      if (announce) status.set('info', t('{n} open tasks', { n: tasks.length }));
    } catch (error) {
      if (poll || superseded()) return; // the next poll tries again; what is shown stays
      replaceChildren(list);
      status.error(error);
    }
    if (!superseded()) await renderTeamLoad();
  }

  const element = h(
    'section',
    { class: 'reflow-view', id: 'view-inbox' },
    h(
      'div',
      { class: 'reflow-toolbar' },
      h('button', { id: 'reflow-inbox-refresh', onClick: () => refresh() }, t('Refresh')),
    ),
    tabs,
    status.element,
    h('div', { class: 'reflow-inbox-body' }, list, editor),
    load,
  );
  return {
    element,
    async show() {
      await refresh();
      // live updates: a new task, a card raised or a note written shows up without reloading the page
      if (timer === null)
        timer = setInterval(() => {
          if (!element.hidden) void refresh({ announce: false, poll: true });
        }, POLL_MS);
    },
  };
}
