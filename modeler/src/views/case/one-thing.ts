/**
 * 一件事 — on a case's view, the 一件事 it belongs to: its master (主办件) and the department cases (部门办件) the
 * master's messages started, each linking to its own view, and the figures over them as the server computes
 * them (engine/metrics/case-figures.ts `oneThingFigures`: trips summed, first time when none was corrected,
 * working days end to end, from the first start to the last end among its cases: `oneThingWorkingMs`).
 */
import type { CaseView, OneThing } from '../../api/types.js';
import { formatFigure, formatTime, h } from '../../dom.js';
import { t } from '../../i18n/language.js';

const yesNo = (value: boolean): string => (value ? t('yes') : t('no'));

/** The case's 一件事 as a section, or null when the case is no part of one. */
export function oneThingSection(view: CaseView): HTMLElement | null {
  const one: OneThing | null | undefined = view.oneThing;
  if (!one) return null;
  return h(
    'section',
    { class: 'reflow-one-thing', id: 'reflow-one-thing' },
    h('h3', null, t('One thing (一件事): the master and the cases its messages started')),
    view.rootCaseId
      ? h(
          'p',
          { 'data-field': 'rootCaseId' },
          t('This case was started by a message of master case: '),
          h('a', { href: `#/case/${encodeURIComponent(view.rootCaseId)}` }, h('code', null, view.rootCaseId)),
        )
      : null,
    h(
      'p',
      { class: 'reflow-one-thing-figures', 'data-field': 'oneThing' },
      one.workingDays === null
        ? t(
            'The one thing in all so far: {trips} trips, first-time completion {firstTime}; not yet completed',
            {
              trips: one.trips,
              firstTime: yesNo(one.firstTime),
            },
          )
        : t('The one thing in all: {trips} trips, first-time completion {firstTime}, {days} working days', {
            trips: one.trips,
            firstTime: yesNo(one.firstTime),
            days: formatFigure(one.workingDays),
          }),
      ' ',
      h(
        'small',
        null,
        t('(trips of all its cases; working days from the first start to the last end among its cases)'),
      ),
    ),
    h(
      'table',
      { class: 'reflow-table', id: 'reflow-one-thing-cases' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Role',
            'Case',
            'Process',
            'Status',
            'Started',
            'Ended',
            'Trips',
            'First time',
            'Working days',
          ].map((c) => h('th', null, t(c))),
        ),
      ),
      h(
        'tbody',
        null,
        one.cases.map((c) =>
          h(
            'tr',
            { 'data-case-id': c.id, class: c.id === view.id ? 'reflow-one-thing-current' : '' },
            h('td', null, c.master ? t('Master case') : t('Department case')),
            h(
              'td',
              null,
              c.id === view.id
                ? h('strong', null, t('this case'))
                : h('a', { href: `#/case/${encodeURIComponent(c.id)}` }, h('code', null, c.id)),
            ),
            h('td', null, `${c.process} v${c.version}`),
            h('td', null, t(c.status)),
            h('td', null, formatTime(c.startedAt)),
            h('td', null, formatTime(c.endedAt)),
            h('td', { class: 'reflow-number' }, c.trips),
            h('td', null, yesNo(c.firstTime)),
            h('td', { class: 'reflow-number' }, formatFigure(c.workingDays)),
          ),
        ),
      ),
    ),
  );
}
