/**
 * A table of figures side by side (two versions, before/after) with their change, stated and coloured as the
 * catalogue of figures says (engine/metrics/figures.ts): a rate's change in percentage points (个百分点), a
 * count's or duration's as the difference and percent; green when it moved the better way, red when the worse,
 * uncoloured for counts that follow the number of cases.
 */
import { change as changeOf, changeTone, changeWords, figureDefinition } from '../../../../engine/browser.js';
import { formatFigure, h } from '../../dom.js';
import { language, t } from '../../i18n/language.js';

export interface FigureRow {
  key: string;
  label: string;
  values: (number | null | undefined)[];
  kind?: 'number' | 'rate';
  /** Shown beside each value (e.g. a rate's count and its whole: "26 / 28"). */
  beside?: (string | null)[];
  /** The change as the API computed it, when it did. */
  delta?: number | null;
  percent?: number | null;
}

export function figureTable(id: string, headers: string[], rows: FigureRow[]): HTMLTableElement {
  return h(
    'table',
    { class: 'reflow-table reflow-figures', id },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, t('Figure')),
        headers.map((x) => h('th', null, x)),
        h('th', null, t('Change')),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((row) => {
        const [before, after] = row.values;
        const delta =
          row.delta !== undefined
            ? row.delta
            : typeof before === 'number' && typeof after === 'number'
              ? after - before
              : null;
        const percent =
          row.percent !== undefined
            ? row.percent
            : typeof before === 'number' && before !== 0 && delta !== null
              ? (100 * delta) / before
              : null;
        const definition = figureDefinition(row.key);
        const kind = row.kind ?? (definition?.unit === 'rate' ? 'rate' : 'number');
        const values = {
          ...changeOf(typeof before === 'number' ? before : null, typeof after === 'number' ? after : null),
          delta,
          percent,
        };
        const change =
          (definition
            ? changeWords(definition, values, language)
            : delta === null
              ? null
              : `${delta > 0 ? '+' : ''}${formatFigure(delta, kind)}${percent === null ? '' : ` (${percent > 0 ? '+' : ''}${percent.toFixed(1)}%)`}`) ??
          '—';
        const tone = changeTone(definition?.better ?? 'neither', delta);
        return h(
          'tr',
          { 'data-figure': row.key },
          h('th', { scope: 'row' }, definition ? definition[language] : t(row.label)),
          row.values.map((v, i) =>
            h(
              'td',
              { 'data-column': String(i) },
              formatFigure(v, kind),
              row.beside?.[i] ? h('span', { class: 'reflow-beside' }, ` ${row.beside[i]}`) : null,
            ),
          ),
          h(
            'td',
            {
              class: tone === 'neutral' ? '' : tone === 'better' ? 'reflow-better' : 'reflow-worse',
              'data-column': 'change',
              'data-tone': tone,
            },
            change,
          ),
        );
      }),
    ),
  );
}
