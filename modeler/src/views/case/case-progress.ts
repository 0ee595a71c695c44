/**
 * 办件进度 — a case as an applicant follows it on a citizen portal: where it is now (which department, since
 * when, due when), and the steps done, each with its department and when it was finished. Only user-facing
 * steps are listed (tasks of a department); gateways and events are the engine's business.
 */
import type { CaseView, Step } from '../../api/types.js';
import { formatTime, h } from '../../dom.js';
import { t } from '../../i18n/language.js';

export interface OpenTask {
  id: string;
  elementId: string;
  name: string | null;
  department: string | null;
  createdAt: string;
  dueAt: string | null;
}

const WORK_STEPS = new Set(['userTask', 'manualTask', 'task', 'callActivity', 'subProcess', 'receiveTask']);

/** The progress panel of `view`, as of `now` (for "overdue"). */
export function caseProgress(
  view: CaseView & { openTasks?: OpenTask[] },
  processName: string,
  now: number,
): HTMLElement {
  const open = view.openTasks ?? [];
  const done = view.timeline.filter(
    (s: Step) => s.status === 'completed' && WORK_STEPS.has(s.type) && s.department,
  );
  const state =
    view.status === 'completed'
      ? t('Completed on {time}', { time: formatTime(view.endedAt) })
      : view.status === 'active'
        ? t('In progress')
        : t(view.status);
  return h(
    'section',
    { class: 'reflow-progress', id: 'reflow-case-progress' },
    h('h3', null, t('Case progress')),
    h(
      'dl',
      { class: 'reflow-progress-head' },
      h('dt', null, t('Business number')),
      h('dd', { 'data-field': 'businessKey' }, view.businessKey ?? '—'),
      h('dt', null, t('Service')),
      h('dd', null, processName),
      h('dt', null, t('Submitted')),
      h('dd', null, formatTime(view.startedAt)),
      h('dt', null, t('Status')),
      h('dd', { 'data-field': 'progress-status' }, state),
    ),
    open.length
      ? h(
          'ol',
          { class: 'reflow-progress-now', id: 'reflow-progress-now' },
          open.map((task) => {
            const overdue = task.dueAt !== null && Date.parse(task.dueAt) < now;
            return h(
              'li',
              { class: overdue ? 'reflow-progress-overdue' : null, 'data-element-id': task.elementId },
              h('strong', null, task.department ?? '—'),
              ` ${t('is handling')} “${task.name ?? task.elementId}”`,
              h('br', null),
              t('since {time}', { time: formatTime(task.createdAt) }),
              ' · ',
              task.dueAt ? t('due by {time}', { time: formatTime(task.dueAt) }) : t('no time limit'),
              overdue ? h('span', { class: 'reflow-overdue-mark' }, ` ${t('overdue')}`) : null,
            );
          }),
        )
      : null,
    done.length
      ? h(
          'ol',
          { class: 'reflow-progress-done', id: 'reflow-progress-done' },
          done.map((s) =>
            h(
              'li',
              { 'data-element-id': s.elementId },
              h('span', { class: 'reflow-progress-check' }, '✓ '),
              `${s.department} · ${s.name ?? s.elementId} · ${t('finished {time}', { time: formatTime(s.completedAt) })}`,
            ),
          ),
        )
      : null,
  );
}
