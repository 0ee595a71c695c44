/**
 * 经办人指标 under the inbox: the figures per person of GET /api/metrics/people, every figure of its catalogue
 * (engine/metrics PERSON_FIGURES, labels and units as the API states them) — a lead sees their department's
 * people (科室工作量), an auditor or administrator everyone, a member their own row. No ID or phone number:
 * a person is their name and department.
 */
import { figureDefinition } from '../../../../engine/browser.js';
import { api, type Identity } from '../../api/client.js';
import { formatFigure, h } from '../../dom.js';
import { language, t } from '../../i18n/language.js';

interface FigureEntry {
  key: string;
  zh: string;
  en: string;
  unit: string;
}

type Person = { userId: string; name: string; department: string | null } & Record<string, unknown>;

/** Who sees which people: null when the caller has no figures to see (a designer, an intake window). */
export function peopleScope(me: Identity): 'all' | 'department' | 'own' | null {
  if (me.roles.includes('admin') || me.roles.includes('auditor')) return 'all';
  if (!me.roles.includes('department')) return null;
  return me.lead ? 'department' : 'own';
}

/**
 * A person as a clerk reads them: their name; a token of the tokens file without a person's name is named by its
 * department (`department:市场监管`, server/auth/tokens.ts) and shown as that department's token.
 */
export function personLabel(p: { userId: string; name: string }): string {
  const shared = p.name === p.userId ? /^department:(.+)$/.exec(p.userId) : null;
  return shared ? t('{department} (department token)', { department: shared[1] }) : p.name;
}

/**
 * A figure's cell: a rate as a percentage, with its count and whole beside as the catalogue pairs them (环节红牌率
 * "25.0% (1 / 4)": red-carded steps of the steps with a time limit), a count or days as the number.
 */
function cell(f: FigureEntry, p: Person): (string | HTMLElement)[] {
  const shown = formatFigure(p[f.key], f.unit === 'rate' ? 'rate' : 'number');
  const definition = figureDefinition(f.key);
  const count = definition?.wholeKey ? p[definition.countKey ?? ''] : undefined;
  const whole = definition?.wholeKey ? p[definition.wholeKey] : undefined;
  return typeof count === 'number' && typeof whole === 'number' && whole > 0
    ? [shown, h('span', { class: 'reflow-beside' }, ` (${count} / ${whole})`)]
    : [shown];
}

/** The heading and the table of figures per person, or null when the caller sees none. */
export async function peopleFigures(me: Identity): Promise<HTMLElement[] | null> {
  const scope = peopleScope(me);
  if (!scope) return null;
  const { figures, people } = await api<{ figures: FigureEntry[]; people: Person[] }>('/api/metrics/people');
  const sorted = [...people].sort(
    (a, b) => Number(b.openTasks) - Number(a.openTasks) || a.name.localeCompare(b.name, 'zh'),
  );
  const title =
    scope === 'all'
      ? t('Figures per person')
      : scope === 'department'
        ? t('Team load ({department})', { department: me.department ?? '' })
        : t('My figures');
  return [
    h('h3', null, title),
    sorted.length === 0
      ? h('p', { class: 'reflow-empty', id: 'reflow-team-load-empty' }, t('No figures yet'))
      : h(
          'table',
          { class: 'reflow-table', id: 'reflow-team-load-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, t('Person')),
              scope === 'all' ? h('th', null, t('Department')) : null,
              figures.map((f) =>
                h(
                  'th',
                  { 'data-figure': f.key },
                  language === 'zh' ? f.zh : f.en,
                  // days are working days; rates are shown as percentages, counts as they are
                  f.unit === 'days' ? `（${t('Working days')}）` : null,
                ),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            sorted.map((p) =>
              h(
                'tr',
                { 'data-user-id': p.userId },
                h('td', { title: p.userId }, personLabel(p)),
                scope === 'all' ? h('td', null, p.department ?? '—') : null,
                figures.map((f) => h('td', { class: 'reflow-number', 'data-figure': f.key }, cell(f, p))),
              ),
            ),
          ),
        ),
  ];
}
