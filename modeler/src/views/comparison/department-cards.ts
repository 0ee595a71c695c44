/**
 * 对比 by department: of each department's completed steps with a time limit, the share whose task got a card
 * (环节预警率) and a red card (环节红牌率), before and after, with the count and its whole beside each rate and
 * the change stated and coloured as the catalogue says (engine/metrics/figures.ts). The figures are the server's
 * (GET /api/processes/{key}/departments, the report's table).
 */
import { change, changeTone, changeWords, figureDefinition } from '../../../../engine/browser.js';
import type { DepartmentCards, DepartmentComparison } from '../../api/types.js';
import { formatFigure, h } from '../../dom.js';
import { language, t } from '../../i18n/language.js';

/** The two rates, each with its count; their whole is `stepsWithLimit`. */
const RATES = [
  { key: 'stepWarningRate', count: 'warnedSteps' },
  { key: 'stepRedCardRate', count: 'redCardSteps' },
] as const;

/** A rate with its count and whole beside: "26.7% (8 / 30)"; "—" for a department without such steps. */
function rateCell(row: DepartmentCards | undefined, rate: (typeof RATES)[number], column: string) {
  return h(
    'td',
    { class: 'reflow-number', 'data-column': column },
    formatFigure(row?.[rate.key] ?? null, 'rate'),
    row && row.stepsWithLimit > 0
      ? h('span', { class: 'reflow-beside' }, ` (${row[rate.count]} / ${row.stepsWithLimit})`)
      : null,
  );
}

export function departmentCardsTable(result: DepartmentComparison, names: [string, string]): HTMLElement {
  const before = new Map(result.before.map((d) => [d.department ?? '', d]));
  const after = new Map(result.after.map((d) => [d.department ?? '', d]));
  // the before's departments first (a reform often renames or merges them), then those new in the after
  const departments = [...new Set([...before.keys(), ...after.keys()])];
  if (departments.length === 0)
    return h(
      'p',
      { class: 'reflow-empty', id: 'reflow-department-cards-empty' },
      t('No completed steps with a time limit yet'),
    );
  return h(
    'table',
    { class: 'reflow-table reflow-figures', id: 'reflow-department-cards' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { rowspan: '2' }, t('Department')),
        RATES.map((rate) =>
          h(
            'th',
            { colspan: '3', 'data-figure': rate.key },
            figureDefinition(rate.key)?.[language] ?? rate.key,
          ),
        ),
      ),
      h(
        'tr',
        null,
        RATES.flatMap(() => [h('th', null, names[0]), h('th', null, names[1]), h('th', null, t('Change'))]),
      ),
    ),
    h(
      'tbody',
      null,
      departments.map((name) => {
        const b = before.get(name);
        const a = after.get(name);
        return h(
          'tr',
          { 'data-department': name },
          h('th', { scope: 'row' }, name === '' ? t('(no department)') : name),
          RATES.flatMap((rate) => {
            const definition = figureDefinition(rate.key);
            const values = change(b?.[rate.key] ?? null, a?.[rate.key] ?? null);
            const tone = changeTone(definition?.better ?? 'neither', values.delta);
            return [
              rateCell(b, rate, '0'),
              rateCell(a, rate, '1'),
              h(
                'td',
                {
                  class: tone === 'neutral' ? '' : tone === 'better' ? 'reflow-better' : 'reflow-worse',
                  'data-column': 'change',
                  'data-tone': tone,
                },
                (definition ? changeWords(definition, values, language) : null) ?? '—',
              ),
            ];
          }),
        );
      }),
    ),
  );
}
