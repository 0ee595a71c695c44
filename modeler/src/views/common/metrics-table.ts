/** A table of figures side by side (two versions, before/after) with their difference. */
import { formatFigure, h } from '../../dom.js';
import { t } from '../../i18n/language.js';

export interface FigureRow {
  key: string;
  label: string;
  values: (number | null | undefined)[];
  kind?: 'number' | 'rate';
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
        const change =
          delta === null
            ? '—'
            : `${delta > 0 ? '+' : ''}${formatFigure(delta, row.kind)}${percent === null ? '' : ` (${percent > 0 ? '+' : ''}${percent.toFixed(1)}%)`}`;
        return h(
          'tr',
          { 'data-figure': row.key },
          h('th', { scope: 'row' }, t(row.label)),
          row.values.map((v, i) => h('td', { 'data-column': String(i) }, formatFigure(v, row.kind))),
          h(
            'td',
            {
              class: delta === null || delta === 0 ? '' : delta < 0 ? 'reflow-down' : 'reflow-up',
              'data-column': 'change',
            },
            change,
          ),
        );
      }),
    ),
  );
}
