/**
 * 电子监察 — the yellow and red cards of the open tasks and cases: by department and process, their ageing, the
 * cards raised per week and the steps with the most; each card links to its case, and a supervisor writes a
 * follow-up note (督办意见) on it, which its department sees. Refreshed every 15 s with an ETag (If-None-Match):
 * an unchanged list answers 304 without a body, and the page draws nothing again.
 */
import { api, apiIfChanged, POLL_MS } from '../../api/client.js';
import type { WarningCard } from '../../api/types.js';
import { formatTime, h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import { createStatusLine } from '../common/status-line.js';
import type { View } from '../common/view.js';
import { cardBadge, notesList } from '../common/warning-card.js';
import { ageing, countBy, type LevelCount, weeklyTrend, worstSteps } from './supervision-figures.js';

function countTable(id: string, first: string, rows: LevelCount[]): HTMLElement {
  return h(
    'table',
    { class: 'reflow-table', id },
    h(
      'thead',
      null,
      h('tr', null, h('th', null, t(first)), h('th', null, t('Yellow card')), h('th', null, t('Red card'))),
    ),
    h(
      'tbody',
      null,
      rows.length === 0
        ? h('tr', null, h('td', { colspan: 3 }, t('None')))
        : rows.map((r) =>
            h(
              'tr',
              null,
              h('td', null, r.name === '' ? t('(no department)') : t(r.name)),
              h('td', { class: 'reflow-card-yellow-count' }, String(r.yellow)),
              h('td', { class: 'reflow-card-red-count' }, String(r.red)),
            ),
          ),
    ),
  );
}

export function createSupervisionView(): View {
  const status = createStatusLine('reflow-supervision-status');
  const level = h(
    'select',
    { id: 'reflow-supervision-level', 'aria-label': t('Level') },
    h('option', { value: '' }, t('Yellow and red')),
    h('option', { value: 'red' }, t('Red card')),
    h('option', { value: 'yellow' }, t('Yellow card')),
  );
  const summary = h('div', { class: 'reflow-supervision-summary', id: 'reflow-supervision-summary' });
  const tables = h('div', { class: 'reflow-supervision-tables' });
  const chart = h('div', { class: 'reflow-chart', id: 'reflow-supervision-trend', style: 'height:260px' });
  const cardList = h('div', { class: 'reflow-supervision-cards', id: 'reflow-supervision-cards' });
  const element = h(
    'section',
    { class: 'reflow-view', id: 'reflow-supervision' },
    h('h2', null, t('Electronic supervision')),
    h('div', { class: 'reflow-toolbar' }, h('label', null, t('Level'), ' ', level)),
    status.element,
    summary,
    tables,
    chart,
    h('h3', null, t('Open cards')),
    cardList,
  );

  let etag: string | null = null;
  let open: WarningCard[] = [];
  let history: WarningCard[] = [];
  let timer: ReturnType<typeof setInterval> | null = null;

  /** The cards (open, or all with history) — null when unchanged since the last answer (304). */
  async function fetchCards(
    withHistory: boolean,
    tag: string | null,
  ): Promise<{ body: WarningCard[]; etag: string | null } | null> {
    return apiIfChanged<WarningCard[]>(`/api/warnings?limit=5000${withHistory ? '&history=true' : ''}`, tag);
  }

  async function addNote(card: WarningCard, text: string): Promise<void> {
    await api(`/api/warnings/${encodeURIComponent(card.id)}/notes`, { method: 'POST', body: { text } });
  }

  function cardElement(card: WarningCard): HTMLElement {
    const note = h('input', {
      type: 'text',
      class: 'reflow-note-text',
      placeholder: t('Follow-up note (督办意见)'),
      size: 40,
    });
    const send = h('button', { type: 'button', class: 'reflow-note-send' }, t('Add note'));
    send.addEventListener('click', async () => {
      if (note.value.trim() === '') return status.set('error', t('Write the note first'));
      try {
        await addNote(card, note.value);
        await refresh(true);
        status.set('ok', t('Note added: the department sees it with the card'));
      } catch (error) {
        status.error(error);
      }
    });
    return h(
      'article',
      { class: `reflow-card reflow-card-${card.level}`, 'data-card': card.id },
      h(
        'header',
        null,
        cardBadge(card.level),
        ' ',
        h(
          'strong',
          null,
          `${card.processKey} v${card.version} · ${card.subject === 'task' ? card.elementId : t('whole case')}`,
        ),
        ' — ',
        card.department ?? t('(no department)'),
      ),
      h(
        'p',
        null,
        `${t('Used')} ${Math.round(card.usedShare * 100)}% ${t('of')} ${card.limitDays} ${t('working days')} · ${t('Raised')} ${formatTime(card.raisedAt)}`,
        card.dueAt ? ` · ${t('Due')} ${formatTime(card.dueAt)}` : '',
        ' · ',
        h(
          'a',
          { href: `#/case/${encodeURIComponent(card.caseId)}`, class: 'reflow-card-case' },
          t('Open the case'),
        ),
      ),
      notesList(card.notes),
      h('div', { class: 'reflow-card-note-form' }, note, ' ', send),
    );
  }

  function render(): void {
    const chosen = level.value;
    const shown = open.filter((c) => chosen === '' || c.level === chosen);
    const red = open.filter((c) => c.level === 'red').length;
    replaceChildren(
      summary,
      h(
        'span',
        { class: 'reflow-card-badge reflow-card-badge-red', id: 'reflow-supervision-red' },
        `${t('Red card')} ${red}`,
      ),
      ' ',
      h(
        'span',
        { class: 'reflow-card-badge reflow-card-badge-yellow', id: 'reflow-supervision-yellow' },
        `${t('Yellow card')} ${open.length - red}`,
      ),
    );
    replaceChildren(
      tables,
      h(
        'div',
        null,
        h('h3', null, t('By department')),
        countTable(
          'reflow-supervision-departments',
          'Department',
          countBy(shown, (c) => c.department ?? ''),
        ),
      ),
      h(
        'div',
        null,
        h('h3', null, t('By process')),
        countTable(
          'reflow-supervision-processes',
          'Process',
          countBy(shown, (c) => `${c.processKey} v${c.version}`),
        ),
      ),
      h(
        'div',
        null,
        h('h3', null, t('Ageing')),
        countTable('reflow-supervision-ageing', 'Open for', ageing(shown, Date.now())),
      ),
      h(
        'div',
        null,
        h('h3', null, t('Worst steps')),
        countTable('reflow-supervision-steps', 'Step', worstSteps(history)),
      ),
    );
    replaceChildren(cardList, shown.length === 0 ? t('No open cards') : shown.map(cardElement));
    void import('./supervision-chart.js').then((c) =>
      c.drawTrend(chart, t('Cards raised per week'), [t('Yellow card'), t('Red card')], weeklyTrend(history)),
    );
  }

  async function refresh(full = false): Promise<void> {
    try {
      const answer = await fetchCards(false, full ? null : etag);
      if (answer === null) return; // unchanged
      open = answer.body;
      etag = answer.etag;
      history = (await fetchCards(true, null))?.body ?? history;
      render();
      status.set('info', `${t('Updated')} ${formatTime(new Date().toISOString())}`);
    } catch (error) {
      status.error(error);
    }
  }

  level.addEventListener('change', render);
  return {
    element,
    async show() {
      await refresh(true);
      if (timer === null)
        timer = setInterval(() => {
          if (!element.hidden) void refresh();
        }, POLL_MS);
    },
  };
}
